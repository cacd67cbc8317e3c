"""``clean_text``: the one normaliser every boundary passes text through; ``one_line``: what
keeps a quoted name on the line of its message."""

from __future__ import annotations

import json

import pytest

from agent import Plan, PlanError, UserFiles, validate_plan
from tools import BadInput, Registry, ToolDefinitionError, clean_text, tool


@tool
def t(text: str) -> str:
    """Take a text.

    Args:
        text: any text.
    """
    return text


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


# -- one_line: text quoted in messages -------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("no\nsuch.txt", "no\\nsuch.txt"),  # would start a line of its own
        ("\x1b[2Jgone", "\\x1b[2Jgone"),  # would clear a terminal
        ("read \u202etxt.exe", "read \\u202etxt.exe"),  # would show reversed
        ("déjà vu — 😀", "déjà vu — 😀"),  # printable text is left alone
    ],
)
def test_a_name_from_a_plan_stays_on_the_line_of_its_message(name, shown):
    plan = Plan.from_data({"steps": [{"id": "a", "tool": "t", "args": {"text": f"@{name}"}}]})
    with pytest.raises(PlanError) as caught:
        validate_plan(plan, Registry([t]), UserFiles())
    assert (
        str(caught.value)
        == f"invalid plan: step 'a': argument 'text': file @{shown} not found (no files were given); pass it with -f"
    )
    assert str(BadInput(f"{name} is empty")) == f"{shown} is empty"


def test_a_tool_definition_error_keeps_one_problem_a_line():
    assert str(ToolDefinitionError("f", ["one", "two"])) == "f cannot be a tool:\n  - one\n  - two"


def test_a_step_error_is_one_line_even_from_a_library():
    from agent._executor import describe

    assert describe(RuntimeError("OpenCV: error:\n(-215:Assertion failed)\n")) == (
        "RuntimeError: OpenCV: error:\\n(-215:Assertion failed)\\n"
    )
