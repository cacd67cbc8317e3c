"""A tiny random Whisper in transformers' own format, built offline (no download).

Every part is real and small: a 2-layer encoder and decoder with d_model 16 over the
published models' 80 mel bins and 30-second window, the real feature extractor, and a
byte-level BPE tokenizer with Whisper's special tokens in Whisper's order (end of text,
start of transcript, the 99 language tokens, task tokens, no-timestamps, then the 1501
timestamp tokens), built with ``tokenizers`` because the real vocabulary would have to be
downloaded. The generation config carries what Whisper's generate reads: language and task
ids, and alignment heads for word timings. Its weights are random, so its words are
garbage — the tests check the plumbing, not the transcript.
"""

from __future__ import annotations

from pathlib import Path

from tools._torch_env import without_broken_torchaudio

_MERGES = [("t", "h"), ("th", "e"), ("Ġ", "the"), ("Ġ", "a"), ("i", "n"), ("o", "n")]


def build(folder: Path, seed: int = 0) -> Path:
    """Write the tiny model's folder (config, generation config, weights, processor files)."""
    import torch

    with without_broken_torchaudio():
        from tokenizers.pre_tokenizers import ByteLevel
        from transformers import (
            GenerationConfig,
            WhisperConfig,
            WhisperFeatureExtractor,
            WhisperForConditionalGeneration,
            WhisperTokenizer,
        )
        from transformers.models.whisper.tokenization_whisper import LANGUAGES

    vocab = {ch: i for i, ch in enumerate(sorted(ByteLevel.alphabet()))}
    for a, b in _MERGES:
        vocab[a + b] = len(vocab)
    vocab["<|endoftext|>"] = eot = len(vocab)
    specials = ["<|startoftranscript|>", *(f"<|{code}|>" for code in LANGUAGES)]
    specials += ["<|translate|>", "<|transcribe|>", "<|startoflm|>", "<|startofprev|>", "<|nospeech|>"]
    specials += ["<|notimestamps|>"]
    tokenizer = WhisperTokenizer(vocab=vocab, merges=_MERGES, additional_special_tokens=specials)
    tokenizer.add_tokens([f"<|{i * 0.02:.2f}|>" for i in range(1501)])
    ids = tokenizer.convert_tokens_to_ids

    config = WhisperConfig(
        vocab_size=len(tokenizer), num_mel_bins=80, d_model=16, encoder_layers=2, decoder_layers=2,
        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32,
        max_source_positions=1500, max_target_positions=448, pad_token_id=eot, bos_token_id=eot,
        eos_token_id=eot, decoder_start_token_id=ids("<|startoftranscript|>"),
    )  # fmt: skip
    torch.manual_seed(seed)
    model = WhisperForConditionalGeneration(config)
    model.generation_config = GenerationConfig(
        decoder_start_token_id=ids("<|startoftranscript|>"), eos_token_id=eot, pad_token_id=eot,
        bos_token_id=eot, max_length=32, is_multilingual=True,  # short: random weights never stop
        lang_to_id={f"<|{code}|>": ids(f"<|{code}|>") for code in LANGUAGES},
        task_to_id={"transcribe": ids("<|transcribe|>"), "translate": ids("<|translate|>")},
        no_timestamps_token_id=ids("<|notimestamps|>"), prev_sot_token_id=ids("<|startofprev|>"),
        alignment_heads=[[1, 0], [1, 1]], begin_suppress_tokens=[eot], suppress_tokens=[],
        max_initial_timestamp_index=50, return_timestamps=False,
    )  # fmt: skip
    model.save_pretrained(folder)
    # As the Hub's repositories have it: preprocessor_config.json and the tokenizer files
    # (a processor's own save writes one processor_config.json instead).
    WhisperFeatureExtractor().save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
