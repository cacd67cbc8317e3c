"""Input limits: read from file headers (never by decoding), enforced before a tool runs,
shown in its schema and card; error output of processes reduced to one line.

Every file here is small: a header that lies about its size costs a few bytes, not the size.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Annotated

import pytest
from pydantic import Field

from agent import Plan, PlanError, UserFiles, validate_plan
from tests.badfiles import flac_claiming, lying_wav, png_claiming, wav, wav_bytes
from tools import Audio, BadInput, Image, Limits, Registry, get_spec, tool
from tools._probe import probe_audio, probe_image
from tools._proc import error_line

CALLS: list[str] = []


@tool
def listen(
    audio: Annotated[Audio, Limits(min_s=0.5, max_s=60)],
    clips: Annotated[list[Annotated[Audio, Limits(max_s=60)]], Field(max_length=3)] | None = None,
) -> str:
    """Listen to a recording (records that it ran).

    Args:
        audio: a recording.
        clips: up to three more recordings.
    """
    CALLS.append(audio.path.name)
    return f"{audio.duration_s:.2f} s at {audio.sample_rate} Hz"


@tool
def look(image: Annotated[Image, Limits(max_pixels=1_000_000)]) -> str:
    """Look at a picture.

    Args:
        image: a picture.
    """
    CALLS.append(image.path.name)
    return f"{image.width}x{image.height}"


# -- probing ---------------------------------------------------------------------------


def test_wav_headers_are_read_without_ffmpeg(tmp_path):
    assert probe_audio(wav(tmp_path / "a.wav", 2.0, 22050, 2)).duration_s == pytest.approx(2.0)
    info = probe_audio(lying_wav(tmp_path / "lie.wav"))
    assert (info.sample_rate, info.channels, info.duration_s) == (1, 1, 100_000.0)
    # a data size larger than the file (a cut recording) counts what is there
    cut = wav_bytes(tmp_path / "cut.wav", 8000, 1, b"\0" * 16000, data_size=10**9)
    assert probe_audio(cut).duration_s == pytest.approx(1.0)


def test_other_formats_are_read_by_ffmpeg_from_the_header(tmp_path):
    info = probe_audio(flac_claiming(tmp_path / "long.flac", hours=3))
    assert (info.sample_rate, info.channels, info.duration_s) == (16000, 1, 3 * 3600)


def test_probing_refuses_what_is_not_media(tmp_path):
    fake = tmp_path / "song.wav"
    fake.write_text("not a recording\n")
    with pytest.raises(BadInput, match=r"song\.wav could not be read as audio \(Invalid data found"):
        probe_audio(fake)


def test_image_size_comes_from_the_header(tmp_path):
    assert probe_image(png_claiming(tmp_path / "big.png", 6000, 4000)).width == 6000
    with pytest.raises(BadInput, match=r"huge\.png is larger than \d+ megapixels — scale it down"):
        probe_image(png_claiming(tmp_path / "huge.png", 20000, 20000))


# -- enforcing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: lying_wav(d / "lie.wav"), r"lie\.wav says its sample rate is 1 Hz; 4,000 to 384,000 Hz"),
        (lambda d: wav(d / "long.wav", 61.0, 4000), r"long\.wav lasts 1 min 1 s; at most 1 min is accepted"),
        (lambda d: wav(d / "blip.wav", 0.1), r"blip\.wav lasts only 0\.1 s; at least 0\.5 s is needed"),
        (
            lambda d: wav_bytes(d / "many.wav", 8000, 64, b"\0" * 128 * 800),
            r"many\.wav says it has 64 channels",
        ),
        (lambda d: flac_claiming(d / "long.flac", 3), r"long\.flac lasts 3 h; at most 1 min"),
    ],
)
def test_out_of_bounds_audio_is_refused_before_the_tool_runs(tmp_path, make, message):
    CALLS.clear()
    with pytest.raises(BadInput, match=message):
        get_spec(listen).invoke({"audio": Audio(path=make(tmp_path))})
    assert CALLS == []


def test_accepted_audio_arrives_with_its_sizes(tmp_path):
    assert (
        get_spec(listen).invoke({"audio": Audio(path=wav(tmp_path / "ok.wav", 1.5, 8000))})
        == "1.50 s at 8000 Hz"
    )


def test_limits_apply_to_each_item_of_a_list(tmp_path):
    ok, lie = wav(tmp_path / "ok.wav"), lying_wav(tmp_path / "lie.wav")
    with pytest.raises(BadInput, match=r"lie\.wav says its sample rate is 1 Hz"):
        get_spec(listen).invoke({"audio": Audio(path=ok), "clips": [Audio(path=ok), Audio(path=lie)]})


def test_too_many_pixels_are_refused_before_decoding(tmp_path):
    CALLS.clear()
    with pytest.raises(
        BadInput, match=r"wide\.png is 2000×1000 pixels \(2 megapixels\); at most 1 megapixels"
    ):
        get_spec(look).invoke({"image": Image(path=png_claiming(tmp_path / "wide.png", 2000, 1000))})
    assert CALLS == []


def test_plan_validation_refuses_the_users_file_with_every_issue(tmp_path):
    lie, ok = lying_wav(tmp_path / "lie.wav"), wav(tmp_path / "ok.wav")
    plan = Plan.from_data(
        {
            "steps": [
                {"id": "a", "tool": "listen", "args": {"audio": "@lie.wav"}},
                {"id": "b", "tool": "listen", "args": {"audio": "@ok.wav", "clips": ["@ok.wav"] * 4}},
            ]
        }
    )
    with pytest.raises(PlanError) as caught:
        validate_plan(plan, Registry([listen]), UserFiles([lie, ok]))
    messages = [str(issue) for issue in caught.value.issues]
    assert any("step 'a': argument 'audio': lie.wav says its sample rate is 1 Hz" in m for m in messages)
    assert (
        "step 'b': argument 'clips' has 4 items; listen takes at most 3 — split them over several steps"
        in messages
    )


def test_a_long_list_is_named_by_its_length_not_dumped(tmp_path):
    clips = [Audio(path=wav(tmp_path / "ok.wav"))] * 5
    with pytest.raises(BadInput) as caught:
        get_spec(listen).invoke({"audio": clips[0], "clips": clips})
    assert "a list of 5 items" in str(caught.value) and "Audio(" not in str(caught.value)


def test_limits_show_in_the_card_and_the_schema():
    spec = get_spec(listen)
    assert (
        "  - audio: a recording. [limits: 0.5 s to 1 min long, 4–384 kHz, at most 32 channels]" in spec.card()
    )
    props = spec.json_schema()["properties"]
    assert "[limits: 0.5 s to 1 min long" in props["audio"]["description"]
    assert props["clips"]["anyOf"][0]["maxItems"] == 3
    assert "[limits: at most 1 megapixels]" in get_spec(look).card()


def test_process_errors_become_one_line():
    stderr = (
        "[in#0 @ 0x56291583cd40] Error opening input: Invalid data found when processing input\n"
        "Error opening input file fake.wav.\n"
        "Error opening input files: Invalid data found when processing input\n"
    )
    assert error_line(stderr) == "Invalid data found when processing input"
    assert error_line("") == "it failed"
    assert len(error_line("x" * 1000)) <= 160


def test_decoding_whole_files_refuses_by_the_header_first(tmp_path):
    from tools._media import load_audio

    with pytest.raises(BadInput, match=r"long\.flac lasts 3 h; at most 1 min is read at once"):
        load_audio(flac_claiming(tmp_path / "long.flac", hours=3), max_s=60)  # its 1 s is never decoded


def test_the_security_page_shows_every_tools_limits_as_the_registry_states_them():
    root = Path(__file__).resolve().parents[1]
    script = root / "benchmarks" / "tool_limits.py"
    printed = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True).stdout
    assert (
        "| `co_speech_gesture`<br>time: 120 s + 2 s per s of input | `audio` | Audio | 0.1 s to 30 min"
        in printed
    )
    assert "a path on the server: confined plans only inside their files" in printed  # checkpoint
    page = (root / "docs" / "security.md").read_text(encoding="utf-8")
    assert printed.strip() in page, (
        "a tool's limits changed: paste `python benchmarks/tool_limits.py` into docs/security.md"
    )
