"""Spoken syllables turned into sung notes with the WORLD vocoder (``pyworld``).

Each spoken phrase is analysed once into F0, spectral envelope and aperiodicity (5 ms frames).
Every syllable is then re-timed on the output's frame grid: its onset consonants end on the
note's onset (so the vowel, not the consonant, starts on the beat), its vowel is stretched to
fill the note (the first and last 30 ms keep their natural speed, so the consonant transitions
do not smear), and its coda closes the note. F0 is replaced by the notes' contour: a short
portamento between notes, a little overshoot after a leap, and vibrato that fades in on long
notes. The vowels are always voiced; consonants keep the voicing they were spoken with.
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass

import numpy as np

from tools.errors import ToolError

from ._sing_melody import SungNote
from ._sing_text import Phrase, Syllable

__all__ = ["SungVoice", "sing_voice"]

_FRAME_S = 0.005
_EDGE_S = 0.03  # of a vowel kept at natural speed at each end
_MAX_CONSONANT_S = 0.2
_LEAD_SHARE = 0.3  # at most this share of a note goes to the next syllable's onset consonants
_GLIDE_S = (0.05, 0.03)  # portamento before and after a note boundary
_VIBRATO_HZ = 5.5
_VIBRATO_ST = 0.25  # peak depth in semitones
_VIBRATO_AFTER_S = 0.3  # a note longer than this gets vibrato, fading in from here
_VOICED = frozenset("lmnŋɹjwɾvzðʒɫ")  # consonants voiced all through when sung
_PEAK = 10 ** (-3.0 / 20)  # -3 dBFS, like text_to_speech


@dataclass
class SungVoice:
    """The sung audio (mono float32), its sample rate and the re-timed phonemes and words."""

    audio: np.ndarray
    sample_rate: int
    phonemes: list[tuple[str, float, float]]
    words: list[tuple[str, float, float]]


@dataclass
class _Analysis:
    f0: np.ndarray
    sp: np.ndarray
    ap: np.ndarray


def sing_voice(phrases: list[Phrase], notes: list[SungNote], duration_s: float) -> SungVoice:
    """Sing the syllables of ``phrases`` on ``notes`` (seconds; ``note.syllable`` indexes the
    syllables of all phrases in order). The audio lasts ``duration_s`` plus any coda ringing on."""
    pw = _pyworld()
    sr = phrases[0].sample_rate
    analyses = [_analyse(pw, p.audio, sr) for p in phrases]
    syllables = [(k, s) for k, p in enumerate(phrases) for s in p.syllables]
    groups: list[list[SungNote]] = [[] for _ in syllables]
    for note in sorted(notes, key=lambda n: n.start):
        groups[note.syllable].append(note)
    knots = _knots([s for _, s in syllables], groups)
    n_out = int(np.ceil(max(duration_s, max(k[-1][0] for k in knots)) / _FRAME_S)) + 2
    f0_target = _contour(sorted(notes, key=lambda n: n.start), n_out)
    out = np.zeros(int(n_out * _FRAME_S * sr) + sr // 10, np.float32)
    phonemes: list[tuple[str, float, float]] = []
    words: dict[int, list] = {}
    for segment in _segments(knots):
        first_frame = int(np.floor(knots[segment[0]][0][0] / _FRAME_S))
        last_frame = int(np.ceil(knots[segment[-1]][-1][0] / _FRAME_S)) + 1
        n = last_frame - first_frame
        fft_bins = analyses[0].sp.shape[1]
        f0 = np.zeros(n)
        sp = np.full((n, fft_bins), 1e-12)
        ap = np.ones((n, fft_bins))
        for i in segment:
            k, syllable = syllables[i]
            _fill(f0, sp, ap, first_frame, knots[i], analyses[k], f0_target, syllable)
            phonemes += _retimed_phonemes(syllable, knots[i])
            span = words.setdefault(syllable.word_index, [syllable.word, knots[i][0][0], knots[i][-1][0]])
            span[2] = knots[i][-1][0]
        y = pw.synthesize(f0, sp, ap, sr, frame_period=_FRAME_S * 1000)
        a = round(first_frame * _FRAME_S * sr)
        y = y[: max(0, min(len(y), len(out) - a))]
        fade = min(len(y), int(0.02 * sr))
        y[len(y) - fade :] *= np.linspace(1, 0, fade)
        out[a : a + len(y)] += y.astype(np.float32)
    peak = float(np.max(np.abs(out))) if out.size else 0.0
    out = out * (_PEAK / peak) if peak > 1e-6 else out
    end = int(np.ceil(max(duration_s, max(k[-1][0] for k in knots) + 0.05) * sr))
    word_list = [(w, a, b) for w, a, b in (words[k] for k in sorted(words))]
    return SungVoice(out[:end], sr, phonemes, word_list)


def _pyworld():
    try:
        with warnings.catch_warnings():  # pyworld 0.3.5 imports the deprecated pkg_resources
            warnings.simplefilter("ignore")
            import pyworld
    except ImportError as e:
        raise ToolError("sing needs the WORLD vocoder: `pip install troupe[music]` (pyworld)") from e
    return pyworld


def _analyse(pw, audio: np.ndarray, sr: int) -> _Analysis:
    x = audio.astype(np.float64)
    f0, t = pw.dio(x, sr, f0_floor=60.0, f0_ceil=400.0, frame_period=_FRAME_S * 1000)
    f0 = pw.stonemask(x, f0, t, sr)
    return _Analysis(f0, pw.cheaptrick(x, f0, t, sr), pw.d4c(x, f0, t, sr))


def _knots(syllables: list[Syllable], groups: list[list[SungNote]]) -> list[list[tuple[float, float]]]:
    """Per syllable, ``(output_s, input_s)`` points of a piecewise-linear time map."""
    starts = [g[0].start for g in groups]
    ends = [g[-1].end for g in groups]
    leads = []
    for i, s in enumerate(syllables):
        if i == 0 or starts[i] - ends[i - 1] > 0.02:
            room = starts[i] - (ends[i - 1] + 0.03 if i else 0.0)
        else:  # taken from the previous note, which keeps most of its length
            room = _LEAD_SHARE * (ends[i - 1] - starts[i - 1])
        leads.append(max(0.0, min(s.vowel_s - s.start_s, room, _MAX_CONSONANT_S)))
    knots = []
    for i, s in enumerate(syllables):
        legato = i + 1 < len(syllables) and starts[i + 1] - ends[i] <= 0.02
        end = starts[i + 1] - leads[i + 1] if legato else ends[i]
        tail = max(0.0, min(s.end_s - s.coda_s, 0.35 * (end - starts[i]), _MAX_CONSONANT_S))
        vowel_out = (starts[i], max(starts[i] + _FRAME_S, end - tail))
        vowel_in = (s.vowel_s, max(s.vowel_s + _FRAME_S, s.coda_s))
        points = [(starts[i] - leads[i], s.start_s), (vowel_out[0], vowel_in[0])]
        edge = min(_EDGE_S, (vowel_in[1] - vowel_in[0]) / 3, (vowel_out[1] - vowel_out[0]) / 3)
        if edge > _FRAME_S:
            points += [(vowel_out[0] + edge, vowel_in[0] + edge), (vowel_out[1] - edge, vowel_in[1] - edge)]
        points += [(vowel_out[1], vowel_in[1]), (vowel_out[1] + tail, max(vowel_in[1], s.end_s))]
        knots.append(points)
    return knots


def _segments(knots: list[list[tuple[float, float]]]) -> list[list[int]]:
    """Syllables grouped into stretches sung without a rest."""
    segments: list[list[int]] = []
    for i, points in enumerate(knots):
        if segments and points[0][0] - knots[segments[-1][-1]][-1][0] < 0.05:
            segments[-1].append(i)
        else:
            segments.append([i])
    return segments


def _fill(f0, sp, ap, first_frame: int, points, analysis: _Analysis, target: np.ndarray, s: Syllable) -> None:
    """Write one syllable's frames: envelope and aperiodicity from the mapped input frames,
    F0 from the note contour where the syllable is voiced."""
    out_t, in_t = np.array(points).T
    a = int(np.ceil(out_t[0] / _FRAME_S))
    b = int(np.ceil(out_t[-1] / _FRAME_S))
    frames = np.arange(a, b)
    if frames.size == 0:
        return
    source = np.interp(frames * _FRAME_S, out_t, in_t) / _FRAME_S
    last = analysis.f0.size - 1
    i0 = np.clip(np.floor(source).astype(int), 0, last)
    i1 = np.minimum(i0 + 1, last)
    w = np.clip(source - i0, 0, 1)[:, None]
    env = np.exp((1 - w) * np.log(analysis.sp[i0] + 1e-16) + w * np.log(analysis.sp[i1] + 1e-16))
    aper = (1 - w) * analysis.ap[i0] + w * analysis.ap[i1]
    in_vowel = (frames * _FRAME_S >= out_t[1]) & (frames * _FRAME_S < out_t[-2])
    voiced = in_vowel | (analysis.f0[np.rint(source).astype(int).clip(0, last)] > 0)
    for ipa, a, b in s.phonemes:  # sung sonorants and voiced fricatives stay voiced throughout
        if ipa[0] in _VOICED:
            voiced |= (source * _FRAME_S >= a) & (source * _FRAME_S < b)
    rows = frames - first_frame
    keep = (rows >= 0) & (rows < len(f0))
    rows, env, aper, voiced, frames = rows[keep], env[keep], aper[keep], voiced[keep], frames[keep]
    sp[rows] = env
    ap[rows] = np.where(voiced[:, None], np.minimum(aper, np.where(in_vowel[keep][:, None], 0.5, 1.0)), aper)
    f0[rows] = np.where(voiced, target[np.minimum(frames, len(target) - 1)], 0.0)


def _contour(notes: list[SungNote], n_frames: int) -> np.ndarray:
    """F0 in Hz on the output frame grid: the notes with portamento, overshoot and vibrato."""
    t = np.arange(n_frames) * _FRAME_S
    if not notes:
        return np.zeros(n_frames)
    starts = np.array([n.start for n in notes])
    index = np.clip(np.searchsorted(starts, t, side="right") - 1, 0, len(notes) - 1)
    pitch = np.array([n.pitch for n in notes], float)[index]
    for prev, note in itertools.pairwise(notes):
        if note.start - prev.end > 0.05:
            continue
        before, after = _GLIDE_S
        glide = (t >= note.start - before) & (t < note.start + after)
        x = (t[glide] - (note.start - before)) / (before + after)
        pitch[glide] = prev.pitch + (note.pitch - prev.pitch) * (0.5 - 0.5 * np.cos(np.pi * x))
        leap = note.pitch - prev.pitch
        if abs(leap) >= 2:
            settle = (t >= note.start + after) & (t < note.end)
            pitch[settle] += (
                np.sign(leap) * min(0.3, 0.1 * abs(leap)) * np.exp(-(t[settle] - note.start - after) / 0.04)
            )
    for note in notes:
        length = note.end - note.start
        if length <= _VIBRATO_AFTER_S + 0.2:
            continue
        span = (t >= note.start + _VIBRATO_AFTER_S) & (t < note.end)
        age = t[span] - note.start - _VIBRATO_AFTER_S
        depth = _VIBRATO_ST * np.minimum(1.0, age / 0.25)
        pitch[span] += depth * np.sin(2 * np.pi * _VIBRATO_HZ * age)
    return 440.0 * 2.0 ** ((pitch - 69.0) / 12.0)


def _retimed_phonemes(s: Syllable, points: list[tuple[float, float]]) -> list[tuple[str, float, float]]:
    out_t, in_t = np.array(points).T
    return [(p, float(np.interp(a, in_t, out_t)), float(np.interp(b, in_t, out_t))) for p, a, b in s.phonemes]
