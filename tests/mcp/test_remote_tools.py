"""Tools of a real MCP server (a subprocess over stdio, and over HTTP) as Troupe tools."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import wave
from pathlib import Path
from typing import Literal

import pytest

from tools import Audio, BadInput, Cancelled, Image, Json, Midi, Registry, ToolContext, ToolError, TroupeError

from .conftest import server_command


def _wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / w.getframerate()


# -- listing ---------------------------------------------------------------------------
def test_input_schema_becomes_typed_documented_params(registry):
    spec = registry.get("make_click_track")
    bpm, duration, pattern = spec.params["bpm"], spec.params["duration_s"], spec.params["pattern"]
    assert (bpm.annotation, bpm.required, bpm.description) == (float, True, "tempo in beats per minute")
    assert (duration.required, duration.default, duration.description) == (False, 4.0, "length in seconds")
    assert pattern.annotation == Literal["quarter", "eighth"] and pattern.default == "quarter"
    assert pattern.choices == ("quarter", "eighth")
    assert spec.summary == "Make a metronome click track as a WAV recording at a steady tempo in BPM."
    assert spec.timeout_s == 300 and not spec.cache and "mcp:clicks" in spec.tags
    # The server's bounds (bpm > 20) are checked before anything is sent.
    with pytest.raises(BadInput, match="argument 'bpm' = 5: input should be greater than 20"):
        spec.invoke({"bpm": 5})
    with pytest.raises(
        BadInput, match="argument 'pattern' = 'triplet': input should be 'quarter' or 'eighth'"
    ):
        spec.invoke({"bpm": 100, "pattern": "triplet"})
    with pytest.raises(BadInput, match=r"missing required argument 'bpm' \(tempo in beats per minute\)"):
        spec.invoke({})


def test_artifact_params_and_output_kinds(registry):
    # x-troupe-kind marks an artifact parameter; troupe/returns declares the output kind;
    # otherwise the kind is guessed from the words ("WAV recording" → Audio).
    assert registry.get("recording_length").params["recording"].annotation is Audio
    assert registry.get("make_click_track").returns is Audio
    assert registry.get("fake_portrait").returns is Image
    assert registry.get("word_count").returns is Json
    schema = registry.get("recording_length").json_schema()
    assert schema["properties"]["recording"]["type"] == "string"  # a file path on the wire


def test_clashing_names_get_the_server_prefix(registry):
    # The built-in music_analyze keeps its name; the server's namesake is prefixed, and so
    # is every tool of the second server, whose names the first server took.
    assert registry.get("music_analyze").fn.__module__ == "tools.music.analyze"
    assert "clicks_music_analyze" in registry and "clicks" in registry.get("clicks_music_analyze").description
    assert {"word_count", "counter_word_count", "counter_make_click_track"} <= set(registry.names())
    assert registry.get("counter_word_count").invoke({"text": "one two"}).load() == {"result": 2}


# -- calling -----------------------------------------------------------------------------
def test_remote_wav_becomes_an_audio_artifact_with_progress(registry, tmp_path):
    seen = []
    ctx = ToolContext(output_dir=tmp_path, on_progress=lambda f, m=None: seen.append((f, m)))
    audio = registry.get("make_click_track").invoke({"bpm": 100, "duration_s": 1.5}, ctx)
    assert isinstance(audio, Audio) and audio.path.parent == tmp_path
    assert audio.path.read_bytes()[:4] == b"RIFF"
    assert _wav_seconds(audio.path) == pytest.approx(1.5, abs=1e-3)
    assert (0.5, "rendering clicks") in seen
    # The artifact goes back to the server as its path.
    length = registry.get("recording_length").invoke({"recording": audio}).load()
    assert length == {"result": pytest.approx(1.5, abs=1e-3)}


def test_embedded_and_linked_resources_become_files(registry, tmp_path):
    linked = registry.get("link_score").invoke({}, ToolContext(output_dir=tmp_path / "linked"))
    embedded = registry.get("embed_score").invoke({}, ToolContext(output_dir=tmp_path / "embedded"))
    for midi in (linked, embedded):
        assert isinstance(midi, Midi) and midi.path.read_bytes().startswith(b"MThd")
    assert embedded.meta["text"] == "one empty track"


def test_an_error_result_is_a_tool_error_naming_server_and_tool(registry):
    with pytest.raises(ToolError) as info:
        registry.get("refuse").invoke({"reason": "too loud"})
    assert (
        str(info.value)
        == "MCP server 'clicks', tool 'refuse' reported an error: Error executing tool refuse: refused: too loud"
    )


def test_a_wrong_kind_result_is_refused_and_nothing_is_left(registry, tmp_path):
    ctx = ToolContext(output_dir=tmp_path)
    with pytest.raises(
        ToolError, match=r"tool 'fake_portrait' returned text \(image/png\) where it promised an image"
    ):
        registry.get("fake_portrait").invoke({}, ctx)
    assert list(tmp_path.iterdir()) == []


def test_malformed_file_data_is_refused(registry):
    with pytest.raises(ToolError, match="tool 'silent_promise' returned file data that is not valid base64"):
        registry.get("silent_promise").invoke({})


def test_a_malformed_answer_is_a_tool_error():
    registry = Registry()
    try:
        registry.add_mcp_server(f"{sys.executable} {Path(__file__).with_name('raw_server.py')}")
        with pytest.raises(ToolError) as info:
            registry.get("broken_sound").invoke({})
        assert (
            str(info.value)
            == "MCP server 'raw', tool 'broken_sound' failed: its answer is not a valid MCP message"
        )
    finally:
        registry.close()


def test_a_stray_line_on_stdout_does_not_break_the_session(registry):
    assert registry.get("garble").invoke({}).load() == {"result": "fine"}
    assert registry.get("word_count").invoke({"text": "still fine"}).load() == {"result": 2}


def test_cancelling_a_call_cancels_the_request_on_the_server(registry, tmp_path):
    marker = tmp_path / "cancelled.txt"
    ctx = ToolContext(output_dir=tmp_path / "out")
    errors = []

    def call():
        try:
            registry.get("wait_forever").invoke({"marker": str(marker)}, ctx)
        except BaseException as e:
            errors.append(e)

    thread = threading.Thread(target=call)
    thread.start()
    time.sleep(0.5)  # let the request reach the server
    ctx.cancel_event.set()
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], Cancelled)
    assert "MCP server 'clicks', tool 'wait_forever' was cancelled" in str(errors[0])
    _wait_for(marker)  # the server's handler was cancelled too
    assert registry.get("word_count").invoke({"text": "still here"}).load() == {"result": 2}


def _wait_for(path: Path, tries: int = 200) -> None:
    for _ in range(tries):
        if path.exists():
            return
        time.sleep(0.05)
    pytest.fail(f"{path} never appeared")


# -- starting ----------------------------------------------------------------------------
def test_a_server_that_cannot_start_is_named():
    with pytest.raises(
        TroupeError,
        match=r"MCP server '/nonexistent/mcp-server --flag' could not be started: .*No such file.* — check the command",
    ):
        Registry().add_mcp_server("/nonexistent/mcp-server --flag")


def test_a_program_that_is_not_an_mcp_server_is_named():
    command = f"{sys.executable} -c \"print('hello, not json')\""
    with pytest.raises(TroupeError, match="could not be started"):
        Registry().add_mcp_server(command)


def test_streamable_http_server(http_server, tmp_path):
    registry = Registry()
    try:
        specs = registry.add_mcp_server(http_server, timeout_s=60)
        assert "make_click_track" in {s.name for s in specs} and registry.get("word_count").timeout_s == 60
        audio = registry.get("make_click_track").invoke(
            {"bpm": 90, "duration_s": 1.0}, ToolContext(output_dir=tmp_path)
        )
        assert _wav_seconds(audio.path) == pytest.approx(1.0, abs=1e-3)
        assert registry.get("word_count").invoke({"text": "over http"}).load() == {"result": 2}
    finally:
        registry.close()


def test_importing_tools_does_not_import_mcp():
    code = "import sys, tools, agent, agent.cli; tools.Registry(); print('mcp' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_closing_stops_the_server_subprocess():
    registry = Registry()
    registry.add_mcp_server(server_command("shortlived"))
    pids = _children_running(Path(__file__).with_name("server.py").name)
    assert pids
    registry.close()
    assert not set(pids) & set(_children_running("server.py"))


def _children_running(script: str) -> list[int]:
    """Process ids of this process's children running ``script`` (Linux /proc)."""
    import os

    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == os.getpid() and script in cmdline and "shortlived" in cmdline:
                found.append(int(entry.name))
    return found
