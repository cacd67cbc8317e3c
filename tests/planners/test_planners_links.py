"""Links between steps that no type forces: a value the request says comes from the step
before, and an optional input another step of the plan computes anyway."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel

from agent import UserFiles, validate_plan
from agent.planners.offline import OfflinePlanner
from tools import Audio, Json, Registry, Text, tool

pytestmark = pytest.mark.slow  # loads the sentence-embedding model


class _Decisions(BaseModel):
    summary: str
    case_number: str


@tool
def court_decisions(court: str, year: int) -> _Decisions:
    """Retrieve the decisions a court made in a year.

    Args:
        court: the court's name, such as "Supreme Court".
        year: the year of the decisions.
    """
    raise NotImplementedError


@tool
def case_details(case_id: str) -> Json:
    """Look up the parties, judge and status of a legal case.

    Args:
        case_id: the case's identifier.
    """
    raise NotImplementedError


@tool
def speech_to_text(audio: Audio) -> Text:
    """Transcribe the speech in a recording.

    Args:
        audio: the recording.
    """
    raise NotImplementedError


@tool
def voice_mood(audio: Audio, transcript: str | None = None) -> Json:
    """Tell the mood of a speaker from their voice.

    Args:
        audio: the speech recording.
        transcript: what is said, if known (skips speech recognition).
    """
    raise NotImplementedError


@pytest.fixture(scope="module")
def planner() -> OfflinePlanner:
    return OfflinePlanner()


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    path = tmp_path / "interview.wav"
    path.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt ")
    return path


@pytest.fixture
def lecture(recording: Path) -> Path:
    """A second recording beside the first."""
    path = recording.with_name("lecture.wav")
    path.write_bytes(recording.read_bytes())
    return path


def _plan(planner, registry, request, files=()):
    plan = planner.plan(request, list(files), registry)
    validate_plan(plan, registry, UserFiles(list(files)))
    return plan


@pytest.mark.parametrize(
    "request_",
    [
        "Retrieve the decisions of the Supreme Court in 2021. Then look up the parties and status of "
        "the case obtained from the previous response.",
        "Retrieve the decisions of the Supreme Court in 2021, then look up the legal case details using "
        "the identifier obtained.",
    ],
)
def test_a_value_the_request_says_comes_from_the_step_before_is_read_from_it(planner, request_):
    plan = _plan(planner, Registry([court_decisions, case_details]), request_)
    assert [s.tool for s in plan.steps] == ["court_decisions", "case_details"]
    assert plan.steps[0].args == {"court": "Supreme Court", "year": 2021}  # a whole-number year
    assert plan.steps[1].args == {"case_id": f"${plan.steps[0].id}.case_number"}


def test_a_value_nobody_hands_on_is_asked_for(planner):
    plan = planner.plan(
        "Retrieve the decisions of the Supreme Court in 2021. Then look up the details of a case.",
        [],
        Registry([court_decisions, case_details]),
    )
    assert [s.tool for s in plan.steps] == ["court_decisions", "case_details"]
    assert plan.steps[1].args == {"case_id": "{{case_id}}"}


@pytest.mark.parametrize(
    "request_",
    [
        "Transcribe the speech in this recording and tell me the mood of the speaker's voice.",
        "Tell me the mood of the speaker from her voice, and transcribe the recording too.",
    ],
)
def test_an_optional_input_the_plan_computes_from_the_same_file_is_read_from_it(planner, recording, request_):
    plan = _plan(planner, Registry([speech_to_text, voice_mood]), request_, [recording])
    steps = {s.tool: s for s in plan.steps}
    assert set(steps) == {"speech_to_text", "voice_mood"}
    assert steps["voice_mood"].args["transcript"] == f"${steps['speech_to_text'].id}"
    assert [s.tool for s in plan.steps] == ["speech_to_text", "voice_mood"]  # the reader runs after


def test_an_optional_input_is_not_taken_from_a_step_reading_another_file(planner, recording, lecture):
    plan = _plan(
        planner,
        Registry([speech_to_text, voice_mood]),
        "Transcribe lecture.wav and tell me the mood of the speaker in interview.wav.",
        [recording, lecture],
    )
    mood = next(s for s in plan.steps if s.tool == "voice_mood")
    assert "transcript" not in mood.args


def test_each_copy_reads_what_is_computed_from_its_own_file(planner, recording, lecture):
    plan = _plan(
        planner,
        Registry([speech_to_text, voice_mood]),
        "Transcribe both recordings and tell me the mood of the speaker in each of them.",
        [recording, lecture],
    )
    made_from = {s.id: s.args["audio"] for s in plan.steps if s.tool == "speech_to_text"}
    moods = [s for s in plan.steps if s.tool == "voice_mood"]
    assert len(made_from) == 2 and len(moods) == 2
    for mood in moods:
        assert made_from[mood.args["transcript"][1:]] == mood.args["audio"]


@tool
def speech_to_text_in(audio: Audio, language: str | None = None) -> Text:
    """Transcribe the speech in a recording.

    Args:
        audio: the recording.
        language: the language spoken, as a code such as 'en'.
    """
    raise NotImplementedError


def test_a_computed_text_is_no_value_for_an_option_that_is_not_a_text(planner, recording, lecture):
    """Two transcriptions of two files: neither takes the other's transcript as its language."""
    plan = _plan(
        planner,
        Registry([speech_to_text_in, voice_mood]),
        "two interviews, interview.wav and lecture.wav, need transcripts of both",
        [recording, lecture],
    )
    assert sorted(s.args["audio"] for s in plan.steps) == ["@interview.wav", "@lecture.wav"]
    assert all("language" not in s.args for s in plan.steps)


class _Face(BaseModel):
    curves: Json
    csv: Text


@tool
def face_curves(audio: Audio) -> _Face:
    """Animate a 3D face from speech: blendshape curves over time.

    Args:
        audio: the speech recording.
    """
    raise NotImplementedError


@tool
def speak(text: str) -> Audio:
    """Speak text aloud with a synthetic voice.

    Args:
        text: the words to say.
    """
    raise NotImplementedError


def test_a_tool_that_makes_a_kind_only_as_a_further_field_is_a_weaker_producer_of_it(planner):
    """The face curves' CSV is text too, but a voice that needs words should get a transcript."""
    from agent.planners._implied import _made_on_the_side
    from tools import get_spec

    catalog = planner.catalog(Registry([face_curves, speech_to_text, speak]))
    words = get_spec(speak).params["text"]
    assert _made_on_the_side(catalog.by_name["face_curves"], words)
    assert not _made_on_the_side(catalog.by_name["speech_to_text"], words)


def test_a_further_field_of_a_result_is_no_text_to_speak_unless_named(planner, recording):
    """The face curves' CSV is text, but "speak it" asks for words: the reply asks for them."""
    request = "animate a face from interview.wav, then speak it aloud"
    plan = planner.plan(request, [recording], Registry([face_curves, speak]))  # not runnable: it asks
    assert [s.tool for s in plan.steps] == ["face_curves", "speak"]
    assert plan.steps[1].args["text"] == "{{text}}"


_STYLES = Literal["neutral", "happy", "sad", "angry"]


class _Feeling(BaseModel):
    label: _STYLES
    arousal: float


class _Sentiment(BaseModel):
    emotion: _STYLES
    score: float


@tool
def feeling_in_voice(audio: Audio) -> _Feeling:
    """Tell the emotion in a speaker's voice.

    Args:
        audio: the speech recording.
    """
    raise NotImplementedError


@tool
def text_feeling(text: str) -> _Sentiment:
    """Tell whether a text is positive or negative, and the emotion it suggests.

    Args:
        text: the text to judge.
    """
    raise NotImplementedError


@tool
def read_aloud(text: str, style: _STYLES = "neutral") -> Audio:
    """Speak text aloud with a synthetic voice.

    Args:
        text: the words to say.
        style: speaking style, one of neutral, happy, sad, angry.
    """
    raise NotImplementedError


@pytest.fixture
def note(tmp_path: Path) -> Path:
    path = tmp_path / "note.txt"
    path.write_text("We lost the match, but I am proud of every one of you.")
    return path


def test_a_value_to_match_comes_from_the_best_fitting_tool_that_can_read_what_was_given(planner, note):
    """Both analyses give a style; the voice's fits as well but needs a recording nobody gave,
    so "whatever tone fits what it says" of a text is the text's feeling."""
    registry = Registry([feeling_in_voice, text_feeling, read_aloud])
    plan = _plan(planner, registry, "read note.txt out loud in whatever tone fits what it says", [note])
    assert [s.tool for s in plan.steps] == ["text_feeling", "read_aloud"]
    assert plan.steps[1].args == {"text": "@note.txt", "style": "$text_feeling.emotion"}


def test_the_words_to_say_are_no_property_to_match(planner):
    """ "the same line" for two readings is the quote, not a style to work out."""
    registry = Registry([text_feeling, feeling_in_voice, read_aloud])
    plan = _plan(planner, registry, "same line twice: read 'thanks for joining us' aloud, two takes")
    assert "text_feeling" not in [s.tool for s in plan.steps]


def test_a_value_to_match_is_read_from_what_the_plan_measures_already(planner, recording):
    """The text's feeling would fit the style as well, and there is a quote to judge, but the
    request measures the voice first: "the same mood" is that measurement's."""
    registry = Registry([text_feeling, feeling_in_voice, read_aloud])
    request = "check the mood in interview.wav and read 'see you next week' in the same mood"
    plan = _plan(planner, registry, request, [recording])
    assert [s.tool for s in plan.steps] == ["feeling_in_voice", "read_aloud"]
    assert plan.steps[1].args["style"] == "$feeling_in_voice.label"


def test_the_right_emotion_for_a_text_is_its_measured_feeling(planner):
    registry = Registry([text_feeling, feeling_in_voice, read_aloud])
    plan = _plan(planner, registry, "read 'we won the cup!' aloud with the right emotion")
    assert [s.tool for s in plan.steps] == ["text_feeling", "read_aloud"]
    assert plan.steps[1].args["style"] == "$text_feeling.emotion"
