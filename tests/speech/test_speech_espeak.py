"""The espeak-ng binding: phonemes in either English, and synthesis timings that other calls
made in between cannot disturb."""

from __future__ import annotations

import pytest

from tools import ToolError
from tools.speech._espeak import espeak_phonemes, espeak_synthesize

TEXT = "Hello world, it is half past nine."


def test_american_and_british_phonemes() -> None:
    assert espeak_phonemes("Hello there", "en-us") == "həlˈoʊ ðˈɛɹ"
    assert espeak_phonemes("Hello there", "en") == "həlˈəʊ ðˈeə"  # espeak's "en" is British


def test_an_unknown_voice_is_an_error_not_a_crash() -> None:
    # espeak has no voice *named* "en-gb"; phonemising without a voice used to crash the process
    with pytest.raises(ToolError, match="espeak-ng has no voice 'en-gb'"):
        espeak_phonemes("Hello", "en-gb")
    assert espeak_phonemes("Hello", "en-us") == "həlˈoʊ"


def test_voice_changes_between_syntheses_keep_every_word() -> None:
    # Each voice change queued an event into espeak's fixed-size event list until the next
    # synthesis, where they crowded out its first word and phoneme events.
    before = espeak_synthesize(TEXT).words
    for _ in range(50):
        espeak_phonemes("sun", "en")
        espeak_phonemes("sun", "en-us")
    after = espeak_synthesize(TEXT).words
    assert [w[:2] for w in after] == [w[:2] for w in before]
    assert after[0][:2] == (0, 5)  # "Hello"
