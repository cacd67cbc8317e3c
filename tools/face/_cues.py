"""What the mouth should follow: timed phonemes and a loudness envelope, from any speech.

Phoneme timings come from the best source available, in this order:

1. the Audio's own ``meta["phonemes"]`` (text_to_speech writes them; audio_mix keeps them);
2. forced alignment of the known text (``meta["text"]`` or ``meta["words"]``) with
   ``tools.speech.align``, when the speech tools provide it;
3. phone recognition with pocketsphinx's English phone model (any speech, no text) and
   the learned audio-to-mouth model (:mod:`._mouth_model`, viseme probabilities every
   10 ms), both run and mixed frame by frame (:mod:`._coarticulation`); either alone when
   the other is missing (pocketsphinx is not in the ``face`` extra) or finds nothing;
4. the loudness envelope alone.

Exact timings (1, 2) drive the mouth alone: neither reader runs then.

The loudness envelope is always computed (streamed in blocks, so memory does not grow
with the audio's length): it scales how wide each syllable opens and drives the
envelope-only fallback.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._artifacts import Audio
from .._media import iter_audio_blocks
from ..errors import Cancelled

__all__ = ["BLEND", "MODEL", "RECOGNITION", "SpeechCues", "loudness_envelope", "mouth_meta", "speech_cues"]

log = logging.getLogger(__name__)

_SR = 16000
#: The sources that read untimed speech, and their mix (see :mod:`._coarticulation`).
RECOGNITION, MODEL = "phone recognition", "speech model"
BLEND = f"{RECOGNITION} + {MODEL}"
#: Frames quieter than this (dBFS, RMS) are silence, whatever the recording's level.
_SILENCE_DB = -50.0
#: Loudness is mapped to [0, 1] over this many dB below the recording's loud frames.
_DYNAMIC_RANGE_DB = 30.0
#: Phone recognition runs on blocks of this length, so long audio keeps memory bounded.
_RECOGNITION_BLOCK_S = 30.0
#: Audio either side of a block that the speech model sees, seconds.
_MODEL_CONTEXT_S = 1.0
#: Recognised silences shorter than this (10 ms frames) are dropped: real pauses are longer.
_MIN_PAUSE_FRAMES = 15


@dataclass(frozen=True)
class SpeechCues:
    """Timing information for one piece of speech.

    Attributes:
        fps: video frames per second; ``loudness`` has one value per frame.
        duration_s: length of the audio in seconds.
        loudness: per video frame, 0 (silence) to 1 (the recording's loud speech).
        phonemes: ``[{"phoneme", "start_s", "end_s"}, ...]`` or ``None`` when unknown.
        source: what drives the mouth: where the phonemes came from ("audio metadata",
            "forced alignment", "phone recognition"), "speech model" (``visemes``), both
            recognised phones and the model ("phone recognition + speech model"),
            "energy envelope", or "silence".
        visemes: with the speech model, ``(frames, len(CLASSES))`` viseme probabilities at
            :data:`._mouth_model.FRAME_RATE` (frame ``i`` at ``i / FRAME_RATE`` s), else None.
    """

    fps: float
    duration_s: float
    loudness: np.ndarray
    phonemes: list[dict[str, Any]] | None
    source: str
    visemes: np.ndarray | None = None

    @property
    def sources(self) -> tuple[str, ...]:
        """The sources that drove the mouth (two for the recognition + model mix)."""
        return tuple(self.source.split(" + "))

    @property
    def is_silent(self) -> bool:
        """True when the audio holds no audible sound at all."""
        return self.source == "silence"


def speech_cues(audio: Audio, fps: float, progress: Callable[[float, str], None] | None = None) -> SpeechCues:
    """Loudness per frame and the best phoneme timings available for ``audio``.

    Args:
        audio: the speech.
        fps: video frames per second.
        progress: told ``(fraction done, what is being done)`` between the stages.

    Raises:
        BadInput: the audio cannot be decoded or holds no samples.
        Cancelled: the running tool's step was cancelled (checked at every decoded block).
    """
    report = progress or (lambda fraction, message: None)
    report(0.0, "measuring loudness")
    loudness, duration_s, peak_db = loudness_envelope(audio.path, fps)
    if peak_db < _SILENCE_DB:
        return SpeechCues(fps, duration_s, np.zeros_like(loudness), None, "silence")
    exact = (("audio metadata", _from_metadata), ("forced alignment", _from_alignment))
    for i, (source, find) in enumerate(exact):
        report((i + 1) / 4, f"mouth shapes by {source}")
        found = _attempt(source, find, audio)
        if found:
            return SpeechCues(fps, duration_s, loudness, found, source)
    report(0.5, "mouth shapes by phone recognition")
    phones = _attempt(RECOGNITION, _from_recognition, audio)
    report(0.75, "mouth shapes by the speech model")
    visemes = _attempt(MODEL, _from_model, audio)
    if phones and visemes is not None:
        return SpeechCues(fps, duration_s, loudness, phones, BLEND, visemes=visemes)
    if phones:
        return SpeechCues(fps, duration_s, loudness, phones, RECOGNITION)
    if visemes is not None:
        return SpeechCues(fps, duration_s, loudness, None, MODEL, visemes=visemes)
    return SpeechCues(fps, duration_s, loudness, None, "energy envelope")


def mouth_meta(cues: SpeechCues) -> dict[str, Any]:
    """What drove the mouth, for a result's metadata.

    ``mouth_source`` names it ("phone recognition + speech model" for the mix),
    ``phoneme_source`` is its older name, ``mouth_sources`` lists the sources, and for the
    mix ``mouth_model_share`` is the speech model's share of each frame's reading.
    """
    from ._coarticulation import MODEL_SHARE

    meta: dict[str, Any] = {
        "mouth_source": cues.source,
        "phoneme_source": cues.source,
        "mouth_sources": list(cues.sources),
    }
    if cues.source == BLEND:
        meta["mouth_model_share"] = MODEL_SHARE
    return meta


def _attempt(source: str, find: Callable[[Audio], Any], audio: Audio) -> Any:
    """``find(audio)``, or None when that source fails (a fallback failing is not the user's problem)."""
    try:
        return find(audio)
    except Cancelled:
        raise
    except Exception as e:
        log.warning("talking_face: %s failed (%s); using the other sources", source, e)
        return None


def loudness_envelope(path: Path, fps: float) -> tuple[np.ndarray, float, float]:
    """Per-frame loudness in [0, 1], the duration in seconds, and the peak frame level in dBFS.

    Frames are ``1 / fps`` long. Loudness is RMS level in dB mapped linearly from
    :data:`_DYNAMIC_RANGE_DB` below the loud frames (95th percentile) to that level.
    """
    hop = _SR / fps
    levels_db: list[np.ndarray] = []
    carry = np.zeros(0, dtype=np.float32)
    n_samples = 0
    for block in iter_audio_blocks(path, _SR, block_s=10.0):
        n_samples += block.size
        samples = np.concatenate([carry, block])
        n_frames = int(samples.size // hop)
        edges = np.round(np.arange(n_frames + 1) * hop).astype(int)
        levels_db.append(_rms_db(samples, edges))
        carry = samples[edges[-1] :]
    if carry.size:
        levels_db.append(_rms_db(carry, np.array([0, carry.size])))
    db = np.concatenate(levels_db) if levels_db else np.full(1, -120.0)
    duration_s = n_samples / _SR
    n_video = max(1, math.ceil(duration_s * fps - 1e-6))
    db = np.pad(db, (0, max(0, n_video - db.size)), constant_values=-120.0)[:n_video]
    peak_db = float(db.max())
    loud_db = float(np.percentile(db[db > _SILENCE_DB], 95)) if (db > _SILENCE_DB).any() else peak_db
    loudness = np.clip((db - (loud_db - _DYNAMIC_RANGE_DB)) / _DYNAMIC_RANGE_DB, 0.0, 1.0)
    loudness[db < _SILENCE_DB] = 0.0
    return loudness.astype(np.float32), duration_s, peak_db


def _rms_db(samples: np.ndarray, edges: np.ndarray) -> np.ndarray:
    squares = np.concatenate([[0.0], np.cumsum(samples.astype(np.float64) ** 2)])
    counts = np.maximum(np.diff(edges), 1)
    mean_square = (squares[edges[1:]] - squares[edges[:-1]]) / counts
    return 10.0 * np.log10(mean_square + 1e-12)


def _valid(items: Any) -> list[dict[str, Any]] | None:
    """Phoneme entries that follow the speech contract, sorted by start; None if none do."""
    if not isinstance(items, list):
        return None
    good = []
    for item in items:
        try:
            start, end = float(item["start_s"]), float(item["end_s"])
            phoneme = str(item["phoneme"])
        except (KeyError, TypeError, ValueError):
            continue
        if math.isfinite(start) and math.isfinite(end) and end > start >= 0:
            good.append({"phoneme": phoneme, "start_s": start, "end_s": end})
    return sorted(good, key=lambda p: p["start_s"]) or None


def _from_metadata(audio: Audio) -> list[dict[str, Any]] | None:
    return _valid(audio.meta.get("phonemes"))


def _from_alignment(audio: Audio) -> list[dict[str, Any]] | None:
    text = audio.meta.get("text")
    if not text and isinstance(audio.meta.get("words"), list):
        text = " ".join(str(w.get("word", "")) for w in audio.meta["words"] if isinstance(w, dict))
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        from tools.speech import align
    except ImportError:
        return None
    return _valid(align(audio.path, text).get("phonemes"))


def _from_model(audio: Audio) -> np.ndarray | None:
    """Viseme probabilities every 10 ms from the audio-to-mouth model; None without its weights.

    The audio is read in blocks of :data:`_RECOGNITION_BLOCK_S`; each is run with
    :data:`_MODEL_CONTEXT_S` of its neighbours on both sides (more than the network's
    reach), so block edges do not show and memory stays bounded.
    """
    from ._mouth_model import FRAME_RATE, SR, log_mel, mouth_model

    model = mouth_model()
    if model is None:
        return None
    context = int(_MODEL_CONTEXT_S * SR)
    hop = SR // FRAME_RATE
    out: list[np.ndarray] = []
    previous: np.ndarray | None = None
    tail = np.zeros(0, dtype=np.float32)

    def run(block: np.ndarray, after: np.ndarray) -> None:
        before = tail[-context:]
        x = log_mel(np.concatenate([before, block, after[:context]]))
        lo = before.size // hop
        out.append(model.probabilities(x)[lo : lo + -(-block.size // hop)])

    for block in iter_audio_blocks(audio.path, _SR, block_s=_RECOGNITION_BLOCK_S):
        if previous is not None:
            run(previous, block)
            tail = previous
        previous = block
    if previous is None or previous.size == 0:
        return None
    run(previous, np.zeros(0, dtype=np.float32))
    return np.concatenate(out)


def _from_recognition(audio: Audio) -> list[dict[str, Any]] | None:
    """ARPAbet phones recognised by pocketsphinx, in blocks of :data:`_RECOGNITION_BLOCK_S`."""
    decoder, lock = _phone_decoder()
    phonemes: list[dict[str, Any]] = []
    offset_s = 0.0
    with lock:  # one decoder per process; decoding is fast (~0.05 × real time)
        for block in iter_audio_blocks(audio.path, _SR, block_s=_RECOGNITION_BLOCK_S):
            pcm = (np.clip(block, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
            decoder.start_utt()
            decoder.process_raw(pcm, full_utt=True)
            decoder.end_utt()
            for seg in decoder.seg():  # frames are 10 ms
                start = offset_s + seg.start_frame / 100.0
                if seg.word == "SIL" and seg.end_frame - seg.start_frame < _MIN_PAUSE_FRAMES:
                    continue  # a "silence" inside a word is the recogniser's, not the speaker's
                phonemes.append(
                    {"phoneme": seg.word, "start_s": start, "end_s": offset_s + (seg.end_frame + 1) / 100.0}
                )
            offset_s += block.size / _SR
    return _valid(phonemes)


@functools.cache
def _phone_decoder() -> tuple[Any, threading.Lock]:
    from pocketsphinx import Decoder, get_model_path

    model = os.path.join(get_model_path(), "en-us")
    decoder = Decoder(
        hmm=os.path.join(model, "en-us"),
        allphone=os.path.join(model, "en-us-phone.lm.bin"),
        lw=1.0, beam=1e-20, pbeam=1e-20, loglevel="ERROR",
    )  # fmt: skip
    return decoder, threading.Lock()
