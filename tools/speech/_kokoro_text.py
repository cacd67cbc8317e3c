"""Kokoro's text side: espeak-ng IPA into Kokoro's symbols, and symbol timings into phonemes and words.

The text is read into IPA by espeak-ng (:mod:`._espeak`), the way kokoro-onnx does, its pauses kept
as punctuation; the few pairs Kokoro's vocabulary writes as one character (``eɪ`` → ``A``, ``dʒ`` →
``ʤ``…) are joined as misaki's espeak fallback joins them, each symbol keeping the espeak IPA it
stands for, so the timings speak the IPA talking_face reads.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import numpy as np

from ..errors import BadInput
from ._espeak import espeak_phonemes

__all__ = ["aligned", "group", "phonemize", "runs", "symbols"]

#: espeak's IPA pairs that Kokoro's vocabulary writes as one symbol (misaki's espeak fallback).
_JOINED = {"eɪ": "A", "aɪ": "I", "aʊ": "W", "oʊ": "O", "əʊ": "O", "ɔɪ": "Y", "dʒ": "ʤ", "tʃ": "ʧ"}
_STRESS = frozenset("ˈˌ")
_MODIFIERS = frozenset("ːˑ̩̯̃ʰʲʷ")
_PAUSE = re.compile(r"\s*([,;:.!?—…]+)\s*")
_VOWELS = frozenset("aeiouæɑɐɒɔəɚɛɜɝɪʊʌᵻɨʉøœɵɤɯy")
#: Samples a second of the durations given to :func:`group`.
SAMPLE_RATE = 24000


# -- text to symbols ---------------------------------------------------------------------------


def phonemize(sentence: str, language: str) -> str:
    """espeak's IPA of the sentence, words apart by spaces, its pauses kept as punctuation."""
    parts = _PAUSE.split(sentence)
    out = []
    for i, part in enumerate(parts):
        if i % 2:  # a pause mark, against the word before it as kokoro-onnx writes it
            if out:
                out[-1] = out[-1].rstrip()
            out.append(part[0] + " ")
        elif part.strip():
            out.append(espeak_phonemes(part, language) + " ")
    return "".join(out).strip()


def symbols(ipa: str, vocab: dict[str, int] | None) -> list[tuple[str, str]]:
    """``(token, ipa label)`` pairs: Kokoro's symbol and the espeak IPA it stands for; symbols
    outside ``vocab`` are left out (None keeps them all: labels for timings)."""
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(ipa):
        pair = ipa[i : i + 2]
        if pair in _JOINED and (vocab is None or _JOINED[pair] in vocab):
            out.append((_JOINED[pair], pair))
            i += 2
            continue
        if vocab is None or ipa[i] in vocab:
            out.append((ipa[i], ipa[i]))
        i += 1
    return out


def runs(symbols: list[tuple[str, str]], limit: int) -> list[list[tuple[str, str]]]:
    """Runs of at most ``limit`` symbols, cut after a pause or else at a word break."""
    out, start = [], 0
    while len(symbols) - start > limit:
        window = symbols[start : start + limit]
        spaces = [i for i, (t, _) in enumerate(window) if t == " " and i > 0]
        pauses = [i for i in spaces if window[i - 1][0] in ",;:.!?—…"]
        cut = (pauses or spaces or [limit])[-1]
        out.append(window[:cut])
        start += cut
    out.append(symbols[start:])
    return [r for r in out if r]


# -- timings -----------------------------------------------------------------------------------


def group(
    timed: list[tuple[str, float]],
) -> tuple[list[tuple[str, float, float]], list[tuple[float, float]]]:
    """Phonemes (marks merged) and the span of each space-separated group, in seconds."""
    phonemes: list[list] = []
    spans: list[tuple[float, float]] = []
    word: list[list] = []
    t = pending = 0.0
    for label, n in timed:
        duration = n / SAMPLE_RATE
        if label in _STRESS:
            pending += duration
        elif label in _MODIFIERS and word:
            word[-1][0] += label
            word[-1][2] += duration
        elif not any(ch.isalpha() for ch in label):  # space, pause, pad
            if word:
                spans.append((word[0][1], word[-1][2]))
                word = []
        else:
            entry = [label, t - pending, t + duration]
            phonemes.append(entry)
            word.append(entry)
            pending = 0.0
        t += duration
    if word:
        spans.append((word[0][1], word[-1][2]))
    return [(p[0], p[1], p[2]) for p in phonemes], spans


def aligned(
    audio: np.ndarray, sentence: str, language: str
) -> tuple[list[tuple[str, float, float]], list[tuple[str, float, float]]]:
    """Word times by forced alignment of the audio; each word's IPA phonemes share its time."""
    import soundfile as sf

    from .alignment import align

    with tempfile.TemporaryDirectory(prefix="troupe-kokoro-") as tmp:
        path = Path(tmp) / "sentence.wav"
        sf.write(path, audio, SAMPLE_RATE)
        try:
            words = [
                (w["word"], float(w["start_s"]), float(w["end_s"])) for w in align(path, sentence)["words"]
            ]
        except BadInput:  # a silent sentence: nothing to align, the words share its length
            words = _spread(sentence, audio.size / SAMPLE_RATE)
    phonemes: list[tuple[str, float, float]] = []
    for word, start, end in words:
        labels, _ = group([(label, 1.0) for _, label in symbols(espeak_phonemes(word, language), None)])
        weights = np.array([2.0 if _VOWELS & set(p) else 1.0 for p, _, _ in labels])
        if not weights.size or end <= start:
            continue
        edges = start + (end - start) * np.concatenate([[0.0], np.cumsum(weights) / weights.sum()])
        phonemes += [
            (p, float(a), float(b)) for (p, _, _), a, b in zip(labels, edges[:-1], edges[1:], strict=True)
        ]
    return words, phonemes


def _spread(sentence: str, duration_s: float) -> list[tuple[str, float, float]]:
    from ._text import tokens

    toks = tokens(sentence)
    edges = np.linspace(0.0, duration_s, len(toks) + 1)
    return [(t.word, float(a), float(b)) for t, a, b in zip(toks, edges[:-1], edges[1:], strict=True)]
