"""Every way a plan can be wrong is caught before anything runs, naming the step."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pytest
from PIL import Image as PILImage
from pydantic import BaseModel

from agent import Plan, PlanError, UserFiles, validate_plan
from agent._binding import OutputRef, resolve_args
from tools import Audio, Image, Json, Registry, Text, ToolError, Video, tool
from tools._media import write_wav


class Stems(BaseModel):
    vocals: Audio
    accompaniment: Audio


@tool
def speak(text: str, style: Literal["neutral", "calm"] = "neutral") -> Audio:
    """Speak.

    Args:
        text: what to say.
        style: how to say it.
    """


@tool
def animate(image: Image, audio: Audio) -> Video:
    """Animate a face.

    Args:
        image: the portrait.
        audio: the speech.
    """


@tool
def separate(audio: Audio) -> Stems:
    """Split a song.

    Args:
        audio: the song.
    """


@tool
def analyze(audio: Audio) -> Json:
    """Analyse music.

    Args:
        audio: the music.
    """


@tool
def mix(tracks: list[Audio], gain_db: float = 0.0) -> Audio:
    """Mix tracks.

    Args:
        tracks: the tracks.
        gain_db: output gain in dB.
    """


@tool
def count_words(text: str) -> int:
    """Count words.

    Args:
        text: the text.
    """


REGISTRY = Registry([speak, animate, separate, analyze, mix, count_words])


@pytest.fixture
def files(tmp_path):
    PILImage.fromarray(np.zeros((8, 8, 3), np.uint8)).save(tmp_path / "face.png")
    write_wav(tmp_path / "song.wav", np.zeros(1600), 16000)
    (tmp_path / "fake.wav").write_text("this is not audio")
    (tmp_path / "poem.txt").write_text("Roses are red")
    names = ["face.png", "song.wav", "fake.wav", "poem.txt"]
    return UserFiles([tmp_path / n for n in names])


def check(steps, files=None):
    return validate_plan(Plan.from_data({"steps": steps}), REGISTRY, files)


def issues(steps, files=None) -> list[str]:
    with pytest.raises(PlanError) as info:
        check(steps, files)
    return [str(i) for i in info.value.issues]


def test_valid_plan_binds_references_and_files(files):
    plan = check(
        [
            {"id": "s", "tool": "speak", "args": {"text": "hi", "style": "calm"}},
            {"id": "v", "tool": "animate", "args": {"image": "@face.png", "audio": "$s"}},
            {"id": "sep", "tool": "separate", "args": {"audio": "@song.wav"}},
            {"id": "m", "tool": "mix", "args": {"tracks": ["$s", "$sep.vocals"]}},
        ],
        files,
    )
    assert plan.steps["v"].args["audio"] == OutputRef("s")
    assert isinstance(plan.steps["v"].args["image"], Image)
    assert plan.steps["m"].args["tracks"] == [OutputRef("s"), OutputRef("sep", "vocals")]
    assert plan.graph() == {"s": set(), "v": {"s"}, "sep": set(), "m": {"s", "sep"}}


def test_unknown_tool_lists_known_ones():
    [msg] = issues([{"id": "a", "tool": "speek", "args": {}}])
    assert msg.startswith("step 'a': Unknown tool 'speek' (did you mean 'speak'?); known tools: analyze, ")


def test_unknown_argument():
    [msg] = issues([{"id": "a", "tool": "speak", "args": {"text": "x", "voice": "joe"}}])
    assert msg == "step 'a': speak has no argument 'voice'; its arguments: text, style"


def test_missing_required_argument():
    [msg] = issues([{"id": "a", "tool": "speak", "args": {}}])
    assert msg == "step 'a': speak needs argument 'text' (what to say.)"


def test_bad_literal_lists_choices():
    [msg] = issues([{"id": "a", "tool": "speak", "args": {"text": "x", "style": "furious"}}])
    assert "'furious'" in msg and "'neutral' or 'calm'" in msg


def test_literal_where_an_artifact_is_wanted():
    [msg] = issues([{"id": "a", "tool": "analyze", "args": {"audio": "song.wav"}}])
    assert "wants Audio: give a user file '@name' or an earlier step '$id'" in msg


def test_type_mismatch_names_both_types(files):
    [msg] = issues(
        [
            {"id": "s", "tool": "speak", "args": {"text": "x"}},
            {"id": "v", "tool": "animate", "args": {"image": "$s", "audio": "$s"}},
        ],
        files,
    )
    assert msg == "step 'v': argument 'image' wants Image, but $s gives Audio"


def test_dangling_reference():
    [msg] = issues([{"id": "a", "tool": "analyze", "args": {"audio": "$nowhere"}}])
    assert msg == "step 'a': argument 'audio' refers to $nowhere, but no step has id 'nowhere'; steps: a"


def test_unknown_output_field():
    [msg] = issues(
        [
            {"id": "sep", "tool": "separate", "args": {"audio": "$s"}},
            {"id": "s", "tool": "speak", "args": {"text": "x"}},
            {"id": "a", "tool": "analyze", "args": {"audio": "$sep.drums"}},
        ]
    )
    assert "separate has no output 'drums'; outputs: vocals: Audio, accompaniment: Audio" in msg


def test_ambiguous_output_asks_for_a_field():
    [msg] = issues(
        [
            {"id": "s", "tool": "speak", "args": {"text": "x"}},
            {"id": "sep", "tool": "separate", "args": {"audio": "$s"}},
            {"id": "a", "tool": "analyze", "args": {"audio": "$sep"}},
        ]
    )
    assert "write $sep.vocals or $sep.accompaniment" in msg


def test_cycle_is_reported():
    msgs = issues(
        [
            {"id": "a", "tool": "mix", "args": {"tracks": ["$b"]}},
            {"id": "b", "tool": "mix", "args": {"tracks": ["$a"]}},
        ]
    )
    assert any("steps form a cycle" in m for m in msgs)


def test_waiting_for_a_step_that_is_not_there():
    [msg] = issues([{"id": "a", "tool": "speak", "args": {"text": "x"}, "after": ["booking"]}])
    assert msg == "step 'a': it runs after step 'booking', but no step has that id; steps: a"


def test_a_cycle_through_waiting_is_reported():
    msgs = issues(
        [
            {"id": "a", "tool": "speak", "args": {"text": "x"}, "after": ["b"]},
            {"id": "b", "tool": "speak", "args": {"text": "y"}, "after": ["a"]},
        ]
    )
    assert any("steps form a cycle" in m for m in msgs)


def test_duplicate_ids():
    msgs = issues([{"id": "a", "tool": "speak", "args": {"text": "x"}}] * 2)
    assert "step 'a': another step has the same id; ids must be unique" in msgs


def test_missing_file(files):
    [msg] = issues([{"id": "a", "tool": "analyze", "args": {"audio": "@missing.wav"}}], files)
    assert "file @missing.wav not found (files given: @face.png, @song.wav, @fake.wav, @poem.txt)" in msg


def test_file_content_must_match_the_declared_type(files):
    [msg] = issues([{"id": "a", "tool": "analyze", "args": {"audio": "@fake.wav"}}], files)
    assert (
        msg
        == "step 'a': argument 'audio': fake.wav holds text, not audio — give audio (wav, mp3, flac or ogg)"
    )
    [msg] = issues([{"id": "a", "tool": "analyze", "args": {"audio": "@face.png"}}], files)
    assert "face.png holds an image, not audio" in msg


def test_every_issue_is_reported_at_once(files):
    msgs = issues(
        [
            {"id": "a", "tool": "nope"},
            {"id": "b", "tool": "speak", "args": {}},
            {"id": "c", "tool": "analyze", "args": {"audio": "@fake.wav"}},
        ],
        files,
    )
    assert [m.split(":")[0] for m in msgs] == ["step 'a'", "step 'b'", "step 'c'"]


def test_text_file_and_text_output_feed_a_str_parameter(files, tmp_path):
    plan = check([{"id": "n", "tool": "count_words", "args": {"text": "@poem.txt"}}], files)
    args = resolve_args(plan.steps["n"], {})
    assert args == {"text": "Roses are red"}


def test_single_output_feeds_a_list_parameter(tmp_path):
    plan = check(
        [
            {"id": "s", "tool": "speak", "args": {"text": "x"}},
            {"id": "m", "tool": "mix", "args": {"tracks": "$s"}},
        ]
    )
    speech = Audio(path=tmp_path / "s.wav")
    assert resolve_args(plan.steps["m"], {"s": speech}) == {"tracks": [speech]}


def test_json_output_keys_are_addressable(tmp_path):
    plan = check(
        [
            {"id": "an", "tool": "analyze", "args": {"audio": "$s"}},
            {"id": "s", "tool": "speak", "args": {"text": "x"}},
            {"id": "say", "tool": "speak", "args": {"text": "$an.key"}},
        ]
    )
    report = tmp_path / "report.json"
    report.write_text('{"key": "A minor", "tempo": 120}')
    assert resolve_args(plan.steps["say"], {"an": Json(path=report)}) == {"text": "A minor"}


def test_text_output_is_read_for_str(tmp_path):
    @tool
    def transcribe(audio: Audio) -> Text:
        """Transcribe.

        Args:
            audio: speech.
        """

    registry = Registry([speak, transcribe, count_words])
    plan = validate_plan(
        Plan.from_data(
            {
                "steps": [
                    {"id": "s", "tool": "speak", "args": {"text": "x"}},
                    {"id": "t", "tool": "transcribe", "args": {"audio": "$s"}},
                    {"id": "n", "tool": "count_words", "args": {"text": "$t"}},
                ]
            }
        ),
        registry,
    )
    transcript = tmp_path / "t.txt"
    transcript.write_text("hello world")
    assert resolve_args(plan.steps["n"], {"t": Text(path=transcript)}) == {"text": "hello world"}


def test_an_output_the_step_did_not_make_is_a_clear_error(tmp_path):
    """A field a tool gives only sometimes (``Audio | None``, a stem only some backends split
    out) that came back empty stops the reading step with one line saying what was made."""

    class Parts(BaseModel):
        vocals: Audio
        drums: Audio | None = None

    made = Parts(vocals=Audio(path=tmp_path / "v.wav"))
    with pytest.raises(
        ToolError, match=r"^\$sep\.drums is empty: step 'sep' did not make one .*; it made: vocals$"
    ):
        OutputRef("sep", "drums").pick(made)
