"""Text helpers shared by the speech tools: limits, language check, sentences and words."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..errors import BadInput

__all__ = ["MAX_CHARS", "Token", "check_text", "has_content", "is_speakable", "split_sentences", "tokens"]

#: Longest text the speech tools take in one call (about two hours of speech).
MAX_CHARS = 100_000
#: Sentences longer than this are cut at a comma or space, so one synthesis call stays small.
_MAX_SENTENCE_CHARS = 400

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"')\]]*\s+|\n\s*\n")
_WORD = re.compile(r"\S+")
# A full stop after these does not end a sentence.
_ABBREVIATIONS = frozenset(
    ["mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "vs", "etc", "e.g", "i.e", "no", "fig", "approx"]
)
_EDGE_PUNCT = "\"'“”‘’()[]{}<>.,;:!?¡¿…—–-*_«»"
#: Control characters a text may hold: tab, line and page breaks, carriage return.
_ALLOWED_CONTROLS = frozenset("\t\n\v\f\r\x85")


@dataclass(frozen=True)
class Token:
    """A word of the text: its characters' span and the word without edge punctuation."""

    start: int
    end: int
    word: str


def is_speakable(text: str) -> bool:
    """Whether ``text`` holds a letter or a digit: something a voice can say."""
    return any(ch.isalnum() for ch in text)


def has_content(text: str) -> bool:
    """Whether ``text`` holds a letter, a digit or a symbol (emoji count: they carry feeling)."""
    return any(ch.isalnum() or unicodedata.category(ch).startswith("S") for ch in text)


def check_text(text: str, *, what: str = "text", speakable: bool = True) -> str:
    """The text with surrounding blanks removed, if the speech tools can use it.

    Args:
        text: the text.
        what: what to call it in messages.
        speakable: it must hold words (a letter or a digit); else symbols and emoji suffice.

    Raises:
        BadInput: the text holds control characters, is empty (or, when ``speakable``, holds
            only symbols and emoji), is longer than :data:`MAX_CHARS`, or is not English.
    """
    for i, ch in enumerate(text):
        if unicodedata.category(ch) in ("Cc", "Cs") and ch not in _ALLOWED_CONTROLS:
            raise BadInput(
                f"the {what} holds a control character (U+{ord(ch):04X}) at character {i + 1} "
                "— give plain text"
            )
    stripped = text.strip()
    if speakable and has_content(stripped) and not is_speakable(stripped):
        raise BadInput(
            f"the {what} has nothing to speak: it holds only symbols or emoji ({stripped[:20]}) "
            "— give at least one word"
        )
    if not has_content(stripped):
        raise BadInput(f"the {what} is empty — give at least one word to work with")
    if len(text) > MAX_CHARS:
        raise BadInput(
            f"the {what} has {len(text):,} characters; the limit is {MAX_CHARS:,} per call "
            "(about two hours of speech) — split it into parts"
        )
    script = _foreign_script(stripped)
    if script:
        raise BadInput(
            f"the {what} looks like {script} text; the speech tools support English only "
            "(voice en_US, recogniser en-us) — give English text or translate it first"
        )
    return stripped


def _foreign_script(text: str) -> str | None:
    """Name of the main non-Latin script when most letters are not Latin, else None."""
    counts: dict[str, int] = {}
    letters = 0
    for ch in text:
        if ch.isalpha():
            letters += 1
            name = unicodedata.name(ch, "UNKNOWN").split(" ")[0]
            if name != "LATIN":
                counts[name] = counts.get(name, 0) + 1
    if not counts or letters == 0:
        return None
    script, n = max(counts.items(), key=lambda kv: kv[1])
    return script.title() if n / letters > 0.3 else None


def split_sentences(text: str, keep: Callable[[str], bool] = is_speakable) -> Iterator[tuple[int, str]]:
    """Yield ``(char_offset, sentence)`` for each sentence (long ones cut into pieces) for
    which ``keep`` is true: by default those with something to say."""
    start = 0
    for match in _SENTENCE_END.finditer(text):
        before = text[start : match.start()].rsplit(None, 1)
        if before and before[-1].rstrip(".").lower() in _ABBREVIATIONS and "\n" not in match.group():
            continue
        yield from _cut_long(start, text[start : match.start()], keep)
        start = match.end()
    yield from _cut_long(start, text[start:], keep)


def _cut_long(offset: int, sentence: str, keep: Callable[[str], bool]) -> Iterator[tuple[int, str]]:
    while len(sentence) > _MAX_SENTENCE_CHARS:
        head = sentence[:_MAX_SENTENCE_CHARS]
        cut = max(head.rfind(", "), head.rfind("; "), head.rfind(" "))
        cut = cut + 1 if cut > _MAX_SENTENCE_CHARS // 4 else _MAX_SENTENCE_CHARS
        if sentence[:cut].strip():
            yield offset, sentence[:cut].strip()
        offset, sentence = offset + cut, sentence[cut:]
    if keep(sentence):
        lead = len(sentence) - len(sentence.lstrip())
        yield offset + lead, sentence.strip()


def tokens(text: str) -> list[Token]:
    """The words of ``text`` (blank-separated, edge punctuation removed, at least one letter or digit)."""
    found = []
    for match in _WORD.finditer(text):
        word = match.group().strip(_EDGE_PUNCT)
        if any(ch.isalnum() for ch in word):
            found.append(Token(match.start(), match.end(), word))
    return found
