"""A tiny random MusicGen in transformers' own format, built offline (no download).

Every part is real and small: a 2-layer T5 text encoder, a small EnCodec with the
published models' 640-sample hop (50 frames a second at 32 kHz), a 2-layer decoder over 4
codebooks, and a Unigram tokenizer built with ``tokenizers`` and saved as ``tokenizer.json``
(T5's own tokenizer is a SentencePiece model, which would have to be downloaded). Its
weights are random, so its music is noise — the tests check the plumbing, not the music.

``melody=True`` builds a MusicGen-melody instead (the same parts, a decoder that also reads
12-bin chroma, and the ``preprocessor_config.json`` of the published model), saved in shards
with an index the way the Hub's ``facebook/musicgen-melody`` is.
"""

from __future__ import annotations

import json
from pathlib import Path

from tools._torch_env import without_broken_torchaudio

WORDS = "a b c d e f g h i j k l m n o p q r s t u v w x y z ▁soft ▁piano ▁music ▁happy ▁drums"


#: The published musicgen-melody's feature extractor settings (its preprocessor_config.json).
MELODY_PREPROCESSOR = {
    "chunk_length": 30, "feature_extractor_type": "MusicgenMelodyFeatureExtractor", "feature_size": 12,
    "hop_length": 4096, "n_fft": 16384, "num_chroma": 12, "padding_side": "left", "padding_value": 0.0,
    "processor_class": "MusicgenMelodyProcessor", "return_attention_mask": False, "sampling_rate": 32000,
}  # fmt: skip


def build(folder: Path, seed: int = 0, melody: bool = False) -> Path:
    """Write the tiny model's folder (config, generation config, weights, tokenizer)."""
    import torch

    with without_broken_torchaudio():
        from tokenizers import Tokenizer, decoders, models, pre_tokenizers
        from transformers import (
            EncodecConfig,
            GenerationConfig,
            MusicgenConfig,
            MusicgenDecoderConfig,
            MusicgenForConditionalGeneration,
            MusicgenMelodyConfig,
            MusicgenMelodyDecoderConfig,
            MusicgenMelodyForConditionalGeneration,
            PreTrainedTokenizerFast,
            T5Config,
        )

    vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -1.0)]
    vocab += [(w, -2.0 - i) for i, w in enumerate(WORDS.split())]
    tok = Tokenizer(models.Unigram(vocab, unk_id=2))
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="<pad>", eos_token="</s>", unk_token="<unk>"
    )

    text = T5Config(vocab_size=len(vocab), d_model=16, d_kv=4, d_ff=32, num_layers=2, num_heads=2)
    audio = EncodecConfig(
        sampling_rate=32000, audio_channels=1, num_filters=4, hidden_size=8, upsampling_ratios=[8, 5, 4, 4],
        codebook_size=32, num_lstm_layers=1, target_bandwidths=[2.2], codebook_dim=8,
    )  # fmt: skip
    decoder = (MusicgenMelodyDecoderConfig if melody else MusicgenDecoderConfig)(
        vocab_size=32, hidden_size=16, num_hidden_layers=2, num_attention_heads=2, ffn_dim=32,
        num_codebooks=4, max_position_embeddings=512, pad_token_id=32, bos_token_id=32,
    )  # fmt: skip
    parts = {"text_encoder": text.to_dict(), "audio_encoder": audio.to_dict(), "decoder": decoder.to_dict()}
    config = (
        MusicgenMelodyConfig(**parts, num_chroma=12, chroma_length=235) if melody else MusicgenConfig(**parts)
    )
    torch.manual_seed(seed)
    model = (MusicgenMelodyForConditionalGeneration if melody else MusicgenForConditionalGeneration)(config)
    with torch.no_grad():  # EnCodec's codebooks start as zeros: every code would decode alike
        for layer in model.audio_encoder.quantizer.layers:
            layer.codebook.embed.normal_()
            layer.codebook.embed_avg.copy_(layer.codebook.embed)
        if melody:  # at the usual 0.02 init a melody moves the logits by 1e-4: no sample would change
            for weight in (p for p in model.decoder.parameters() if p.dim() > 1):
                weight.normal_(std=0.5)
            model.audio_enc_to_dec_proj.weight.normal_(std=1.0)
    model.generation_config = GenerationConfig(
        decoder_start_token_id=32, pad_token_id=32, do_sample=True, guidance_scale=3.0, max_length=512
    )
    model.save_pretrained(folder, max_shard_size="100KB" if melody else "5GB")
    tokenizer.save_pretrained(folder)
    if melody:
        (folder / "preprocessor_config.json").write_text(json.dumps(MELODY_PREPROCESSOR, indent=2))
    return folder
