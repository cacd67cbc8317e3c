"""The ``troupe`` command end to end, with the test tools in tests/testtools.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tools._media import write_wav

ROOT = Path(__file__).resolve().parents[2]
TEST_TOOLS = str(ROOT / "tests" / "testtools.py")

PLAN = """\
steps:
  - id: beep
    tool: tone
    args: {freq_hz: "{{freq}}", duration_s: 0.25}
  - id: level
    tool: measure
    args: {audio: $beep}
"""


def troupe(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "agent.cli", *args]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd or ROOT, env=env, timeout=120)


def runs_dir() -> Path:
    return Path(os.environ["TROUPE_HOME"]) / "runs"


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    path = tmp_path / "pipeline.yaml"
    path.write_text(PLAN)
    return path


def test_tools_lists_the_catalog():
    out = troupe("tools", "--json", "--tools", TEST_TOOLS, "--no-builtins")
    assert out.returncode == 0, out.stderr
    catalog = {t["name"]: t for t in json.loads(out.stdout)}
    assert set(catalog) == {"tone", "measure"}
    assert catalog["tone"]["parameters"]["properties"]["freq_hz"]["exclusiveMinimum"] == 0
    assert catalog["measure"]["returns"] == "Json"
    text = troupe("tools", "--tools", TEST_TOOLS, "--no-builtins").stdout
    assert "tone(freq_hz: float = 440.0, duration_s: float = 1.0) -> Audio" in text


def test_exec_runs_a_pipeline_and_prints_the_json_contract(plan_file, tmp_path):
    out = troupe("exec", str(plan_file), "--set", "freq=880", "--json", "--tools", TEST_TOOLS,
                 "--no-builtins", "--out", str(tmp_path / "run"))  # fmt: skip
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert set(result) == {"run_dir", "steps", "reply"}
    assert [(s["id"], s["tool"], s["status"], s["error"]) for s in result["steps"]] == [
        ("beep", "tone", "finished", None),
        ("level", "measure", "finished", None),
    ]
    stats = json.loads(Path(result["steps"][1]["output"]).read_text())
    assert stats["duration_s"] == pytest.approx(0.25, abs=1e-3)
    assert stats["peak"] == pytest.approx(0.5, abs=0.01)  # the tone's amplitude
    manifest = json.loads((tmp_path / "run" / "run.json").read_text())
    assert manifest["status"] == "finished" and manifest["plan"]["steps"][0]["args"]["freq_hz"] == 880


def test_second_run_comes_from_the_cache(plan_file):
    args = ("exec", str(plan_file), "--set", "freq=660", "--json", "--tools", TEST_TOOLS, "--no-builtins")
    assert troupe(*args).returncode == 0
    again = json.loads(troupe(*args).stdout)
    assert [s["status"] for s in again["steps"]] == ["cached", "cached"]


def test_human_output_lists_files_and_reply(plan_file):
    out = troupe("exec", str(plan_file), "--set", "freq=440", "--tools", TEST_TOOLS, "--no-builtins")
    assert out.returncode == 0, out.stderr
    assert "beep: " in out.stdout and out.stdout.strip().splitlines()[-1].startswith("Done — ")
    assert "✓ level [measure] finished" in out.stderr


def bad_plan(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(body)
    return path


@pytest.mark.parametrize(
    ("body", "files", "message"),
    [
        (
            "steps: [{id: a, tool: speak_loudly}]",
            [],
            "Unknown tool 'speak_loudly'; known tools: measure, tone",
        ),
        ("steps: [{id: a, tool: measure, args: {audio: $ghost}}]", [], "no step has id 'ghost'"),
        ("steps: [{id: a, tool: measure, args: {audio: '@missing.wav'}}]", [], "file @missing.wav not found"),
        (
            "steps: [{id: a, tool: measure, args: {audio: '@notes.wav'}}]",
            ["notes.wav"],
            "notes.wav holds text, not audio",
        ),
        (
            "steps: [{id: a, tool: tone, args: {freq_hz: -5}}]",
            [],
            "argument 'freq_hz' = -5: input should be greater than 0",
        ),
        ("steps: [{id: a, tool: tone, args: {pitch: 3}}]", [], "tone has no argument 'pitch'"),
        ("steps: [{id: a tool: tone}", [], "neither JSON nor YAML"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, body, files, message):
    (tmp_path / "notes.wav").write_text("this is text, not sound")
    file_args = [a for f in files for a in ("-f", str(tmp_path / f))]
    out = troupe("exec", str(bad_plan(tmp_path, body)), *file_args, "--tools", TEST_TOOLS, "--no-builtins")
    assert out.returncode == 2
    assert message in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr
    assert not runs_dir().exists() or not any(runs_dir().iterdir())  # nothing ran, nothing looks finished


def test_missing_input_file_and_plan_file(tmp_path):
    out = troupe("exec", str(tmp_path / "nope.yaml"), "--tools", TEST_TOOLS, "--no-builtins")
    assert out.returncode == 2 and "plan file" in out.stderr and "does not exist" in out.stderr
    plan = bad_plan(tmp_path, "steps: [{id: a, tool: tone}]")
    out = troupe("exec", str(plan), "-f", str(tmp_path / "ghost.wav"), "--tools", TEST_TOOLS, "--no-builtins")
    assert out.returncode == 2 and "input file" in out.stderr and "ghost.wav does not exist" in out.stderr


def test_tool_refusing_its_input_fails_the_step_with_exit_2(tmp_path):
    # Passes the content sniff (it is audio) but the tool only reads PCM WAV.
    flac = tmp_path / "clip.flac"
    flac.write_bytes(b"fLaC" + bytes(64))
    original = flac.read_bytes()
    plan = bad_plan(tmp_path, "steps: [{id: a, tool: measure, args: {audio: '@clip.flac'}}]")
    out = troupe("exec", str(plan), "-f", str(flac), "--json", "--tools", TEST_TOOLS, "--no-builtins")
    assert out.returncode == 2
    [step] = json.loads(out.stdout)["steps"]
    assert step["status"] == "failed" and "is not a PCM WAV file" in step["error"] and step["output"] is None
    assert flac.read_bytes() == original  # inputs are never touched


def test_files_are_found_by_name_relative_to_the_plan(tmp_path):
    write_wav(tmp_path / "voice.wav", 0.1 * np.ones(1600), 16000)
    plan = bad_plan(tmp_path, "steps: [{id: a, tool: measure, args: {audio: '@voice.wav'}}]")
    out = troupe("exec", str(plan), "--json", "--tools", TEST_TOOLS, "--no-builtins", cwd=ROOT / "tests")
    assert out.returncode == 0, out.stderr


ECHO_TOOLS = """\
from tools import Text, ToolContext, tool


@tool
def echo(text: str, *, ctx: ToolContext) -> Text:
    \"\"\"Write the text it is given.

    Args:
        text: what to write.
    \"\"\"
    return Text.write(ctx, "echo.txt", text)
"""


@pytest.mark.parametrize("value", ["@/etc/hostname", "$first", "@@x"])
def test_set_values_are_literals_not_references(tmp_path, value):
    (tmp_path / "echo_tools.py").write_text(ECHO_TOOLS)
    plan = bad_plan(
        tmp_path,
        "steps:\n  - {id: first, tool: echo, args: {text: hello}}\n"
        "  - {id: second, tool: echo, args: {text: '{{line}}'}}\n",
    )
    out = troupe("exec", str(plan), "--set", f"line={value}", "--json", "--tools", str(tmp_path / "echo_tools.py"),
                 "--no-builtins")  # fmt: skip
    assert out.returncode == 0, out.stderr
    second = json.loads(out.stdout)["steps"][1]
    assert Path(second["output"]).read_text() == value  # the text itself, not the file or the step


def test_files_given_with_f_are_taken_from_the_current_folder(tmp_path):
    write_wav(tmp_path / "song.wav", 0.5 * np.ones(1600), 16000)  # the one meant: peak 0.5
    (tmp_path / "plans").mkdir()
    write_wav(tmp_path / "plans" / "song.wav", 0.1 * np.ones(1600), 16000)  # next to the plan: peak 0.1
    (tmp_path / "plans" / "p.yaml").write_text("steps: [{id: a, tool: measure, args: {audio: '@song.wav'}}]")
    out = troupe("exec", "plans/p.yaml", "-f", "song.wav", "--json", "--tools", TEST_TOOLS, "--no-builtins",
                 cwd=tmp_path)  # fmt: skip
    assert out.returncode == 0, out.stderr
    stats = json.loads(Path(json.loads(out.stdout)["steps"][0]["output"]).read_text())
    assert stats["peak"] == pytest.approx(0.5, abs=0.01)
    assert "relative to the current folder" in troupe("exec", "--help").stdout


@pytest.mark.slow  # the offline planner loads its sentence-embedding model
def test_two_files_with_one_name_stay_two_inputs(tmp_path):
    t = np.arange(16000) / 16000
    for folder, freq_hz in (("d1", 440), ("d2", 660)):
        (tmp_path / folder).mkdir()
        write_wav(tmp_path / folder / "song.wav", 0.3 * np.sin(2 * np.pi * freq_hz * t), 16000)
    files = ("-f", "d1/song.wav", "-f", "d2/song.wav")
    out = troupe("run", "mix these two", *files, "--json", "--no-cache", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    [mix] = json.loads(out.stdout)["steps"]
    manifest = json.loads((Path(mix["output"]).parents[1] / "run.json").read_text())
    assert manifest["plan"]["steps"][0]["args"]["tracks"] == ["@d1/song.wav", "@d2/song.wav"]
    import soundfile as sf

    y, sr = sf.read(mix["output"])
    spectrum = np.abs(np.fft.rfft(y if y.ndim == 1 else y.mean(axis=1)))
    freqs = np.fft.rfftfreq(len(y), 1 / sr)
    level = {f: spectrum[np.abs(freqs - f).argmin()] for f in (440, 660)}
    assert level[660] > 0.5 * level[440]  # both songs are in the mix, not the first one twice


def test_unknown_option_is_a_usage_error():
    out = troupe("exec", "x.yaml", "--colour", "red")
    assert out.returncode == 2 and "unrecognized arguments: --colour red" in out.stderr


@pytest.mark.slow  # the offline planner loads its sentence model
def test_plan_explain_says_why_each_step_is_there(tmp_path):
    from PIL import Image

    Image.new("RGB", (64, 64), (120, 100, 90)).save(tmp_path / "me.png")
    done = troupe("plan", "make me.png say 'hello there'", "-f", str(tmp_path / "me.png"), "--explain")
    assert done.returncode == 0, done.stderr
    assert "why:" in done.stdout
    assert "- text_to_speech: talking_face needs audio (Audio), made from the quoted words" in done.stdout
    assert "- talking_face: asked for:" in done.stdout and "confidence:" in done.stdout
    shown = json.loads(
        troupe("plan", "make me.png say 'hello there'", "-f", str(tmp_path / "me.png"), "--json").stdout
    )
    assert [s["tool"] for s in shown["steps"]] == ["text_to_speech", "talking_face"]
    assert 0 <= shown["confidence"] <= 1 and set(shown["why"]) == {"text_to_speech", "talking_face"}


CHATTY_TOOLS = '''
from tools import Json, ToolContext, tool

print("chatty: library loaded")  # as pyfluidsynth does on import when CI is set


@tool(examples=("say something",))
def chatty(word: str = "hi", *, ctx: ToolContext) -> Json:
    """Return a word, printing to stdout as it works.

    Args:
        word: what to return.
    """
    print("chatty: working")
    return Json.write(ctx, "word.json", {"word": word})
'''


def test_stdout_carries_only_the_result_when_libraries_print(tmp_path):
    tools = tmp_path / "chatty.py"
    tools.write_text(CHATTY_TOOLS)
    plan = tmp_path / "plan.yaml"
    plan.write_text("steps:\n  - {id: say, tool: chatty, args: {word: hello}}\n")
    listed = troupe("tools", "--json", "--tools", str(tools), "--no-builtins")
    assert [t["name"] for t in json.loads(listed.stdout)] == ["chatty"]
    assert "chatty: library loaded" in listed.stderr
    ran = troupe(
        "exec", str(plan), "--json", "--tools", str(tools), "--no-builtins", "--out", str(tmp_path / "run")
    )
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["steps"][0]["status"] == "finished"
    assert "chatty: working" in ran.stderr
