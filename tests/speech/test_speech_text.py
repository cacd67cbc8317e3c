"""Fast tests of the speech package's text handling, phone mapping, styles and sentiment rules."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tools import BadInput, get_spec
from tools.speech import STYLES, Sentiment, SpeechEmotion, text_sentiment, text_to_speech
from tools.speech._sphinx import arpabet
from tools.speech._text import MAX_CHARS, check_text, split_sentences, tokens
from tools.speech.sentiment import text_emotion
from tools.speech.styles import prosody_for
from tools.speech.tts import _match_words, _pieces


@pytest.mark.parametrize("text", ["", "   \n\t", "?!...", "— – -"])
def test_empty_text_is_refused_with_a_fix(text: str) -> None:
    with pytest.raises(BadInput, match=r"empty.*give at least one word"):
        check_text(text)


def test_text_over_the_limit_is_refused() -> None:
    check_text("a" * MAX_CHARS)  # exactly at the limit is fine
    with pytest.raises(BadInput, match=r"100,001 characters.*split it"):
        check_text("a" * (MAX_CHARS + 1))


@pytest.mark.parametrize(
    ("text", "script"),
    [("你好，世界，今天天气很好", "Cjk"), ("Привет, как дела?", "Cyrillic"), ("مرحبا بالعالم", "Arabic")],
)
def test_non_english_text_is_refused_naming_the_script(text: str, script: str) -> None:
    with pytest.raises(BadInput, match=rf"looks like {script}.*English only"):
        check_text(text)


def test_a_foreign_name_in_english_text_is_fine() -> None:
    assert check_text("We met Zoë and Dvořák at the café in Москва.").startswith("We met")


def test_sentences_split_at_ends_but_not_after_abbreviations() -> None:
    text = "Dr. Smith arrived. Was it late? Yes!  It was 5 p.m.\n\nNew paragraph without a stop"
    assert [s for _, s in split_sentences(text)] == [
        "Dr. Smith arrived.",
        "Was it late?",
        "Yes!",
        "It was 5 p.m.",
        "New paragraph without a stop",
    ]
    for offset, sentence in split_sentences(text):
        assert text[offset : offset + len(sentence)] == sentence  # offsets point into the text


def test_an_endless_sentence_is_cut_into_bounded_pieces() -> None:
    text = ", ".join(["one more clause of words"] * 200)
    pieces = [s for _, s in split_sentences(text)]
    assert len(pieces) > 5
    assert max(len(p) for p in pieces) <= 400
    assert " ".join(pieces).replace(" ", "") == text.replace(" ", "")  # nothing lost


def test_tokens_drop_edge_punctuation_and_keep_inner() -> None:
    assert [t.word for t in tokens("“Hello,” she said -- it's 25 o'clock!")] == [
        "Hello",
        "she",
        "said",
        "it's",
        "25",
        "o'clock",
    ]


@pytest.mark.parametrize(
    ("ipa", "phones"),
    [
        ("fˈɑːks", "F AA K S"),
        ("twˈɛnti fˈaɪv", "T W EH N T IY F AY V"),
        ("tʃˈɜːtʃ", "CH ER CH"),
        ("ðə θˈɪŋ", "DH AH TH IH NG"),
        ("dʒˈoʊ", "JH OW"),
    ],
)
def test_espeak_ipa_maps_to_cmu_phones(ipa: str, phones: str) -> None:
    assert arpabet(ipa) == phones.split()


def test_words_get_their_phoneme_groups_exactly_when_counts_add_up() -> None:
    spans = [(0.0, 0.2), (0.3, 0.5), (0.5, 0.7), (0.8, 1.0)]  # "it is twenty five"
    counts = {"it": 1, "is": 1, "25": 2}
    words = _match_words(tokens("it is 25"), spans, counts.__getitem__)
    assert words == [("it", 0.0, 0.2), ("is", 0.3, 0.5), ("25", 0.5, 1.0)]


def test_words_share_groups_in_proportion_when_counts_disagree() -> None:
    spans = [(i * 0.1, i * 0.1 + 0.08) for i in range(6)]
    words = _match_words(tokens("a b c"), spans, lambda w: 1)  # 3 words heard as 6 groups
    assert [w for w, _, _ in words] == ["a", "b", "c"]
    assert [round(a, 2) for _, a, _ in words] == [0.0, 0.2, 0.4]
    assert all(b > a for _, a, b in words)


def test_styles_are_the_shared_six_with_monotone_arousal_controls() -> None:
    assert set(STYLES) == {"neutral", "happy", "sad", "angry", "calm", "excited"}
    high = [prosody_for(s) for s in ("excited", "angry")]
    low = [prosody_for(s) for s in ("calm", "sad")]
    # the controls that carry arousal point the same way for every high/low pair
    for h in high:
        for lo in low:
            assert h.rate > lo.rate and h.gain_db > lo.gain_db and h.variation > lo.variation


def test_style_fields_line_up_across_tools() -> None:
    """$sentiment.emotion and $emotion.label must type-check as text_to_speech's style."""
    style = get_spec(text_to_speech).params["style"].annotation
    assert Sentiment.model_fields["emotion"].annotation == style
    assert SpeechEmotion.model_fields["label"].annotation == style
    assert set(get_spec(text_sentiment).outputs) >= {"label", "emotion", "compound", "report"}


@pytest.mark.parametrize(
    ("text", "compound", "emotion"),
    [
        ("What a lovely day with friends.", 0.6, "happy"),
        ("WOW, we won the final!!!", 0.8, "excited"),
        ("Relax, breathe slowly, all is peaceful.", 0.5, "calm"),
        ("I hate this, it is unacceptable!", -0.7, "angry"),
        ("I miss her and I feel so lonely.", -0.6, "sad"),
        ("The train leaves at nine.", 0.0, "neutral"),
    ],
)
def test_text_emotion_rules(text: str, compound: float, emotion: str) -> None:
    assert text_emotion(text, compound)[0] == emotion


def test_importing_the_speech_tools_loads_no_model_library() -> None:
    code = (
        "import sys, tools.speech, tools; "
        "heavy = {'torch', 'onnxruntime', 'piper', 'pocketsphinx', 'vaderSentiment', 'textblob', 'scipy'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_long_first_sentence_is_spoken_in_two_pieces_for_quick_first_audio() -> None:
    text = "For more than a hundred years, the old lighthouse stood on the cliff. It is still there."
    pieces = _pieces(text)
    assert [p for _, p, _ in pieces] == [
        "For more than a hundred years,",
        "the old lighthouse stood on the cliff.",
        "It is still there.",
    ]
    assert [pause for _, _, pause in pieces] == [False, True, False]  # the comma pauses by itself
    assert _pieces("Short one, really.") == [(0, "Short one, really.", False)]


def test_long_phoneme_runs_are_cut_at_pauses_then_between_words() -> None:
    from tools.speech._piper import _runs

    sentence = list("ab cd, ef gh ij, kl mn")
    runs = list(_runs(sentence, 12))
    assert ["".join(r) for r in runs] == ["ab cd,", " ef gh ij,", " kl mn"]  # after the commas
    assert [p for r in runs for p in r] == sentence  # nothing lost, nothing added
    no_pause = list("abc def ghi jkl")
    assert ["".join(r) for r in _runs(no_pause, 8)] == ["abc def", " ghi jkl"]  # between words
    one_word = list("x" * 25)
    assert [len(r) for r in _runs(one_word, 10)] == [10, 10, 5]  # a word longer than a run
    assert list(_runs(list("short"), 10)) == [list("short")]  # short runs are left whole
