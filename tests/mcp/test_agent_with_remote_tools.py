"""Remote MCP tools in plans: the offline planner chains them with built-ins, the executor
runs them, and a remote failure fails only its own step."""

from __future__ import annotations

import time

import pytest

from agent import Agent, Plan

pytest.importorskip("librosa", reason="music_analyze needs the music extra")

REQUEST = "make a click track at 120 bpm for 8 seconds and tell me its tempo"


def test_offline_planner_chains_the_remote_tool_with_music_analyze(registry):
    plan = Agent(planner="offline", registry=registry).plan(REQUEST)
    steps = plan.to_dict()["steps"]
    assert [s["tool"] for s in steps] == ["make_click_track", "music_analyze"]
    assert steps[0]["args"] == {"bpm": 120.0, "duration_s": 8.0}
    assert steps[1]["args"] == {"audio": f"${steps[0]['id']}"}


def test_the_planned_chain_runs_and_finds_the_tempo(registry, tmp_path):
    result = Agent(planner="offline", registry=registry, cache=False).run(REQUEST, out_dir=tmp_path / "run")
    assert result.ok, [s.error for s in result.steps]
    made, analysed = result.steps
    audio = made.output
    assert audio.kind == "Audio" and audio.path.is_relative_to(result.run_dir) and audio.sha256
    # Clicks on every beat of a steady 120 BPM: the beat tracker is within 2 % of it.
    assert analysed.output.load()["tempo_bpm"] == pytest.approx(120, rel=0.02)


def _plan(*steps: dict) -> Plan:
    return Plan.from_data({"steps": list(steps)})


def test_an_error_result_fails_its_step_and_the_rest_runs(registry, tmp_path):
    plan = _plan(
        {"id": "no", "tool": "refuse", "args": {"reason": "no drums today"}},
        {"id": "count", "tool": "word_count", "args": {"text": "one two three"}},
    )
    result = Agent(registry=registry, cache=False).run(plan=plan, out_dir=tmp_path / "run")
    no, count = result.step("no"), result.step("count")
    assert no.status == "failed" and no.error_type == "ToolError"
    assert no.error == (
        "MCP server 'clicks', tool 'refuse' reported an error: Error executing tool refuse: refused: no drums today"
    )
    assert count.status == "finished" and count.output.load() == {"result": 3}


def test_a_server_crashing_mid_call_fails_that_step_and_is_restarted(registry, tmp_path):
    # The crash takes down the `counter` server; `clicks` goes on, and counter's next call
    # starts it again.
    plan = _plan(
        {"id": "boom", "tool": "counter_crash", "args": {}},
        {"id": "count", "tool": "word_count", "args": {"text": "a b"}},
    )
    result = Agent(registry=registry, cache=False).run(plan=plan, out_dir=tmp_path / "run")
    boom = result.step("boom")
    assert boom.status == "failed"
    assert boom.error.startswith("MCP server 'counter', tool 'crash': the server stopped during the call")
    assert "boom: crashing on purpose" in boom.error
    assert result.step("count").status == "finished"
    assert registry.get("counter_word_count").invoke({"text": "back again"}).load() == {"result": 2}


def test_a_hanging_call_times_out_and_the_server_hears_of_it(registry, tmp_path):
    marker = tmp_path / "cancelled.txt"
    plan = _plan(
        {"id": "stuck", "tool": "wait_forever", "args": {"marker": str(marker)}, "timeout_s": 1},
        {"id": "count", "tool": "word_count", "args": {"text": "on time"}},
    )
    result = Agent(registry=registry, cache=False).run(plan=plan, out_dir=tmp_path / "run")
    stuck = result.step("stuck")
    assert (stuck.status, stuck.error) == ("failed", "wait_forever took longer than its 1 s limit")
    assert result.step("count").status == "finished"
    for _ in range(200):  # the request was cancelled on the server, not left running
        if marker.exists():
            break
        time.sleep(0.05)
    assert marker.read_text() == "cancelled"
