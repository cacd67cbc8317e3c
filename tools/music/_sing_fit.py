"""Syllables fitted to a given melody: its top voice, moved into the singer's range.

The top voice is the skyline of the melodic parts (at each onset the highest note; a note
ends where the next begins). When the melody has more notes than the lyrics have syllables,
a dynamic programme gives each syllable one or more consecutive notes (a melisma), preferring
stressed syllables on beats, lyric phrases starting after the melody's rests, and melismas
that do not cross a rest. When it has fewer, the longest notes are repeated (split in two)
and, if that is not enough, the melody is sung again from the top.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tools.errors import BadInput

from ._sing_melody import SING_RANGE, SungNote
from ._theory import midi_name

if TYPE_CHECKING:
    import pretty_midi

__all__ = ["fit_syllables", "top_voice"]

_MELODY_NAMES = frozenset({"melody", "voice", "vocal", "vocals", "lead", "tune", "singer"})
_MIN_NOTE_S = 0.05
_REST_S = 0.15  # a gap this long before a note is a breath
_MAX_MELISMA = 8
_SPLIT_MIN_S = 0.24  # a note is split in two only if both halves last 0.12 s or more


def top_voice(
    pm: pretty_midi.PrettyMIDI, name: str
) -> tuple[list[tuple[float, float, int]], list[str], set[tuple[float, int]]]:
    """The melody line ``(start_s, end_s, pitch)``, moved by octaves into :data:`SING_RANGE`;
    remarks on the moves; and ``(start_s, pitch)`` of the MIDI notes the line took.

    Raises:
        BadInput: the MIDI has no pitched notes.
    """
    parts = [inst for inst in pm.instruments if not inst.is_drum and inst.notes]
    if not parts:
        raise BadInput(f"{name} has no pitched notes to sing (only drums or nothing) — give a melody")
    part = _melody_part(parts)
    notes = sorted(((n.start, n.end, n.pitch) for n in part.notes), key=lambda n: (n[0], -n[2]))
    line: list[list] = []
    for start, end, pitch in notes:
        if line and start - line[-1][0] < 0.03:
            continue  # same onset: the highest note (sorted first) is the melody
        if line:
            line[-1][1] = min(line[-1][1], start)
        line.append([start, end, pitch])
    line = [n for n in line if n[1] - n[0] >= _MIN_NOTE_S]
    chosen = {(round(a, 4), p) for a, _, p in line}
    if not line:
        raise BadInput(f"{name} has no pitched notes to sing (only drums or nothing) — give a melody")
    remarks = (
        [f"sung to the part {part.name or 'without a name'!r}, the highest of {len(parts)}"]
        if len(parts) > 1
        else []
    )
    lo, hi = SING_RANGE
    median = float(np.median([p for _, _, p in line]))
    shift = 12 * round(((lo + hi) / 2 - median) / 12)
    if shift:
        octaves = abs(shift) // 12
        remarks.append(
            f"the melody lies around {midi_name(round(median))}; moved {'up' if shift > 0 else 'down'} "
            f"{octaves} octave{'s' if octaves > 1 else ''} into the voice's range "
            f"({midi_name(lo)}-{midi_name(hi)})"
        )
    folded = 0
    for note in line:
        note[2] += shift
        while note[2] > hi + 3:
            note[2] -= 12
            folded += 1
        while note[2] < lo - 3:
            note[2] += 12
            folded += 1
    if folded:
        remarks.append(f"{folded} note(s) outside the voice's range were moved by an octave")
    return [(a, b, p) for a, b, p in line], remarks, chosen


def _melody_part(parts: list) -> pretty_midi.Instrument:
    """The part that carries the tune: one named like a melody (music_generate names its tune
    "melody"), else the one with the highest average pitch."""
    named = [p for p in parts if p.name.strip().lower() in _MELODY_NAMES]
    return named[0] if named else max(parts, key=lambda p: np.mean([n.pitch for n in p.notes]))


def fit_syllables(
    line: list[tuple[float, float, int]],
    stressed: list[bool],
    phrase_starts: list[bool],
    beats: np.ndarray,
) -> tuple[list[SungNote], list[str]]:
    """Notes carrying syllables: ``note.syllable`` indexes ``stressed``; plus remarks."""
    m = len(stressed)
    remarks: list[str] = []
    line = list(line)
    if len(line) < m:
        line, more = _stretch(line, m)
        remarks += more
    if len(line) > _MAX_MELISMA * m:
        cut = _MAX_MELISMA * m
        remarks.append(f"the melody has {len(line)} notes for {m} syllables; only its first {cut} are sung")
        line = line[:cut]
    groups = _align(line, stressed, phrase_starts, beats)
    notes = [SungNote(a, b, p, i) for i, group in enumerate(groups) for a, b, p in (line[j] for j in group)]
    melismas = sum(len(g) > 1 for g in groups)
    if melismas:
        remarks.append(f"{len(line)} notes for {m} syllables: {melismas} syllable(s) sung over several notes")
    return notes, remarks


def _stretch(line: list[tuple[float, float, int]], m: int) -> tuple[list, list[str]]:
    """Enough notes for ``m`` syllables: the melody again from the top, then split long notes."""
    remarks = []
    n0 = len(line)
    total = line[-1][1]
    gap = max(0.5, line[0][0])
    repeats = 0
    while 2 * len(line) < m:
        offset = (repeats + 1) * (total + gap)
        line += [(a + offset, b + offset, p) for a, b, p in line[:n0]]
        repeats += 1
    if repeats:
        remarks.append(f"the melody has {n0} notes for {m} syllables; it is sung {repeats + 1} times")
    splits = 0
    while len(line) < m:
        k = max(range(len(line)), key=lambda k: line[k][1] - line[k][0])
        a, b, p = line[k]
        if b - a < _SPLIT_MIN_S:
            line += [
                (x + line[-1][1] + gap - line[0][0], y + line[-1][1] + gap - line[0][0], q)
                for x, y, q in line[:n0]
            ]
            continue
        mid = a + (b - a) / 2
        line[k : k + 1] = [(a, mid, p), (mid, b, p)]
        splits += 1
    if splits:
        remarks.append(f"{splits} long note(s) repeated so that every syllable has a note")
    return line, remarks


def _align(line: list, stressed: list[bool], phrase_starts: list[bool], beats: np.ndarray) -> list[list[int]]:
    """Consecutive note groups, one per syllable, of least cost (a DP over syllables × notes)."""
    n, m = len(line), len(stressed)
    starts = np.array([a for a, _, _ in line])
    ends = np.array([b for _, b, _ in line])
    rest = np.r_[True, starts[1:] - ends[:-1] >= _REST_S]
    on_beat = (
        np.min(np.abs(starts[:, None] - beats[None, :]), axis=1) < 0.06 if beats.size else np.ones(n, bool)
    )
    inf = float("inf")
    cost = np.full((m + 1, n + 1), inf)
    back = np.zeros((m + 1, n + 1), int)
    cost[0, 0] = 0.0
    for i in range(m):
        place = np.zeros(n)
        place += np.where(stressed[i] & ~on_beat, 1.0, 0.0) + np.where(
            ~np.array(stressed[i]) & on_beat, 0.3, 0.0
        )
        place += np.where(phrase_starts[i] & ~rest, 1.0, 0.0) + np.where(
            ~np.array(phrase_starts[i]) & rest, 1.5, 0.0
        )
        for j in range(i, n - (m - i - 1)):
            if cost[i, j] == inf:
                continue
            crossing = 0
            for length in range(1, min(_MAX_MELISMA, n - j - (m - i - 1)) + 1):
                if length > 1 and rest[j + length - 1]:
                    crossing += 1
                c = cost[i, j] + place[j] + 0.4 * (length - 1) + 3.0 * crossing
                if c < cost[i + 1, j + length]:
                    cost[i + 1, j + length] = c
                    back[i + 1, j + length] = length
    if cost[m, n] == inf:  # more than _MAX_MELISMA notes per syllable somewhere: share evenly
        edges = np.linspace(0, n, m + 1).round().astype(int)
        return [list(range(edges[i], edges[i + 1])) for i in range(m)]
    groups, j = [], n
    for i in range(m, 0, -1):
        length = back[i, j]
        groups.append(list(range(j - length, j)))
        j -= length
    return groups[::-1]
