"""Whether a request is written in English, the one language the offline planner reads.

A request in another language would be matched word by word against English tool texts
and get a wrong plan; better to say so. The test is deliberately plain: the share of
English function words among the words, and letters outside the Latin alphabets.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["looks_english"]

_ENGLISH = frozenset(
    """the a an and or but to of in on at for with from by as is are was were be been it its this that these
    those my your our their his her me you we they i he she what which who how can could would will please
    make let have has do does did not no so then into over under some any all one two into up out about
    just also very more most than too""".split()
)
# Common words of languages users might write in instead, that English does not use.
_OTHER = frozenset(
    """de la le les des et est un une du pour avec que qui dans sur pas vous nous der die das und ist ein eine
    mit nicht ich sie wir für auf dass mein meine bitte mach macht sagt el los las y por para con una como pero más esto il lo gli che di da per
    non sono mi ti un het een en van niet ik je zijn em os uma não para com eu você""".split()
)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)


def looks_english(text: str) -> bool:
    """Whether ``text`` reads as English (short or unclear text counts as English)."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 4 and sum(not _latin(c) for c in letters) > len(letters) / 2:
        return False  # mostly another script: Cyrillic, Greek, Arabic, CJK…
    found = [w.lower() for w in _WORD.findall(text)]
    if len(found) < 4:
        return True
    english = sum(w in _ENGLISH for w in found)
    other = sum(w in _OTHER and w not in _ENGLISH for w in found)
    return english >= other or english / len(found) >= 0.2


def _latin(char: str) -> bool:
    return unicodedata.name(char, "").startswith("LATIN")
