"""A tune for lyrics: rhythm from the syllables' stress, pitches from music_generate's rules.

Rhythm: stressed syllables start feet on strong beats (beats 1 and 3 of a 4/4 bar at a
moderate or fast tempo, every beat when slow); the unstressed syllables of a foot share its
weak part in eighths; each phrase's last syllable is held to the end of a bar, a beat's rest
before the next phrase, and a held syllable in mid-song gets a two-note melisma (a neighbour
tone resolving to the held note). Harmony and pitch reuse :mod:`._compose`: four-bar Markov
phrases with cadences (half cadences between phrases, V-I at the end), and the same pitch
chooser (steps preferred, chord tones on strong beats, an arch over the phrase). Phrase ends
land on stable degrees: the dominant at a half cadence, the tonic at the end.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._compose import _next_pitch, _phrase
from ._styles import TRANSITIONS
from ._theory import Key

__all__ = ["SING_RANGE", "SungNote", "compose_melody"]

#: Comfortable MIDI range of the voice (A2-F4: a baritone, where the Piper voice sounds natural).
SING_RANGE = (45, 65)
_METER = 4
_MIN_BEATS = 0.5  # shortest note: an eighth
_BREATH_BEATS = 1.0  # rest after a phrase


@dataclass
class SungNote:
    """One note of the tune, in beats (composed) or seconds (converted), and the syllable it carries."""

    start: float
    end: float
    pitch: int
    syllable: int


@dataclass
class Composition:
    """A composed tune: its notes (in beats), one chord degree per bar, and the bar count."""

    notes: list[SungNote]
    chords: list[int]
    n_bars: int
    melismas: int


def compose_melody(
    stressed: list[bool], phrase_of: list[int], key: Key, tempo_bpm: float, seed: int = 0
) -> Composition:
    """Notes for syllables with the given stress, grouped into phrases (``phrase_of[i]``)."""
    rng = np.random.default_rng(seed)
    foot = 2.0 if tempo_bpm >= 88 else 1.0
    phrases = [[i for i in range(len(stressed)) if phrase_of[i] == p] for p in sorted(set(phrase_of))]
    rhythm: list[tuple[float, float, int, int]] = []  # (start, end, syllable, phrase) in beats
    spans: list[tuple[int, int]] = []  # bars of each phrase (first, end exclusive)
    bar = 0
    for k, phrase in enumerate(phrases):
        notes, pickup = _phrase_rhythm([stressed[i] for i in phrase], foot, final=k == len(phrases) - 1)
        if rhythm and bar * _METER - pickup < rhythm[-1][1] + _MIN_BEATS:
            start, _end, syllable, _ = rhythm[-1]
            if bar * _METER - pickup - _MIN_BEATS - start >= 1.5:  # breathe sooner
                rhythm[-1] = (start, bar * _METER - pickup - _MIN_BEATS, syllable, k - 1)
            else:  # the pickup would overlap the held note: start a bar later
                bar += 1
        if not rhythm and pickup > 0:
            bar = math.ceil(pickup / _METER)
        origin = bar * _METER
        rhythm += [(origin + a, origin + b, phrase[j], k) for j, (a, b) in enumerate(notes)]
        end_bar = math.ceil((rhythm[-1][1] + 1e-6) / _METER)
        spans.append((bar, end_bar))
        bar = end_bar
    n_bars = bar
    chords = _chords(spans, n_bars, key.mode, rng)
    return _pitches(rhythm, chords, spans, key, rng, n_bars)


def _phrase_rhythm(stressed: list[bool], foot: float, final: bool) -> tuple[list[tuple[float, float]], float]:
    """Onsets and ends (beats from the phrase's first downbeat) and the pickup length."""
    if not any(stressed):
        stressed = [True, *stressed[1:]]
    first = stressed.index(True)
    pickup = first * _MIN_BEATS
    notes = [(-pickup + j * _MIN_BEATS, -pickup + (j + 1) * _MIN_BEATS) for j in range(first)]
    feet: list[list[int]] = []
    for j in range(first, len(stressed)):
        if stressed[j] or not feet:
            feet.append([j])
        else:
            feet[-1].append(j)
    t = 0.0
    for f, members in enumerate(feet):
        weak = len(members) - 1
        if f == len(feet) - 1:  # the phrase's last foot: its last syllable is held
            stressed_len = max(_MIN_BEATS, foot - weak * _MIN_BEATS) if weak else 0.0
            onsets = [t] + [t + stressed_len + j * _MIN_BEATS for j in range(weak)]
            notes += [(a, a + (stressed_len if j == 0 else _MIN_BEATS)) for j, a in enumerate(onsets[:-1])]
            notes.append((onsets[-1], _held_end(onsets[-1], final)))
            break
        length = foot * max(1, math.ceil((weak + 1) * _MIN_BEATS / foot - 1e-9))
        stressed_len = length - weak * _MIN_BEATS
        notes.append((t, t + stressed_len))
        notes += [
            (t + stressed_len + j * _MIN_BEATS, t + stressed_len + (j + 1) * _MIN_BEATS) for j in range(weak)
        ]
        t += length
    return notes, pickup


def _held_end(onset: float, final: bool) -> float:
    """Where a phrase's last note ends: a bar end (the song's end) or a beat before one."""
    rest = 0.0 if final else _BREATH_BEATS
    minimum = 2.0 if final else 1.5
    end = (math.floor(onset / _METER) + 1) * _METER - rest
    while end - onset < minimum:
        end += _METER
    return end


def _chords(spans: list[tuple[int, int]], n_bars: int, mode: str, rng: np.random.Generator) -> list[int]:
    """A chord degree per bar: each phrase a Markov phrase ending in a cadence."""
    table = TRANSITIONS[mode]
    chords = [0] * n_bars
    for k, (a, b) in enumerate(spans):
        final = k == len(spans) - 1
        cadence = "full" if final or k % 2 == 1 else "half"
        first = 0 if k % 2 == 0 else (5 if mode == "major" else 3)
        length = b - a
        degrees: list[int] = []
        while len(degrees) < length:
            degrees += _phrase(table, first, cadence, rng)
        degrees = degrees[-length:] if length <= 4 else degrees[:length]
        if length > 4:
            degrees[-2:] = [4, 0] if cadence == "full" else [degrees[-2], 4]
        if k == 0:
            degrees[0] = 0
        chords[a:b] = degrees
    # bars between phrases (none: phrases abut) keep the tonic
    return chords


def _pitches(
    rhythm: list[tuple[float, float, int, int]],
    chords: list[int],
    spans: list[tuple[int, int]],
    key: Key,
    rng: np.random.Generator,
    n_bars: int,
) -> Composition:
    lo, hi = SING_RANGE
    centre = (lo + hi) // 2
    prev = min((p for p in range(lo, hi + 1) if p % 12 == key.tonic), key=lambda p: abs(p - centre))
    notes: list[SungNote] = []
    melismas = 0
    phrase_ends = {max(i for i, r in enumerate(rhythm) if r[3] == k) for k in range(len(spans))}
    start_i = 0
    for i, (start, end, syllable, k) in enumerate(rhythm):
        if i == 0 or rhythm[i - 1][3] != k:
            start_i = i
        degree = chords[min(int(max(start, 0) // _METER), n_bars - 1)]
        if i in phrase_ends:
            final = i == len(rhythm) - 1
            half = not final and k % 2 == 0
            stable = key.scale[4] if half else key.tonic
            target = min((p for p in range(lo, hi + 1) if p % 12 == stable), key=lambda p: abs(p - prev))
            if not final and end - start >= 3.0:  # a held syllable: neighbour tone, then the held note
                above = min(p for p in range(target + 1, target + 3) if p % 12 in _scale(key, degree))
                notes.append(SungNote(start, start + 1.0, above, syllable))
                start += 1.0
                melismas += 1
            notes.append(SungNote(start, end, target, syllable))
            prev = target
            continue
        end_i = min(j for j in phrase_ends if j >= i)
        direction = 1 if (i - start_i) < (end_i - start_i + 1) / 2 else -1
        strong = start % 2 == 0 or (end - start) >= 2
        prev = _next_pitch(key, degree, prev, strong, direction, lo, hi, rng)
        notes.append(SungNote(start, end, prev, syllable))
    return Composition(notes, chords, n_bars, melismas)


def _scale(key: Key, degree: int) -> set[int]:
    scale = set(key.scale)
    if key.mode == "minor" and degree in (4, 6):
        scale = (scale - {key.scale[6]}) | {(key.scale[6] + 1) % 12}
    return scale
