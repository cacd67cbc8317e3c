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


def test_processes_a_tool_started_die_with_the_interpreter(tmp_path):
    """Steps run on daemon threads: when the process exits mid-step (Ctrl-C in the CLI), what
    their tools started must not outlive it, even before the step's watcher has seen a cancel."""
    import os
    import subprocess
    import sys
    import time

    marker = tmp_path / "still-running"
    script = f"""
import subprocess, sys
from tools import ToolContext
ctx = ToolContext(output_dir={str(tmp_path)!r})
child = subprocess.Popen([sys.executable, "-c", "import time, pathlib; time.sleep(3); pathlib.Path({str(marker)!r}).touch()"],
                         start_new_session=True)
ctx.adopt(child)
print(child.pid, flush=True)
"""  # exits at once, the child adopted and running
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PYTHONPATH": os.getcwd()})  # fmt: skip
    assert out.returncode == 0, out.stderr
    pid = int(out.stdout.split()[0])
    time.sleep(0.2)
    stat = Path(f"/proc/{pid}/stat")
    assert not stat.exists() or stat.read_text().split()[2] == "Z"  # gone, or dead and not yet reaped
    time.sleep(3.5)
    assert not marker.exists()  # it never got to finish its work
