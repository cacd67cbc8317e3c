"""Literal arguments read from the words of a request.

A parameter is filled from what its name, type and documentation say it is: a
``Literal`` takes a choice the request names (or a word close to one in meaning), a
``bool`` is switched on when the request uses its name, a duration takes "10 second" or
"one-minute", a tempo "120 bpm", a key "D minor", an instrument a General MIDI name, and a
free-text parameter a value its documentation quotes. Nothing here knows any tool.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from itertools import pairwise
from typing import Any

import numpy as np

from tools import Param
from tools._types import strip_optional

from ._request import stem, words
from ._values import shape_of, stated_value

__all__ = ["fill_literals", "listed_values", "parse_durations_s", "spells_values", "unit_named"]

_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40,
    "forty-five": 45, "fifty": 50, "sixty": 60, "ninety": 90, "half": 0.5, "half a": 0.5,
}  # fmt: skip
_NUM = r"(\d+(?:\.\d+)?|" + "|".join(sorted(map(re.escape, _NUMBER_WORDS), key=len, reverse=True)) + r")"
_DURATION = re.compile(_NUM + r"[\s-]*(seconds?|secs?|s|minutes?|mins?|m|hours?|h)\b", re.IGNORECASE)
_UNIT_S = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}
_TEMPO = re.compile(r"(\d+(?:\.\d+)?)\s*(?:bpm|beats per minute|beats a minute)\b", re.IGNORECASE)
_KEY = re.compile(r"\b([A-G])\s*(#|♯|b|♭|-sharp| sharp|-flat| flat)?\s*(major|minor|maj|min)\b")
_QUOTED_VALUE = re.compile(r"""["'“‘]([^"'”’]{1,40})["'”’]""")
#: Instrument names a request may use (General MIDI families and common short names).
INSTRUMENTS = (
    "acoustic grand piano", "electric piano", "grand piano", "piano", "harpsichord", "celesta", "glockenspiel",
    "music box", "vibraphone", "marimba", "xylophone", "tubular bells", "church organ", "organ", "accordion",
    "harmonica", "nylon guitar", "acoustic guitar", "electric guitar", "distortion guitar", "guitar",
    "bass guitar", "bass", "violin", "viola", "cello", "contrabass", "double bass", "harp", "timpani",
    "string ensemble", "strings", "choir", "trumpet", "trombone", "tuba", "french horn", "horn",
    "brass section", "brass", "saxophone", "sax", "oboe", "english horn", "bassoon", "clarinet", "piccolo",
    "flute", "recorder", "pan flute", "ocarina", "synth lead", "synth pad", "synth", "sitar", "banjo",
    "shamisen", "koto", "kalimba", "bagpipe", "fiddle", "steel drums", "ukulele", "mandolin",
)  # fmt: skip
_ADJECTIVE_SIMILARITY = 0.45  # MiniLM word similarity that counts as naming a choice ("gloomy" ~ "dark")
_MARGIN = 0.1
#: Options that choose how a tool works, not what it makes: set only when the request names one.
_SELECTORS = frozenset("backend engine model device implementation".split())
_PICKING = frozenset("with using use via through on by".split())
_TOKEN = re.compile(r"[\w#♯♭'-]+|[^\w\s]")
_OWNERS = frozenset("this that these those my our his her their your".split())
#: Words that end a noun phrase: what follows them is no longer its modifiers.
_PHRASE_BREAKS = frozenset(
    "a an the of in on to for with and or but from into onto as by at like than over under up down out off "
    "about so then is are was be sounds sound sounding it me".split()
)
_TIMES_AS = re.compile(
    r"(?<![\w.])(\d+(?:\.\d+)?)\s*[x×](?!\w)|(?<![\w.])[x×]\s*(\d+(?:\.\d+)?)\b", re.IGNORECASE
)
_UNIT = re.compile(r"\bin ([a-z]{0,3}[A-Z][A-Za-z]{0,4})\b")
_MAX_MODIFIED = 5
_NEGATING = frozenset("no not without don't dont never nothing".split())
_SOFTENERS = frozenset("just too so very overly any a the".split())
_SKIP = frozenset(
    "a an the this that these those my your it its of in on to for with and or me i please make create "
    "generate give turn say play song track music piece audio voice sound recording file picture "
    # words for a kind of option, or for whom it is set, name none of its values ("the right emotion")
    "emotion emotions emotional mood moods feeling feelings tone expression expressions style vibe face "
    "character avatar person speaker narrator host".split()
)


def _without_own_modifiers(text: str) -> str:
    """``text`` without the words that describe something the user already has: those between
    a demonstrative or possessive and the last word of its phrase ("notes of *this flute* solo",
    "turn *my guitar* riff into a piano part"). An instrument, key or tempo said there is what
    the given thing is, not what to make of it."""
    tokens = list(_TOKEN.finditer(text))
    blank: list[tuple[int, int]] = []
    for i, token in enumerate(tokens):
        if token.group().lower() not in _OWNERS:
            continue
        run = []
        for nxt in tokens[i + 1 : i + 1 + _MAX_MODIFIED]:
            word = nxt.group()
            if not word[0].isalnum() or word.lower() in _PHRASE_BREAKS or (run and word[0].isdigit()):
                break  # a number after the noun ("my track 120 bpm") is no longer a modifier
            run.append(nxt)
        blank.extend(t.span() for t in run[:-1])
    for start, end in reversed(blank):
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def parse_durations_s(text: str) -> list[float]:
    """Durations written in ``text`` ("10 second", "one-minute", "2 min"), in seconds."""
    found = []
    for match in _DURATION.finditer(text):
        number, unit = match.group(1).lower(), match.group(2).lower().rstrip("s") or "s"
        value = _NUMBER_WORDS[number] if number in _NUMBER_WORDS else float(number)
        found.append(float(value) * _UNIT_S.get(unit, _UNIT_S.get(unit[:3], 1)))
    return found


def fill_literals(
    params: list[Param],
    text: str,
    similar: Callable[[list[str], list[str]], np.ndarray] | None = None,
    tool_words: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Values for ``params`` that ``text`` states; parameters it says nothing about are left out.

    Args:
        params: the tool's plain (non-artifact) parameters still without a value.
        text: the words of the request that concern the tool (its clause or clauses).
        similar: cosine similarities of words to choices (a matrix); when given, a word close in
            meaning to a choice ("gloomy" for "dark") names it, else only the choice's own words do.
        tool_words: the words of the tool's name: they name the tool, not a choice by meaning
            ("a cartoony human face" asks talking_face for no angry face).
    """
    said = words(text)
    own: tuple[str, list[str]] | None = None  # the text for values that describe what to make
    values: dict[str, Any] = {}
    units = {p.name: unit_named(p) for p in params}
    for param in params:
        if spells_values(param):
            if own is None:
                stripped = _without_own_modifiers(text)
                own = stripped, words(stripped)
            value = _value(param, *own, similar, tool_words)
        else:
            value = _value(param, text, said, similar, tool_words)
        unit = units[param.name]
        if value is None and unit and list(units.values()).count(unit) == 1 and _is_number(param.annotation):
            value = _measured(unit, text)  # "-16 LUFS"; a unit two options share ("dB") says neither
        if value is not None:
            values[param.name] = value
    return values


def _value(param: Param, text: str, said: list[str], similar: Any, tool_words: frozenset[str]) -> Any:
    ann = strip_optional(param.annotation)
    name = param.name.lower()
    doc = param.description.lower()
    if param.choices and name in _SELECTORS:
        return _selected(param.choices, said)
    if param.choices:
        return _choice(param.choices, said, similar, tool_words)
    if ann is bool:
        return _switch(name, said)
    if _is_number(ann):
        if "dur" in name or "length" in name or (name.endswith("_s") and "second" in doc):
            durations = parse_durations_s(text)
            return durations[0] if durations else None
        if "tempo" in name or "bpm" in name or "beats per minute" in doc:
            match = _TEMPO.search(text)
            return float(match.group(1)) if match else None
        if "multiplier" in doc and (match := _TIMES_AS.search(text)):  # "at 0.8x speed"
            return float(match.group(1) or match.group(2))
        if ann is int and shape_of(param) == "year":  # "the decisions of 2021"
            year = stated_value(param, text)
            return int(year) if year else None
        match = re.search(rf"\b{re.escape(name)}\s*(?:of|=|:)?\s*(-?\d+(?:\.\d+)?)", text, re.IGNORECASE)
        if match is None:
            return None
        number = float(match.group(1))
        if ann is int:
            return int(number) if number.is_integer() else None  # "3.3" states no whole number
        return number
    if ann is str:
        if name == "key" or name.endswith("_key") or "key such as" in doc:
            match = _KEY.search(text)
            return _key_name(match) if match else None
        if "instrument" in name:
            return _instrument(text, doc)
        documented = [v for v in _QUOTED_VALUE.findall(param.description) if v.strip()]
        lowered = " " + " ".join(said) + " "
        hits = [v for v in documented if f" {v.lower()} " in lowered]
        return hits[0] if hits else None
    return None


def _is_number(ann: Any) -> bool:
    import typing

    ann = strip_optional(ann)
    if ann in (int, float):
        return True
    args = typing.get_args(ann)
    return bool(args) and all(a in (int, float, type(None)) for a in args)


def unit_named(param: Param) -> str | None:
    """The unit a parameter's documentation gives its value in ("loudness in LUFS", "in dB"):
    a short word with a capital, so that "in seconds" or "in the mix" are none."""
    return _unit_in(param.description)


@lru_cache(maxsize=65536)
def _unit_in(description: str) -> str | None:
    match = _UNIT.search(description)
    return match.group(1) if match else None


def _measured(unit: str, text: str) -> float | None:
    """The number ``text`` states in ``unit`` ("get it to -16 LUFS")."""
    match = re.search(rf"(?<![\w.])([-+−]?\d+(?:\.\d+)?)\s*{re.escape(unit)}\b", text, re.IGNORECASE)
    return float(match.group(1).replace("−", "-")) if match else None


def _choice(
    choices: tuple[Any, ...], said: list[str], similar: Any, tool_words: frozenset[str] = frozenset()
) -> Any:
    strings = {str(c).lower(): c for c in choices}
    stems = {stem(k): c for k, c in strings.items()}
    said = [w for i, w in enumerate(said) if not _negated(said, i)]  # "not just neutral"
    for word in said:
        if word in strings:
            return strings[word]
        if stem(word) in stems:
            return stems[stem(word)]
    if similar is None or not all(isinstance(c, str) for c in choices):
        return None
    candidates = [
        w for w in dict.fromkeys(said) if w not in _SKIP | tool_words and len(w) >= 4 and not w.isdigit()
    ][:200]
    if not candidates:
        return None
    sims = similar(candidates, list(strings))
    i, j = np.unravel_index(int(np.argmax(sims)), sims.shape)
    runner_up = np.partition(sims[i], -2)[-2] if sims.shape[1] > 1 else -1.0
    # a word must be near one choice and clearly nearer it than the others ("gloomy": dark, not calm)
    close = sims[i, j] > _ADJECTIVE_SIMILARITY and sims[i, j] - runner_up >= _MARGIN
    return list(strings.values())[j] if close else None


def _selected(choices: tuple[Any, ...], said: list[str]) -> Any:
    """A choice of implementation ("with MusicGen", "using whisper"): only named outright,
    after a word that picks a means; "compose something dark" picks no backend."""
    strings = {str(c).lower(): c for c in choices}
    for before, word in pairwise(said):
        if word in strings and before in _PICKING:
            return strings[word]
    return None


def _switch(name: str, said: list[str]) -> bool | None:
    target = stem(name)
    for i, word in enumerate(said):
        if stem(word) == target:
            return not _negated(said, i)
    return None


def _negated(said: list[str], i: int) -> bool:
    """Whether the word before ``said[i]`` negates it ("no ducking"), or one before a softener
    ("not just neutral", "without any ducking")."""
    before = said[max(0, i - 2) : i]
    if before and before[-1] in _SOFTENERS:
        before = before[:-1]
    return bool(before) and before[-1] in _NEGATING


def _key_name(match: re.Match[str]) -> str:
    tonic, accidental, mode = (
        match.group(1),
        (match.group(2) or "").strip(" -").lower(),
        match.group(3).lower(),
    )
    sign = {"#": "#", "♯": "#", "sharp": "#", "b": "b", "♭": "b", "flat": "b"}.get(accidental, "")
    return f"{tonic}{sign} {'major' if mode.startswith('maj') else 'minor'}"


def spells_values(param: Param) -> bool:
    """Whether a value the request states for ``param`` could only mean this kind of option,
    so that a plan leaving it unused has missed something: an instrument, a key, a tempo, or
    a value its documentation quotes. Choices, switches, durations and plain numbers are not
    ("happy" or "10 seconds" suit many steps)."""
    ann = strip_optional(param.annotation)
    name, doc = param.name.lower(), param.description.lower()
    if param.choices or ann is bool:
        return False
    if ann is str:
        return (
            "instrument" in name or name == "key" or name.endswith("_key") or "key such as" in doc
            or bool(_QUOTED_VALUE.search(param.description))
        )  # fmt: skip
    if _is_number(ann):
        return "tempo" in name or "bpm" in name or "beats per minute" in doc or unit_named(param) is not None
    return False


def listed_values(param: Param, text: str) -> list[str]:
    """Every value ``text`` names for ``param``, in the order said: the choices it uses by
    name ("an angry and an excited read"), or the instruments ("on piano, trumpet and
    violin"). Used to tell copies apart; other kinds of option give []."""
    said = words(text)
    if param.choices and param.name.lower() not in _SELECTORS:
        strings = {str(c).lower(): str(c) for c in param.choices}
        return list(dict.fromkeys(strings[w] for w in said if w in strings))
    if "instrument" not in param.name.lower() or strip_optional(param.annotation) is not str:
        return []
    lowered = " " + " ".join(said) + " "
    found: list[tuple[int, str]] = []
    for name in sorted(
        {*INSTRUMENTS, *(v.lower() for v in _QUOTED_VALUE.findall(param.description))}, key=len, reverse=True
    ):
        at = lowered.find(f" {name} ")
        if at >= 0:
            found.append((at, name))
            lowered = lowered.replace(
                f" {name} ", " " + "_" * len(name) + " ", 1
            )  # "bass guitar" is not also "bass"
    return [name for _, name in sorted(found)]


def _instrument(text: str, doc: str) -> str | None:
    lowered = " " + " ".join(words(text)) + " "
    documented = [v.lower() for v in _QUOTED_VALUE.findall(doc)]
    for name in sorted({*INSTRUMENTS, *documented}, key=len, reverse=True):
        if f" {name} " in lowered or f" {name}s " in lowered:
            return name
    return None
