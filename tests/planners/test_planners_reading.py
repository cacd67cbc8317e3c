"""Reading requests and literal values: pure text handling, no model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import pytest
from pydantic import Field

from agent.planners._literals import fill_literals, parse_durations_s
from agent.planners._request import read_request, stem
from tools import ToolContext, Video, get_spec, tool


def _clauses(text: str, files: dict[str, str] | None = None) -> list[str]:
    paths = {Path(name): kind for name, kind in (files or {}).items()}
    return [c.masked for c in read_request(text, list(paths), paths).clauses]


def test_quotes_are_kept_apart_but_apostrophes_are_not_quotes():
    request = read_request("Tell me the emotion in the speaker's voice and say 'don't stop, ever'", [], {})
    assert request.quotes == ["don't stop, ever"]
    assert [c.masked for c in request.clauses] == [
        "Tell me the emotion in the speaker's voice",
        "say 'these words'",
    ]
    assert request.clauses[1].text == "say 'don't stop, ever'"  # the quote is restored word for word


def test_clauses_split_on_then_and_before_a_verb_and_layering():
    assert _clauses("Generate a tune and then analyse its tempo.") == ["Generate a tune", "analyse its tempo"]
    # "and" between nouns, or a genre name, is no clause boundary
    assert _clauses("Split this track into vocals and instrumental.") == [
        "Split this track into vocals and instrumental"
    ]
    assert _clauses("Create a 30 second drum and bass track") == ["Create a 30 second drum and bass track"]
    assert _clauses("make my avatar talk and gesture to this line") == [
        "make my avatar talk",
        "gesture to this line",
    ]
    # errands an assistant is asked for are verbs too
    assert _clauses("Could you jot this down, facilitate the payment and organize a ride to the bank?") == [
        "Could you jot this down",
        "facilitate the payment",
        "organize a ride to the bank",
    ]
    layered = read_request("Say 'hi' happily, with festive music underneath.", [], {}).clauses
    assert [c.layered for c in layered] == [False, True]


def test_an_order_after_a_sequence_word_still_asks_and_a_scene_tells():
    clauses = read_request(
        "I recorded a talk yesterday. Remove the hum first, and after that turn the transcript into a video. "
        "Then finally mix it.",
        [],
        {},
    ).clauses
    assert [(c.asks, c.tells) for c in clauses] == [
        (False, True),
        (True, False),
        (True, False),
        (True, False),
    ]


def test_file_names_are_masked_by_kind_and_a_with_file_stays_an_argument():
    files = {"voice.wav": "Audio", "music.wav": "Audio", "host.png": "Image"}
    assert _clauses("Make host.png present it", files) == ["Make the picture present it"]
    request = read_request(
        "Mix voice.wav with the music.wav underneath",
        [Path(f) for f in files],
        {Path(f): k for f, k in files.items()},
    )
    assert len(request.clauses) == 1 and {p.name for p in request.clauses[0].files} == {
        "voice.wav",
        "music.wav",
    }


def test_an_earlier_result_a_clause_works_on_is_not_what_it_asks_for():
    def asked(text: str, files: dict[str, str] | None = None) -> list[str]:
        paths = {Path(name): kind for name, kind in (files or {}).items()}
        return [c.asked for c in read_request(text, list(paths), paths).clauses]

    # "that summary" is the previous step's result: the clause asks for audio made from it
    assert asked("Distill the key points from it and create an audio version of that summary") == [
        "Distill the key points from it",
        "create an audio version of it",
    ]
    # a noun an earlier clause said, with or without a word before it
    assert asked("Summarise the article, then make a picture of the summary to help me")[1] == (
        "make a picture of it to help me"
    )
    assert asked("Translate it to French, then draw an image of the translated answer")[1] == (
        "draw an image of it"
    )
    # the kind of a file or result stays: it says which tools read it
    assert asked("Find the faces in photo.jpg and then blur the photo", {"photo.jpg": "Image"})[1] == (
        "blur the photo"
    )
    memo = asked("transcribe memo.wav, then read the transcript in a calm voice", {"memo.wav": "Audio"})
    assert memo[1] == "read the transcript in a calm voice"
    # the step that made a result is not asked for again ("the edited image": the image)
    edited = asked("Change the car in car.jpg to blue, then tell me how the edited image is classified")
    assert edited[1] == "tell me how the image is classified"
    assert asked("Transcribe talk.wav, then double the speed of the recording", {"talk.wav": "Audio"})[1] == (
        "double the speed of the recording"  # a noun in -ed is no made thing
    )
    # ... though a first clause may ask for such a result
    assert asked("I need the separated vocals of song.wav", {"song.wav": "Audio"}) == [
        "I need the separated vocals of the recording"
    ]
    # nothing earlier, nothing pointed at: the words stay
    assert asked("Compose a tune in the style of the seventies") == [
        "Compose a tune in the style of the seventies"
    ]


def test_files_joined_by_a_plus_are_one_list_but_a_plus_between_asks_splits():
    files = {"vo.wav": "Audio", "bed.mp3": "Audio"}
    assert _clauses("youtube intro: vo.wav + bed.mp3 into one file", files) == [
        "youtube intro: the recording and the recording into one file"
    ]
    assert _clauses("a calm piano piece + a dance to it") == ["a calm piano piece", "a dance to it"]


def test_a_stressed_and_or_a_plus_asks_for_a_second_thing_but_a_plain_and_between_nouns_does_not():
    assert _clauses("record it and get a face curve CSV plus a body BVH") == [
        "record it",
        "get a face curve CSV",
        "a body BVH",
    ]
    assert _clauses("make my avatar's 3D face AND body move") == ["make my avatar's 3D face", "body move"]
    assert _clauses("separate the drum and bass parts") == ["separate the drum and bass parts"]


def test_a_layer_starts_at_something_new_not_at_something_already_there():
    assert _clauses("read it over a dreamy synth pad") == ["read it", "over a dreamy synth pad"]
    # "under the VO", "over our brand music": what the layer goes under or over is already there
    assert _clauses("duck the pad under the VO") == ["duck the pad under the VO"]
    assert _clauses("mix it over our brand music") == ["mix it over our brand music"]


def test_a_comma_between_adjectives_splits_nothing_and_a_hedged_order_after_and_is_a_clause():
    assert _clauses("Could you read it in a warm, happy voice and maybe put some piano under it?") == [
        "Could you read it in a warm happy voice",
        "maybe put some piano under it",
    ]


def test_a_comma_inside_parentheses_splits_nothing():
    assert _clauses("make our mascot (mascot.png, a cartoony face) sing 'hi'", {"mascot.png": "Image"}) == [
        "make our mascot (the picture a cartoony face) sing 'these words'"
    ]


def test_fillers_and_bare_quotes_do_not_become_clauses():
    (only,) = _clauses("Play this MIDI with a piano sound and give me the audio.")
    assert only.startswith("Play this MIDI with a piano sound")
    assert _clauses("Is this review negative? 'The food was cold.'") == [
        "Is this review negative 'these words'"
    ]


def test_stems_meet_across_word_forms():
    assert stem("happily") == stem("happy")
    assert stem("analyse") == stem("analyze")
    assert stem("transcript") == stem("transcribe") == stem("transcription")
    assert stem("vocals") == stem("vocal")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("a 10 second piece", [10.0]), ("one-minute track", [60.0]), ("2 min and 30s", [120.0, 30.0]),
     ("half a minute", [30.0]), ("no duration here", [])],
)  # fmt: skip
def test_durations_in_seconds(text, seconds):
    assert parse_durations_s(text) == seconds


@tool
def _music(
    description: str = "",
    duration: Annotated[float, Field(gt=0)] | None = None,
    tempo: float | None = None,
    key: str | None = None,
    mood: Literal["calm", "happy", "sad", "dark"] | None = None,
    instrument: str | None = None,
    loop: bool = False,
    voice: str = "joe",
    backend: Literal["auto", "compose", "neural"] = "auto",
    *,
    ctx: ToolContext,
) -> Video:
    """A stand-in with every kind of literal.

    Args:
        description: what to make.
        duration: length in seconds.
        tempo: beats per minute.
        key: key such as "C major".
        mood: calm, happy, sad or dark.
        instrument: a General MIDI instrument.
        loop: make it loop.
        voice: 'joe' or 'espeak'.
        backend: how it is made.
    """
    raise NotImplementedError


def _fill(text: str, similar=None) -> dict:
    params = [p for p in get_spec(_music).params.values() if p.name != "description"]
    return fill_literals(params, text, similar)


def test_literals_by_name_type_and_documentation():
    values = _fill("a happy 12 second loop on the clarinet in F# minor at 96 bpm, voice espeak")
    assert values == {
        "duration": 12.0,
        "tempo": 96.0,
        "key": "F# minor",
        "mood": "happy",
        "instrument": "clarinet",
        "loop": True,
        "voice": "espeak",
    }
    assert _fill("calmly, without loop") == {"mood": "calm", "loop": False}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("notes of this flute solo", {}),  # what the given recording is, not what to make
        ("turn my guitar riff into a piano part", {"instrument": "piano"}),
        ("this 90 bpm loop in D minor", {"key": "D minor"}),
        ("make my track 120 bpm", {"tempo": 120.0}),  # a number after the noun is asked for
        ("play my melody on a violin", {"instrument": "violin"}),
    ],
)
def test_an_instrument_key_or_tempo_describing_what_the_user_has_is_not_stated(text, expected):
    assert {k: v for k, v in _fill(text).items() if k in ("instrument", "key", "tempo")} == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("match how I sound, not just calm", {}),
        ("not too sad", {}),
        ("no intro, happy voice", {"mood": "happy"}),  # the negation is of the intro
        ("without any loop, sad", {"mood": "sad", "loop": False}),
    ],
)
def test_a_choice_or_switch_that_is_negated_is_not_taken(text, expected):
    assert {k: v for k, v in _fill(text).items() if k in ("mood", "loop")} == expected


def test_a_word_for_the_kind_of_option_or_its_bearer_names_none_of_its_values():
    def similar(words, choices):  # to a sentence encoder, "emotion" and "avatar" are near "dark"
        near = {
            "emotion": [0.2, 0.3, 0.3, 0.7],
            "avatar": [0.1, 0.1, 0.2, 0.5],
            "gloomy": [0.3, 0.2, 0.35, 0.55],
        }
        return np.array([near.get(w, [0.0] * 4) for w in words])

    assert "mood" not in _fill("my avatar, with the right emotion", similar)
    assert _fill("my avatar, with a gloomy emotion", similar)["mood"] == "dark"


def test_a_backend_is_chosen_only_when_the_request_picks_it_by_name():
    near = np.array([[0.9, 0.2, 0.2]])  # every word close to the first choice
    assert (
        _fill("compose something dark", lambda rows, cols: np.repeat(near, len(rows), 0)).get("backend")
        is None
    )
    assert _fill("a jingle with neural please")["backend"] == "neural"
    assert _fill("make it using compose")["backend"] == "compose"
    assert _fill("something nice") == {}  # nothing said, nothing set


def test_near_words_name_a_choice_only_when_clearly_nearest():
    def similar(words, choices):  # "gloomy" is near "dark"; "whatever" is near everything
        table = {"gloomy": [0.3, 0.2, 0.35, 0.55], "whatever": [0.5, 0.5, 0.5, 0.5]}
        return np.array([table.get(w, [0.0] * 4) for w in words])

    assert _fill("a gloomy piece", similar)["mood"] == "dark"
    assert "mood" not in _fill("whatever piece", similar)
    assert "mood" not in _fill("a gloomy piece")  # without similarities only the choices' own words count
    # a word of the tool's own name names the tool, however near a choice it is
    params = [p for p in get_spec(_music).params.values() if p.name != "description"]
    assert "mood" not in fill_literals(params, "a gloomy piece", similar, tool_words=frozenset({"gloomy"}))


def test_a_number_that_does_not_fit_an_int_parameter_is_left_out():
    from tools import Param

    count = Param("count", int, "how many", required=False, default=1)
    ratio = Param("ratio", float, "a ratio", required=False, default=1.0)
    assert fill_literals([count, ratio], "count 3.3 and ratio 3.3") == {"ratio": 3.3}
    assert fill_literals([count], "count 4") == {"count": 4}


@tool
def _mixer(
    gains_db: list[float] | None = None,
    duck_db: float = 12.0,
    target_lufs: Annotated[float, Field(ge=-40, le=-6)] = -16.0,
    *,
    ctx: ToolContext,
) -> Video:
    """A stand-in with options measured in units.

    Args:
        gains_db: one gain in dB per track.
        duck_db: how far the music drops under the voice, in dB.
        target_lufs: loudness of the result in LUFS.
    """
    raise NotImplementedError


def test_a_number_in_the_unit_one_option_is_documented_in_fills_it():
    params = list(get_spec(_mixer).params.values())
    assert fill_literals(params, "get it to -16 LUFS for the podcast feed") == {"target_lufs": -16.0}
    # two options are in dB: "4 dB" says neither
    assert fill_literals(params, "bring the vocals up 4 dB") == {}


def test_an_arrow_asks_for_what_it_points_at():
    from agent.planners._request import target_kind

    paths = {Path("riff.wav"): "Audio"}
    (clause,) = read_request("riff.wav → .mid pls", list(paths), paths).clauses
    assert target_kind(clause) == "Midi"


def test_a_multiplier_takes_a_number_written_with_an_x():
    from tools import Param

    speed = Param(
        "speed", float, "speaking-rate multiplier, 0.25 to 4 (1 = normal).", required=False, default=1.0
    )
    assert fill_literals([speed], "read it at about 0.8x speed") == {"speed": 0.8}
    assert fill_literals([speed], "x1.5 please") == {"speed": 1.5}
    assert fill_literals([speed], "the 3x3 grid of options") == {}  # a size, not a rate
