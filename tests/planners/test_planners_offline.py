"""The offline planner with the bundled MiniLM model: catalog stand-ins and unrelated tools.

Each test plans a request and checks the tools, the wiring ($step references, @files) and
the literals, then that the plan passes the same validation every plan passes.
"""

from __future__ import annotations

import importlib.util
import json
import struct
import subprocess
import sys
import wave
from pathlib import Path
from typing import Literal

import numpy as np
import pytest
from planner_standins import standin_registry

from agent import Plan, UserFiles, validate_plan
from agent.planners.offline import OfflinePlanner
from tools import Image, Json, Registry, Text, ToolContext, tool

pytestmark = pytest.mark.slow  # loads the sentence-embedding model (about a second)


@pytest.fixture(scope="module")
def planner() -> OfflinePlanner:
    return OfflinePlanner()


@pytest.fixture(scope="module")
def catalog() -> Registry:
    return standin_registry()


@pytest.fixture
def files(tmp_path: Path):
    """Make real user files by name: WAV audio, PNG/JPEG images, MIDI, text."""

    def make(*names: str) -> list[Path]:
        paths = []
        for name in names:
            path = tmp_path / name
            if path.suffix == ".wav":
                with wave.open(str(path), "wb") as w:
                    w.setnchannels(1), w.setsampwidth(2), w.setframerate(8000)
                    w.writeframes(struct.pack("<4000h", *([0, 1000] * 2000)))  # half a second
            elif path.suffix in (".png", ".jpg"):
                from PIL import Image as PILImage

                PILImage.new("RGB", (32, 32)).save(path)
            elif path.suffix == ".mid":
                track = bytes([0, 0x90, 60, 90, 0x60, 0x80, 60, 0, 0, 0xFF, 0x2F, 0])
                path.write_bytes(
                    b"MThd" + struct.pack(">IHHH", 6, 0, 1, 96) + b"MTrk" + struct.pack(">I", 12) + track
                )
            elif path.suffix == ".txt":
                path.write_text("The rain has gone, the swallows are back, and the garden wakes again.\n")
            paths.append(path)
        return paths

    return make


def _plan(planner, registry, request, files=()) -> Plan:
    plan = planner.plan(request, list(files), registry)
    validate_plan(plan, registry, UserFiles(files))  # every plan must pass validation
    return plan


def _shape(plan: Plan) -> list[tuple[str, dict]]:
    return [(s.tool, s.args) for s in plan.steps]


def test_quoted_text_and_a_style_become_literals(planner, catalog):
    plan = _plan(planner, catalog, "Please say 'See you tomorrow!' in a calm voice")
    assert _shape(plan) == [("text_to_speech", {"text": "See you tomorrow!", "style": "calm"})]


def test_a_talking_face_without_audio_gets_the_quote_spoken_first(planner, catalog, files):
    photo = files("anna.png")
    plan = _plan(planner, catalog, "Have anna.png say 'Welcome aboard' with a happy face", photo)
    assert _shape(plan) == [
        ("text_to_speech", {"text": "Welcome aboard", "style": "happy"}),
        ("talking_face", {"image": "@anna.png", "audio": "$text_to_speech", "emotion": "happy"}),
    ]


def test_results_flow_by_type_and_fields_are_picked_by_name(planner, catalog, files):
    plan = _plan(
        planner, catalog, "Isolate the vocals of this song, then transcribe them to MIDI", files("s.wav")
    )
    assert _shape(plan) == [
        ("music_separate", {"audio": "@s.wav"}),
        ("music_transcribe", {"audio": "$music_separate.vocals"}),
    ]


def test_text_output_feeds_a_text_parameter(planner, catalog, files):
    plan = _plan(planner, catalog, "Transcribe this call and judge its sentiment", files("call.wav"))
    assert _shape(plan) == [
        ("transcribe", {"audio": "@call.wav"}),
        ("text_sentiment", {"text": "$transcribe"}),
    ]


@pytest.mark.xfail(
    strict=True,
    reason="known miss of the learned planner: with the stand-ins' few examples, 'work out the mood of "
    "<quote>' is read as a request to speak it (docs/planners.md, Limits)",
)
def test_that_mood_wires_an_earlier_label(planner, catalog):
    plan = _plan(planner, catalog, "Work out the mood of 'I lost my keys again' and speak it with that mood")
    assert _shape(plan) == [
        ("text_sentiment", {"text": "I lost my keys again"}),
        # the choice-typed output whose choices match the style's (not the positive/negative label)
        ("text_to_speech", {"text": "I lost my keys again", "style": "$text_sentiment.emotion"}),
    ]


def test_layered_music_is_generated_and_mixed_under_the_voice(planner, catalog):
    plan = _plan(planner, catalog, "Say 'Happy new year' with calm music underneath")
    tools = [s.tool for s in plan.steps]
    assert tools == ["text_to_speech", "music_generate", "audio_mix"]
    assert plan.step("audio_mix").args["tracks"] == [
        "$text_to_speech",
        "$music_generate.audio",
    ]  # voice first
    assert plan.step("music_generate").args["mood"] == "calm"


def test_music_under_a_talking_face_goes_under_its_voice(planner, catalog, files):
    # The showcase: the face must speak over the mix, not the bare speech.
    request = "Make the portrait say 'Hello, I am Troupe.' with soft piano underneath"
    plan = _plan(planner, catalog, request, files("portrait.png"))
    assert [s.tool for s in plan.steps] == ["text_to_speech", "music_generate", "audio_mix", "talking_face"]
    assert plan.step("audio_mix").args["tracks"] == ["$text_to_speech", "$music_generate.audio"]
    assert plan.step("talking_face").args == {"image": "@portrait.png", "audio": "$audio_mix"}


def test_each_file_gets_its_own_step(planner, catalog, files):
    plan = _plan(planner, catalog, "Find the tempo of these three songs", files("a.wav", "b.wav", "c.wav"))
    assert sorted(s.args["audio"] for s in plan.steps) == ["@a.wav", "@b.wav", "@c.wav"]
    assert {s.tool for s in plan.steps} == {"music_analyze"}


@pytest.mark.parametrize(
    "request_text", ["both guitar takes to midi, one file each", "these two takes as MIDI, separately"]
)
def test_a_clause_that_only_counts_asks_for_no_tool_of_its_own(planner, catalog, files, request_text):
    """ "one file each" says how many of the step before it, not what to do."""
    plan = _plan(planner, catalog, request_text, files("a.wav", "b.wav"))
    assert [s.tool for s in plan.steps] == ["music_transcribe", "music_transcribe"]
    assert sorted(s.args["audio"] for s in plan.steps) == ["@a.wav", "@b.wav"]


def test_a_count_over_the_files_given_makes_one_step_per_file_not_copies(planner, catalog, files):
    """ "transcripts of both": the two steps read the two recordings, and one's transcript is
    no value for the other's language."""
    request_text = "two interviews for my thesis, p1.wav and p2.wav, need transcripts of both"
    plan = _plan(planner, catalog, request_text, files("p1.wav", "p2.wav"))
    assert sorted(_shape(plan), key=str) == [
        ("transcribe", {"audio": "@p1.wav"}),
        ("transcribe", {"audio": "@p2.wav"}),
    ]


def test_a_count_of_the_files_one_step_reads_together_makes_no_copies(planner, catalog, files):
    request_text = (
        "Recorded our podcast on two separate mics (host.wav and guest.wav). Glue them into one file"
    )
    plan = _plan(planner, catalog, request_text, files("host.wav", "guest.wav"))
    assert _shape(plan) == [("audio_mix", {"tracks": ["@host.wav", "@guest.wav"]})]


def test_what_not_to_have_is_no_step_of_its_own(planner, catalog):
    plan = _plan(planner, catalog, "Compose a calm piano piece for my game. No vocals obviously")
    assert [s.tool for s in plan.steps] == ["music_generate"]  # not a separation of the vocals


def test_music_literals_from_the_request(planner, catalog):
    plan = _plan(planner, catalog, "Compose a gloomy 10 second organ piece in D minor at 70 bpm")
    ((tool_name, args),) = _shape(plan)
    assert tool_name == "music_generate"
    assert {k: args[k] for k in ("duration", "tempo", "key", "instrument")} == {
        "duration": 10.0,
        "tempo": 70.0,
        "key": "D minor",
        "instrument": "organ",
    }


@pytest.mark.parametrize("request_text", ["Hello there, who are you?", "How many minutes are in a day?"])
def test_chit_chat_gets_no_steps_and_a_reply(planner, catalog, request_text):
    plan = _plan(planner, catalog, request_text)
    assert plan.steps == [] and "speak English text aloud" in plan.reply


def test_a_tool_whose_input_is_missing_is_not_invented(planner, catalog):
    plan = _plan(planner, catalog, "Separate the vocals from the accompaniment")  # no song given
    assert plan.steps == []
    assert "music_separate needs Audio" in plan.reply and "-f" in plan.reply


def test_confidence_stays_a_probability_when_the_best_reading_lacks_an_input(planner, files):
    """ "put my face onto the man in still.jpg": the likeliest reading's step lacks a second
    photo; it is one of the readings the confidence is shared among, so it never exceeds 1."""
    from agent.planners._relevance import relevance
    from agent.planners._request import read_request
    from agent.planners._search import search
    from tools import default_registry

    catalog = planner.catalog(default_registry())
    (still,) = files("still.jpg")
    kinds = {still: "Image"}
    request = read_request("put my face onto the man in still.jpg", [still], kinds)
    tools, none = relevance().probabilities(catalog, request.clauses, kinds)
    ranked, confidence = search(catalog, request, kinds, tools, none)
    assert not ranked[0].builder.steps and 0.0 <= confidence <= 1.0


def test_a_missing_input_the_request_lets_us_make_up_is_made_and_the_users_own_is_asked_for(planner):
    from tools import default_registry

    registry = default_registry()  # the stand-ins have no dance
    request_text = "a stick-figure dance for a 30-second EDM drop. I don't have a track, make something up"
    plan = _plan(planner, registry, request_text)
    assert [s.tool for s in plan.steps] == ["music_generate", "dance"]
    assert plan.steps[1].args["music"] == f"${plan.steps[0].id}.audio"
    # "my song" is a file the user has: the reply asks for it rather than make music up
    plan = _plan(planner, registry, "make a stick figure dance to my song, a track I wrote")
    assert plan.steps == [] and "dance needs Audio" in plan.reply


# -- tools the planner has never seen ----------------------------------------------------
@tool(examples=("make this picture smaller", "resize the photo to 512 pixels wide"))
def image_resize(image: Image, width: int = 512, *, ctx: ToolContext) -> Image:
    """Resize a picture to a given width, keeping its proportions.

    Args:
        image: the picture.
        width: new width in pixels, > 0.
    """
    raise NotImplementedError


@tool(examples=("describe what is in this photo", "write a caption for my picture"))
def image_caption(image: Image, *, ctx: ToolContext) -> Text:
    """Write a one-sentence caption describing a picture.

    Args:
        image: the picture to describe.
    """
    raise NotImplementedError


@tool(examples=("translate this into German", "say it in French"))
def translate_text(text: str, language: Literal["english", "french", "german"], *, ctx: ToolContext) -> Text:
    """Translate text into another language.

    Args:
        text: the text to translate.
        language: the language to translate into.
    """
    raise NotImplementedError


@tool(examples=("how many words are in this", "count the words of my essay"))
def word_count(text: str, *, ctx: ToolContext) -> Json:
    """Count the words and sentences of a text.

    Args:
        text: the text to count.
    """
    raise NotImplementedError


@pytest.fixture(scope="module")
def utilities() -> Registry:
    return Registry([image_resize, image_caption, translate_text, word_count])


def test_unrelated_tools_plan_from_their_own_descriptions(planner, utilities, files):
    photo = files("cat.jpg")
    assert _shape(_plan(planner, utilities, "Shrink cat.jpg to a width of 256", photo)) == [
        ("image_resize", {"image": "@cat.jpg", "width": 256})
    ]
    assert _shape(
        _plan(planner, utilities, "Caption this picture and translate the caption to French", photo)
    ) == [
        ("image_caption", {"image": "@cat.jpg"}),
        ("translate_text", {"text": "$image_caption", "language": "french"}),
    ]
    assert _shape(_plan(planner, utilities, "How many words are in 'to be or not to be'?")) == [
        ("word_count", {"text": "to be or not to be"})
    ]


def test_a_request_the_tools_cannot_serve_gets_a_reply(planner, utilities):
    plan = _plan(planner, utilities, "Play me some jazz")
    assert plan.steps == [] and "can't" in plan.reply


def test_numpy_encoder_matches_sentence_transformers():
    from tools._minilm import encoder, model_dir

    if importlib.util.find_spec("sentence_transformers") is None:
        pytest.skip("sentence-transformers is not installed")
    texts = [
        "say hello in a calm voice",
        "Separate the singer from this recording, then render it on a trumpet",
    ]
    # The reference runs in a fresh interpreter: transformers probes torchaudio, which is
    # installed but broken here, and other tests may have stubbed it in this process.
    code = (
        "import json, sys; sys.modules['torchaudio'] = None\n"
        "from sentence_transformers import SentenceTransformer\n"
        f"model = SentenceTransformer({str(model_dir())!r}, device='cpu')\n"
        f"print(json.dumps(model.encode({texts!r}).tolist()))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    theirs = np.array(json.loads(out.stdout.strip().splitlines()[-1]))
    ours = encoder().encode(texts)
    # the same network in float32: cosine 1 up to rounding (1e-4 allows for summation order)
    assert np.allclose((ours * theirs).sum(axis=1), 1.0, atol=1e-4)


# -- bad input ---------------------------------------------------------------------------
def test_empty_request_gets_a_reply_not_a_plan(planner, catalog):
    for text in ("", "   ", "?!"):
        plan = _plan(planner, catalog, text)
        assert plan.steps == [] and plan.reply.startswith("Tell me what you would like")


def test_unreadable_file_is_left_out_and_named(planner, catalog, files, tmp_path):
    blob = tmp_path / "notes.bin"
    blob.write_bytes(bytes(range(256)) * 4)
    before = blob.read_bytes()
    audio = files("talk.wav")
    plan = _plan(planner, catalog, "Transcribe this recording", [*audio, blob])
    assert _shape(plan) == [("transcribe", {"audio": "@talk.wav"})]
    assert plan.reply.startswith("notes.bin is empty or not a kind of file I read")
    assert blob.read_bytes() == before  # the user's file is untouched


def test_missing_file_is_a_clear_error(planner, catalog, tmp_path):
    from tools import TroupeError

    with pytest.raises(TroupeError, match=r"gone\.wav does not exist"):
        planner.plan("transcribe this", [tmp_path / "gone.wav"], catalog)


def test_a_very_long_request_is_planned_in_part_and_says_so(planner, catalog):
    request = ". ".join(f"Say 'line {i}'" for i in range(40))
    plan = _plan(planner, catalog, request)
    assert 1 <= len(plan.steps) <= 30 and "planned the first 30 parts" in plan.reply


def test_a_long_request_is_read_whole(planner, catalog):
    """Twelve asks: more clauses than the search can try every combination of."""
    request = ". ".join(f"Say 'line {i}'" for i in range(12))
    plan = _plan(planner, catalog, request)
    assert [s.tool for s in plan.steps] == ["text_to_speech"] * 12 and not plan.reply


def test_planning_from_many_threads_gives_the_same_plans_and_leaves_blas_alone(planner, catalog):
    from concurrent.futures import ThreadPoolExecutor

    threadpoolctl = pytest.importorskip("threadpoolctl")
    before = [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    requests = [f"Say 'thread number {i}' in a sad voice" for i in range(8)]
    with ThreadPoolExecutor(4) as pool:
        plans = list(pool.map(lambda r: planner.plan(r, [], catalog), requests))
    assert [_shape(p) for p in plans] == [
        [("text_to_speech", {"text": f"thread number {i}", "style": "sad"})] for i in range(8)
    ]
    # the encoder runs BLAS on one thread only while it encodes; the process keeps its setting
    assert [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"] == before


def test_planning_and_encoding_in_other_threads_at_once_do_not_deadlock(planner, catalog):
    """A plan holds the BLAS turn while it encodes; an encoding started elsewhere must take
    that turn before the encoder's own lock, or each waits for the other for ever."""
    import threading
    import time

    from tools._minilm import encoder

    planner.plan("warm up", [], catalog)

    def plan(i: int) -> None:
        planner.plan(f"Say 'line {i}' in a sad voice", [], catalog)

    def encode(i: int) -> None:
        encoder().encode([f"a sentence nobody encoded before, number {i}"])

    workers = [threading.Thread(target=plan if i % 2 else encode, args=(i,), daemon=True) for i in range(24)]
    for worker in workers:
        worker.start()
    deadline = time.monotonic() + 60
    for worker in workers:
        worker.join(timeout=max(0.0, deadline - time.monotonic()))  # daemons: a deadlock fails the test only
    assert not [w for w in workers if w.is_alive()]


def test_quotes_that_look_like_references_stay_literal(planner, catalog):
    plan = _plan(planner, catalog, "Say '@home' and then say '$5 only'")
    assert [s.tool for s in plan.steps] == ["text_to_speech", "text_to_speech"]  # a step per quote
    assert [s.args["text"] for s in plan.steps] == ["@@home", "$$5 only"]  # doubled: literal text
    assert [s.parsed_args()["text"] for s in plan.steps] == ["@home", "$5 only"]


def test_values_an_earlier_analysis_found_fill_the_options_a_follow_up_points_at(planner, catalog, tmp_path):
    from agent import Earlier

    analysis = tmp_path / "analysis.json"
    analysis.write_text(json.dumps({"tempo_bpm": 96.0, "key": "E minor", "key_tonic": "E", "beats_s": [0.5]}))
    earlier = [Earlier(analysis, "Json", "music_analyze", "music_analyze", request="what key is this in?")]
    (step,) = planner.plan("generate new music in the same key and tempo", [], catalog, context=earlier).steps
    assert step.tool == "music_generate"
    assert (step.args["key"], step.args["tempo"]) == ("E minor", 96.0)  # the exact name before key_tonic
    assert not str(step.args.get("description", "")).startswith("@")  # the analysis is no description
    (step,) = planner.plan("make a piano piece in that key", [], catalog, context=earlier).steps
    assert step.args["key"] == "E minor" and "tempo" not in step.args  # only the option named
    (step,) = planner.plan("generate new music", [], catalog, context=earlier).steps
    assert "key" not in step.args and "tempo" not in step.args  # nothing points back


def test_an_option_named_by_the_gloss_its_description_opens_with_follows_a_measurement(planner, files):
    """ "the face's expression should match how he sounds": talking_face's emotion is documented
    as "facial expression: …", and the speech emotion step measures it."""
    from tools import default_registry

    request_text = "make avatar.png speak dad.wav, and the face's expression should match however he sounds"
    plan = _plan(planner, default_registry(), request_text, files("avatar.png", "dad.wav"))
    steps = {s.tool: s for s in plan.steps}
    assert set(steps) == {"speech_emotion", "talking_face"}
    assert steps["talking_face"].args["emotion"] == f"${steps['speech_emotion'].id}.label"


def test_a_measurement_of_a_file_another_step_also_reads_can_set_an_option(planner, files):
    """ "read out my poem in a voice that matches the mood of the poem": the poem is both what
    is spoken and what is measured; that the speech step reads it too does not make it less
    the user's own input to measure."""
    from tools import default_registry

    request_text = "have this portrait read out my poem in a voice that matches the mood of the poem"
    plan = _plan(planner, default_registry(), request_text, files("portrait.png", "poem.txt"))
    steps = {s.tool: s for s in plan.steps}
    assert set(steps) == {"text_sentiment", "text_to_speech", "talking_face"}
    assert steps["text_sentiment"].args["text"] == "@poem.txt"
    assert steps["text_to_speech"].args["style"] == f"${steps['text_sentiment'].id}.emotion"


def test_a_face_and_body_asked_apart_are_two_steps_and_the_face_curves_are_no_transcript(planner, files):
    """ "my character's face AND body": two results of one voiceover. The face animation's
    CSV curves are a text, but no transcript for the gestures to follow."""
    from tools import default_registry

    request_text = "animate my character's face AND body with this voiceover"
    plan = _plan(planner, default_registry(), request_text, files("vo.wav"))
    assert sorted(_shape(plan)) == [
        ("co_speech_gesture", {"audio": "@vo.wav"}),
        ("face_animation", {"audio": "@vo.wav"}),
    ]


def test_a_later_clause_asking_for_an_inserted_step_states_its_options(planner, files):
    """The speech is inserted for the portrait first; the next clause asks for it again and
    says its style should match the story's mood, so the measurement is wired in."""
    from tools import default_registry

    request_text = (
        "have portrait.png read story.txt; the voice and the face should match the mood of the story"
    )
    plan = _plan(planner, default_registry(), request_text, files("portrait.png", "story.txt"))
    steps = {s.tool: s for s in plan.steps}
    assert set(steps) == {"text_sentiment", "text_to_speech", "talking_face"}
    assert steps["text_to_speech"].args["style"] == f"${steps['text_sentiment'].id}.emotion"


def test_a_value_matched_to_the_step_pointed_back_at_counts_as_following_on(planner):
    """ "turn it into a matching read": the style taken from the sentiment just measured is as
    much a follow-on as an input taken from it, so the reading with every step wins."""
    from tools import default_registry

    request_text = (
        "take the sentiment of this tweet and turn it into a matching read plus a gesture animation: "
        "'We did it!!! 1 million users!'"
    )
    plan = _plan(planner, default_registry(), request_text)
    steps = {s.tool: s for s in plan.steps}
    assert set(steps) == {"text_sentiment", "text_to_speech", "co_speech_gesture"}
    assert steps["text_to_speech"].args["style"] == "$text_sentiment.emotion"


def test_the_same_input_is_no_option_to_match(planner):
    """ "sing it to the same melody": the composed tune is sing's melody input, not a mood or
    tempo to work out from the lyrics."""
    from tools import default_registry

    request_text = "compose a gloomy cello piece, then sing 'rain on the window' to the same melody"
    plan = _plan(planner, default_registry(), request_text)
    assert [s.tool for s in plan.steps] == ["music_generate", "sing"]
    assert plan.steps[1].args["melody"] == "$music_generate.midi"
    assert not any(str(v).startswith("$") for k, v in plan.steps[1].args.items() if k != "melody")


def test_a_clause_that_only_says_which_file_is_which_asks_for_no_tool(planner, files):
    """ "…, the audio is talk.wav" hands the file to the clause that asks; it asks for no
    transcript of its own."""
    from tools import default_registry

    request_text = "make upper-body gestures for my host avatar, the audio is talk.wav"
    plan = _plan(planner, default_registry(), request_text, files("talk.wav"))
    assert [s.tool for s in plan.steps] == ["co_speech_gesture"]


def test_a_clause_pointed_back_at_that_asks_for_nothing_describes_what_to_make(planner):
    """ "20s of bouncy funk …, and then a figure dancing to it": the dance needs music, and the
    clause "it" points at asks for no tool by itself but describes the music to compose."""
    from tools import default_registry

    request_text = "20s of bouncy funk with a tight drum groove, and then a figure dancing to it"
    steps = _plan(planner, default_registry(), request_text).steps
    assert [s.tool for s in steps] == ["music_generate", "dance"]
    assert steps[0].args["description"] == "20s of bouncy funk with a tight drum groove"
    assert steps[1].args["music"] == "$music_generate.audio"


@pytest.mark.parametrize("request_text", ["put soft piano under it", "add music under it"])
def test_a_layer_under_it_goes_under_the_earlier_result(planner, catalog, files, request_text):
    from agent import Earlier

    (speech,) = files("speech.wav")
    earlier = [Earlier(speech, "Audio", "text_to_speech", "text_to_speech", args={"text": "welcome home"})]
    steps = planner.plan(request_text, [], catalog, context=earlier).steps
    assert [s.tool for s in steps] == [
        "music_generate",
        "audio_mix",
    ]  # made, then mixed: not the speech again
    assert steps[1].args["tracks"] == [f"@{speech.name}", "$music_generate.audio"]


@pytest.mark.parametrize(
    ("request_text", "first"),
    [("have the portrait sing 'la la la'", "sing"), ("make my photo say 'good morning'", "text_to_speech")],
)
def test_a_file_the_request_names_is_read_with_what_the_plan_made(planner, files, request_text, first):
    from tools import default_registry

    (portrait,) = files("portrait.png")
    steps = planner.plan(request_text, [portrait], default_registry()).steps
    assert [s.tool for s in steps] == [first, "talking_face"]  # the named photo is not left out
    assert steps[1].args["image"] == "@portrait.png" and steps[1].args["audio"].startswith(f"${first}")
