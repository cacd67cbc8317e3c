"""midi_to_audio: render MIDI with a General MIDI soundfont through FluidSynth.

All instruments play in one synthesiser pass, each on its own MIDI channel (drums on
channel 10), so reverb and panning behave as in any MIDI player. Every render uses a fresh
synthesiser, so renders are reproducible and may run in parallel threads.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np

from tools import Audio, BadInput, Midi, ToolContext, ToolError, tool
from tools._limits import Limits
from tools._media import audio_info, write_wav

from ._gm import gm_name, gm_program
from ._signal import db_to_gain

if TYPE_CHECKING:
    import pretty_midi

__all__ = ["find_soundfont", "load_midi", "midi_to_audio", "render_midi"]

#: Soundfonts tried in order: Debian's fluid-soundfont-gm (MIT), then the small TimGM6mb
#: that ships inside pretty_midi (GPL-2).
_SOUNDFONTS = ("/usr/share/sounds/sf2/FluidR3_GM.sf2", "/usr/share/sounds/sf2/default-GM.sf2")
MAX_MIDI_S = 30 * 60
#: Largest MIDI file parsed (orchestral scores take a few hundred kB).
MAX_MIDI_MB = 4.0
_PEAK_DBFS = -1.0
_DRUM_CHANNEL = 9


@tool(
    tags=("music", "midi"),
    examples=(
        "play this MIDI file",
        "render the midi with a violin",
        "turn this midi into audio with string ensemble",
        "play the notes back on a flute",
        "hear the melody on another instrument, like a cello",
        "bounce the MIDI to a wav with a piano sound",
    ),
    timeout_s=600,
)
def midi_to_audio(
    midi: Annotated[Midi, Limits(max_mb=MAX_MIDI_MB)],
    instrument: str | None = None,
    sample_rate: Literal[22050, 44100, 48000] = 44100,
    *,
    ctx: ToolContext,
) -> Audio:
    """Render a MIDI file to audio with a General MIDI soundfont.

    Args:
        midi: the Standard MIDI File to play, up to 30 minutes long.
        instrument: play every melodic part on this General MIDI instrument ("piano",
            "violin", "string ensemble", "flute", "Acoustic Grand Piano"…); None keeps the
            instruments the file asks for. Drums always stay drums.
        sample_rate: output sample rate in Hz.

    Returns:
        Stereo WAV audio peaking at -1 dBFS, with the file's own length plus the release tail.
    """
    program = gm_program(instrument) if instrument else None
    pm = load_midi(midi.path)
    ctx.report(0.1, "rendering")
    y = render_midi(pm, sample_rate, program=program, ctx=ctx)
    path = write_wav(ctx.output_path("rendered.wav"), y, sample_rate)
    return audio_info(path, instrument=gm_name(program) if program is not None else None)


def load_midi(path: str | Path) -> pretty_midi.PrettyMIDI:
    """Parse a MIDI file and check that it holds something to play.

    Raises:
        BadInput: not a MIDI file, no notes, or longer than 30 minutes.
    """
    import pretty_midi

    path = Path(path)
    try:
        pm = pretty_midi.PrettyMIDI(str(path))
    except Exception as e:  # mido raises OSError, KeyError, EOFError… on a damaged file
        raise BadInput(f"{path.name} is not a readable MIDI file ({e}) — give a .mid/.midi file") from None
    if not any(inst.notes for inst in pm.instruments):
        raise BadInput(f"{path.name} holds no notes — give a MIDI file with at least one note")
    if pm.get_end_time() > MAX_MIDI_S:
        raise BadInput(f"{path.name} lasts {pm.get_end_time():.0f} s; at most {MAX_MIDI_S} s can be rendered")
    return pm


@functools.cache
def find_soundfont() -> Path:
    """The General MIDI soundfont to use.

    Raises:
        ToolError: none is installed.
    """
    for candidate in _SOUNDFONTS:
        if Path(candidate).is_file():
            return Path(candidate)
    import pretty_midi

    bundled = Path(pretty_midi.__file__).parent / "TimGM6mb.sf2"
    if bundled.is_file():
        return bundled
    raise ToolError("no General MIDI soundfont found — install Debian's fluid-soundfont-gm")


@contextlib.contextmanager
def _fresh_synth(sample_rate: int) -> Iterator[tuple[Any, int]]:
    """A new FluidSynth instance with the soundfont loaded: ``(synth, soundfont id)``.

    Each render gets its own instance so that no reverb tail, chorus phase or controller
    state carries over from an earlier one: the same MIDI always renders to the same samples.
    Loading costs a few tenths of a second (the soundfont stays in the OS page cache).
    """
    try:
        import fluidsynth
    except ImportError as e:  # pyfluidsynth present but libfluidsynth missing, for one
        raise ToolError(f"FluidSynth is not available ({e}) — install Debian's fluidsynth") from None
    # Dynamic sample loading reads only the samples the music uses: a 141 MB soundfont opens in
    # milliseconds instead of a second.
    synth = fluidsynth.Synth(gain=0.25, samplerate=float(sample_rate), **{"synth.dynamic-sample-loading": 1})
    try:
        sfid = synth.sfload(str(find_soundfont()))
        if sfid < 0:
            raise ToolError(f"FluidSynth could not load {find_soundfont()}")
        synth.set_reverb(roomsize=0.6, damping=0.4, width=0.8, level=0.35)
        yield synth, sfid
    finally:
        synth.delete()


def render_midi(
    pm: pretty_midi.PrettyMIDI,
    sample_rate: int = 44100,
    *,
    program: int | None = None,
    tail_s: float = 1.5,
    ctx: ToolContext | None = None,
) -> np.ndarray:
    """Synthesise a ``PrettyMIDI`` to stereo float samples, shape ``(n, 2)``, peak -1 dBFS.

    Args:
        pm: the music.
        sample_rate: output rate in Hz.
        program: GM program forced on every melodic instrument; None keeps each one's own.
        tail_s: seconds rendered after the last event, for release and reverb.
        ctx: receives progress and cancellation.
    """
    events = _events(pm, program)
    end_s = max(t for t, *_ in events) + tail_s
    chunks: list[np.ndarray] = []
    with _fresh_synth(sample_rate) as (fs, sfid):
        done = 0  # samples rendered so far
        for i, (t, kind, channel, a, b) in enumerate(events):
            n = round(t * sample_rate) - done
            if n > 0:
                chunks.append(fs.get_samples(n))
                done += n
            if kind == "program":
                fs.program_select(channel, sfid, a, b)
            elif kind == "on":
                fs.noteon(channel, a, b)
            elif kind == "off":
                fs.noteoff(channel, a)
            elif kind == "cc":
                fs.cc(channel, a, b)
            elif kind == "bend":
                fs.pitch_bend(channel, a)
            if ctx and i % 2000 == 0:
                ctx.report(0.1 + 0.8 * t / end_s, "rendering")
        chunks.append(fs.get_samples(round(end_s * sample_rate) - done))
    y = np.concatenate(chunks).astype(np.float32).reshape(-1, 2) / 32768.0
    peak = float(np.max(np.abs(y)))
    return y * (db_to_gain(_PEAK_DBFS) / peak) if peak > 0 else y


def _events(pm: pretty_midi.PrettyMIDI, program: int | None) -> list[tuple[float, str, int, int, int]]:
    """Time-ordered synth events ``(time_s, kind, channel, a, b)``; note-offs first at equal times."""
    events: list[tuple[float, str, int, int, int]] = []
    channels = _assign_channels(pm)
    for inst, channel in zip(pm.instruments, channels, strict=True):
        if not inst.notes:
            continue
        if inst.is_drum:
            events.append((0.0, "program", channel, 128, inst.program if program is None else 0))
        else:
            events.append((0.0, "program", channel, 0, inst.program if program is None else program))
        for note in inst.notes:
            events.append((note.start, "on", channel, note.pitch, note.velocity))
            events.append((note.end, "off", channel, note.pitch, 0))
        events += [(c.time, "cc", channel, c.number, c.value) for c in inst.control_changes]
        events += [(b.time, "bend", channel, b.pitch, 0) for b in inst.pitch_bends]
    order = {"program": 0, "off": 1, "cc": 2, "bend": 3, "on": 4}
    events.sort(key=lambda e: (e[0], order[e[1]]))
    return events


def _assign_channels(pm: pretty_midi.PrettyMIDI) -> list[int]:
    """A MIDI channel per instrument: drums on 10, the rest round-robin over the other 15."""
    melodic = [c for c in range(16) if c != _DRUM_CHANNEL]
    channels, next_melodic = [], 0
    for inst in pm.instruments:
        if inst.is_drum:
            channels.append(_DRUM_CHANNEL)
        else:
            channels.append(melodic[next_melodic % len(melodic)])
            next_melodic += 1
    return channels
