"""``clean_text``: the one normaliser every boundary passes text through."""

from __future__ import annotations

import json

import pytest

from tools import clean_text


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("plain words, déjà vu, 😀", "plain words, déjà vu, 😀"),  # clean text is left alone
        (json.loads('"\\ud83d\\ude00"'), "😀"),  # already a pair in Python: joined
        ("a\ud83d\ude00b", "a😀b"),  # a pair written by json.dumps, read back by YAML
        ("lone \ud800 high", "lone \ufffd high"),
        ("lone \ude00 low", "lone \ufffd low"),
        (b"caf\xe9".decode("utf-8", "surrogateescape"), "caf\ufffd"),  # a non-UTF-8 byte from argv
        ("nul\x00byte", "nulbyte"),
        ("\ude00\ud83d", "\ufffd\ufffd"),  # halves in the wrong order are no pair
    ],
)
def test_clean_text_gives_valid_unicode_without_nul(given, expected):
    cleaned = clean_text(given)
    assert cleaned == expected
    cleaned.encode("utf-8")  # never raises
