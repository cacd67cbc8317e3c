"""Bad files of every kind, through every tool that takes that kind, with ``troupe exec``.

Each case is one damaged file (see :mod:`tests.fuzz.badmedia`) in one argument of one tool,
the other arguments good. A file that cannot be what it claims (empty, a lying header,
another kind of file) must be refused; damage a tool can live with (a cut recording, a
CMYK JPEG) may also end in a finished result.
"""

from __future__ import annotations

import pytest

from tests.fuzz.badmedia import (
    BAD_AUDIO,
    BAD_HEADS,
    BAD_IMAGES,
    BAD_MIDI,
    BAD_TEXT_FILES,
    GOOD_AUDIO,
    good_portrait,
    midi,
    note,
    speech_like,
    track,
)
from tests.fuzz.harness import Case, check, sample

pytestmark = pytest.mark.fuzz

HELPERS = {"voice.wav": GOOD_AUDIO, "portrait.png": good_portrait}

# tool → its arguments, "{f}" standing for the bad file
AUDIO_USES = {
    "transcribe": {"audio": "@{f}"},
    "speech_emotion": {"audio": "@{f}"},
    "music_analyze": {"audio": "@{f}", "chords": True},
    "music_transcribe": {"audio": "@{f}"},
    "music_separate": {"audio": "@{f}"},
    "audio_mix": {"tracks": ["@voice.wav", "@{f}"]},
    "talking_face": {"image": "@portrait.png", "audio": "@{f}"},
    "co_speech_gesture": {"audio": "@{f}"},
    "face_animation": {"audio": "@{f}", "fps": 30},
    "dance": {"music": "@{f}"},
}
# a head is a path on the machine (LocalPath), written as text, not an @ reference
HEAD_USES = {"face_animation": {"audio": "@voice.wav", "head": "{f}", "fps": 30}}
IMAGE_USES = {"talking_face": {"image": "@{f}", "audio": "@voice.wav"}}
MIDI_USES = {
    "midi_to_audio": {"midi": "@{f}", "instrument": "violin"},
    "sing": {"lyrics": "la la la, sing with me", "melody": "@{f}"},
}
TEXT_USES = {
    "text_sentiment": {"text": "@{f}"},
    "text_to_speech": {"text": "@{f}", "voice": "espeak"},
    "music_generate": {"description": "@{f}", "duration": 2},
    "co_speech_gesture": {"audio": "@voice.wav", "text": "@{f}"},
    "speech_emotion": {"audio": "@voice.wav", "transcript": "@{f}"},
    "sing": {"lyrics": "@{f}"},
}

# Damage a tool may live with: anything else must be refused.
MAY_FINISH = {
    "cut_data.wav", "full_scale_dc.wav", "cut.mp3", "cut.ogg", "blip_50ms.wav", "one_sample.wav", "claims_4gb.wav",
    "cut.jpg", "cmyk.jpg", "sixteen_bit.png", "palette.gif", "noise.png",
    "cut_track.mid", "no_notes.mid", "note_storm.mid", "zero_tempo.mid",
    "bom.txt", "zalgo.txt", "emoji_only.txt", "rtl_marks.txt",
    "arkit_head.glb",
}  # fmt: skip


def _fill(value, name: str):
    if isinstance(value, str):
        return value.replace("{f}", name)
    if isinstance(value, list):
        return [_fill(v, name) for v in value]
    return value


def cases(bad: dict, uses: dict) -> list[Case]:
    found = []
    for name, make in bad.items():
        for tool, args in uses.items():
            args = {k: _fill(v, name) for k, v in args.items()}
            helpers = {h: m for h, m in HELPERS.items() if f"@{h}" in str(args)}
            found.append(
                Case(
                    f"{name}->{tool}",
                    plan={"steps": [{"id": "step", "tool": tool, "args": args}]},
                    files={name: make, **helpers},
                    expect=None if name in MAY_FINISH else "refused",
                )
            )
    return found


def _file(case: Case) -> str:
    return case.name.split("->")[0]


ALL = [
    *cases(BAD_AUDIO, AUDIO_USES),
    *cases(BAD_IMAGES, IMAGE_USES),
    *cases(BAD_MIDI, MIDI_USES),
    *cases(BAD_HEADS, HEAD_USES),
    *cases(BAD_TEXT_FILES, TEXT_USES),
]


@pytest.mark.parametrize("case", sample(ALL, 24, group=_file), ids=str)
def test_a_bad_file_is_refused_or_used_and_nothing_is_left_behind(case, tmp_path):
    outcome = check(case, tmp_path)  # asserts every promise: see tests/fuzz/harness.py
    assert outcome.code in (0, 2), (case.name, outcome.error)


# -- long, good input, and Ctrl-C while a step runs ---------------------------------------
LONG = {
    "long.wav": lambda p: speech_like(p, seconds=600, rate=8000),
    "long.mid": lambda p: midi(p, track(*[note(48 + i % 24, 480) for i in range(3000)])),  # 25 min
}
PROSE = "The quick brown fox jumps over the lazy dog, and then it rests for a while. " * 250
LONG_USES = {
    **{tool: {k: _fill(v, "long.wav") for k, v in args.items()} for tool, args in AUDIO_USES.items()},
    "midi_to_audio": {"midi": "@long.mid"},
    "text_to_speech": {"text": PROSE},
    "music_generate": {"description": "an epic orchestral theme", "duration": 600},
    "sing": {"lyrics": PROSE[:1200], "accompaniment": True},  # about 300 syllables, under its 400
}
INTERRUPTED = [
    Case(
        f"interrupt->{tool}",
        plan={"steps": [{"id": "step", "tool": tool, "args": args}]},
        files={n: m for n, m in {**LONG, **HELPERS}.items() if f"@{n}" in str(args)},
        interrupt=True,
    )
    for tool, args in LONG_USES.items()
]


@pytest.mark.parametrize("case", sample(INTERRUPTED, 2), ids=str)
def test_a_long_run_stopped_with_ctrl_c_leaves_nothing_behind(case, tmp_path):
    outcome = check(case, tmp_path)  # asserts every promise: see tests/fuzz/harness.py
    assert outcome.code in (0, 130), (case.name, outcome.error)  # stopped, or done before the key
