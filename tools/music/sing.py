"""sing: lyrics sung to a composed or given melody, offline on the CPU.

The Piper voice speaks each phrase; the WORLD vocoder re-times every syllable onto its note
and replaces the pitch with the melody (see :mod:`._sing_voice`). Without a melody, one is
composed for the lyrics with music_generate's rules (:mod:`._sing_melody`); with one, its
top voice carries the syllables (:mod:`._sing_fit`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from tools import Audio, Limits, Midi, ToolContext, tool
from tools._media import audio_info, write_wav

from ._sing_melody import SungNote
from ._sing_text import MAX_LYRICS_CHARS, read_lyrics
from .generate import resolve_settings
from .render import MAX_MIDI_MB

__all__ = ["Sung", "sing"]

Mood = Literal["calm", "happy", "sad", "energetic", "dark", "romantic", "epic", "dreamy"]
_VOICE_PROGRAM = 53  # GM "Voice Oohs": how the melody track sounds if the MIDI is played
_MUSIC_GAIN_DB = -9.0  # accompaniment under the voice


class Sung(BaseModel):
    """A sung performance: the audio, the melody as MIDI and what was decided on the way.

    ``audio.meta`` holds ``words`` and ``phonemes`` timings (as text_to_speech does, so
    talking_face can lip-sync the singing) and ``syllables`` (each with its notes).
    """

    audio: Audio
    midi: Midi
    vocals: Audio | None = None
    notes: list[str] = Field(default_factory=list)


@tool(
    tags=("music", "singing", "voice", "speech"),
    examples=(
        "sing 'happy birthday dear Sam' to a cheerful tune",
        "make my portrait sing these lyrics over soft piano",
        "sing this line to the melody in the MIDI file",
        "sing my poem as a sad song in D minor",
        "turn these lyrics into a song with piano accompaniment",
        "sing the words to the tune we just generated",
    ),
    timeout_s=120,
)
def sing(
    lyrics: Annotated[str, Field(max_length=MAX_LYRICS_CHARS)],
    melody: Annotated[Midi, Limits(max_mb=MAX_MIDI_MB)] | None = None,
    key: Annotated[str, Field(max_length=40)] | None = None,
    tempo: Annotated[float, Field(ge=40, le=220)] | None = None,
    mood: Mood | None = None,
    accompaniment: bool = False,
    instrument: Annotated[str, Field(max_length=100)] | None = None,
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] = 0,
    *,
    ctx: ToolContext,
) -> Sung:
    """Sing English lyrics with a neural voice, to a composed tune or to a given melody.

    Without ``melody`` a tune is composed for the words: one note per syllable, stressed
    syllables on strong beats, each phrase (a line, or up to a comma) ending on a long stable
    note. With ``melody`` its top voice carries the syllables (several notes per syllable or
    repeated notes when the counts differ) and is moved by octaves into the voice's range.

    Args:
        lyrics: English words to sing, 1 to 2000 characters (at most 400 syllables); line
            breaks and punctuation mark phrases.
        melody: a MIDI file whose top voice is the tune (e.g. music_generate's midi); None
            composes one.
        key: key of a composed tune, e.g. "C major", "F# minor", "Bb" (default from the mood).
        tempo: beats per minute of a composed tune, 40 to 220 (default from the mood).
        mood: calm, happy, sad, energetic, dark, romantic, epic or dreamy (default calm);
            sets the default tempo and mode and the accompaniment's style.
        accompaniment: also play chords (and bass) under the voice and mix them in.
        instrument: General MIDI instrument of the accompaniment (default piano).
        seed: 0 to 4294967295; another seed composes another tune.

    Returns:
        ``audio`` (WAV; the mix when accompanied, else the voice), ``midi`` (the melody, plus
        the accompaniment), ``vocals`` (the dry voice when accompanied) and ``notes`` (what
        was adjusted: transpositions, melismas, repeated notes).

    Raises:
        BadInput: empty, too long or non-English lyrics, nothing pronounceable, a melody with
            no notes, an unknown key, mood or instrument.
    """
    from ._sing_plan import accompany, plan_composed, plan_given, write_midi
    from ._sing_voice import sing_voice

    description = f"{mood or 'calm'} {instrument or 'piano'}"
    settings = resolve_settings(description, None, tempo, key, mood, instrument, seed)
    ctx.report(0.02, "reading the lyrics")
    phrases = read_lyrics(lyrics)
    syllables = [s for p in phrases for s in p.syllables]
    ctx.report(0.25, "placing the syllables on notes")
    if melody is None:
        plan = plan_composed(syllables, settings, lead_bars=1 if accompaniment else 0)
    else:
        plan = plan_given(melody, syllables)
    ctx.report(0.35, f"singing {len(syllables)} syllables on {len(plan.notes)} notes")
    voice = sing_voice(phrases, plan.notes, plan.duration_s)
    vocals = audio_info(
        write_wav(
            ctx.output_path("vocals.wav" if accompaniment else "sung.wav"), voice.audio, voice.sample_rate
        ),
        **_meta(lyrics, voice, plan, syllables),
    )
    backing = accompany(plan, settings, ctx) if accompaniment else None
    midi_path = write_midi(ctx.output_path("melody.mid"), plan, backing)
    midi = Midi(
        path=midi_path, duration_s=plan.duration_s, meta={"tempo_bpm": plan.tempo_bpm, "key": plan.key}
    )
    if backing is None:
        return Sung(audio=vocals, midi=midi, notes=plan.remarks)
    ctx.report(0.85, "mixing")
    from .mix import audio_mix

    music = audio_info(write_wav(ctx.output_path("accompaniment.wav"), backing.audio, backing.sample_rate))
    mixed = audio_mix([vocals, music], gains_db=[0.0, _MUSIC_GAIN_DB], duck=False, length="longest", ctx=ctx)
    mixed = mixed.model_copy(update={"meta": {**vocals.meta, **mixed.meta}})
    return Sung(audio=mixed, midi=midi, vocals=vocals, notes=plan.remarks)


def _meta(lyrics: str, voice, plan, syllables) -> dict:
    def entry(kind: str, label: str, a: float, b: float) -> dict:
        return {kind: label, "start_s": round(a, 4), "end_s": round(b, 4)}

    notes_of: dict[int, list[SungNote]] = {}
    for n in plan.notes:
        notes_of.setdefault(n.syllable, []).append(n)
    return {
        "words": [entry("word", w, a, b) for w, a, b in voice.words],
        "phonemes": [entry("phoneme", p, a, b) for p, a, b in voice.phonemes],
        "phoneme_set": "espeak-ipa",
        "text": lyrics,
        "syllables": [
            {
                "syllable": s.text,
                "word": s.word,
                "stressed": s.stressed,
                "notes": [[round(n.start, 4), round(n.end, 4), n.pitch] for n in notes_of.get(i, [])],
            }
            for i, s in enumerate(syllables)
        ],
        "key": plan.key,
        "tempo_bpm": plan.tempo_bpm,
        "melody": plan.source,
        "notes": plan.remarks,
    }
