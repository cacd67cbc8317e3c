"""Values a request states for a tool's free-text parameters, read from what the parameter is.

"Book a flight from Seattle to New York on June 1st, 2023" states three values of
``book_flight(date, from_, to)``. Which words go where follows from each parameter's name and
documentation, never from the tool:

* **Shapes.** A parameter whose name or documentation says it is a date, a time, a year, an
  email address, a phone number, a web address or an amount takes only a value of that shape
  ("June 1st, 2023"), and nothing else: not a quoted title that happens to be near.
* **Slots.** A parameter documented as "the location to book the flight *from*" (or named
  ``from``) takes the name that follows that word in the request ("from Seattle").
* **Examples.** A parameter whose documentation lists examples ("eg. Amazon, Ebay") takes one
  the request says.
* **Names**, a weaker reading (:func:`named_value`, used when no earlier result is named like
  the parameter): one documented as "the name of the hotel" takes the capitalised name
  around "hotel" ("the Dreamland Hotel", "Hotel Europa").
"""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import lru_cache

from tools import Param

from ._request import stem, words

__all__ = ["fits_shape", "named_value", "shape_of", "stated_value"]

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89]\d\d|2[01]\d\d)"
#: Each shape: the words of a parameter's name or documentation that announce it, and its
#: pattern (every repetition bounded, so a long run of digits or letters reads in linear time).
_SHAPES: dict[str, tuple[frozenset[str], re.Pattern[str]]] = {
    "email": (
        frozenset({"email", "e-mail", "mail"}),
        re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,4}"),
    ),
    "url": (frozenset({"url", "link", "webpage"}), re.compile(r"https?://\S+|www\.\S+")),
    "phone": (
        frozenset({"phone", "telephone", "mobile"}),
        re.compile(r"(?<![\w@])\+?\(?\d[\d\s().-]{5,20}\d(?![\w@])"),
    ),
    "date": (
        frozenset({"date", "day"}),
        re.compile(
            rf"\b(?:\d{{4}}-\d\d-\d\d|\d{{1,2}}/\d{{1,2}}/\d{{2,4}}|"
            rf"{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?|(?:the\s+)?{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?|"
            rf"today|tomorrow|tonight|(?:next|this)\s+(?:week|weekend|month|year|"
            rf"monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b",
            re.IGNORECASE,
        ),
    ),
    "time": (
        frozenset({"time", "clock"}),
        re.compile(r"\b\d{1,2}(?::\d\d)?\s*(?:am|pm|a\.m\.|p\.m\.)|\b\d{1,2}:\d\d\b", re.IGNORECASE),
    ),
    "year": (frozenset({"year"}), re.compile(rf"\b{_YEAR}\b")),
    "amount": (
        frozenset({"amount", "price", "money", "sum", "cost"}),
        re.compile(
            r"[$€£]\s?\d[\d,]{0,15}(?:\.\d{1,4})?|\b\d[\d,]{0,15}(?:\.\d{1,4})?\s*(?:dollars|euros|pounds|usd|eur)\b",
            re.I,
        ),
    ),
}
#: Words that end a slot's value ("from Seattle to New York": Seattle stops at "to").
_PREPOSITIONS = frozenset("from to at in on for with by via through into of about near".split())
#: A name: up to six capitalised words ("Bank of America"). Bounded, so that a request of
#: thousands of capitalised words is read in linear time (an unbounded run backtracked for minutes).
_CAPITALISED = r"(?<![\w'])[A-Z][\w'&.-]{0,40}(?:\s+(?:of|the|de|and|&)\s+[A-Z][\w'&.-]{0,40}|\s+[A-Z][\w'&.-]{0,40}){0,5}"
#: Capitalised words that open a sentence or clause rather than belong to a name.
_OPENERS = frozenset(
    "i i'd i'm i'll i've can could would will please the my also and but so then meanwhile while "
    "after afterwards once lastly finally first next additionally besides however oh hey".split()
)
_CONNECTORS = frozenset("of the de and &".split())
_EXAMPLES = re.compile(
    r"\b(?:e\.?g\.?|such as|like|for example)[:,]?\s+(.+?)(?:\betc\b|[.;)]|$)", re.IGNORECASE
)


@lru_cache(maxsize=4096)
def shape_of(param: Param) -> str | None:
    """The shape a parameter's name (or, failing that, its documentation) announces, if any
    (remembered: every reading of a request asks again for the same parameters)."""
    named = set(words(param.name.replace("_", " ")))
    for shape, (cues, _) in _SHAPES.items():
        if named & cues:
            return shape
    head = _documented_noun(param)
    return next((shape for shape, (cues, _) in _SHAPES.items() if head in cues), None)


def fits_shape(shape: str, text: str) -> bool:
    """Whether ``text`` as a whole is a value of ``shape``."""
    return bool(_SHAPES[shape][1].fullmatch(text.strip()))


def stated_value(param: Param, text: str, taken: Collection[str] = ()) -> str | None:
    """The value ``text`` states for ``param``, or None; values in ``taken`` are not given twice."""
    shape = shape_of(param)
    if shape is not None:
        return next(
            (m.group(0).strip() for m in _SHAPES[shape][1].finditer(text) if m.group(0) not in taken), None
        )
    for finder in (_slot_value, _example_value):
        value = finder(param, text)
        if value and value not in taken:
            return value
    return None


def named_value(param: Param, text: str, taken: Collection[str] = ()) -> str | None:
    """A weaker reading than :func:`stated_value`, for when no earlier result is named like the
    parameter either: the capitalised name that holds or stands beside the word the parameter
    is about ("the Dreamland Hotel" for "the name of the hotel", "Bank of America" for ``bank``)."""
    if shape_of(param) is not None:
        return None
    value = _named_value(param, text)
    return value if value and value not in taken else None


# -- finders ---------------------------------------------------------------------------------
def _slot_value(param: Param, text: str) -> str | None:
    """The capitalised name after the preposition the parameter is named or documented by."""
    word = param.name.rstrip("_").lower()
    doc = words(param.description)
    preposition = word if word in _PREPOSITIONS else (doc[-1] if doc and doc[-1] in _PREPOSITIONS else None)
    if preposition is None or preposition in {"of", "for"}:  # "the name of …" is not a slot
        return None
    match = re.search(rf"\b{preposition}\s+(?:the\s+)?({_CAPITALISED})", text)
    return _trim(match.group(1)) if match else None


def _example_value(param: Param, text: str) -> str | None:
    """One of the examples the documentation lists ("eg. Amazon, Ebay, Taobao etc."), as said."""
    found = _EXAMPLES.search(param.description or "")
    if not found:
        return None
    for example in re.split(r",\s*|\s+or\s+|\s+and\s+", found.group(1)):
        example = example.strip(" .")
        if example and (m := re.search(rf"\b{re.escape(example)}\b", text, re.IGNORECASE)):
            return m.group(0)
    return None


def _named_value(param: Param, text: str) -> str | None:
    """The capitalised name that holds or stands beside the word the parameter is about
    ("the Dreamland Hotel" for "the name of the hotel", "Bank of America" for ``bank``)."""
    noun = _documented_noun(param) if param.name.lower() in {"name", "title"} else param.name.lower()
    if not noun or len(noun) < 3:
        return None
    for match in re.finditer(_CAPITALISED, text):
        phrase = _trim(match.group(0))
        said = [stem(w) for w in words(phrase)]
        if stem(noun) in said and len(said) > 1:
            return phrase
    before = re.search(rf"\b({_CAPITALISED})\s+{re.escape(noun)}s?\b", text)  # "CleanBuddy software"
    return _trim(before.group(1)) if before else None


def _documented_noun(param: Param) -> str | None:
    """The noun a parameter's documentation is about: "the name of the hotel" → hotel, "the
    date to book the flight for" → date."""
    doc = words(param.description or "")
    if not doc:
        return None
    if len(doc) > 3 and doc[1] in {"name", "title"} and doc[2] == "of":
        return doc[4] if doc[3] in {"the", "a", "an"} and len(doc) > 4 else doc[3]
    return doc[1] if doc[0] in {"the", "a", "an"} and len(doc) > 1 else doc[0]


def _trim(phrase: str) -> str:
    """A name without the words of the sentence around it: "Stanford University Could" (the
    next sentence's first word, once the clauses are joined) is "Stanford University"."""
    tokens = phrase.strip(" .,;:!?'").split()
    while len(tokens) > 1 and tokens[0].lower() in _OPENERS:
        tokens = tokens[1:]
    kept = tokens[:1]
    for token in tokens[1:]:
        if token.lower() in _OPENERS:
            break
        kept.append(token)
    while len(kept) > 1 and kept[-1].lower() in _CONNECTORS:
        kept.pop()
    return " ".join(kept).strip(" .,;:!?'")
