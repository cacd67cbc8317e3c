"""How many of something a clause asks for: "two takes", "3 versions", "twice", "one happy,
one calm". One result per file ("each of these", "both") needs no count: a step
repeats for every further file of the kind it reads.

English reading only; nothing here knows a tool. The planner repeats the step that serves
the clause ``count`` times, with each copy's options read from its own variant ("one
*happy*, one *calm*") when the request names them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["Quantity", "names_several", "only_counts", "protect_variants", "read_quantity"]

_NUMBERS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "couple": 2, "pair": 2, "both": 2,
}  # fmt: skip
_MAX_COUNT = 8  # more copies than this is a batch job, not a request to plan step by step
# Plural nouns that measure or point at given things rather than ask for more results.
_NOT_RESULTS = frozenset(
    """seconds secs sec minutes mins min hours hrs ms bpm db dbs hz khz lufs times steps words lines people
    folks guys years days weeks months bars beats notes semitones percent frames fps pixels px files
    kids students friends fans viewers listeners speakers voices hosts members""".split()
)
_POINTING = frozenset("these those the my our your his her their both all each of".split())
# Nouns that name copies of a result whatever it is; any other counted noun needs a word
# saying more are wanted ("3 different jingles", "give me two beds").
_COPIES = frozenset(
    "takes versions variations variants renditions options alternatives copies drafts mixes edits cuts tries".split()
)
_WANTING = frozenset("different more alternative separate distinct other new unique".split())
#: Words of a clause that only says how many or how apart ("one file each", "different seeds"):
#: at least one that counts, and the rest of the second set.
_COUNTS = frozenset(
    "one two three four five each per apiece both separately individually different seeds".split()
)
_COUNTING = _COUNTS | frozenset(
    "file files take takes version versions copy copies seed random a an of for every".split()
)
_ASKING = frozenset(
    "make makes made create generate give gimme need want render compose write produce get do".split()
)
_SEPARATOR = r"(?:\s*,\s*(?:and\s+)?|\s+and\s+|\s*/\s*|\s+)"
_ENUMERATION = re.compile(
    rf"\b(?P<k>one|once)\s+(?P<first>[^,;.!?]{{1,40}}?){_SEPARATOR}(?:(?P=k)|another)\s+(?P<rest>[^;.!?]{{1,80}})",
    re.IGNORECASE,
)
_COUNTED = re.compile(
    r"(?:^|\s)(?P<n>\d|10|two|three|four|five|six|seven|eight|nine|ten|a couple of|a pair of)"
    r"(?P<between>(?:\s+[\w'-]+){0,3}?)\s+(?P<noun>[a-z][\w'-]*s)\b",
    re.IGNORECASE,
)
#: Words saying a step is for every one of several given things ("both takes", "in each").
_EVERY = frozenset("each both every all".split())
_SEVERAL = re.compile(
    r"\b(?:these|those|the|my|our)\s+(?:[2-9]|two|three|four|five)\s+[a-z]+s\b", re.IGNORECASE
)
_WORD = r"[^\s,;.!?'\"“”‘’]+"
#: "… slow, then again fast": the last few words before a conjunction and "again", and what follows.
_AGAIN = re.compile(
    rf"(?<![^\s,;.!?'\"“”‘’])(?P<first>(?:{_WORD}\s+){{0,2}}{_WORD})\s*,?\s+(?:and\s+then|and|then)\s+again\s+"
    r"(?P<second>[^,;.!?]{1,40})",  # the look-behind starts only at a word: long words stay linear
    re.IGNORECASE,
)
#: "on violin, on cello and on flute": one value per repeated preposition, one result each.
_ITEM = r"[^\s,;.!?'\"“”‘’]+(?:\s+[^\s,;.!?'\"“”‘’]+){0,2}?"
_EACH_PREPOSED = re.compile(
    rf"\b(?P<p>on|in)\s+{_ITEM}(?:\s*,\s*(?P=p)\s+{_ITEM})*\s*,?\s+and\s+(?P=p)\s+{_ITEM}(?=\s*(?:[,;.!?]|$))",
    re.IGNORECASE,
)
_ITEM_SPLIT = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+", re.IGNORECASE)
#: "three ways: happy, sad, and epic", "three styles — sway, bounce, party —": values after a count.
_COUNT_LISTED = re.compile(
    r"(?P<head>\b(?P<n>[2-5]|two|three|four|five)\s+[a-z]+s\s*(?::|—|–|\s-)\s*)(?P<list>[^.;:!?—–]+?)(?P<tail>\s*(?:[.;!?—–]|$))",
    re.IGNORECASE,
)
_TIMES = re.compile(
    r"\b(?:(?P<twice>twice)|(?P<n>\d{1,2}|two|three|four|five)\s+times)\b(?!\s+(?:as|faster|slower|louder|quieter|more|less))",
    re.IGNORECASE,
)


@dataclass
class Quantity:
    """What a clause says about how many results it wants.

    Attributes:
        count: how many times the clause's step should run (1: once).
        variants: the words that tell the copies apart ("happy", "calm"), one per copy, when
            the request names them; empty when the copies differ only by chance (a seed).
    """

    count: int = 1
    variants: list[str] = field(default_factory=list)


def read_quantity(text: str) -> Quantity:
    """The quantity a clause's text asks for (``Quantity()`` when it asks for one thing)."""
    quantity = Quantity()
    variants = _variants(text)
    if variants:
        quantity.variants = variants
        quantity.count = len(variants)
    for match in _COUNTED.finditer(text):
        before = text[: match.start()].split()[-1:]
        noun = match.group("noun").lower()
        between = match.group("between").lower().split()
        if (
            (before and before[0].lower() in _POINTING)
            or noun in _NOT_RESULTS
            or noun.rstrip("s") in _NOT_RESULTS
            or noun.endswith(("ss", "us", "is"))  # "this", "various", "less": not plurals
            or any(w in _NOT_RESULTS or w.rstrip("s") in _NOT_RESULTS for w in between)  # "4 dB on this"
            or not (noun in _COPIES or set(between) & _WANTING or not before or before[0].lower() in _ASKING)
        ):
            continue  # "the restaurant has 74 employees" asks for one result
        number = match.group("n").lower()
        count = (
            int(number)
            if number.isdigit()
            else _NUMBERS.get(number.split()[-2] if " " in number else number, 2)
        )
        quantity.count = max(quantity.count, count)
        break
    times = _TIMES.search(text)
    if times:
        number = (times.group("n") or "").lower()
        quantity.count = max(
            quantity.count, 2 if times.group("twice") else _NUMBERS.get(number) or int(number)
        )
    quantity.count = min(quantity.count, _MAX_COUNT)
    return quantity


def only_counts(words: list[str]) -> bool:
    """Whether a clause's words only say how many results, or how apart ("one file each",
    "different seeds"): it asks for nothing of its own and qualifies the step before it."""
    counting = [w in _COUNTING or w.isdigit() for w in words]
    return bool(words) and all(counting) and any(w in _COUNTS or w.isdigit() for w in words)


def _variants(text: str) -> list[str]:
    match = _ENUMERATION.search(text)
    if not match:
        return []
    rest = re.split(rf"{_SEPARATOR}(?:{match.group('k')}|another)\s+", match.group("rest"))
    found = [match.group("first"), *rest]
    found = [re.split(r"[,;—–]|\s+(?:and|but|then)\s+", v)[0].strip() for v in found]
    return [v for v in found if v][:_MAX_COUNT]


def protect_variants(text: str) -> str:
    """``text`` with the commas of an enumeration ("one happy, one calm") joined by "and", so
    that cutting the request into clauses keeps the enumeration in one clause; a second
    variant asked for "again" ("slow, then again fast", "in C major and again in E major")
    becomes one too."""
    text = _AGAIN.sub(r"once \g<first> and once \g<second>", text)
    text = _COUNT_LISTED.sub(_listed_after_count, text)
    text = _EACH_PREPOSED.sub(
        lambda m: " and ".join(f"once {p}" for p in _ITEM_SPLIT.split(m.group(0))), text
    )
    return re.sub(
        r"(\b(?:one|once)\s+[^,;.!?]{1,40}?)\s*,\s*(?=(?:and\s+)?(?:one|once|another)\b)",
        r"\1 and ",
        text,
        flags=re.IGNORECASE,
    )


def _listed_after_count(match: re.Match[str]) -> str:
    """ "three ways: happy, sad, and epic" as "three ways: once happy and once sad and once
    epic" when as many short values are listed as counted; else unchanged."""
    items = [i.strip() for i in _ITEM_SPLIT.split(match.group("list").strip()) if i.strip()]
    number = match.group("n").lower()
    count = int(number) if number.isdigit() else _NUMBERS.get(number, 0)
    if len(items) != count or any(len(i.split()) > 3 for i in items):
        return match.group(0)
    return match.group("head") + " and ".join(f"once {i}" for i in items) + match.group("tail")


def names_several(text: str) -> bool:
    """Whether ``text`` asks for something of every one of several given things ("transcribe
    both", "the mood in each", "these 2 recordings")."""
    return bool(_EVERY & set(re.findall(r"[a-z]+", text.lower()))) or bool(_SEVERAL.search(text))
