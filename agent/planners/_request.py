"""Reading a request: quoted text, file mentions, clauses and the words in each.

Nothing here knows any tool. It cuts a request into clauses ("…, then …", "… and …",
"… with music underneath"), keeps quoted text apart so a quote's words never pick a tool,
and offers small word helpers (stems, numbers) that the planner's other parts share.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ._quantities import Quantity, protect_variants, read_quantity

__all__ = ["FILE_NOUNS", "KIND_NOUNS", "Clause", "Request", "read_request", "stem", "target_kind", "words"]

# A quote opens after the start, a space or an opening sign and closes before the end, a
# space or punctuation, so the apostrophes of "speaker's" and "don't" are not quotes.
_QUOTES = re.compile(
    r"""(?:(?<=^)|(?<=[\s(\[:,]))(?:"(?P<d>[^"]+)"|“(?P<c>[^”]+)”|‘(?P<s>[^’]+)’|'(?P<q>.+?)')(?=$|[\s.,!?;:)\]])"""
)
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
_FILE_NAME = re.compile(r"(?<![\w/])([\w\-/]+\.[A-Za-z0-9]{2,5})\b")
# Where one intent ends and the next begins. "and" splits only between two clauses of
# some length (see _split); "with …" splits only when what follows is laid under or
# beside the rest ("with music underneath", "with gestures as well").
_BREAKS = re.compile(
    r"\s*(?:[.;!?](?:\s+|$)|,\s*(?:and\s+)?then\s+|\s+(?:and\s+)?then\s+|,\s*and\s+|,\s+|\s+after\s+that\s+"
    r"|\s+\+\s+|\s+[—–]\s+)",
    re.IGNORECASE,
)
#: An opening that makes the clause wait for the previous one to finish: "Once that is
#: done, …", "When it's finished, …". Narrative order ("then", "afterwards", "finally") does
#: not: people list independent tasks that way too ("find X, then look up Y").
_AFTER_OPENING = re.compile(
    r"^(?:and\s+|so\s+)?(?:once|when|after|as soon as) (?:that|this|it|which|everything|all (?:of )?this)"
    r"(?:'s| is| has been| are)? (?:done|finished|complete|completed|over|ready)\b",
    re.IGNORECASE,
)
#: A part that only says when the next one happens: "Once payment is done,".
_AFTER_CONDITION = re.compile(
    r"(?:and\s+)?(?:once|when|after|as soon as)\b.{0,40}\b(?:done|finished|complete|completed|over|ready|"
    r"set|booked|paid|sent|made)",
    re.IGNORECASE,
)
#: A part that only places the next in a sequence ("Afterwards,", "Finally,"): no clause.
_SEQUENCE_ONLY = re.compile(
    r"(?:and\s+)?(?:then|afterwards?|after that|after this|after everything|next|later|finally|lastly|"
    r"subsequently|following that)",
    re.IGNORECASE,
)
# Words spoken without quotes: "make grandma say happy birthday Lucy", "robot voice: system failure".
_SPEECH_VERB = re.compile(
    r"\b(?:say|says|saying|shout|shouts|shouting|yell|yelling|announce|announcing|whisper|whispering)\s+"
    r"(?!(?:it|this|that|these|those|something|anything|what|whatever|hi to|hello to|in|on|to|with|like|"
    r"the (?:line|lines|text|words|sentence|script|quote|transcript|same)|my|his|her|their|our)\b)"
    r"(?P<u>[^\x00]+?)"
    r"(?=$|\s*[.!?;](?:\s|$)|,?\s+(?:then|and then|with|over|under|underneath|behind|while|in an?|using|as)\b"
    r"|,\s*(?:make|and|but|also|plus)\b)",
    re.IGNORECASE,
)
_ASKING = re.compile(
    r"\b(?:could you|can you|would you|will you|please|pls|help me|i need|i want|i'd like|i would like|let's|"
    r"i'd love|i'd appreciate|i'm looking for|is it possible|is there a way|how do i|what is|what's|tell me)\b"
)
_TELLING = re.compile(
    r"^(?:so |ok |well |hey |hi )?(?:i have|i've got|i got|i've|i had|i recorded|i took|i wrote|i recently|"
    r"i just|i'm|i am|here is|here's|there is|there's|this is|it is|it's|my )"
)
_ASKED = frozenset(
    "what does did do whatever i'd we'd you'd they'd".split()
)  # "what does she say", "I'd say"
_COLON = re.compile(r"(?:^|(?<=[.!?]\s))(?P<head>(?:[^:\x00.!?]|\.(?=\w)){2,150}):\s+(?P<u>[^\x00]+)$")
_ORDER_OPENERS = frozenset("listen please can could pls plz".split())
_SPOKEN_NOUNS = frozenset(
    "say said saying read reading voice voiced voices speak speaking narrate narration line lines script words "
    "tts vo voiceover talking talk announce announcement shout message greeting quote".split()
)
_AND = re.compile(r"\s+(and|&|plus)\s+(?:also\s+)?", re.IGNORECASE)
_HEDGES = frozenset("maybe perhaps also please pls just possibly".split())
_ADJECTIVES = re.compile(r"\b(a|an|some|very|really|so)\s+([a-z]+),\s+(?=[a-z]+\s+[a-z])", re.IGNORECASE)
_ASIDE = re.compile(r"\([^()\x00]{0,200}\)")
_FILES_PLUS = re.compile(r"(\b[\w-]+\.[A-Za-z0-9]{2,5})\s+\+\s+(?=[\w-]+\.[A-Za-z0-9]{2,5}\b)")
_THERE_ALREADY = r"(?:it|them|the|this|that|these|those|my|our|your|his|her|their|its)\b"
_LAYER = re.compile(  # "… over quiet music" starts a layer; "… under it", "… under the VO" only end one
    rf"\s+(?=(?:over|under|beneath|underneath|behind|on top of)\s+(?!{_THERE_ALREADY})\w)", re.IGNORECASE
)
_WITH = re.compile(r"\s+(?=with\b)", re.IGNORECASE)
#: Words saying that a clause's result is laid together with the previous one's.
LAYER_WORDS = frozenset(
    "over under beneath underneath behind background backing bed accompany accompanied accompanying".split()
)
_PRONOUNS = frozenset("it its them they their that result results output".split())
#: Words that hand an earlier step's result on by name ("the ID returned by the previous call").
_HANDED_ON = frozenset("previous previously obtained returned resulting aforementioned".split())
_DECLINING = frozenset("no not without don't dont never nothing".split())
_STILL_ASKING = frozenset("forget forgetting miss fail hesitate only".split())  # "not only … but also"
_QUESTION = frozenset("how what which who whether is are does do can tell".split())
#: Verbs that open a new clause after "and" (imperatives of making, changing and measuring,
#: and of the errands people ask an assistant for: booking, paying, sending).
VERBS = frozenset(
    """make create generate produce compose write say speak read narrate voice sing play render mix combine
    blend layer overlay put add duck lower raise turn convert transcribe translate analyse analyze measure
    detect estimate find identify check determine figure work tell give send show separate split isolate
    extract remove pull strip animate have let get use apply change adjust set describe summarize summarise
    classify judge rate score count compute build draw resize crop rotate blur sharpen caption label sort
    record export save return speed slow shorten trim cut loop fade normalize normalise match follow talk gesture
    dance move book order pay buy sell call arrange organize organise schedule install update print share post
    watch search look enroll enrol borrow deliver remind jot transfer email text reserve rent hire""".split()
)
#: Words of a clause that only hands back what the others made ("and give me the audio").
_FILLER = frozenset(
    "these words and then please give send return show me the a an it result results file output audio "
    "video back to as well too also".split()
)
_ALSO_WORDS = frozenset("as well too also additionally".split())
#: Words that only place an order in a sequence ("after that turn it into…", "finally, mix…").
_SEQUENCE_WORDS = frozenset(
    "after that then next finally lastly afterwards also and now additionally first second third so ok okay".split()
)
#: Nouns for what a clause may ask to make ("into MIDI", "generate speech", "create gestures").
_KIND_WORDS = {
    "Midi": {"midi", "mid", "notes", "note", "score", "sheet"},
    "Audio": {
        "audio", "sound", "wav", "mp3", "speech", "voice", "voiceover", "voice-over", "narration", "music",
        "song", "tune", "track", "piece", "melody", "soundtrack", "jingle", "loop", "accompaniment",
    },
    "Text": {"text", "transcript", "transcription", "words", "lyrics", "subtitles"},
    "Video": {"video", "movie", "clip", "mp4"},
    "Motion": {"bvh", "motion", "mocap", "gesture", "gestures", "movements"},
    "Image": {"image", "picture", "photo", "drawing", "cover", "logo", "poster", "thumbnail", "artwork", "illustration"},
    "Json": {"json"},
}  # fmt: skip
_ARROW = re.compile(r"\s*(?:→|->|=>|⇒|⟶)\s*")
_DEFINITE = frozenset("the this that these those my your his her its our their".split())
_MAKE_VERBS = frozenset(
    "make create generate produce compose write render synthesize synthesise record build turn convert".split()
)


@dataclass
class Clause:
    """One intent of a request.

    Attributes:
        text: the clause as written, quotes restored.
        masked: the clause with quotes replaced by a neutral word and file names by their kind,
            used for matching tools.
        quotes: quoted texts inside the clause, in order.
        files: user files the clause names ("portrait.png", or "this portrait").
        named: those named in full, with their extension.
        layered: the clause lays its result under or over the previous clause's.
        after: the request makes the clause wait for the previous one to finish ("Once
            that is done, …"), whether or not it uses its result.
        asked: ``masked`` with the results of earlier clauses it names said as "it" ("create an
            audio version of that summary": "… of it"): what the clause asks for, which tool
            relevance reads, not what it works on.
    """

    text: str
    masked: str
    quotes: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    named: list[Path] = field(default_factory=list)
    layered: bool = False
    after: bool = False
    asked: str = ""
    _quantity: tuple[str, Quantity] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.asked = self.asked or self.masked

    @property
    def quantity(self) -> Quantity:
        """How many results the clause asks for ("two takes", "one happy, one calm")."""
        if self._quantity is None or self._quantity[0] != self.masked:
            self._quantity = (self.masked, read_quantity(self.masked))
        return self._quantity[1]

    @property
    def words(self) -> list[str]:
        """Lower-case words of the masked clause."""
        return words(self.masked)

    @property
    def asks(self) -> bool:
        """Whether the clause asks for something ("could you…", "please…", "I need…", or an
        order such as "transcribe it"), rather than setting the scene."""
        said = " ".join(self.words)
        order = list(itertools.dropwhile(lambda w: w in _SEQUENCE_WORDS, self.words))
        return bool(_ASKING.search(said)) or (bool(order) and order[0] in VERBS)

    @property
    def declines(self) -> bool:
        """Whether the clause says what not to do or have ("no vocals obviously", "I don't care
        how she sounds"): it qualifies the step before it and asks for no tool."""
        said = set(self.words)
        return (
            not (self.quotes or self.files)
            and bool(set(self.words[:3]) & _DECLINING)
            and not said & _STILL_ASKING  # "don't let me forget to book a table" asks
        )

    @property
    def tells(self) -> bool:
        """Whether the clause only says what the user has ("I have an image…", "here is…")."""
        return bool(_TELLING.match(" ".join(self.words)))

    @property
    def has_pronoun(self) -> bool:
        """Whether the clause says "it", "that", "them"…"""
        return bool(set(self.words) & _PRONOUNS)

    @property
    def refers_back(self) -> bool:
        """Whether the clause points at an earlier result ("render it", "analyse its tempo"); in
        "with music under it" the "it" is what the clause's result goes under, not its input."""
        return not self.layered and bool(set(self.words) & _PRONOUNS)

    @property
    def hands_on(self) -> bool:
        """Whether the clause takes a value from the step before it in so many words ("using
        the ID from the previous response", "the word obtained in the last step")."""
        return bool(set(self.words) & _HANDED_ON)


@dataclass
class Request:
    """A request taken apart."""

    text: str
    clauses: list[Clause]
    quotes: list[str]

    @property
    def masked(self) -> str:
        """The whole request with quotes and file names masked."""
        return " ".join(c.masked for c in self.clauses)


#: Nouns that name a file by its kind ("this photo", "the recording").
KIND_NOUNS = {
    "Audio": frozenset(
        "audio sound recording recordings track voice speech song music clip memo voicemail".split()
    ),
    "Video": frozenset("video clip movie footage".split()),
    "Image": frozenset("image picture photo pic selfie portrait headshot photograph scan".split()),
    "Midi": frozenset("midi".split()),
    "Text": frozenset("text transcript script document article essay".split()),
    "Json": frozenset("json data".split()),
    "Motion": frozenset("bvh motion mocap".split()),
}
#: Every noun for a kind of file ("photo", "recording", "midi").
FILE_NOUNS = frozenset().union(*KIND_NOUNS.values())


def kinds_named(clause: Clause) -> set[str]:
    """The kinds of file a clause names by a noun ("make this photo talk": Image)."""
    said = set(clause.words)
    return {kind for kind, nouns in KIND_NOUNS.items() if said & nouns}


def words(text: str) -> list[str]:
    """Lower-case words (letters, digits, inner hyphens and apostrophes)."""
    return _WORD.findall(text.lower())


@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    """A crude English stem, enough to match "analyse"/"analyze", "happily"/"happy", "vocals"/"vocal"."""
    w = word.lower().replace("yse", "yze").replace("ise", "ize")
    for suffix, repl in (
        ("ily", "y"),
        ("ies", "y"),
        ("ing", ""),
        ("ed", ""),
        ("ly", ""),
        ("es", ""),
        ("s", ""),
    ):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)] + repl
            break
    return w[:7]  # "transcribe", "transcript" and "transcription" meet at "transcr"


def read_request(text: str, files: list[Path], kinds: dict[Path, str]) -> Request:
    """Split ``text`` into clauses; ``kinds`` maps each user file to its sniffed kind."""
    quotes: list[str] = []
    by_name = {p.name.lower(): p for p in files} | {p.stem.lower(): p for p in files}

    def hide(match: re.Match[str]) -> str:
        quoted = next(g for g in match.groups() if g is not None)
        if quoted.strip().lower() in by_name:
            return quoted.strip()  # 'example.jpg' names a file, it is not words to use
        quotes.append(quoted)
        return f"\x00{len(quotes) - 1}\x00"

    def keep(spoken: str) -> str:
        quotes.append(spoken.strip(" ,"))
        return f"\x00{len(quotes) - 1}\x00"

    hidden = _unquoted_speech(_QUOTES.sub(hide, protect_variants(text.strip())), keep)
    hidden = _ARROW.sub(" into ", hidden)  # "riff.wav → .mid"
    clauses: list[Clause] = []
    for part, layered, after in _split(hidden):
        clause = _clause(part, quotes, by_name, kinds)
        clause.layered, clause.after = layered, after
        if not (words(clause.masked) or clause.quotes):
            continue  # punctuation only
        if (
            clauses
            and (
                (clause.files and words(clause.masked)[:1] == ["with"])  # "mix my voice with music.wav"
                or not set(words(clause.masked)) - _FILLER  # "'…'" alone, "and give me the audio"
                or (
                    words(clause.masked)[:1] in (["one"], ["once"]) and clause.quantity.variants
                )  # "…, one happy one sad"
            )
        ):
            _merge(clauses[-1], clause)
        else:
            clauses.append(clause)
    _mask_results(clauses)
    return Request(text, clauses, quotes)


#: "of that summary", "from the translated answer": a result named as what a clause works on.
_WORKED_ON = re.compile(
    r"\b(of|from|on|in|into|for|about|with|using|to)\s+(that|this|those|these|the)\s+([a-z]+)(?:\s+([a-z]+))?",
    re.IGNORECASE,
)
_POINTING = frozenset("that those".split())
#: "the edited image", "those translated lines": a result named by the step that made it
#: (a word in -eed, "the speed", is none).
_MADE = re.compile(r"\b(the|that|this|those|these)\s+[a-z]{3,}(?<!e)ed\s+(?=[a-z])", re.IGNORECASE)
_MATERIAL_NOUNS = frozenset().union(*_KIND_WORDS.values(), *KIND_NOUNS.values())


def _mask_results(clauses: list[Clause]) -> None:
    """Set each clause's :attr:`Clause.asked`: a result of an earlier clause that it names as
    its material ("create an audio version of that summary", "visualise the summary") becomes
    "it", and after the first clause the step that made a result is left unsaid ("classify the
    edited image": "the image"), so that the words of the earlier step do not draw its tool here
    again. A file's kind ("the photo") stays: it tells which tools read it."""
    earlier: set[str] = set()
    for i, clause in enumerate(clauses):
        clause.asked = _WORKED_ON.sub(functools.partial(_as_it, earlier=frozenset(earlier)), clause.masked)
        if i:  # "classify the edited image": how the image was made is an earlier clause's business
            clause.asked = _MADE.sub(r"\1 ", clause.asked)
        earlier.update(_root(w) for w in clause.words if len(w) > 3)


def _root(word: str) -> str:
    """Enough of a word to meet its other parts of speech ("summarise", "summary": "summar")."""
    return stem(word)[:6]


def _as_it(match: re.Match[str], earlier: frozenset[str]) -> str:
    """One :data:`_WORKED_ON` match, "it" when it names an earlier result."""

    def result(noun: str) -> bool:
        noun = noun.lower()
        return len(noun) > 3 and noun not in _MATERIAL_NOUNS and (pointing or _root(noun) in earlier)

    preposition, pointing = match.group(1), match.group(2).lower() in _POINTING
    first, then = match.group(3), match.group(4) or ""
    if result(then):  # "of the separated vocals"
        return f"{preposition} it"
    if result(first):  # "of the summary to help me", "of the translated answer"
        noun = len(then) > 3 and then.lower() not in VERBS  # a verb or "to" starts what follows
        return f"{preposition} it" + ("" if noun else f" {then}" if then else "")
    return match.group(0)


def _unquoted_speech(text: str, keep: Callable[[str], str]) -> str:
    """``text`` with words to be spoken but not quoted hidden as quotes (``keep`` hides one)."""
    if "\x00" in text:
        return text  # the request quotes what to say

    def after_verb(match: re.Match[str]) -> str:
        before = words(text[: match.start()])[-4:]
        if set(before) & _ASKED or len(words(match.group("u"))) < 1:
            return match.group(0)
        return match.group(0)[: match.start("u") - match.start()] + keep(match.group("u"))

    spoken = _SPEECH_VERB.sub(after_verb, text, count=1)
    if spoken != text:
        return spoken
    colon = _COLON.search(text)
    head = words(colon.group("head")) if colon else []
    if (
        colon
        # "robot voice pls: …", or a longer lead-in that ends naming them ("… with these words: …")
        and ((set(head) & _SPOKEN_NOUNS and len(head) <= 10) or set(head[-3:]) & _SPOKEN_NOUNS)
        and not _instruction(colon.group("u"))
    ):
        # the words run on until a sentence that gives an order again ("… next week! make it excited")
        sentences = re.split(r"(?<=[.!?])\s+", colon.group("u"))
        n = next(
            (i for i, s in enumerate(sentences) if i and words(s)[:1] and words(s)[0] in VERBS),
            len(sentences),
        )
        said, rest = " ".join(sentences[:n]), " ".join(sentences[n:])
        return text[: colon.start("u")] + keep(said) + (f". {rest}" if rest else "")
    return text


def _instruction(text: str) -> bool:
    """Whether words after a colon give an order rather than words to speak ("… for our support
    line: listen to call.wav and tell me …"): they open with a verb of asking or name a file."""
    first = words(text)[:1]
    return bool(first and first[0] in VERBS | _ORDER_OPENERS) or bool(_FILE_NAME.search(text))


def _merge(into: Clause, clause: Clause) -> None:
    into.text = f"{into.text} {clause.text}"
    into.masked = f"{into.masked} {clause.masked}"
    into.quotes += clause.quotes
    into.files += [f for f in clause.files if f not in into.files]
    into.named += [f for f in clause.named if f not in into.named]


def _split(text: str) -> list[tuple[str, bool, bool]]:
    """The clauses of ``text``: (words, laid under or over the previous clause's result,
    made to wait for the previous clause). A part that only orders ("Finally,", "Once that
    is done,") is no clause."""
    parts: list[tuple[str, bool, bool]] = []
    after = False
    text = _FILES_PLUS.sub(r"\1 and ", text)  # "voice.wav + bed.mp3 into one file" lists, not two asks
    text = _ASIDE.sub(lambda m: m.group(0).replace(",", ""), text)  # "(face.png, a cartoon)" is one aside
    text = _ADJECTIVES.sub(r"\1 \2 ", text)  # "in a warm, happy voice" is one phrase
    for sentence in _BREAKS.split(text):
        for piece in _split_and(sentence):
            for sub in _split_with(piece):
                for i, layer in enumerate(_LAYER.split(sub)):
                    if not layer.strip():
                        continue
                    if _AFTER_CONDITION.fullmatch(layer.strip()):
                        after = True  # "Once payment is done," orders the clause that follows
                        continue
                    if _SEQUENCE_ONLY.fullmatch(layer.strip()):
                        continue
                    opening = _AFTER_OPENING.match(layer.strip())
                    parts.append((layer.strip(), i > 0 or _is_layered(layer), after or bool(opening)))
                    after = False
    return parts


def _split_and(sentence: str) -> list[str]:
    pieces = _AND.split(sentence)  # text, conjunction, text, …
    merged = [pieces[0]]
    before = words(pieces[0])[:2]  # the first two words of the clause being merged: all that is asked
    for conjunction, piece in zip(pieces[1::2], pieces[2::2], strict=True):
        # "vocals and instrumental", "drum and bass", "a.wav and b.wav" stay whole: what
        # follows "and" must start a clause of its own (a verb, or a question), unless the
        # conjunction stresses that a second thing is wanted ("a face curve CSV plus a body
        # BVH", "my face AND body").
        said = words(piece)
        leading = list(itertools.dropwhile(lambda w: w in _HEDGES, said))  # "and maybe put …"
        stressed = conjunction == "AND" or conjunction.lower() == "plus"
        if (
            leading
            and (stressed or leading[0] in VERBS or leading[0] in _QUESTION)
            and (len(before) >= 2 or (before[:1] and before[0] in VERBS))
        ):
            merged.append(piece)
            before = said[:2]
        else:
            merged[-1] += " and " + piece
            before = [*before, "and", *said][:2]
    return merged


def _split_with(text: str) -> list[str]:
    pieces = _WITH.split(text)
    merged = [pieces[0]]
    for piece in pieces[1:]:
        said = set(words(piece))
        if said & (LAYER_WORDS | _ALSO_WORDS) and len(words(merged[-1])) >= 2:
            merged.append(piece)
        else:
            merged[-1] += " " + piece
    return merged


def _is_layered(text: str) -> bool:
    said = set(words(text))
    return bool(said & LAYER_WORDS) and bool(
        said & {"with", "over", "under", "behind", "beneath", "underneath"}
    )


def _clause(part: str, quotes: list[str], by_name: dict[str, Path], kinds: dict[Path, str]) -> Clause:
    found = [quotes[int(i)] for i in re.findall(r"\x00(\d+)\x00", part)]
    restored = re.sub(r"\x00(\d+)\x00", lambda m: repr_quote(quotes[int(m.group(1))]), part)
    masked = re.sub(r"\x00\d+\x00", "'these words'", part)
    mentioned: list[Path] = []

    def mask_file(match: re.Match[str]) -> str:
        name = match.group(1).lower()
        path = by_name.get(name) or by_name.get(Path(name).name)
        if path is None:
            return match.group(0)
        mentioned.append(path)
        return f"the {_NOUNS.get(kinds.get(path, ''), 'file')}"

    masked = _FILE_NAME.sub(mask_file, masked)
    named = list(mentioned)
    for word in words(masked):  # "this portrait", "my speech.wav" without the extension
        path = by_name.get(word)
        if path is not None and path not in mentioned:
            mentioned.append(path)
    return Clause(restored.strip(" ,"), masked.strip(" ,"), found, mentioned, named)


def repr_quote(text: str) -> str:
    """How a quote is written back into clause text."""
    return f"'{text}'"


_NOUNS = {
    "Audio": "recording",
    "Image": "picture",
    "Video": "video",
    "Midi": "MIDI file",
    "Motion": "motion file",
    "Text": "text",
    "Json": "data",
}


def target_kind(clause: Clause) -> str | None:
    """The kind of thing the clause asks to make, from "into X" or "generate … X"."""
    said = clause.words
    windows = [said[i + 1 : i + 4] for i, w in enumerate(said) if w in ("into", "to", "as")]
    windows += [said[i + 1 : i + 6] for i, w in enumerate(said) if w in _MAKE_VERBS]
    for window in windows:  # "into X" says it best, so those come first
        for before, noun in zip(["", *window], window, strict=False):
            if before in _DEFINITE:
                continue  # "make the picture talk": the picture exists already
            kind = next((k for k, nouns in _KIND_WORDS.items() if noun in nouns), None)
            if kind:
                return kind
    return None
