"""What sing will perform: the notes (in seconds) each syllable carries, the harmony under
them, and the MIDI and accompaniment made from that."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ._compose import Settings, _accompaniment, chord_pitch_classes
from ._sing_fit import fit_syllables, top_voice
from ._sing_melody import SungNote, compose_melody
from ._theory import Key, estimate_key

if TYPE_CHECKING:
    import pretty_midi

    from tools import Midi, ToolContext

    from ._sing_text import Syllable

__all__ = ["Backing", "Plan", "accompany", "plan_composed", "plan_given", "write_midi"]

_LEAD_IN_S = 0.35  # silence before the first note: room for its onset consonants
_SR = 44100


@dataclass
class Plan:
    """Notes in seconds, the tune's tempo and key, and the harmony (bars in beats from 0 s)."""

    notes: list[SungNote]
    duration_s: float
    tempo_bpm: float
    key_of: Key
    source: str
    remarks: list[str] = field(default_factory=list)
    bars: list[tuple[float, float]] = field(default_factory=list)
    degrees: list[int] = field(default_factory=list)
    backing: pretty_midi.PrettyMIDI | None = None  # a given melody's other parts

    @property
    def key(self) -> str:
        return self.key_of.name


@dataclass
class Backing:
    """Rendered accompaniment and the MIDI parts it was rendered from."""

    audio: np.ndarray
    sample_rate: int
    instruments: list


def plan_composed(syllables: list[Syllable], s: Settings, lead_bars: int = 0) -> Plan:
    """A composed tune for the syllables; ``lead_bars`` bars of accompaniment come first."""
    tune = compose_melody(
        [x.stressed for x in syllables], [x.phrase for x in syllables], s.key, s.tempo_bpm, s.seed
    )
    beat_s = 60.0 / s.tempo_bpm
    offset_s = lead_bars * 4 * beat_s if lead_bars else _LEAD_IN_S - tune.notes[0].start * beat_s
    notes = [
        SungNote(offset_s + n.start * beat_s, offset_s + n.end * beat_s, n.pitch, n.syllable)
        for n in tune.notes
    ]
    remarks = [f"composed in {s.key.name} at {s.tempo_bpm:.0f} BPM, {tune.n_bars} bars"]
    if tune.melismas:
        remarks.append(f"{tune.melismas} held phrase end(s) sung as a two-note melisma")
    shift_beats = offset_s / beat_s
    return Plan(
        notes=notes, duration_s=offset_s + tune.n_bars * 4 * beat_s, tempo_bpm=s.tempo_bpm, key_of=s.key,
        source="composed", remarks=remarks,
        bars=[(shift_beats + 4 * b, 4.0) for b in range(tune.n_bars)], degrees=tune.chords,
    )  # fmt: skip


def plan_given(melody: Midi, syllables: list[Syllable]) -> Plan:
    """The syllables on the top voice of ``melody``."""
    import pretty_midi

    from .render import load_midi

    pm = load_midi(melody.path)
    line, remarks, chosen = top_voice(pm, Path(melody.path).name)
    tempo = float(pm.get_tempo_changes()[1][0]) if len(pm.get_tempo_changes()[1]) else 120.0
    phrase_starts = [i == 0 or s.phrase != syllables[i - 1].phrase for i, s in enumerate(syllables)]
    notes, more = fit_syllables(line, [s.stressed for s in syllables], phrase_starts, pm.get_beats())
    shift = max(0.0, _LEAD_IN_S - notes[0].start)
    notes = [SungNote(n.start + shift, n.end + shift, n.pitch, n.syllable) for n in notes]
    chroma = np.zeros(12)
    for a, b, p in line:
        chroma[p % 12] += b - a
    key, _ = estimate_key(chroma)
    backing = pretty_midi.PrettyMIDI(initial_tempo=tempo)
    for inst in pm.instruments:
        kept = [n for n in inst.notes if (round(n.start, 4), n.pitch) not in chosen]
        if kept:
            copy = pretty_midi.Instrument(inst.program, inst.is_drum, inst.name or "backing")
            copy.notes = [pretty_midi.Note(n.velocity, n.pitch, n.start + shift, n.end + shift) for n in kept]
            backing.instruments.append(copy)
    beat_s = 60.0 / tempo
    downbeats = [t + shift for t in pm.get_downbeats()] or [shift]
    end = max(n.end for n in notes)
    bars = [
        (a / beat_s, (b - a) / beat_s) for a, b in zip(downbeats, [*downbeats[1:], end], strict=True) if b > a
    ]
    degrees = [_bar_degree(notes, key, a * beat_s, (a + n) * beat_s) for a, n in bars]
    return Plan(
        notes=notes, duration_s=end + 0.3, tempo_bpm=tempo, key_of=key, source=Path(melody.path).name,
        remarks=remarks + more, bars=bars, degrees=degrees,
        backing=backing if backing.instruments else None,
    )  # fmt: skip


def _bar_degree(notes: list[SungNote], key: Key, a: float, b: float) -> int:
    """The diatonic triad that covers most of the bar's melody (ties go to I, V, IV)."""
    weight = np.zeros(12)
    for n in notes:
        weight[n.pitch % 12] += max(0.0, min(n.end, b) - max(n.start, a))
    order = (0, 4, 3, 5, 1, 2, 6)
    return max(
        order, key=lambda d: sum(weight[pc] for pc in chord_pitch_classes(key, d)) - 0.01 * order.index(d)
    )


def accompany(plan: Plan, s: Settings, ctx: ToolContext) -> Backing:
    """Chords (and the mood's bass) under the tune, or a given melody's other parts, rendered."""
    import pretty_midi

    from .render import render_midi

    if plan.backing is not None:
        instruments = plan.backing.instruments
    else:
        s = dataclasses.replace(
            s, key=plan.key_of, tempo_bpm=plan.tempo_bpm, meter=4, duration_s=plan.duration_s
        )
        bed, bass = _accompaniment(s, plan.bars, plan.degrees, np.random.default_rng(s.seed))
        beat_s = 60.0 / plan.tempo_bpm
        instruments = []
        parts = [("chords", s.bed, bed)] + ([("bass", s.bass, bass)] if s.bass is not None else [])
        if s.bass is None:
            parts = [("chords", s.bed, bed + bass)]
        for name, program, notes in parts:
            inst = pretty_midi.Instrument(program=program, name=name)
            velocity_scale = 0.72 if s.soft else 1.0
            for a, b, pitch, velocity in notes:
                v = int(np.clip(round(velocity * velocity_scale), 1, 127))
                inst.notes.append(pretty_midi.Note(v, pitch, a * beat_s, min(b * beat_s, plan.duration_s)))
            instruments.append(inst)
    pm = pretty_midi.PrettyMIDI(initial_tempo=plan.tempo_bpm)
    pm.instruments = instruments
    ctx.report(0.7, "rendering the accompaniment")
    return Backing(render_midi(pm, _SR, tail_s=1.0), _SR, instruments)


def write_midi(path: Path, plan: Plan, backing: Backing | None) -> Path:
    """The melody (a "voice" part) and any accompaniment as a Standard MIDI File."""
    import pretty_midi

    pm = pretty_midi.PrettyMIDI(initial_tempo=plan.tempo_bpm)
    voice = pretty_midi.Instrument(program=53, name="voice")
    voice.notes = [pretty_midi.Note(90, n.pitch, n.start, n.end) for n in plan.notes]
    pm.instruments = [voice, *(backing.instruments if backing else [])]
    tmp = path.with_name(path.name + ".part")
    pm.write(str(tmp))
    tmp.replace(path)
    return path
