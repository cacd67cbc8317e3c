"""Transcription F1 and key accuracy on Bach chorales from the music21 corpus, rendered on a GM piano.

For every fourth four-part chorale (108 of 433 files): the score is written to MIDI at
its own tempo (quarter = 120 BPM when the score gives none), rendered on the soundfont's
Acoustic Grand Piano, then

* transcribed by basic-pitch (music_transcribe's polyphonic backend) and scored with
  mir_eval's onset-only note F1 at 50 ms: target >= 0.85. Two voices in unison on one
  piano sound as one key-press, so reference unisons (same pitch, same onset) count once;
* keyed by music_analyze, against the key written in the score (its MusicXML <mode>):
  target >= 85 %. Relative-key and fifth errors are counted separately. As a second
  reference, agreement with music21's own key analysis of the notes of the score
  (Krumhansl-Schmuckler on the symbolic score: no audio involved) is printed too.

    .venv/bin/python benchmarks/music_chorales.py [--limit N]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import mir_eval
import numpy as np
import pretty_midi
from music21 import corpus
from music21 import key as m21key

from tools.music._theory import Key
from tools.music.analyze import analyze_signal
from tools.music.render import render_midi
from tools.music.transcribe import transcribe_polyphonic

SR = 22050


def chorales(step: int = 4, offset: int = 0):
    """Yield (name, written key, ends on its tonic, analysed key, PrettyMIDI) for four-part chorales.

    Every ``step``-th file of the corpus is used, starting at ``offset``.

    Many chorales are modal and written with the key signature of another key (a D-Dorian
    tune under "A minor", ending on D), so the score's key is also checked against the
    final bass note.
    """
    workdir = Path(tempfile.mkdtemp(prefix="chorales-"))
    for path in corpus.getComposer("bach")[offset::step]:
        score = corpus.parse(path)
        if len(score.parts) != 4:
            continue
        written = next(iter(score.recurse().getElementsByClass(m21key.KeySignature)), None)
        if not isinstance(written, m21key.Key):
            continue
        midi_path = workdir / f"{Path(path).stem}.mid"
        score.write("midi", fp=str(midi_path))
        pm = pretty_midi.PrettyMIDI(str(midi_path))
        for inst in pm.instruments:
            inst.program, inst.is_drum = 0, False
        truth = Key(written.tonic.pitchClass, written.mode)
        final_bass = score.parts[-1].flatten().notes[-1].pitch.pitchClass
        analysed = score.analyze("key")
        yield (
            Path(path).stem,
            truth,
            final_bass == truth.tonic,
            Key(analysed.tonic.pitchClass, analysed.mode),
            pm,
        )


def reference_notes(pm: pretty_midi.PrettyMIDI) -> tuple[np.ndarray, np.ndarray]:
    notes = sorted((round(n.start, 2), n.pitch, n.end) for inst in pm.instruments for n in inst.notes)
    unique = {(start, pitch): end for start, pitch, end in notes}  # unisons count once
    intervals = np.array([[s, e] for (s, _), e in unique.items()])
    pitches = np.array([pretty_midi.note_number_to_hz(p) for (_, p) in unique])
    return intervals, pitches


def note_f1(pm: pretty_midi.PrettyMIDI, notes: list) -> float:
    ref_iv, ref_hz = reference_notes(pm)
    if not notes:
        return 0.0
    est_iv = np.array([[s, max(e, s + 0.01)] for s, e, _, _ in notes])
    est_hz = np.array([pretty_midi.note_number_to_hz(p) for _, _, p, _ in notes])
    _, _, f1, _ = mir_eval.transcription.precision_recall_f1_overlap(
        ref_iv, ref_hz, est_iv, est_hz, onset_tolerance=0.05, offset_ratio=None
    )
    return float(f1)


def relation(found: Key, truth: Key) -> str:
    if found == truth:
        return "correct"
    if found == truth.relative:
        return "relative"
    if found.mode == truth.mode and (found.tonic - truth.tonic) % 12 in (5, 7):
        return "fifth"
    if found.tonic == truth.tonic:
        return "parallel"
    return "other"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=0, help="stop after this many chorales")
    args = parser.parse_args()
    f1s, outcomes, tonal, seconds, audio_s = [], [], [], {"transcribe": 0.0, "analyze": 0.0}, 0.0
    agrees_with_analysis = 0
    for i, (name, truth, ends_on_tonic, analysed, pm) in enumerate(chorales()):
        if args.limit and i >= args.limit:
            break
        y = render_midi(pm, SR).mean(axis=1)
        audio_s += len(y) / SR
        t0 = time.perf_counter()
        notes = transcribe_polyphonic(y)
        seconds["transcribe"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        found = analyze_signal(y, SR)["key"]
        seconds["analyze"] += time.perf_counter() - t0
        f1s.append(note_f1(pm, notes))
        outcomes.append(relation(Key(*_split(found)), truth))
        agrees_with_analysis += Key(*_split(found)) == analysed
        tonal.append(ends_on_tonic)
        if outcomes[-1] != "correct":
            ending = "" if ends_on_tonic else ", ends off the tonic"
            print(f"  key miss: {name}: score {truth.name}{ending}, found {found} ({outcomes[-1]})")
    n = len(f1s)
    counts = {k: outcomes.count(k) for k in ("correct", "relative", "fifth", "parallel", "other")}
    print(f"chorales: {n} four-part chorales, {audio_s / 60:.1f} min of rendered piano")
    n_tonal = sum(tonal)
    correct_tonal = sum(o == "correct" for o, t in zip(outcomes, tonal, strict=True) if t)
    print(
        f"transcription: onset-only note F1 (50 ms) mean {np.mean(f1s):.3f}, median {np.median(f1s):.3f}, "
        f"min {np.min(f1s):.3f} (target >= 0.85)"
    )
    print(
        f"key: {counts['correct']}/{n} correct ({100 * counts['correct'] / n:.1f} %; target >= 85 %); "
        f"errors: {counts['relative']} relative, {counts['fifth']} fifth, {counts['parallel']} parallel, "
        f"{counts['other']} other"
    )
    print(
        f"key: {correct_tonal}/{n_tonal} correct ({100 * correct_tonal / n_tonal:.1f} %) on the chorales that "
        f"end on the score's tonic ({n - n_tonal} modal or half-cadence endings left out)"
    )
    print(
        f"key: {agrees_with_analysis}/{n} ({100 * agrees_with_analysis / n:.1f} %) agree with music21's "
        "analysis of the score's notes"
    )
    print(
        f"speed: transcription {seconds['transcribe'] / audio_s:.3f} x real time, "
        f"analysis {seconds['analyze'] / audio_s:.3f} x real time"
    )


def _split(name: str) -> tuple[int, str]:
    tonic, mode = name.split()
    from tools.music._theory import PITCH_CLASSES

    return PITCH_CLASSES.index(tonic), mode


if __name__ == "__main__":
    main()
