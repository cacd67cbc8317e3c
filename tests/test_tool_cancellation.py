"""Stop means stop: a cancelled step stops at the next decoded block, not after the whole file.

The recordings are twenty minutes of silence as FLAC (250 kB); what is counted is how many
blocks were decoded after the cancel flag went up, never how long anything took.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import tools._media
from tools import Audio, Cancelled, ToolContext, get_spec
from tools._media import ffmpeg_exe
from tools.face._cues import speech_cues
from tools.gesture import co_speech_gesture


@pytest.fixture
def twenty_minutes(tmp_path: Path) -> Path:
    path = tmp_path / "quiet.flac"
    cmd = [
        ffmpeg_exe(),
        "-v",
        "error",
        "-f",
        "lavfi",
        "-i",
        "anullsrc=r=16000:cl=mono",
        "-t",
        "1200",
        str(path),
    ]
    subprocess.run(cmd, check=True)
    return path


@pytest.fixture
def decoded_blocks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the blocks every streamed decode hands out."""
    counted: list[int] = []
    real = tools._media.iter_audio_blocks

    def counting(*args, **kwargs):
        for block in real(*args, **kwargs):
            counted.append(block.size)
            yield block

    monkeypatch.setattr(tools._media, "iter_audio_blocks", counting)
    return counted


def cancelled_at_first_report(tmp_path: Path) -> ToolContext:
    ctx = ToolContext(output_dir=tmp_path / "out", step_id="s")
    ctx.on_progress = lambda fraction, message=None: ctx.cancel_event.set()
    return ctx


def test_gesture_stops_within_a_block_of_the_cancel(tmp_path, twenty_minutes, decoded_blocks):
    ctx = cancelled_at_first_report(tmp_path)
    with pytest.raises(Cancelled):
        get_spec(co_speech_gesture).invoke({"audio": Audio(path=twenty_minutes)}, ctx)
    assert len(decoded_blocks) <= 1  # of 40


def test_talking_face_cues_stop_within_a_block_of_the_cancel(tmp_path, twenty_minutes, decoded_blocks):
    ctx = ToolContext(output_dir=tmp_path / "out", step_id="s")
    ctx.cancel_event.set()
    with ctx.active(), pytest.raises(Cancelled):
        speech_cues(Audio(path=twenty_minutes), 25)
    assert len(decoded_blocks) <= 1  # of 120
