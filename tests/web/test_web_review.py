"""Plans a person reviews, edits and re-runs; follow-ups and one turn at a time, in process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import pytest
from conftest import LOUDER_PLAN, SuggestingResponder, louder, loudness, make_agent

from agent import Agent, Cache, Plan, UserFiles
from tests import testtools
from tools import Audio, Registry, ToolContext, ToolError, tool
from web._chat import ChatTurn
from web._review import Draft
from web._session import Session


def text_of(history: list[dict]) -> str:
    parts = []
    for m in history:
        content = m["content"] if isinstance(m["content"], list) else [m["content"]]
        parts += [p for p in content if isinstance(p, str)]
    return "\n".join(parts)


@pytest.fixture
def session(tmp_path: Path) -> Session:
    return Session(tmp_path / "runs" / "web", max_upload_bytes=1_000_000)


def plan_for(data: dict, name: str = "tone.wav") -> Plan:
    return Plan.from_text(Plan.from_data(data).to_json().replace("@FILE", f"@{name}"))


@tool
def fade(audio: Audio, shape: Literal["in", "out", "both"] = "in", *, ctx: ToolContext) -> Audio:
    """Fade a recording (a stand-in with a closed choice).

    Args:
        audio: the recording.
        shape: which end fades.
    """
    return audio


# -- the editor's fields ----------------------------------------------------------------------
def test_fields_offer_choices_files_and_earlier_outputs(tone_wav, tmp_path):
    registry = Registry([louder, loudness, fade])
    picture = tmp_path / "face.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    plan = Plan.from_data(
        {
            "steps": [
                {"id": "up", "tool": "louder", "args": {"audio": "@tone.wav"}},
                {"id": "soft", "tool": "fade", "args": {"audio": "$up", "shape": "out"}},
                {"id": "level", "tool": "loudness", "args": {"audio": "$soft"}},
            ]
        }
    )
    draft = Draft(plan, "fade it", (tone_wav, picture))
    fields = {(f.step, f.name): f for f in draft.fields(registry, UserFiles([tone_wav, picture]))}
    assert fields["soft", "shape"].kind == "choice"
    assert fields["soft", "shape"].choices == ("in", "out", "both") and fields["soft", "shape"].value == "out"
    # Only audio is offered for audio: the picture is left out; only steps before this one.
    assert fields["up", "audio"].choices == ("@tone.wav",)
    assert fields["level", "audio"].choices == ("@tone.wav", "$up", "$soft")
    assert fields["up", "gain"].kind == "text" and fields["up", "gain"].value is None  # unset: the default
    assert "(default: 2.0)" in fields["up", "gain"].info


def test_an_invalid_edit_says_what_is_wrong_in_one_line_and_a_fix_clears_it(agent, tone_wav):
    draft = Draft(plan_for(LOUDER_PLAN), "make this louder", (tone_wav,))
    files = UserFiles([tone_wav])
    assert draft.check(agent.registry, files) is None
    draft.edit(agent.registry, "up", "gain", "loud")
    problem = draft.check(agent.registry, files)
    assert problem == (
        "step 'up': argument 'gain' = 'loud': input should be a valid number, unable to parse string as a number"
    )
    draft.edit(agent.registry, "level", "audio", "$nowhere")
    assert "(and 1 more)" in draft.check(agent.registry, files)
    draft.edit(agent.registry, "level", "audio", "$up")
    draft.edit(agent.registry, "up", "gain", "3")
    assert draft.check(agent.registry, files) is None and draft.problem is None
    assert draft.plan.step("up").args == {"audio": "@tone.wav", "gain": 3}


def test_an_edited_plan_may_not_reach_outside_the_session(agent, session, tone_wav):
    (upload,) = session.accept_uploads([tone_wav]).accepted
    draft = Draft(plan_for(LOUDER_PLAN), "make this louder", (upload,))
    draft.edit(agent.registry, "up", "audio", "@/etc/passwd")
    assert "@/etc/passwd is outside this session's files" in draft.check(
        agent.registry, session.user_files(draft.given)
    )


# -- review, run, re-run --------------------------------------------------------------------
def test_with_review_on_the_plan_waits_then_runs_as_edited(agent, session, tone_wav):
    updates = list(ChatTurn(agent, session, [], "make this louder", [tone_wav], review=True))
    assert "Here is the plan (2 steps)" in text_of(updates[-1].history)
    assert not list((session.dir / "runs").iterdir())  # nothing ran
    draft = session.draft
    draft.edit(agent.registry, "up", "gain", "1.5")
    final = list(ChatTurn(agent, session, session.history).run_draft(draft))[-1].history
    assert "2 of 2 steps done" in text_of(final) and session.draft is None
    (turn,) = session.turns
    level = json.loads(turn.result.step("level").output.path.read_text())
    assert level["scores"]["peak"] == pytest.approx(0.375, abs=0.005)  # 0.25 × 1.5; 16-bit rounding


def test_an_unsure_plan_is_shown_for_review_even_with_review_off(tmp_path, session, tone_wav):
    class Unsure:
        def plan(self, request, files, registry, context=()):
            return plan_for(LOUDER_PLAN).model_copy(update={"confidence": 0.1})

    agent = Agent(Unsure(), registry=Registry([louder, loudness]), runs_dir=tmp_path / "runs", cache=False)
    history = list(ChatTurn(agent, session, [], "louder maybe", [tone_wav]))[-1].history
    assert "I am not sure I understood (confidence 10%)" in text_of(history)
    assert session.draft is not None and session.draft.low_confidence


def test_rerunning_one_step_reruns_its_dependents_and_takes_the_rest_from_the_cache(
    tmp_path, session, tone_wav
):
    agent = make_agent(tmp_path / "runs", cache=Cache(tmp_path / "cache"))
    list(ChatTurn(agent, session, [], "compare the levels", [tone_wav]))
    first = session.turns[-1]
    draft = Draft.rerun(first.result, first.given, "up")
    assert [f.name for f in draft.fields(agent.registry, session.user_files(draft.given))] == [
        "audio",
        "gain",
    ]
    draft.edit(agent.registry, "up", "gain", "1.5")
    with pytest.raises(KeyError):
        draft.edit(agent.registry, "orig", "audio", "$up")  # only the step being re-run changes
    final = list(ChatTurn(agent, session, session.history).run_draft(draft))[-1].history
    assert "↻ Re-run `up` with audio: @tone.wav, gain: 1.5" in text_of(final)
    second = session.turns[-1].result
    assert {s.id: s.status for s in second.steps} == {"up": "finished", "level": "finished", "orig": "cached"}
    assert json.loads(second.step("level").output.path.read_text())["scores"]["peak"] == pytest.approx(
        0.375, abs=0.005
    )


def test_a_rerun_may_not_read_the_result_of_a_step_that_failed(agent, session, tone_wav):
    list(ChatTurn(agent, session, [], "run the broken tool", [tone_wav]))
    last = session.turns[-1]
    draft = Draft.rerun(last.result, last.given, "level")
    draft.edit(agent.registry, "level", "audio", "$bad")
    problem = draft.check(agent.registry, session.user_files(draft.given))
    assert problem == (
        "step 'level': $bad has no result — that step did not finish in this run "
        "(the broken test tool failed on purpose); pick a file or another step's output"
    )
    history = list(ChatTurn(agent, session, session.history).run_draft(draft))[-1].history
    assert text_of(history).splitlines()[-1].startswith("Nothing ran: step 'level': $bad has no result")
    assert len(session.turns) == 1


# -- follow-ups --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tone_agent(tmp_path_factory: pytest.TempPathFactory) -> Agent:
    """The offline planner with the two stand-in tools of tests/testtools.py."""
    runs = tmp_path_factory.mktemp("tones") / "runs"
    return Agent(registry=Registry([testtools.tone, testtools.measure]), runs_dir=runs, cache=False)


def test_a_follow_up_measures_the_tone_just_made(tone_agent, session):
    list(ChatTurn(tone_agent, session, [], "make a 440 Hz test tone"))
    history = list(ChatTurn(tone_agent, session, session.history, "how loud is it?"))[-1].history
    second = session.turns[-1].result
    assert [(s.tool, s.args) for s in second.plan.steps] == [("measure", {"audio": "@tone.wav"})]
    stats = json.loads(second.step("measure").output.path.read_text())
    assert stats["duration_s"] == pytest.approx(1.0) and stats["peak"] == pytest.approx(0.5, abs=0.001)
    assert "| duration_s | 1 |" in text_of(history)


def test_a_follow_up_with_nothing_earlier_gets_a_sentence_saying_what_is_missing(tone_agent, session):
    history = list(ChatTurn(tone_agent, session, [], "how loud is it?"))[-1].history
    assert text_of(history).splitlines()[-1] == (
        "I need more to do that: measure needs Audio for 'audio'; attach a file with the clip button."
    )


def test_new_chat_forgets_the_earlier_results(tone_agent, session):
    list(ChatTurn(tone_agent, session, [], "make a 440 Hz test tone"))
    session.forget()
    history = list(ChatTurn(tone_agent, session, [], "how loud is it?"))[-1].history
    assert "I need more to do that" in text_of(history) and session.turns == []


def test_after_a_failed_run_the_chat_says_nothing_earlier_finished(session, tmp_path):
    @tool(examples=("make a beep",))
    def beep_fails(*, ctx: ToolContext) -> Audio:
        """Make a beep, failing on purpose."""
        raise ToolError("no beep today")

    agent = Agent(registry=Registry([testtools.measure, beep_fails]), runs_dir=tmp_path / "r", cache=False)
    list(ChatTurn(agent, session, [], "make a beep"))
    assert session.turns and not session.context()
    history = list(ChatTurn(agent, session, session.history, "how loud is it?"))[-1].history
    assert (
        text_of(history)
        .splitlines()[-1]
        .startswith(
            "No step of the earlier runs in this chat finished, so there is no result to build on. I need more"
        )
    )


def test_files_uploaded_earlier_stay_usable(agent, session, tone_wav):
    list(ChatTurn(agent, session, [], "make this louder", [tone_wav]))
    list(ChatTurn(agent, session, session.history, "make this louder again"))  # no file this time
    assert [t.result.plan.step("up").args["audio"] for t in session.turns] == ["@tone.wav", "@tone.wav"]
    assert all(t.result.ok for t in session.turns)


def test_next_steps_of_the_result_are_kept_for_the_buttons(tmp_path, session, tone_wav):
    agent = make_agent(
        tmp_path / "runs", responder=SuggestingResponder(["how loud is it?", " ", "take a nap"])
    )
    list(ChatTurn(agent, session, [], "make this louder", [tone_wav]))
    assert session.next_steps == ["how loud is it?", "take a nap"]
    list(ChatTurn(agent, session, session.history, "paint a sunset"))  # no run: no suggestions
    assert session.next_steps == []


# -- one turn at a time -----------------------------------------------------------------------
def test_a_second_turn_while_one_runs_is_told_to_wait_and_changes_nothing(agent, session):
    first = iter(ChatTurn(agent, session, [], "take a nap"))
    next(first)  # the first turn holds the session now
    history_before = list(session.history)
    second = list(ChatTurn(agent, session, session.history, "make this louder"))
    assert "still busy with a request (perhaps from another tab)" in text_of(second[-1].history)
    assert session.history == history_before  # the running turn's chat is untouched
    list(first)
    assert len(session.turns) == 1 and session.turns[0].result.ok
    assert not session.busy.locked()


def test_a_turn_of_a_chat_started_over_writes_nothing_back(agent, session, tone_wav):
    turn = iter(ChatTurn(agent, session, [], "make this louder", [tone_wav]))
    next(turn)
    session.forget()
    list(turn)
    assert session.turns == [] and session.history == []
    assert not session.busy.locked()
