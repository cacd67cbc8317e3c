"""The built-in tools refuse inputs beyond their stated limits before anything runs:
``troupe exec`` exits 2 with one line saying what was wrong, and no step starts.

Each file is tiny; what is out of bounds is what its header claims.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.badfiles import flac_claiming, lying_wav, png_claiming, wav

from .test_cli import ROOT, troupe

PORTRAIT = ROOT / "examples" / "portrait.png"


def exec_plan(tmp_path: Path, steps: list[dict], *files: Path):
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"steps": steps}))
    args = [a for f in files for a in ("-f", str(f))]
    return troupe("exec", str(plan), *args, "--out", str(tmp_path / "run"))


def assert_refused(out, *fragments: str) -> None:
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("troupe: error: invalid plan:"), out.stderr
    for fragment in fragments:
        assert fragment in lines[0]
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize(
    ("tool", "extra"),
    [
        ("transcribe", {}),
        ("speech_emotion", {}),
        ("co_speech_gesture", {}),
        ("talking_face", {"image": f"@{PORTRAIT}"}),
    ],
)
def test_a_wav_whose_header_says_1_hz_is_refused_at_once(tmp_path, tool, extra):
    lie = lying_wav(tmp_path / "lie.wav")  # 200 kB that claim 27 hours
    out = exec_plan(tmp_path, [{"id": "s", "tool": tool, "args": {"audio": "@lie.wav", **extra}}], lie)
    assert_refused(out, "lie.wav says its sample rate is 1 Hz", "re-export it")
    manifest = json.loads((tmp_path / "run" / "run.json").read_text()) if (tmp_path / "run").exists() else {}
    assert not manifest.get("steps")  # nothing started


def test_a_three_hour_recording_is_refused_from_its_header(tmp_path):
    long = flac_claiming(tmp_path / "long.flac", hours=3)  # 14 kB that claim 3 hours
    out = exec_plan(tmp_path, [{"id": "t", "tool": "transcribe", "args": {"audio": "@long.flac"}}], long)
    assert_refused(out, "long.flac lasts 3 h; at most 2 h is accepted")


def test_a_picture_too_large_to_decode_is_refused(tmp_path):
    huge, voice = png_claiming(tmp_path / "huge.png", 20000, 20000), wav(tmp_path / "voice.wav")
    steps = [{"id": "f", "tool": "talking_face", "args": {"image": "@huge.png", "audio": "@voice.wav"}}]
    out = exec_plan(tmp_path, steps, huge, voice)
    assert_refused(out, "huge.png is larger than", "megapixels — scale it down")
    assert "DecompressionBomb" not in out.stderr


def test_seventeen_tracks_are_refused_by_validation(tmp_path):
    voice = wav(tmp_path / "voice.wav")
    steps = [{"id": "m", "tool": "audio_mix", "args": {"tracks": ["@voice.wav"] * 17}}]
    out = exec_plan(tmp_path, steps, voice)
    assert_refused(out, "argument 'tracks' has 17 items; audio_mix takes at most 16")


def test_a_text_file_longer_than_its_argument_takes_is_refused_unread(tmp_path):
    big = tmp_path / "big.txt"
    with open(big, "wb") as f:  # text, then 300 MB of nothing on disk: reading it all took 3.9 GB
        f.write(b"This is fine, said the file. " * 200)
        f.truncate(300_000_000)
    out = exec_plan(tmp_path, [{"id": "s", "tool": "text_sentiment", "args": {"text": "@big.txt"}}], big)
    assert_refused(out, "big.txt holds more than 100,000 characters of text; at most 100,000 are accepted")
    out = exec_plan(
        tmp_path, [{"id": "s", "tool": "text_to_speech", "args": {"text": "hi", "voice": "@big.txt"}}], big
    )
    assert_refused(out, "big.txt holds more than 1,000,000 characters")  # a parameter with no max_length


def test_a_text_file_that_turns_out_not_to_be_utf8_is_refused(tmp_path):
    odd = tmp_path / "odd.txt"
    odd.write_bytes(b"plain words to begin with. " * 200 + "and then latin-1: caf\xe9".encode("latin-1"))
    out = exec_plan(tmp_path, [{"id": "s", "tool": "text_sentiment", "args": {"text": "@odd.txt"}}], odd)
    assert_refused(out, "odd.txt is not UTF-8 text (byte 5,422 cannot be read) — save it as UTF-8")


def test_the_tools_state_their_limits():
    cards = troupe("tools").stdout
    assert "[limits: 0.1 s to 2 h long, 4–384 kHz, at most 32 channels]" in cards  # transcribe
    assert "[limits: at most 50 megapixels]" in cards  # talking_face's photo
