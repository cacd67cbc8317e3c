"""transcribe's ``whisper`` backend: OpenAI's Whisper through transformers, from an installed folder.

The folder comes from :mod:`tools._models` (``troupe models pull whisper-small`` or ``troupe
models import``) and is loaded with ``local_files_only=True`` — nothing is downloaded — on the
step's device (:mod:`tools._devices`: a GPU when there is one, in float16) into the
process-wide model cache. The recording is streamed, cut at its pauses into utterances of at
most one 30-second Whisper window (:mod:`._utterances`), and each utterance is recognised
with word timings from the model's cross-attention alignment heads (transformers'
``return_timestamps="word"``). With ``language="auto"`` Whisper names each utterance's language
itself; the transcript's language is the one spoken longest.
"""

from __future__ import annotations

import importlib.util
import json
import math
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .. import ToolContext
from .._devices import MODELS, half_precision, on_device, torch_size
from .._media import iter_audio_blocks
from .._models import Installed, best_installed
from .._torch_env import without_broken_torchaudio
from ..errors import BadInput
from ._audio import peak_dbfs, to_pcm16
from ._sphinx import SAMPLE_RATE
from ._utterances import UtteranceCutter, pcm_to_float

__all__ = ["BACKEND", "Transcript", "available", "best_model", "check_language", "transcribe"]

BACKEND = "whisper"
#: Whisper sees 30 s at a time; utterances stop a little short so a frame never spills over.
_WINDOW_S = 29.5
_BLOCK_S = 10.0
_LOCK = threading.Lock()


@dataclass
class Transcript:
    """What the backend heard: words and utterances with times in seconds, and the language."""

    words: list[dict] = field(default_factory=list)
    segments: list[dict] = field(default_factory=list)
    language: str | None = None
    heard_s: float = 0.0
    peak_dbfs: float = float("-inf")
    device: str = "cpu"
    device_note: str | None = None


def available() -> bool:
    """Whether the libraries the backend needs are installed (nothing is imported)."""
    return all(importlib.util.find_spec(m) is not None for m in ("torch", "transformers"))


def best_model() -> Installed | None:
    """The highest-ranked installed Whisper model, or None."""
    return best_installed(BACKEND)


def languages(model: Installed) -> list[str]:
    """The ISO codes the model knows, read from its generation config."""
    try:
        config = json.loads((model.path / "generation_config.json").read_text(encoding="utf-8"))
        return [token.strip("<|>") for token in config["lang_to_id"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return ["en"]  # an English-only checkpoint has no language tokens


def check_language(model: Installed, language: str) -> str | None:
    """The ISO code to transcribe in (None: let Whisper detect it).

    Accepts a code ("fr"), a code with a region ("en-US"), an English name ("french") or "auto".

    Raises:
        BadInput: a language the model does not know (the message lists those it knows).
    """
    code = language.strip().lower().replace("_", "-").split("-")[0]
    if code == "auto":
        return None
    known = languages(model)
    if code not in known and len(code) > 3:
        code = _code_of_name(code) or code
    if code not in known:
        raise BadInput(
            f"unknown language {language!r} for {model.entry.name}; give 'auto' or an ISO 639-1 code "
            f"it knows: {', '.join(sorted(known))}"
        )
    return code


def _code_of_name(name: str) -> str | None:
    with without_broken_torchaudio():
        from transformers.models.whisper.tokenization_whisper import TO_LANGUAGE_CODE

    return TO_LANGUAGE_CODE.get(name)


def transcribe(
    model: Installed, path: Path, language: str | None, total_s: float | None, ctx: ToolContext
) -> Transcript:
    """Recognise the speech in ``path`` (a CUDA out-of-memory step is redone on the CPU)."""
    ctx.report(0.0, f"loading {model.entry.name}")

    def run(dev: str) -> Transcript:
        return _transcribe_on(dev, model, path, language, total_s, ctx)

    result, dev, note = on_device(ctx.device, run)
    result.device, result.device_note = dev, note
    return result


def _transcribe_on(
    dev: str, model: Installed, path: Path, language: str | None, total_s: float | None, ctx: ToolContext
) -> Transcript:
    net, processor, pipe = _load(model, dev)
    out = Transcript()
    spoken: Counter[str] = Counter()
    cutter = UtteranceCutter(_WINDOW_S)

    def recognise(start_s: float, pcm: bytes) -> None:
        y = pcm_to_float(pcm)
        lang = language or _detect(net, processor, y)
        spoken[lang] += len(y)
        heard_s = len(y) / SAMPLE_RATE  # resampling may add a sample or two past the recording's end
        _add_words(
            out, start_s, min(heard_s, total_s - start_s) if total_s else heard_s, lang, _words(pipe, y, lang)
        )

    ctx.report(0.02, f"listening ({model.entry.name} on {dev})")
    for block in iter_audio_blocks(path, SAMPLE_RATE, _BLOCK_S):
        out.peak_dbfs = max(out.peak_dbfs, peak_dbfs(block))
        out.heard_s += block.size / SAMPLE_RATE
        for start_s, pcm in cutter.feed(to_pcm16(block)):
            recognise(start_s, pcm)
        if total_s:
            ctx.report(min(out.heard_s / total_s, 0.99), f"{out.heard_s / 60:.1f} of {total_s / 60:.1f} min")
        else:
            ctx.check_cancelled()
    for start_s, pcm in cutter.finish():
        recognise(start_s, pcm)
    out.language = spoken.most_common(1)[0][0] if spoken else language
    return out


def _detect(net: Any, processor: Any, y: np.ndarray) -> str:
    import torch

    features = processor(y, sampling_rate=SAMPLE_RATE, return_tensors="pt").input_features
    with _LOCK, torch.inference_mode():
        lang_id = int(net.detect_language(features.to(net.device, net.dtype))[0])
    return processor.tokenizer.convert_ids_to_tokens(lang_id).strip("<|>")


def _words(pipe: Any, y: np.ndarray, language: str) -> list[tuple[str, float, float]]:
    """(word, start, end) within the utterance, as Whisper's alignment heads place them."""
    with _LOCK:  # one decode at a time per process: the model is shared
        out = pipe(
            {"raw": y, "sampling_rate": SAMPLE_RATE},
            return_timestamps="word",
            generate_kwargs={"language": language, "task": "transcribe"},
        )
    words = []
    for chunk in out.get("chunks") or ():
        start, end = chunk.get("timestamp") or (None, None)
        if start is None:
            continue
        words.append(
            (str(chunk.get("text", "")).strip(), float(start), float(end if end is not None else start))
        )
    return words


def _add_words(
    out: Transcript, start_s: float, duration_s: float, language: str, words: list[tuple[str, float, float]]
) -> None:
    """Words of one utterance placed on the recording's clock, kept inside the utterance, in order."""
    placed = []
    for text, start, end in words:
        if not text:
            continue
        s = start_s + min(max(start, 0.0), duration_s)
        e = start_s + min(max(end, start, 0.0), duration_s)
        # to the millisecond below: rounding up could put the last word past the recording's end
        placed.append(
            {"word": text, "start_s": math.floor(s * 1000) / 1000, "end_s": math.floor(e * 1000) / 1000}
        )
    placed.sort(key=lambda w: (w["start_s"], w["end_s"]))
    if placed:
        out.words += placed
        out.segments.append(
            {
                "text": " ".join(w["word"] for w in placed),
                "start_s": placed[0]["start_s"],
                "end_s": placed[-1]["end_s"],
                "language": language,
            }
        )


def _load(model: Installed, dev: str) -> tuple[Any, Any, Any]:
    """Model, processor and ASR pipeline of ``model`` on ``dev`` from the shared cache; the
    revision is part of the key, so a new install loads afresh."""
    key = (BACKEND, str(model.path), model.revision, dev)
    return MODELS.get(key, lambda: _read(model, dev), lambda loaded: torch_size(loaded[0]))


def _read(model: Installed, dev: str) -> tuple[Any, Any, Any]:
    folder = str(model.path)
    with without_broken_torchaudio():
        import torch
        from transformers import WhisperForConditionalGeneration, WhisperProcessor, pipeline
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()  # its notices and progress bars are not Troupe's to print
        hf_logging.disable_progress_bar()
        dtype = torch.float16 if half_precision(dev) else torch.float32
        try:
            processor = WhisperProcessor.from_pretrained(folder, local_files_only=True)
            # eager attention: word timings read the cross-attention weights
            net = WhisperForConditionalGeneration.from_pretrained(
                folder, local_files_only=True, dtype=dtype, attn_implementation="eager"
            )
        except (OSError, ValueError, KeyError) as e:
            raise BadInput(
                f"{folder} does not hold a loadable Whisper model ({type(e).__name__}: {e}); "
                f"pull it again with `troupe models pull {model.entry.name}`"
            ) from None
        net.to(dev).eval()
        pipe = pipeline(
            "automatic-speech-recognition",
            model=net,
            tokenizer=processor.tokenizer,
            feature_extractor=processor.feature_extractor,
            device=dev,
            dtype=dtype,
        )
    return net, processor, pipe
