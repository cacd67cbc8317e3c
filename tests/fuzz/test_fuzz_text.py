"""Odd text in every text argument of every tool, as a plan literal and through ``--set``.

Lone surrogates and NUL reach Troupe as JSON escapes in a plan; bytes that are not UTF-8
reach it through the command line. Whatever the text, the tool speaks, judges or uses it, or
refuses it in one line; it never crashes, and nothing it writes is left half done.
"""

from __future__ import annotations

import pytest

from tests.fuzz.badmedia import GOOD_AUDIO, midi, note, track
from tests.fuzz.harness import Case, check, sample

pytestmark = pytest.mark.fuzz

ODD_TEXT = {
    "empty": "",
    "whitespace": " \n\t\r\u00a0\u3000 ",
    "nul": "\x00",
    "nul_inside": "hello\x00world",
    "lone_high_surrogate": "\ud800",
    "lone_low_surrogate": "hi \udfff there",
    "escaped_emoji_pair": "\ud83d\ude00 grin",
    "rtl_only": "\u202e\u200f\u202b",
    "rtl_override": "read this \u202eeulav txt.exe",
    "emoji_only": "😀🎉👍🏽🇫🇷",
    "zwj_family": "👨\u200d👩\u200d👧\u200d👦 is here",
    "zalgo": "h\u0336\u0335e\u0337l\u0338l\u0334o " * 40,
    "ansi_escapes": "\x1b[31mred\x1b[0m \x1b]0;title\x07 bell",
    "control_chars": "".join(map(chr, range(1, 32))),
    "line_separators": "one\u2028two\u2029three\x85four",
    "bom": "\ufeffstarts with a byte order mark",
    "variable_like": "{{line}} and $$5 and @@x",
    "format_strings": "%s %n %x {0} {name} ${HOME}",
    "markup": "<script>alert(1)</script> ]]> '; DROP TABLE runs; --",
    "cjk": "日本語のテキストを読んでください",
    "arabic_mixed": "Hello مرحبا بالعالم and back",
    "symbols_5k": ("root:x:0:0:/bin/bash;{}[]<>|\\~^" * 160)[:5000],
    "one_word_20k": "a" * 20_000,
    "too_long": "word " * 20_001,
}
WORDS_ONLY = {"text_sentiment", "text_to_speech", "music_generate", "sing"}  # no other input needed

# tool → the argument the text goes in, and the other arguments
USES = {
    ("text_sentiment", "text"): {},
    ("text_to_speech", "text"): {"voice": "espeak"},
    ("text_to_speech", "voice"): {"text": "hello"},
    ("music_generate", "description"): {"duration": 1},
    ("music_generate", "key"): {"duration": 1},
    ("music_generate", "instrument"): {"duration": 1},
    ("midi_to_audio", "instrument"): {"midi": "@tune.mid"},
    ("co_speech_gesture", "text"): {"audio": "@voice.wav"},
    ("speech_emotion", "transcript"): {"audio": "@voice.wav"},
    ("transcribe", "language"): {"audio": "@voice.wav"},
    ("sing", "lyrics"): {},
    ("sing", "key"): {"lyrics": "la la la"},
    ("sing", "instrument"): {"lyrics": "la la la", "accompaniment": True},
    ("face_animation", "text"): {"audio": "@voice.wav", "fps": 30},
    ("face_animation", "head"): {"audio": "@voice.wav", "fps": 30},
    ("dance", "style"): {"music": "@voice.wav"},
}
INPUTS = {
    "voice.wav": GOOD_AUDIO,
    "tune.mid": lambda p: midi(p, track(*[note(60 + i, 240) for i in range(8)])),
}


def _argv_safe(text: str) -> bool:
    """Whether ``text`` can travel in a command line (no NUL; surrogates only as escaped bytes)."""
    return "\x00" not in text and all(
        not 0xD800 <= ord(c) < 0xDC80 and not 0xDD00 <= ord(c) < 0xE000 for c in text
    )


def cases() -> list[Case]:
    found = []
    for label, text in ODD_TEXT.items():
        for (tool, param), others in USES.items():
            files = {n: m for n, m in INPUTS.items() if f"@{n}" in str(others.values())}
            args = {**others, param: text}
            expect = "refused" if label == "too_long" else None
            plan = {"steps": [{"id": "step", "tool": tool, "args": args}]}
            found.append(Case(f"{label}->{tool}.{param}", plan=plan, files=files, expect=expect))
            if _argv_safe(text) and text and tool in WORDS_ONLY:
                by_set = {"steps": [{"id": "step", "tool": tool, "args": {**args, param: "{{value}}"}}]}
                found.append(Case(f"{label}->{tool}.{param}(--set)", plan=by_set, files=files,
                                  sets=(f"value={text}",), expect=expect))  # fmt: skip
    # bytes that are not UTF-8 arrive from the command line as surrogate escapes
    not_utf8 = {
        "steps": [{"id": "step", "tool": "text_to_speech", "args": {"text": "{{v}}", "voice": "espeak"}}]
    }
    found.append(
        Case("not_utf8_bytes->text_to_speech.text(--set)", plan=not_utf8, sets=("v=caf\udce9 \udcff\udcfe",))
    )
    return found


ALL = cases()


@pytest.mark.parametrize("case", sample(ALL, 16, group=lambda c: c.name.split("->")[0]), ids=str)
def test_odd_text_is_used_or_refused_and_nothing_is_left_behind(case, tmp_path):
    outcome = check(case, tmp_path)  # asserts every promise: see tests/fuzz/harness.py
    assert outcome.code in (0, 2), (case.name, outcome.error)
