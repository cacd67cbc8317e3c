"""Hostile plans: through ``troupe exec`` (a pipeline file), through ``troupe run`` (an LLM's
answer, from a scripted chat-completions server on 127.0.0.1) and through a web session.

A plan a planner wrote, or one run in a web session, may read only the files given with it
(or the session's files): one naming the secret kept beside the inputs, by path, by ``..``,
by a link or through a tool argument that takes a path, must be refused without a word of it
in any output. Every other plan here is malformed or odd, and ends in a result or a refusal.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from tests.fuzz.badmedia import GOOD_AUDIO, good_portrait
from tests.fuzz.harness import Case, check, sample
from tests.planners.planner_chat_server import ChatServer, serve

pytestmark = pytest.mark.fuzz


def step(tool: str, sid: str = "a", **args) -> dict:
    return {"id": sid, "tool": tool, "args": args}


def plan(*steps: dict, **extra) -> dict:
    return {"steps": list(steps), **extra}


def nested(depth: int) -> str:
    return json.dumps(plan(step("text_sentiment", text="hi"))).replace(
        '"hi"', "[" * depth + '"hi"' + "]" * depth
    )


def alias_bomb(tail: str) -> str:
    """YAML where ``*i`` stands for 9⁹ strings, written in ten lines, then ``tail``."""
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    lines += [f"{c}: &{c} [{','.join(['*' + p] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi", strict=True)]
    return "\n".join([*lines, tail, ""])


def _link_to_secret(path):
    os.symlink("../outside/secret.txt", path)
    return path


def _secret_copy(path):
    path.write_text("a harmless note")
    return path


SENTIMENT = step("text_sentiment", text="what a lovely day")
VOICE = {"voice.wav": GOOD_AUDIO}

# -- plan files run with `troupe exec` ----------------------------------------------------
EXEC = [
    Case("cycle", plan(step("text_sentiment", "a", text="$b"), step("text_sentiment", "b", text="$a")), expect="refused"),
    Case("self_reference", plan(step("text_sentiment", "a", text="$a")), expect="refused"),
    Case("dangling_reference", plan(step("text_sentiment", text="$nowhere")), expect="refused"),
    Case("missing_field", plan(step("co_speech_gesture", "g", audio="@voice.wav"), step("text_sentiment", text="$g.nope")), files=VOICE, expect="refused"),
    Case("nested_900_json", nested(900), expect="refused"),
    Case("nested_40_json", nested(40), expect="refused"),
    Case("nested_900_yaml", "steps:\n- id: a\n  tool: text_sentiment\n  args:\n    text: " + "[" * 900 + "x" + "]" * 900, expect="refused"),
    Case("billion_laughs", alias_bomb("steps: *i"), expect="refused"),
    Case("billion_laughs_in_args", alias_bomb("steps: [{id: s, tool: text_sentiment, args: {text: *i}}]"), expect="refused"),
    Case("python_tag", 'steps: !!python/object/apply:os.system ["touch pwned"]\n', expect="refused"),
    Case("yaml_merge_and_anchor_ids", "x: &s {id: a, tool: text_sentiment, args: {text: hi}}\nsteps: [*s, *s]\n", expect="refused"),
    Case("not_utf8_plan", b"steps: [{id: a, tool: text_sentiment, args: {text: caf\xe9}}]\n", expect="refused"),
    Case("empty_plan_file", "", expect="refused"),
    Case("binary_plan_file", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", expect="refused"),
    Case("steps_not_a_list", {"steps": "text_sentiment"}, expect="refused"),
    Case("extra_keys", {"steps": [{**SENTIMENT, "run": "rm -rf /"}]}, expect="refused"),
    Case("id_rtl_override", plan(step("text_sentiment", "a\u202eb", text="hi")), expect="refused"),
    Case("id_emoji", plan(step("text_sentiment", "😀", text="hi")), expect="refused"),
    Case("id_nul", plan(step("text_sentiment", "a\x00b", text="hi")), expect="refused"),
    Case("id_path", plan(step("text_sentiment", "../../escape", text="hi")), expect="refused"),
    Case("tool_name_newline", plan(step("text_sentiment\nerror: a line of its own", text="hi")), expect="refused"),
    Case("tool_name_lone_surrogate", '{"steps": [{"id": "a", "tool": "text_\\udc80sentiment", "args": {"text": "hi"}}]}', expect="refused"),
    Case("argument_name_newline", plan({"id": "a", "tool": "text_sentiment", "args": {"te\nxt": "hi"}}), expect="refused"),
    Case("file_ref_newline", plan(step("text_sentiment", text="@no\nsuch.txt")), expect="refused"),
    Case("file_ref_bare_at", plan(step("music_analyze", audio="@")), expect="refused"),
    Case("file_ref_dev_zero", plan(step("text_sentiment", text="@/dev/zero")), expect="refused"),
    Case("file_ref_folder", plan(step("music_analyze", audio="@.")), expect="refused"),
    Case("file_ref_nul", plan(step("music_analyze", audio="@voice\x00.wav")), files=VOICE),  # NUL is dropped
    Case("file_literal_dict", plan(step("music_analyze", audio={"path": "/etc/hostname"})), expect="refused"),
    Case("seventeen_tracks", plan(step("audio_mix", tracks=["@voice.wav"] * 17)), files=VOICE, expect="refused"),
    Case("gains_nan", "steps: [{id: a, tool: audio_mix, args: {tracks: ['@voice.wav'], gains_db: [.nan]}}]", files=VOICE, expect="refused"),
    Case("speed_inf", "steps: [{id: a, tool: text_to_speech, args: {text: hi, speed: .inf}}]", expect="refused"),
    Case("seed_negative", plan(step("music_generate", duration=1, seed=-1)), expect="refused"),
    Case("seed_huge", plan(step("music_generate", duration=1, seed=2**70)), expect="refused"),
    Case("duration_zero", plan(step("music_generate", duration=0)), expect="refused"),
    Case("tempo_words", plan(step("music_generate", duration=1, tempo="fast")), expect="refused"),
    Case("face_index_huge", plan(step("talking_face", image="@portrait.png", audio="@voice.wav", face_index=10**30)), files={**VOICE, "portrait.png": good_portrait}, expect="refused"),
    Case("timeout_nan", "steps: [{id: a, tool: text_sentiment, args: {text: hi}, timeout_s: .nan}]", expect="refused"),
    Case("retries_many", {"steps": [{**SENTIMENT, "retries": 10**9}]}, expect="refused"),
    Case("reply_not_text", plan(SENTIMENT, reply={"a": [1, 2]}), expect="refused"),
    Case("unfilled_variable", plan(step("text_sentiment", text="{{line}}")), expect="refused"),
    Case("set_file_ref", plan(step("text_sentiment", text="{{line}}")), sets=("line=@../outside/secret.txt",), expect="finished"),
    Case("set_step_ref", plan(SENTIMENT, step("text_sentiment", "b", text="{{x}}")), sets=("x=$a",), expect="finished"),
    Case("set_variable_in_value", plan(step("text_sentiment", text="{{a}} and {{b}}")), sets=("a={{b}}", "b=@x"), expect="finished"),
    Case("set_not_utf8", plan(step("text_sentiment", text="{{line}}")), sets=("line=caf\udce9 \udcff",), expect="finished"),
    Case("set_newlines", plan(step("text_sentiment", text="{{line}}")), sets=("line=one\ntwo\r\nthree",), expect="finished"),
    Case("set_nan_number", plan(step("text_to_speech", text="hi", speed="{{s}}")), sets=("s=nan",), expect="refused"),
    Case("set_unknown_name", plan(SENTIMENT), sets=("nope=1",), expect="refused"),
    Case("two_hundred_steps", plan(*(step("text_sentiment", f"s{i}", text=f"line {i} is fine") for i in range(200))), expect="finished"),
    Case("fan_in_of_outputs", plan(*(step("text_to_speech", f"t{i}", text=f"part {i}", voice="espeak") for i in range(3)),
                                   step("audio_mix", "mix", tracks=[f"$t{i}" for i in range(3)])), expect="finished"),
]  # fmt: skip


@pytest.mark.parametrize("case", sample(EXEC, 12), ids=str)
def test_a_hostile_pipeline_is_refused_or_run_and_nothing_is_left_behind(case, tmp_path):
    outcome = check(case, tmp_path)
    assert not (tmp_path / "in" / "pwned").exists()
    if case.name == "set_file_ref":  # a --set value is the text itself, never the file
        assert outcome.manifest["plan"]["steps"][0]["args"]["text"] == "@@../outside/secret.txt"


# -- an LLM's plans, through `troupe run --planner openai` -------------------------------
READS_SECRET = [  # "{root}" is the case folder; the secret is {root}/outside/secret.txt
    step("text_sentiment", text="@{root}/outside/secret.txt"),
    step("text_sentiment", text="@../outside/secret.txt"),
    step("text_sentiment", text="@link.txt"),
    step("text_to_speech", text="@note.txt/../../outside/secret.txt", voice="espeak"),
    step("co_speech_gesture", audio="@voice.wav", checkpoint="{root}/outside/secret.txt"),
    step("co_speech_gesture", audio="@voice.wav", checkpoint="../outside"),
]
INPUTS = {"voice.wav": GOOD_AUDIO, "note.txt": _secret_copy, "link.txt": _link_to_secret}

LLM = [
    *(Case(f"llm_reads_secret_{i}", plan(s), files=INPUTS, given=("voice.wav", "note.txt"), request="do it")
      for i, s in enumerate(READS_SECRET)),
    Case("llm_lone_surrogates", '{"steps": [{"id": "a", "tool": "text_sentiment", "args": {"text": "\\ud800 hi \\udfff"}}]}',
         request="how does this sound", expect="finished"),
    Case("llm_nul_and_rtl", plan(step("text_sentiment", text="hi\x00 \u202egnp.exe")), request="judge", expect="finished"),
]  # fmt: skip


@pytest.fixture
def server() -> Iterator[ChatServer]:
    yield from serve()


def answer_always(server: ChatServer, content: str) -> None:
    """Give the same answer to every request (the plan, its repair, the reply)."""
    server.script = _Always(content)


class _Always(list):
    def __init__(self, content: str):
        super().__init__([{"content": content, "delay_s": 0}])

    def pop(self, index: int = -1) -> dict:
        return self[0]


def rooted(case: Case, root: Path) -> Case:
    """``case`` with "{root}" in its plan standing for the case's folder."""
    text = case.plan if isinstance(case.plan, str) else json.dumps(case.plan)
    return replace(case, plan=json.loads(text.replace("{root}", str(root))) if text.startswith("{") else text)


@pytest.mark.parametrize("case", sample(LLM, 2), ids=str)
def test_an_llm_plan_reads_only_the_files_given(case, tmp_path, server):
    case = rooted(case, tmp_path)
    answer_always(server, case.plan if isinstance(case.plan, str) else json.dumps(case.plan))
    llm = {"TROUPE_LLM_BASE_URL": server.url, "TROUPE_LLM_MODEL": "scripted", "OPENAI_API_KEY": "test"}
    outcome = check(case, tmp_path, env=llm)
    if case.name.startswith("llm_reads_secret"):  # refused by validation: the plan that ran is another
        ran = json.dumps(outcome.manifest["plan"]["steps"] if outcome.manifest else [])
        assert "outside" not in ran and "link.txt" not in ran, ran


# -- plans run in a web session (the app's agent, this process) -----------------------------
WEB = [
    *(Case(f"web_reads_secret_{i}", plan(s), files=INPUTS, given=("voice.wav", "note.txt"), web=True, expect="refused")
      for i, s in enumerate([*READS_SECRET, step("text_sentiment", text="@../../../outside/secret.txt")])),
    Case("web_checkpoint_from_upload", plan(step("co_speech_gesture", audio="@voice.wav", checkpoint="@note.txt")),
         files=INPUTS, given=("voice.wav", "note.txt"), web=True, expect="refused"),
    Case("web_proc_environ", plan(step("text_sentiment", text="@/proc/self/environ")), web=True, expect="refused"),
    Case("web_dev_zero", plan(step("music_analyze", audio="@/dev/zero")), web=True, expect="refused"),
    Case("web_cycle", plan(step("text_sentiment", "a", text="$b.label"), step("text_sentiment", "b", text="$a.label")),
         web=True, expect="refused"),
    Case("web_lone_surrogates", '{"steps": [{"id": "a", "tool": "text_sentiment", "args": {"text": "\\ud800 hi \\udfff"}}]}',
         web=True, expect="finished"),
    Case("web_gesture", plan(step("co_speech_gesture", audio="@voice.wav", text="Hello \u202e there!")), files=VOICE,
         web=True, expect="finished"),
]  # fmt: skip


def web_agent(runs_dir: Path):
    from agent import Agent

    return Agent(runs_dir=runs_dir, cache=False)


@pytest.mark.parametrize("case", sample(WEB, 4), ids=str)
def test_a_web_session_plan_reads_only_the_session_files(case, tmp_path):
    check(rooted(case, tmp_path), tmp_path, agent=web_agent)
