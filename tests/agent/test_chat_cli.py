"""``troupe chat`` driven through a pseudo-terminal, as a person types at it.

The test tools (tone, measure) and the real offline planner; each test starts a real
``troupe chat`` process on a terminal of its own (see ptychat.py).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from tests.agent.ptychat import PtyProcess

ROOT = Path(__file__).resolve().parents[2]
PROMPT = r"you> "
ASK = r"run it\? \[y/n/edit\] "


@pytest.fixture
def chat(tmp_path):
    started = []

    def start(*options: str) -> PtyProcess:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "TROUPE_HOME": os.environ["TROUPE_HOME"]}
        argv = [sys.executable, "-m", "agent.cli", "chat", "--no-builtins", "--tools", "tests/testtools.py"]
        process = PtyProcess([*argv, *options], env, str(ROOT))
        started.append(process)
        process.expect(r"conversation in (\S+) \((\d+) turns\)")
        process.expect(PROMPT)
        return process

    yield start
    for process in started:
        process.close()


def conversations() -> list[Path]:
    return sorted((Path(os.environ["TROUPE_HOME"]) / "conversations").glob("*/conversation.json"))


def test_two_turns_a_follow_up_uses_the_first_result_then_ctrl_d(chat):
    c = chat()
    c.sendline("make a 440 Hz test tone")
    tone = c.expect(r"tone: (\S+tone\.wav)").group(1)  # the artifact, with its path
    c.expect(r"Done — tone → tone\.wav\.[\s\S]*Next, I can: \"how loud is this recording\"")
    c.expect(PROMPT)
    c.sendline("how loud is it")
    measured = c.expect(r"measure: (\S+measure\.json)").group(1)
    c.expect(PROMPT)
    assert json.loads(Path(measured).read_text())["duration_s"] == pytest.approx(1.0)
    c.send("\x04")  # Ctrl-D
    c.expect(r"Saved in (\S+) — troupe chat --resume")
    assert c.wait() == 0
    (saved,) = conversations()
    turns = json.loads(saved.read_text())["turns"]
    assert [t["request"] for t in turns] == ["make a 440 Hz test tone", "how loud is it"]
    assert turns[1]["plan"]["steps"][0]["args"]["audio"].endswith("tone.wav")  # the first result, read
    assert Path(tone).parent.parent == Path(turns[0]["run_dir"])


def test_plan_review_edit_and_run_then_undo_and_resume(chat):
    c = chat()
    c.sendline("/plan")
    c.expect("Plans are shown for review before they run.")
    c.expect(PROMPT)
    c.sendline("make a 440 Hz test tone")
    c.expect(r"│ tone\s+│ tone\s+│")
    c.expect(ASK)
    c.sendline("/edit tone freq_hz=99999")  # a bad value: one clear line, nothing runs
    c.expect(
        r"not changed: step 'tone': argument 'freq_hz' = 99999: input should be less than or equal to 20000"
    )
    c.expect(ASK)
    c.sendline("/edit tone freq_hz=880")
    c.expect(r"│ tone\s+│ tone\s+│ freq_hz=880")
    c.expect(ASK)
    c.sendline("y")
    c.expect(r"tone: \S+tone\.wav")
    c.expect(PROMPT)
    c.sendline("make a 440 Hz test tone")  # a second reviewed plan, dropped
    c.expect(ASK)
    c.sendline("n")
    c.expect("Dropped; nothing ran.")
    c.expect(PROMPT)
    c.sendline("/undo")
    c.expect(r"Dropped the last turn \(make a 440 Hz test tone\); 0 left\.")
    c.expect(PROMPT)
    c.sendline("/undo")
    c.expect("error: there is nothing to undo")
    c.expect(PROMPT)
    c.sendline("/quit")
    assert c.wait() == 0
    (saved,) = conversations()
    assert json.loads(saved.read_text())["turns"] == []

    again = chat("--resume", str(saved.parent))  # an empty conversation resumes too
    again.send("\x04")
    assert again.wait() == 0


def test_files_added_with_slash_files_are_used_and_listed(chat, tmp_path):
    from agent import Agent
    from tests import testtools
    from tools import Registry

    beep = (
        Agent(registry=Registry([testtools.tone]), runs_dir=tmp_path).run("make a tone").steps[0].output.path
    )
    c = chat()
    c.sendline(f"/files {tmp_path / 'missing.wav'}")
    c.expect(r"error: input file \S+missing\.wav does not exist")
    c.sendline(f"/files {beep}")
    c.expect(r"Files: \S+tone\.wav \(with the next request\)")
    c.sendline("how loud is this recording")
    c.expect(r"measure: \S+measure\.json")
    c.expect(PROMPT)
    c.sendline("/files")
    c.expect(rf"Files: {beep}")
    c.send("\x04")
    assert c.wait() == 0


def test_ctrl_c_cancels_the_run_only(chat):
    c = chat("--review", "--tools", "tests/agent/runtools.py")
    # the tool is named: this test is about Ctrl-C, not about reading "wait 60 seconds" (see
    # tests/planners/test_planners_foreign.py for that known miss)
    c.sendline("linger for 60 seconds, then write the label 'done'")
    c.expect(r"│ linger\s+│ linger\s+│")
    c.expect(ASK)
    c.sendline("/edit linger seconds=60")
    c.expect(ASK)
    c.sendline("y")
    c.expect("running")  # the live checklist
    c.interrupt()  # Ctrl-C
    c.expect(r"Cancelled after 0 of 1 steps")
    c.expect(PROMPT)  # the chat goes on
    c.sendline("/plan")
    c.expect(PROMPT)
    c.sendline("make a 440 Hz test tone")
    c.expect(r"tone: \S+tone\.wav")
    c.send("\x04")
    assert c.wait() == 0
    (saved,) = conversations()
    assert [t["request"] for t in json.loads(saved.read_text())["turns"]] == [
        "linger for 60 seconds, then write the label 'done'",
        "make a 440 Hz test tone",
    ]
