"""The offline planner: no network, no LLM, any registered tool.

How it plans:

1. The request is cut into clauses ("…, then …", "… and …", "… with music underneath");
   quotes and file names are masked so their words do not pick tools.
2. Each clause is scored against every tool: sentence embeddings (all-MiniLM-L6-v2) of
   the tool's summary and examples, plus lexical cues (rare words of the tool's texts,
   its name), plus cues from types (a quote for a text input, "into MIDI" for an output).
3. The best few tools per clause (or none) are combined; each combination is *built* —
   arguments wired by type, producers inserted for missing inputs, literals filled — and
   scored by its clause scores minus what it costs (inserted steps, unread files, unused
   quotes, inputs that cannot be found). The best plan wins.
4. A request no tool fits gets an empty plan and a reply.

Everything comes from the tools' specs: names, summaries, examples, parameter types and
documentation. Nothing here names a built-in tool.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from string import Template

import numpy as np

import prompts
from tools import Registry, TroupeError, sniff_kind

from .._plan import Plan, Step
from ._build import Builder, DraftStep
from ._catalog import Catalog, ToolCard
from ._embed import encoder
from ._request import Clause, Request, read_request, stem, words

__all__ = ["OfflinePlanner"]

_OPTIONS_PER_CLAUSE = 4
_MAX_COMBINATIONS = 700
_MAX_WORDS = 200  # distinct words embedded for literal matching (a pasted essay stays fast)
_MAX_CLAUSES = 9  # 2**9 combinations at one tool per clause
_AGAIN_COST = 0.1
_CLOSE = 0.15  # a tool this close to a clause's best is still worth trying…
_FAR = 0.3  # …and one this far below it is not
#: Nouns for what a clause may ask to make ("into MIDI", "generate speech", "create gestures").
_KIND_WORDS = {
    "Midi": {"midi", "notes", "note", "score", "sheet"},
    "Audio": {
        "audio", "sound", "wav", "mp3", "speech", "voice", "voiceover", "voice-over", "narration", "music",
        "song", "tune", "track", "piece", "melody", "soundtrack", "jingle", "loop", "accompaniment",
    },
    "Text": {"text", "transcript", "transcription", "words", "lyrics", "subtitles"},
    "Video": {"video", "movie", "clip", "mp4"},
    "Motion": {"bvh", "motion", "mocap", "gesture", "gestures", "movements"},
    "Image": {"image", "picture", "photo", "drawing"},
    "Json": {"json"},
}  # fmt: skip
_DEFINITE = frozenset("the this that these those my your his her its our their".split())
_MAKE_VERBS = frozenset(
    "make create generate produce compose write render synthesize synthesise record build turn convert".split()
)
_GENERIC_PARAMS = frozenset(
    stem(w) for w in "text audio image video file name path seed mode backend".split()
)
_GREETING = frozenset("hello hi hey thanks thank bye goodbye morning evening who help".split())


class OfflinePlanner:
    """Plans from the tools' own descriptions; a warm plan costs some 30-80 ms of CPU.

    Args:
        min_similarity: a clause whose best tool scores below this (0 to 1) asks for no
            tool; the default suits all-MiniLM-L6-v2.
        skip_value: what leaving a clause without a tool is worth when comparing plans.
    """

    def __init__(self, *, min_similarity: float = 0.4, skip_value: float = 0.3):
        self.min_similarity = min_similarity
        self.skip_value = skip_value
        self._catalogs: dict[tuple, Catalog] = {}
        self._lock = threading.Lock()

    @classmethod
    def shared(cls) -> OfflinePlanner:
        """One planner per process with default settings, so its tool embeddings are reused."""
        return _shared()

    def plan(self, request: str, files: Sequence[Path], registry: Registry) -> Plan:
        """Plan ``request`` with the tools in ``registry``; ``files`` are the user's files."""
        files = [Path(f) for f in files]
        missing = [str(f) for f in files if not f.is_file()]
        if missing:
            raise TroupeError(
                f"input file {', '.join(missing)} does not exist or is not a file — check the path"
            )
        kinds = {f: kind for f in files if (kind := sniff_kind(f)) is not None}
        catalog = self.catalog(registry)
        parsed = read_request(request, files, kinds)
        if not catalog.cards or not parsed.clauses:
            return Plan(reply=self._reply("nothing", catalog))
        notes = [
            f"{f.name} is empty or not a kind of file I read (audio, image, video, MIDI, BVH, JSON or text); "
            "I left it out."
            for f in files
            if f not in kinds
        ]
        if len(parsed.clauses) > _MAX_CLAUSES:
            notes.append(
                f"That is a lot at once: I planned the first {_MAX_CLAUSES} parts; ask for the rest next."
            )
            parsed.clauses = parsed.clauses[:_MAX_CLAUSES]
        plan = self._plan(parsed, catalog, kinds, bool(files))
        if notes:
            plan.reply = " ".join([*notes, plan.reply or ""]).strip()
        return plan

    def _plan(self, parsed: Request, catalog: Catalog, kinds: dict[Path, str], has_files: bool) -> Plan:
        # a batch through the model for the clauses and one for the words (short rows pad less):
        # far cheaper than one call each
        catalog.encoder.encode([c.masked for c in parsed.clauses])
        catalog.encoder.encode(list(dict.fromkeys(words(parsed.masked)))[:_MAX_WORDS])
        scores = [self._clause_scores(catalog, parsed, i, kinds) for i in range(len(parsed.clauses))]
        best = self._search(catalog, parsed, kinds, scores)
        if best is not None and not best.steps and best.notes:
            return Plan(reply=self._reply("missing", catalog, " ".join(dict.fromkeys(best.notes))))
        if best is None or not best.steps:
            return Plan(reply=self._reply("unservable" if has_files else self._mood(parsed), catalog))
        return _to_plan(best, " ".join(dict.fromkeys(best.notes)) or None)

    # -- tools -------------------------------------------------------------------------
    def catalog(self, registry: Registry) -> Catalog:
        """The registry's tools, embedded once per set of tools."""
        key = tuple((spec.name, spec.version, spec.summary, spec.examples) for spec in registry)
        with self._lock:
            if key not in self._catalogs:
                self._catalogs[key] = Catalog(registry, encoder())
            return self._catalogs[key]

    def _clause_scores(
        self, catalog: Catalog, request: Request, i: int, kinds: dict[Path, str]
    ) -> np.ndarray:
        clause = request.clauses[i]
        dense = catalog.scores(clause.masked)
        lexical = catalog.lexical(clause.words)
        typed = np.array([_type_cue(card, clause, kinds) for card in catalog.cards])
        return dense + 0.25 * lexical + typed

    # -- search ------------------------------------------------------------------------
    def _search(
        self, catalog: Catalog, request: Request, kinds: dict[Path, str], scores: list[np.ndarray]
    ) -> Builder | None:
        options = []
        for row in scores:
            # the best few tools that pass the bar or come close to the clause's best, none far below it
            best = float(row.max())
            bar = (
                max(min(self.min_similarity, best - _CLOSE), best - _FAR)
                if best >= self.min_similarity
                else 2.0
            )
            ranked = [int(j) for j in np.argsort(row)[::-1][:_OPTIONS_PER_CLAUSE] if row[j] >= bar]
            options.append(ranked)
        options = _narrow(options)
        best, best_value = None, float("-inf")
        for choice in itertools.product(*options):
            if all(c is None for c in choice):
                continue
            builder = self._build(catalog, request, kinds, choice)
            builder.fan_out()
            value = self._value(choice, scores, request) - builder.cost - builder.leftover_cost()
            if value > best_value:  # a choice whose tool lacks an input may win: its note tells why
                best, best_value = builder, value
        return best

    def _value(self, choice: tuple[int | None, ...], scores: list[np.ndarray], request: Request) -> float:
        """What the clauses' choices are worth; a clause that an earlier clause's step serves
        too ("what key is it in, and how fast is it") counts a little less than one of its own."""
        leading = next((i for i, c in enumerate(choice) if c is not None), len(choice))
        # Clauses before the first tool qualify no step; they set the scene ("listen to this
        # voicemail", "use photo.jpg and voice.wav") and count double, so that no tool is forced
        # onto them.
        value = 2 * self.skip_value * leading
        for c, scope in _groups(choice, request):
            first, *rest = scope
            value += scores[first][c]
            value += sum(
                scores[i][c] - _AGAIN_COST if choice[i] is not None else self.skip_value for i in rest
            )
        return value

    def _build(
        self, catalog: Catalog, request: Request, kinds: dict[Path, str], choice: tuple[int | None, ...]
    ) -> Builder:
        builder = Builder(catalog, request, kinds)
        previous: DraftStep | None = None
        for c, scope in _groups(choice, request):
            card: ToolCard = catalog.cards[c]
            made = next((s for s in builder.steps if s.card is card and s.producer), None)
            if made is not None:  # inserted already as a producer: that step serves these clauses too
                made.scope += scope
                continue
            step = builder.add(card, scope)
            if step is None:
                continue
            if request.clauses[scope[0]].layered and previous is not None:
                builder.layer(previous, step, scope)
            previous = step
        return builder

    # -- replies -----------------------------------------------------------------------
    def _mood(self, request: Request) -> str:
        said = set(words(request.text))
        return "greeting" if said & _GREETING and len(said) <= 8 else "unservable"

    def _reply(self, name: str, catalog: Catalog, notes: str = "") -> str:
        templates = _templates()
        abilities = "; ".join(_ability(card) for card in catalog.cards[:12]) or "nothing yet"
        example = next((card.spec.examples[0] for card in catalog.cards if card.spec.examples), "")
        text = Template(templates[name]).safe_substitute(abilities=abilities, example=example, notes=notes)
        return " ".join(text.split())


def _groups(choice: tuple[int | None, ...], request: Request) -> list[tuple[int, list[int]]]:
    """The steps a choice makes: (tool index, the clauses it serves), in order of first clause.

    A clause chosen for a tool already chosen joins that step, unless both bring their own
    input (a quote, a file): "say 'a' and then say 'b'" is two steps. A clause with no tool
    qualifies the step before it.
    """
    groups: list[tuple[int, list[int]]] = []
    for i, c in enumerate(choice):
        if c is None:
            if groups:
                groups[-1][1].append(i)
            continue
        own = _brings_input(request.clauses[i])
        same = next((g for g in groups if g[0] == c), None)
        if same is not None and not (own and any(_brings_input(request.clauses[j]) for j in same[1])):
            same[1].append(i)
        else:
            groups.append((c, [i]))
    return groups


def _brings_input(clause: Clause) -> bool:
    return bool(clause.quotes or clause.named)


def _narrow(options: list[list[int]]) -> list[list[int | None]]:
    """Fewer tools per clause until every combination can be tried (each clause may also get none)."""
    for keep in range(_OPTIONS_PER_CLAUSE, 0, -1):
        narrowed = [[*ranked[:keep], None] for ranked in options]
        if math.prod(len(o) for o in narrowed) <= _MAX_COMBINATIONS:
            return narrowed
    return [[*ranked[:1], None] for ranked in options]  # _MAX_CLAUSES keeps this within bounds


@cache
def _shared() -> OfflinePlanner:
    return OfflinePlanner()


def _type_cue(card: ToolCard, clause: Clause, kinds: dict[Path, str]) -> float:
    """What the clause's quotes, files and nouns say about the tool's inputs and outputs."""
    cue = 0.0
    content = card.content_params
    if clause.quotes and any(p.required for p in content):
        cue += 0.1
    said = {stem(w) for w in clause.words}
    named = {stem(p.name) for p in card.spec.params.values() if not p.artifact_types and len(p.name) >= 4}
    if named & said - _GENERIC_PARAMS:
        cue += 0.1  # "duck the music" names audio_mix's `duck`
    for param in card.artifact_params:
        if any(kinds.get(f) in {t.__name__ for t in param.artifact_types} for f in clause.files):
            cue += 0.05
    # "into MIDI", "generate speech": the clause names what it wants made
    target = _target_kind(clause)
    if target:
        gives = {o.kind.__name__ for o in card.outputs if o.kind is not None}
        takes = {t.__name__ for p in card.artifact_params for t in p.artifact_types}
        if target in gives:
            cue += 0.15
        elif target in takes:
            cue -= 0.2  # it reads what the clause wants made
        elif gives - {"Text", "Json"}:
            cue -= 0.1  # it makes something else
    if not card.artifact_params or not any(p.required for p in card.artifact_params):
        cue += 0.05 if not clause.files and not clause.refers_back else 0.0  # makes something from words
    elif not any(kinds.get(f) in _kinds_of(card) for f in kinds) and not clause.refers_back:
        cue -= 0.05  # needs a kind of file nobody gave, and does not follow on from anything
    return cue


def _kinds_of(card: ToolCard) -> set[str]:
    return {t.__name__ for p in card.artifact_params if p.required for t in p.artifact_types}


def _target_kind(clause: Clause) -> str | None:
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


def _ability(card: ToolCard) -> str:
    summary = card.spec.summary.rstrip(".")
    return summary[:1].lower() + summary[1:]


def _templates() -> dict[str, str]:
    templates = {}
    for line in prompts.load("planner_replies.txt").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, body = line.partition("=")
            templates[name.strip()] = body.strip()
    return templates


def _to_plan(builder: Builder, reply: str | None) -> Plan:
    steps = [Step(id=s.id, tool=s.card.name, args=s.args) for s in builder.steps]
    return Plan(steps=steps, reply=reply)
