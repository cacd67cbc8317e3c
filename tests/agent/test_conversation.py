"""Conversations: follow-ups planned with earlier results, reuse, save/load, undo and rerun.

The fast tests use the two test tools (tone, measure) with the real offline planner; the
three-turn flows of issue 17 use the real tools and are marked slow.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from agent import Agent, Plan, PlanError, RunResult, StepOutcome, final_result
from agent._conversation import Conversation
from agent.respond import TemplateResponder, next_steps
from tests import testtools
from tools import Audio, BadInput, Registry, ToolContext, TroupeError, default_registry, tool

ROOT = Path(__file__).resolve().parents[2]
PORTRAIT = ROOT / "examples" / "portrait.png"


@tool
def broken_tone(*, ctx: ToolContext) -> Audio:
    """Fail the way a tool refuses its input, for the tests of failed steps."""
    raise BadInput("the tone generator is unplugged — plug it in")


def make_agent(tmp_path) -> Agent:
    return Agent(
        registry=Registry([testtools.tone, testtools.measure, broken_tone]), runs_dir=tmp_path / "runs"
    )


def plan_of(*steps: dict) -> Plan:
    return Plan.from_data(list(steps))


# -- follow-ups and reuse ------------------------------------------------------------------
def test_a_follow_up_reads_the_earlier_result_directly(tmp_path):
    conv = make_agent(tmp_path).conversation(tmp_path / "conv")
    first = conv.ask("make a 440 Hz test tone")
    tone_wav = first.step("tone").output.path
    second = conv.ask("how loud is it")
    assert [s.tool for s in second.plan.steps] == ["measure"]
    assert (
        second.plan.steps[0].args["audio"].startswith("@")
        and tone_wav.name in second.plan.steps[0].args["audio"]
    )
    assert second.ok and second.step("measure").output.load()["duration_s"] == pytest.approx(1.0)
    assert "tone" not in [s.tool for s in second.steps]  # the tone was not made again
    assert [t.request for t in conv.turns] == ["make a 440 Hz test tone", "how loud is it"]
    assert [e.tool for e in conv.context()] == ["tone", "measure"]


def test_files_given_in_one_turn_stay_available_to_later_turns(tmp_path):
    agent = make_agent(tmp_path)
    beep = agent.run("make a 440 Hz test tone").step("tone").output.path
    conv = agent.conversation(tmp_path / "conv")
    conv.ask("how loud is this recording", files=[beep])
    later = plan_of({"id": "again", "tool": "measure", "args": {"audio": f"@{beep}"}})
    assert conv.ask("measure it again", plan=later).ok  # given in turn 1, read in turn 2
    stranger = tmp_path / "stranger.wav"
    shutil.copy(beep, stranger)
    with pytest.raises(PlanError, match="outside"):  # never given: a plan may not read it
        conv.validate(plan_of({"id": "m", "tool": "measure", "args": {"audio": f"@{stranger}"}}))
    assert conv.files == [beep.resolve()]


def test_a_follow_up_with_nothing_earlier_says_so(tmp_path):
    conv = make_agent(tmp_path).conversation(tmp_path / "conv")
    result = conv.ask("now make it louder")
    assert result.steps == []
    assert "nothing earlier in this conversation" in result.reply
    assert '"make a 440 Hz test tone"' in result.reply  # what to do instead, from the tools' examples


def test_a_follow_up_on_a_failed_step_says_it_failed(tmp_path):
    conv = make_agent(tmp_path).conversation(tmp_path / "conv")
    failed = conv.ask("make a tone", plan=plan_of({"id": "hum", "tool": "broken_tone"}))
    assert failed.step("hum").status == "failed"
    assert conv.context() == []  # a failed step contributes no result
    reply = conv.ask("how loud is it").reply
    assert "The earlier step 'hum' (broken_tone) failed" in reply and "unplugged" in reply


# -- saving, loading, undo -----------------------------------------------------------------
def test_save_load_and_continue(tmp_path):
    agent = make_agent(tmp_path)
    conv = agent.conversation(tmp_path / "conv")
    first = conv.ask("make a 440 Hz test tone")
    saved = json.loads((tmp_path / "conv" / "conversation.json").read_text())
    assert saved["turns"][0]["request"] == "make a 440 Hz test tone"
    assert saved["turns"][0]["run_dir"] == str(first.run_dir)
    assert saved["turns"][0]["plan"]["steps"][0]["tool"] == "tone"

    resumed = Conversation.load(tmp_path / "conv", agent)
    (turn,) = resumed.turns
    assert isinstance(turn.result, RunResult) and turn.result.step("tone").status == "finished"
    assert turn.result.step("tone").output.path == first.step("tone").output.path
    assert (
        resumed.context()[0].args == {"freq_hz": 440.0} and resumed.context()[0].kind == "Audio"
    )  # "440 Hz"
    second = resumed.ask("how loud is it")
    assert first.step("tone").output.path.name in second.plan.steps[0].args["audio"] and second.ok
    assert len(json.loads((tmp_path / "conv" / "conversation.json").read_text())["turns"]) == 2


def test_a_new_conversation_never_overwrites_a_saved_one(tmp_path):
    agent = make_agent(tmp_path)
    agent.conversation(tmp_path / "conv").ask("make a 440 Hz test tone")
    with pytest.raises(TroupeError, match="holds a conversation already"):
        agent.conversation(tmp_path / "conv")
    with pytest.raises(TroupeError, match="no conversation in"):
        Conversation.load(tmp_path / "elsewhere", agent)


def test_a_run_folder_deleted_underneath_is_a_clear_error(tmp_path):
    agent = make_agent(tmp_path)
    conv = agent.conversation(tmp_path / "conv")
    run_dir = conv.ask("make a 440 Hz test tone").run_dir
    shutil.rmtree(run_dir)
    with pytest.raises(TroupeError, match=rf"run folder {run_dir} of turn 1 .*is gone"):
        Conversation.load(tmp_path / "conv", agent)
    with pytest.raises(TroupeError, match="is gone"):  # the conversation in memory says the same
        conv.ask("how loud is it")


def test_undo_drops_the_last_turn_and_keeps_its_files(tmp_path):
    conv = make_agent(tmp_path).conversation(tmp_path / "conv")
    conv.ask("make a 440 Hz test tone")
    second = conv.ask("how loud is it")
    dropped = conv.undo()
    assert dropped.result is second and [t.request for t in conv.turns] == ["make a 440 Hz test tone"]
    assert second.step("measure").output.path.is_file()  # the run store keeps it
    assert len(json.loads((conv.folder / "conversation.json").read_text())["turns"]) == 1
    conv.undo()
    with pytest.raises(TroupeError, match="nothing to undo"):
        conv.undo()


# -- rerun and edit ------------------------------------------------------------------------
CHAIN = (
    {"id": "low", "tool": "tone", "args": {"freq_hz": 220, "duration_s": 0.2}},
    {"id": "beep", "tool": "tone", "args": {"freq_hz": 440, "duration_s": 0.5}},
    {"id": "level", "tool": "measure", "args": {"audio": "$beep"}},
    {"id": "echo", "tool": "tone", "args": {"freq_hz": 330, "duration_s": "$level.duration_s"}},
)


def test_rerun_runs_the_step_and_its_dependents_and_reuses_the_rest(tmp_path):
    conv = make_agent(tmp_path).conversation(tmp_path / "conv")
    first = conv.ask("a chain of tones", plan=plan_of(*CHAIN))
    assert first.ok

    result = _final(conv.rerun("beep", {"freq_hz": 880}))
    assert [s.id for s in result.steps] == ["beep", "level", "echo"]  # "low" depends on nothing changed
    assert result.step("beep").status == "finished" and result.step("level").status == "finished"
    assert result.step("beep").output.path != first.step("beep").output.path
    assert len(conv.turns) == 2 and conv.turns[-1].plan.step("beep").args["freq_hz"] == 880

    result = _final(conv.rerun("echo", {"freq_hz": 660}, turn=0))
    # "echo" reads a value of "level" (no file): that step comes from the cache; "beep", a
    # file, is read directly from the first turn
    assert [s.id for s in result.steps] == ["level", "echo"]
    assert result.step("level").status == "cached" and result.step("echo").status == "finished"
    assert conv.turns[-1].plan.step("level").args["audio"] == f"@{first.step('beep').output.path}"


def test_rerun_and_edit_check_the_new_value_at_once(tmp_path):
    conv = make_agent(tmp_path).conversation(tmp_path / "conv")
    conv.ask("a chain of tones", plan=plan_of(*CHAIN))
    with pytest.raises(PlanError, match=r"step 'beep': argument 'freq_hz' = 99999"):
        conv.rerun("beep", {"freq_hz": 99999})
    with pytest.raises(TroupeError, match="no step 'nope'; its steps: low, beep, level, echo"):
        conv.rerun("nope", {})
    with pytest.raises(TroupeError, match="no turn 5"):
        conv.rerun("beep", {}, turn=5)
    assert len(conv.turns) == 1  # nothing ran, nothing recorded
    edited = conv.edit(conv.turns[0].plan, "low", {"duration_s": None})  # None: the default again
    assert edited.step("low").args == {"freq_hz": 220}


# -- next steps ----------------------------------------------------------------------------
def test_next_steps_offer_what_the_tools_can_do_with_the_results(tmp_path):
    conv = make_agent(tmp_path).conversation(tmp_path / "conv")
    result = conv.ask("make a 440 Hz test tone")
    assert result.extra["next_steps"] == ["how loud is this recording"]
    assert result.reply.endswith('Next, I can: "how loud is this recording".')
    assert conv.ask("how loud is it").extra["next_steps"] == []  # nothing takes the measurement


def test_next_steps_after_speech_come_from_the_typed_specs(tmp_path):
    speech = tmp_path / "speech.wav"
    speech.write_bytes(b"RIFF")
    plan = plan_of({"id": "say", "tool": "text_to_speech", "args": {"text": "hi"}})
    result = RunResult(tmp_path, plan, [StepOutcome("say", "text_to_speech", "finished", Audio(path=speech))])
    # a fixed catalog, so that a tool added later does not change what this test checks
    first_twelve = {
        "text_to_speech", "transcribe", "text_sentiment", "speech_emotion", "talking_face",
        "co_speech_gesture", "music_analyze", "music_transcribe", "music_separate",
        "music_generate", "midi_to_audio", "audio_mix",
    }  # fmt: skip
    registry = default_registry().filtered(lambda spec: spec.name in first_twelve)
    offers = next_steps(result, registry)
    assert offers == next_steps(result, registry)  # deterministic
    # tools whose audio parameter is described in the speech tool's words, that make media;
    # each phrased as its own example with "the speech" / "my voice" called "it"
    assert offers == [
        "make a body gesture animation for it",  # co_speech_gesture: needs nothing more
        "lip-sync this face to it, looking happy",  # talking_face: a new kind, needs a photo
        "put soft piano under it",  # audio_mix
    ]
    result.extra["next_steps"] = offers
    assert "Next, I can: " in TemplateResponder().reply(result)


# -- the three-turn flows of the issue, with the real tools ---------------------------------
@pytest.mark.slow
def test_speech_then_another_style_then_a_talking_face(tmp_path):
    conv = Agent(runs_dir=tmp_path / "runs").conversation(tmp_path / "conv")
    first = conv.ask("say 'welcome home' in a calm voice")
    assert [(s.tool, s.args) for s in first.plan.steps] == [
        ("text_to_speech", {"text": "welcome home", "style": "calm"})
    ]
    second = conv.ask("now say it happier")
    assert [(s.tool, s.args) for s in second.plan.steps] == [
        ("text_to_speech", {"text": "welcome home", "style": "happy"})
    ]
    assert second.ok and second.step("text_to_speech").output.path != first.step("text_to_speech").output.path
    third = conv.plan("make my photo say that", files=[PORTRAIT])
    (step,) = third.steps
    happier = second.step("text_to_speech").output.path
    assert step.tool == "talking_face" and step.args["image"] == "@portrait.png"
    assert conv.user_files([PORTRAIT]).lookup(step.args["audio"][1:]) == happier  # reused, not remade
    conv.validate(third, [PORTRAIT])


@pytest.mark.slow
def test_a_song_analysed_then_music_in_its_key_then_mixed_with_it(tmp_path, song):
    conv = Agent(runs_dir=tmp_path / "runs").conversation(tmp_path / "conv")
    first = conv.ask("what key and tempo is this song in?", files=[song])
    assert [s.tool for s in first.plan.steps] == ["music_analyze"] and first.ok
    analysis = first.step("music_analyze").output.load()
    second = conv.ask("generate 4 seconds of new music in the same key and tempo")
    (generate,) = second.plan.steps  # the values the analysis found, not a new analysis
    assert generate.tool == "music_generate" and generate.args["duration"] == 4
    assert (generate.args["key"], generate.args["tempo"]) == (analysis["key"], analysis["tempo_bpm"])
    assert second.ok
    third = conv.ask("mix it with the original song")
    (mix,) = third.plan.steps
    generated = second.step("music_generate").output.audio.path
    tracks = [conv.user_files().lookup(t[1:]) for t in mix.args["tracks"]]
    assert mix.tool == "audio_mix" and tracks == [song.resolve(), generated]  # turn-1 file, turn-2 result
    assert third.ok and [s.status for s in third.steps] == ["finished"]  # nothing else was redone


@pytest.fixture
def song(tmp_path) -> Path:
    """Eight bars of I-IV-V-I in D major at 120 bpm, rendered with the soundfont."""
    from tests.music.music_helpers import cadence_notes, render, score

    return render(score(cadence_notes(62, False), bpm=120), tmp_path / "song.wav").path


def _final(events) -> RunResult:
    return final_result(events)
