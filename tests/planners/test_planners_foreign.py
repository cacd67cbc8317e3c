"""The offline planner with tools it has never seen: typed functions with a docstring, no examples.

This is how a user's own catalog arrives through the SDK. The planner must pick the tools
from their descriptions and types, wire them by type, and say when none fits; a catalog of
hundreds of tools must still plan.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from agent import UserFiles, validate_plan
from agent.planners._corpora import make_tool
from agent.planners.offline import OfflinePlanner
from tools import Audio, Image, Json, Midi, Registry, Text, Video, tool

pytestmark = pytest.mark.slow  # loads the sentence-embedding model


@tool
def extract_text(image: Image) -> Text:
    """Read the printed or handwritten text in a picture (OCR).

    Args:
        image: a photo or scan of a page, a sign or a receipt.
    """
    raise NotImplementedError


@tool
def summarize(text: str) -> Text:
    """Shorten a long text to its main points.

    Args:
        text: the text to summarise.
    """
    raise NotImplementedError


@tool
def translate(text: str, language: str = "french") -> Text:
    """Translate text into another language.

    Args:
        text: the text to translate.
        language: the language to translate into, such as "french" or "german".
    """
    raise NotImplementedError


@tool
def denoise(audio: Audio) -> Audio:
    """Remove background noise and hum from a recording.

    Args:
        audio: the noisy recording.
    """
    raise NotImplementedError


@tool
def speech_to_text(audio: Audio) -> Text:
    """Transcribe the words spoken in a recording.

    Args:
        audio: the speech recording.
    """
    raise NotImplementedError


@tool
def detect_objects(image: Image) -> Json:
    """Find and label the objects in a photo, with their boxes.

    Args:
        image: the photo.
    """
    raise NotImplementedError


@tool
def text_to_video(text: str) -> Video:
    """Make a short video that illustrates a text.

    Args:
        text: what the video should show.
    """
    raise NotImplementedError


@tool
def current_weather(city: str) -> Json:
    """Look up the current weather in a city.

    Args:
        city: the city's name.
    """
    raise NotImplementedError


@pytest.fixture(scope="module")
def planner() -> OfflinePlanner:
    return OfflinePlanner()


@pytest.fixture(scope="module")
def catalog() -> Registry:
    return Registry(
        [
            extract_text,
            summarize,
            translate,
            denoise,
            speech_to_text,
            detect_objects,
            text_to_video,
            current_weather,
        ]
    )


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    from PIL import Image as PILImage

    path = tmp_path / "receipt.jpg"
    PILImage.new("RGB", (48, 48), (200, 190, 180)).save(path)
    return path


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    import struct
    import wave

    path = tmp_path / "interview.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(8000)
        w.writeframes(struct.pack("<1600h", *([0, 3000] * 800)))
    return path


def _plan(planner, registry, request, files=()):
    plan = planner.plan(request, list(files), registry)
    if plan.steps and not any("{{" in str(s.args) for s in plan.steps):
        validate_plan(
            plan, registry, UserFiles(files)
        )  # a plan still waiting for a value is not runnable yet
    return plan


def _tools(plan) -> list[str]:
    return [s.tool for s in plan.steps]


def test_one_tool_from_its_description(planner, catalog, photo):
    plan = _plan(planner, catalog, "what does the sign in this photo say?", [photo])
    assert _tools(plan) == ["extract_text"]
    assert plan.steps[0].args == {"image": "@receipt.jpg"}


def test_a_chain_is_wired_by_type(planner, catalog, photo):
    plan = _plan(planner, catalog, "read the text on this receipt and then translate it into german", [photo])
    assert _tools(plan) == ["extract_text", "translate"]
    assert plan.steps[1].args["text"] == "$extract_text"


def test_a_missing_input_is_made_from_the_file_given(planner, catalog, recording):
    # nothing was said about transcribing: summarising needs text, the user gave speech
    plan = _plan(planner, catalog, "summarize this interview in a few lines", [recording])
    assert _tools(plan) == ["speech_to_text", "summarize"]
    assert plan.steps[1].args["text"] == "$speech_to_text"
    assert "summarize needs text" in plan.why["speech_to_text"]


@pytest.mark.xfail(
    strict=True,
    reason="known miss: each clause ranks the right tool first, but for tools without examples the "
    "relevance model finds 'no tool' likelier in chatty clauses and drops the last step (docs/planners.md)",
)
def test_a_long_chatty_request_keeps_its_steps(planner, catalog, recording):
    request = (
        "So I recorded an interview on my phone yesterday and honestly the street noise is awful. "
        "Could you remove the background noise first, then transcribe what was said, and after that "
        "turn the transcript into a little video for our channel? Thanks a lot!"
    )
    plan = _plan(planner, catalog, request, [recording])
    assert _tools(plan) == ["denoise", "speech_to_text", "text_to_video"]
    assert plan.steps[1].args["audio"] == "$denoise"
    assert plan.steps[2].args["text"] == "$speech_to_text"


def test_nothing_in_the_catalog_fits(planner, catalog):
    plan = _plan(planner, catalog, "book me a table for two at an italian place tonight")
    assert plan.steps == []
    assert "can't" in plan.reply


def test_a_required_value_nobody_gave_is_asked_for(planner, catalog):
    plan = _plan(planner, catalog, "how is the weather looking")
    assert _tools(plan) == ["current_weather"]
    assert plan.steps[0].args["city"] == "{{city}}"
    assert "city" in plan.reply


def test_hundreds_of_tools_still_plan(planner, catalog, photo):
    """Three hundred look-alike tools around the real ones: the right ones are still found."""
    fillers = [
        make_tool(f"lookup_{topic}_{i}", f"Look up facts about {topic} number {i}.", [("query", str, "what to look up", True)], Json)
        for i in range(60)
        for topic in ("recipes", "stocks", "flights", "football", "museums")
    ]  # fmt: skip
    big = Registry([*catalog, *fillers])
    plan = _plan(planner, big, "read the text on this receipt and then translate it into german", [photo])
    assert _tools(plan) == ["extract_text", "translate"]


def test_empty_descriptions_and_untyped_text_do_not_break_planning(planner, tmp_path):
    vague = make_tool("do_thing", "", [("x", str, "", True)], Json)
    other = make_tool("other_thing", "Do the other thing.", [("value", str, "", True)], Json)
    plan = planner.plan("please do the thing with 'abc'", [], Registry([vague, other]))
    assert plan.reply is not None or plan.steps  # a plan or a reply, never a traceback


def test_a_request_in_another_language_gets_a_reply_not_a_guess(planner, catalog, photo):
    plan = _plan(planner, catalog, "Lee el texto de esta foto y tradúcelo al alemán, por favor", [photo])
    assert plan.steps == [] and "English" in plan.reply


@tool
def answer_question(text: str, question: str) -> Text:
    """Answer a question about a text.

    Args:
        text: the text that holds the answer.
        question: the question to answer.
    """
    raise NotImplementedError


def test_one_quote_fills_one_parameter_of_a_step(planner):
    """A step's second text never repeats the quote its first one took: the reply asks for it."""
    registry = Registry([answer_question, summarize])
    plan = _plan(planner, registry, "answer a question about this text: 'Paris is the capital of France.'")
    assert _tools(plan) == ["answer_question"]
    args = plan.steps[0].args
    assert list(args.values()).count("Paris is the capital of France.") == 1


@pytest.mark.parametrize(
    ("request_", "asked"),
    [
        (
            "I've got a noisy recording of a talk, interview.wav. Can you transcribe it?",
            "Can you transcribe it",
        ),
        ("So here's a voice memo from my boss, interview.wav. Please transcribe it.", "Please transcribe it"),
    ],
)
def test_a_clause_that_only_sets_the_scene_gets_no_step_of_its_own(
    planner, catalog, recording, request_, asked
):
    """ "I've got a recording" names the file for the clause that asks: no tool is tried for
    the scene-setting clause just because it reads recordings (here, denoise), and the plan
    says which words asked for the step."""
    plan = _plan(planner, catalog, request_, [recording])
    assert _tools(plan) == ["speech_to_text"]
    assert asked in plan.why["speech_to_text"]


def test_a_greeting_and_a_scene_before_the_ask_add_no_step(planner, catalog, recording):
    """Clauses that ask for nothing ("Hey there!", "I've got this file") join the first step
    without counting as asking for it, so no tool is chosen for them to make them count."""
    plan = _plan(
        planner,
        catalog,
        "Hey there! I've got this English audio file, interview.wav. Could you first transcribe it "
        "into text for me, and then translate that into german?",
        [recording],
    )
    assert _tools(plan) == ["speech_to_text", "translate"]
    assert plan.steps[1].args == {"text": "$speech_to_text", "language": "german"}


@tool
def notes_from_audio(audio: Audio) -> Midi:
    """Write down the notes played or hummed in a recording.

    Args:
        audio: the recording of one melody.
    """
    raise NotImplementedError


@tool
def render_midi(midi: Midi, instrument: str | None = None) -> Audio:
    """Play a MIDI file with a software synthesizer.

    Args:
        midi: the notes to play.
        instrument: a General MIDI instrument such as "piano" or "cello".
    """
    raise NotImplementedError


def test_an_instrument_the_request_names_is_played_by_the_tool_that_takes_it(planner, recording):
    """ "hear it on a cello": the notes alone leave the cello unused, so the tool with an
    instrument option renders them, though its words are far from the request's."""
    registry = Registry([notes_from_audio, render_midi, speech_to_text, denoise])
    plan = _plan(planner, registry, "wanna hear my hummed tune on a cello", [recording])
    assert _tools(plan) == ["notes_from_audio", "render_midi"]
    assert plan.steps[1].args == {"midi": "$notes_from_audio", "instrument": "cello"}


@tool
def sing_words(lyrics: str, melody: Midi | None = None) -> Audio:
    """Sing words to a composed tune or a given one.

    Args:
        lyrics: the words to sing.
        melody: a MIDI file whose top voice is the tune; None composes one.
    """
    raise NotImplementedError


def test_an_optional_input_named_by_a_word_of_its_documentation_is_made_from_an_unused_file(
    planner, recording
):
    """ "to the tune I hummed": the parameter is called ``melody`` but documented as "the
    tune", and the humming nobody reads yet can be turned into one; the notes come first."""
    registry = Registry([notes_from_audio, render_midi, sing_words])
    plan = _plan(planner, registry, "sing 'over the hills' to the tune I hummed", [recording])
    assert _tools(plan) == ["notes_from_audio", "sing_words"]
    assert plan.steps[1].args == {"lyrics": "over the hills", "melody": "$notes_from_audio"}


def test_an_optional_input_is_not_made_from_the_words_of_the_request(planner):
    """Without a file to turn, "a happy tune" is left to the tool: no step makes up a melody
    from the lyrics it is to sing."""
    registry = Registry([notes_from_audio, render_midi, sing_words])
    plan = _plan(planner, registry, "sing 'over the hills' to a happy tune")
    assert _tools(plan) == ["sing_words"]
    assert plan.steps[0].args == {"lyrics": "over the hills"}


class _Parts(BaseModel):
    vocals: Audio
    band: Audio
    guitar: Audio | None = None  # only some models split it out


@tool
def split_song(audio: Audio) -> _Parts:
    """Split a song into its vocals and the band (and the guitar, with a big model).

    Args:
        audio: the mixed song.
    """
    raise NotImplementedError


def test_a_stem_given_only_sometimes_is_not_split_out_because_its_name_is_said(planner, recording):
    """ "my guitar riff" is the recording itself: a separation that may not even give a
    guitar stem is not inserted for the word."""
    registry = Registry([notes_from_audio, render_midi, split_song])
    plan = _plan(planner, registry, "i want my guitar riff played by a flute instead", [recording])
    assert _tools(plan) == ["notes_from_audio", "render_midi"]
    assert plan.steps[0].args == {"audio": "@interview.wav"}


def test_named_variants_that_change_nothing_lose_to_the_tool_they_are_options_of(planner, recording):
    """ "one piano and one harp rendition of my humming", with a relevance model sure the
    clause asks for the transcriber: two identical transcriptions ignore the variants, so the
    reading where the renderer takes one instrument each wins."""
    import numpy as np

    from agent.planners._request import read_request
    from agent.planners._search import search

    registry = Registry([notes_from_audio, render_midi])
    catalog = planner.catalog(registry)
    kinds = {recording: "Audio"}
    request = read_request("one piano and one harp rendition of my hummed melody", [recording], kinds)
    order = [card.name for card in catalog.cards]
    tools = np.zeros((1, len(order)))
    tools[0, order.index("notes_from_audio")], tools[0, order.index("render_midi")] = 0.58, 0.07
    ranked, _ = search(catalog, request, kinds, tools, np.array([0.23]))
    steps = ranked[0].builder.steps
    assert [s.card.name for s in steps] == ["notes_from_audio", "render_midi", "render_midi"]
    assert [s.args.get("instrument") for s in steps[1:]] == ["piano", "harp"]


def test_values_listed_for_an_option_give_one_result_each_when_asked_apart(planner, tmp_path):
    """ "on piano, cello and harp so I can compare them": one rendering per instrument; the same
    list without a word asking for them apart ("a piece for piano and cello") is one result."""
    registry = Registry([notes_from_audio, render_midi])
    tune = tmp_path / "tune.mid"
    track = bytes([0, 0x90, 60, 90, 0x60, 0x80, 60, 0, 0, 0xFF, 0x2F, 0])
    tune.write_bytes(
        b"MThd" + bytes([0, 0, 0, 6, 0, 0, 0, 1, 0, 96]) + b"MTrk" + bytes([0, 0, 0, 12]) + track
    )
    plan = _plan(planner, registry, "play tune.mid on piano, cello and harp so I can compare them", [tune])
    assert [(s.tool, s.args.get("instrument")) for s in plan.steps] == [
        ("render_midi", "piano"), ("render_midi", "cello"), ("render_midi", "harp")
    ]  # fmt: skip
    plan = _plan(planner, registry, "play tune.mid on piano and cello together", [tune])
    assert _tools(plan) == ["render_midi"]


@tool
def book_room(hotel: str, date: str) -> Json:
    """Book a hotel room.

    Args:
        hotel: the hotel's name.
        date: the night to book.
    """
    raise NotImplementedError


@tool
def send_email(address: str, content: str) -> Json:
    """Send an email.

    Args:
        address: who gets it.
        content: what it says.
    """
    raise NotImplementedError


@pytest.mark.parametrize(
    "request_",
    [
        "Book a room at the Grand Hotel for May 3. Once that's done, send an email to ann@example.com.",
        "Book a room at the Grand Hotel for May 3. Once the room is booked, send an email to ann@example.com.",
        "Book a room at the Grand Hotel for May 3, and when that is finished, send an email to ann@example.com",
    ],
)
def test_a_step_the_request_makes_wait_for_another_runs_after_it(planner, request_):
    """No data passes from the booking to the email, but the user said to wait for it."""
    plan = _plan(planner, Registry([book_room, send_email]), request_)
    assert _tools(plan) == ["book_room", "send_email"]
    assert plan.steps[1].after == [plan.steps[0].id]


@pytest.mark.parametrize(
    "request_",
    [
        "Book a room at the Grand Hotel for May 3 and send an email to ann@example.com",
        "Book a room at the Grand Hotel for May 3, then send an email to ann@example.com",
        "First book a room at the Grand Hotel for May 3. Finally, send an email to ann@example.com.",
    ],
)
def test_actions_asked_one_after_another_run_in_that_order(planner, request_):
    """Tools that declare no result are called for what they do; their effects happen in
    the order the request asks for them, however it lists them."""
    plan = _plan(planner, Registry([book_room, send_email]), request_)
    assert _tools(plan) == ["book_room", "send_email"]
    assert plan.steps[1].after == [plan.steps[0].id]


class _Forecast(BaseModel):
    summary: str
    temperature: float


class _Fares(BaseModel):
    cheapest: float
    airline: str


@tool
def weather_forecast(city: str) -> _Forecast:
    """Look up the weather forecast for a city.

    Args:
        city: the city's name.
    """
    raise NotImplementedError


@tool
def flight_fares(destination: str) -> _Fares:
    """Find the cheapest flight fares to a destination.

    Args:
        destination: the city to fly to.
    """
    raise NotImplementedError


@pytest.mark.parametrize(
    "request_",
    [
        "Look up the weather forecast for Paris and find the cheapest flights to Rome",
        "Look up the weather forecast for Paris, then find the cheapest flights to Rome",
    ],
)
def test_lookups_listed_in_sequence_may_run_in_any_order(planner, request_):
    """ "then" tells lookups one after the other, as people list independent ones; tools
    that return a result run in parallel unless one reads the other's or the request waits."""
    plan = _plan(planner, Registry([weather_forecast, flight_fares]), request_)
    assert sorted(_tools(plan)) == ["flight_fares", "weather_forecast"]
    assert all(not step.after for step in plan.steps)


@tool
def compose_music(description: str, melody: Audio | None = None) -> Audio:
    """Compose new music from a description.

    Args:
        description: the style, such as "calm piano".
        melody: a tune for the piece to follow.
    """
    raise NotImplementedError


def test_an_optional_input_is_filled_only_when_the_request_asks_for_it(planner, recording):
    registry = Registry([compose_music, speech_to_text])
    plan = _plan(planner, registry, "transcribe interview.wav and compose some calm piano music", [recording])
    assert _tools(plan) == ["speech_to_text", "compose_music"]
    assert "melody" not in plan.steps[1].args  # the recording is the transcription's, not a tune
    plan = _plan(
        planner, registry, "compose calm piano music that follows the melody of interview.wav", [recording]
    )
    assert [(s.tool, s.args.get("melody")) for s in plan.steps] == [("compose_music", "@interview.wav")]
    # "band music" names another tool's output, but as what to make, not as a tune to follow
    plan = _plan(
        planner,
        Registry([compose_music, split_song]),
        "compose some band music to go with interview.wav",
        [recording],
    )
    assert [(s.tool, s.args.get("melody")) for s in plan.steps] == [("compose_music", None)]


def test_a_description_the_clause_gives_is_not_replaced_by_an_earlier_text(planner, recording):
    registry = Registry([compose_music, speech_to_text])
    plan = _plan(planner, registry, "transcribe interview.wav and compose some calm piano music", [recording])
    assert plan.steps[1].args["description"] == "compose some calm piano music"
    for request in (
        "transcribe interview.wav and compose music about it",
        "transcribe interview.wav and compose music from the transcript",
    ):
        plan = _plan(planner, registry, request, [recording])
        assert plan.steps[1].args["description"] == "$speech_to_text", request


def test_values_the_request_states_fill_the_parameters_they_fit(planner):
    """Names after "from" and "to", a date; a quoted title is not taken for a date."""
    flight = make_tool(
        "book_flight",
        "Book a flight for a specific date, from a specific location to a specific destination",
        [
            ("date", str, "The date to book the flight for", True),
            ("from", str, "The location to book the flight from", True),
            ("to", str, "The location to book the flight to", True),
        ],
        Json,
    )
    plan = _plan(
        planner, Registry([flight]), "Could you book me a flight from Seattle to New York on June 1st?"
    )
    assert plan.steps[0].args == {"date": "June 1st", "from_": "Seattle", "to": "New York"}
    plan = _plan(
        planner, Registry([flight]), "Book a flight from Seattle to Rome for our 'Roman Holiday' trip"
    )
    assert plan.steps[0].args["date"] == "{{date}}" and "date" in plan.reply


@pytest.mark.parametrize(
    ("returns", "acts"),
    [(Json, True), (dict, True), (None, True), (str, False), (int, False), (_Fares, False), (Audio, False)],
)
def test_a_tool_that_declares_no_result_is_an_action(planner, returns, acts):
    errand = make_tool("errand", "Run an errand.", [("what", str, "what to do", True)], returns)
    (card,) = planner.catalog(Registry([errand])).cards
    assert card.acts is acts


@pytest.mark.xfail(
    strict=True,
    reason="known miss since the three-seed weights: with a handful of tools that have no examples, two of "
    "the three models find 'no tool' likelier for 'wait 60 seconds', and the plan waits for a file instead "
    "(confidence 0.03, so the reply says it is unsure); the one-model weights chose linger (docs/planners.md)",
)
def test_a_tool_described_by_what_it_does_is_chosen_among_a_few_without_examples(planner):
    root = Path(__file__).parents[1]
    registry = Registry()
    registry.register_file(root / "testtools.py")
    registry.register_file(root / "agent" / "runtools.py")
    plan = _plan(planner, registry, "wait 60 seconds, then write the label 'done'")
    assert _tools(plan) == ["linger"]
