"""Reading what a request says beyond its tools: words to speak without quotes, how many
results it wants, and whether it is English. Pure text rules: no model is loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.planners._language import looks_english
from agent.planners._quantities import names_several, only_counts, read_quantity
from agent.planners._request import read_request


@pytest.mark.parametrize(
    ("text", "count", "variants"),
    [
        ("two takes of 'order now' one happy and one calm", 2, ["happy", "calm"]),
        ("render the MIDI file twice: once piano, once strings", 2, ["piano", "strings"]),
        ("3 different 15s jingles, same vibe", 3, []),
        ("gimme 4 gesture variations for this VO", 4, []),
        ("I need 2 songs for the intro", 2, []),
        ("say no three times", 3, []),
        # counts that ask for one result
        ("vocals up like 4 dB on this mix", 1, []),
        ("the restaurant has 74 employees", 1, []),
        ("mix these 3 songs", 1, []),
        ("make it twice as fast", 1, []),
        ("a 45 sec chill bed at 80 bpm", 1, []),
        ("someone once said one thing", 1, []),
    ],
)
def test_quantities(text, count, variants):
    quantity = read_quantity(text)
    assert (quantity.count, quantity.variants) == (count, variants)


@pytest.mark.parametrize(
    ("text", "counts"),
    [
        ("one file each", True),
        ("different seeds", True),
        ("separately", True),
        ("2 versions", True),
        ("one for each", True),
        ("a file", False),
        ("the vocals", False),
        ("one happy", False),
        ("send one file", False),
    ],
)
def test_a_clause_may_only_count(text, counts):
    """Such a clause asks for nothing of its own: it says how many of the step before it."""
    assert only_counts(read_request(text, [], {}).clauses[0].words) is counts


@pytest.mark.parametrize(
    ("text", "several"),
    [
        ("transcribe both recordings", True),
        ("tell me the mood of the speaker in each", True),
        ("analyse these 2 songs", True),
        ("all the takes", True),
        ("transcribe the recording", False),
        ("make 2 songs", False),  # two new results, not two given things
        ("one for the intro", False),
    ],
)
def test_a_clause_may_ask_for_every_one_of_several_things(text, several):
    assert names_several(text) is several


@pytest.mark.parametrize(
    ("request_text", "spoken"),
    [
        (
            "make this photo of grandma say happy birthday Lucy, we love you",
            "happy birthday Lucy, we love you",
        ),
        (
            "robot voice pls: system failure. rebooting in five seconds",
            "system failure. rebooting in five seconds",
        ),
        ("talking head from avatar.png: thanks for subscribing! make it excited", "thanks for subscribing!"),
        ("mascot.png shouting LET'S GO over it", "LET'S GO"),
        # a long lead-in that ends naming the words
        (
            "for my preschool class could you make a little cheerful song with these words: wash your hands",
            "wash your hands",
        ),
    ],
)
def test_words_to_speak_need_no_quotes(request_text, spoken):
    files = [Path("avatar.png"), Path("mascot.png")]
    parsed = read_request(request_text, files, dict.fromkeys(files, "Image"))
    assert parsed.quotes == [spoken]


@pytest.mark.parametrize(
    "request_text",
    [
        "what does the speaker say in this audio",
        "I'd say this is fine",
        "say it again",
        # after a colon, an order or a file's name is no line to speak
        "QA review for our support line: listen to call_0412.wav and tell me if the customer is upset",
        "voice notes from the team meeting: transcribe them and tell me who sounded stressed",
    ],
)
def test_saying_is_not_always_a_line_to_speak(request_text):
    assert read_request(request_text, [], {}).quotes == []


def test_a_quoted_file_name_is_the_file_not_words():
    files = [Path("example.jpg")]
    parsed = read_request("I have this image 'example.jpg', classify it", files, {files[0]: "Image"})
    assert parsed.quotes == []
    assert parsed.clauses[0].files == files


@pytest.mark.parametrize(
    ("request_text", "declining"),
    [
        ("Need a loopable track. No vocals obviously", [False, True]),
        ("I don't care how she sounds. Is the feedback positive", [True, False]),
        # asks all the same
        ("Pay my bill. Lastly, don't let me forget to book a table", [False, False]),
        ("Can you not only find the objects but also draw them", [False]),
        ("Give me song.wav without the drums", [False]),
    ],
)
def test_a_clause_that_says_what_not_to_do_asks_for_no_tool(request_text, declining):
    files = [Path("song.wav")]
    parsed = read_request(request_text, files, dict.fromkeys(files, "Audio"))
    assert [c.declines for c in parsed.clauses] == declining


def test_an_enumeration_stays_in_one_clause():
    clauses = read_request("two takes of 'hi' — one happy, one calm", [], {}).clauses
    assert len(clauses) == 1 and clauses[0].quantity.variants == ["happy", "calm"]


@pytest.mark.parametrize(
    ("request_text", "variants"),
    [
        ("read 'mind the gap' slow, then again fast", ["slow", "fast"]),
        ("sing 'la la' in C major and again in E major, I'm finding my range", ["in C major", "in E major"]),
        ("render theme.mid on violin, on cello and on flute", ["on violin", "on cello", "on flute"]),
        ("a piece on piano and strings", []),  # one ensemble: the preposition is not repeated
        ("sing 'hold on' three ways: happy, sad, and epic", ["happy", "sad", "epic"]),
        ("read it three ways — calm, sad and angry — as separate files", ["calm", "sad", "angry"]),
        ("two things: the key of the song and the lyrics as text", []),  # not values of one option
        ("make it again but happier", []),  # a follow-up: no first variant in this request
    ],
)
def test_values_asked_for_again_or_listed_after_a_count_are_one_result_each(request_text, variants):
    clauses = read_request(request_text, [], {}).clauses
    assert clauses[0].quantity.variants == variants


def test_clauses_know_whether_they_ask_or_only_tell():
    first, second = read_request(
        "I have an image of my cat. Could you tell me what is in it?", [], {}
    ).clauses
    assert (first.tells, first.asks) == (True, False)
    assert second.asks


@pytest.mark.parametrize(
    ("text", "english"),
    [
        ("make my portrait say hola amigos with soft piano", True),
        ("lofi beats chill vibes", True),
        ("Haz que mi foto diga hola con música de piano suave", False),
        ("Fais parler ma photo avec une musique douce", False),
        ("Mach, dass mein Foto hallo sagt", False),
        ("让我的照片说你好", False),
        ("сделай так чтобы фото говорило привет", False),
    ],
)
def test_english_or_not(text, english):
    assert looks_english(text) is english
