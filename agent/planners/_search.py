"""Choosing the plan: which tool serves which clause, built and compared as whole plans.

Each clause may ask for one of its likeliest tools or for none. Every combination (within
a budget) is *built* — inputs wired by type, implied steps inserted, quantities repeated
(:mod:`agent.planners._build`) — and valued: what its clauses' choices are worth by the
relevance model, minus what it costs (steps nobody asked for, files or quotes it leaves
unused, inputs it cannot find). The best plan wins; how far it stands above the other
readings, and above doing nothing, is its confidence.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._context import Earlier
from ._build import Builder, DraftStep
from ._catalog import STOP_WORDS, Catalog
from ._costs import AGAIN_COST, FAILED_STEP_COST, FOLLOW_UP_BONUS, UNUSED_FILE_COST, UNUSED_QUOTE_COST
from ._implied import references
from ._quantities import Quantity, only_counts
from ._request import FILE_NOUNS, Clause, Request, kinds_named

__all__ = ["Candidate", "search"]

_OPTIONS_PER_CLAUSE = 4
_MAX_COMBINATIONS = 700
_OPTION_FLOOR = -0.35  # tools this much less likely than "none" are not tried for a clause…
_OPTION_SPREAD = 0.5  # …nor those this far below the clause's likeliest tool…
_EXTRA_OPTIONS = 2  # …but the likeliest of those that read a file or quote it gives, or lay a layer, are
_LAYER_VALUE = 0.1  # a clause that lays something described under the rest is worth a mix
_FOLLOW_UP_WORDS = 6
_MATERIAL = FILE_NOUNS | {"file", "files"}
_TEMPERATURE = 0.15  # how sharply value differences become confidence


@dataclass
class Candidate:
    """One built reading of the request and what it is worth."""

    builder: Builder
    value: float
    wanted: float = 0.0  # what its clauses' choices are worth by relevance alone

    @property
    def signature(self) -> tuple:
        """What tells two readings apart: their tools and how they are wired."""
        steps = self.builder.steps
        tools = sorted(s.card.name for s in steps)
        ids = {s.id: s.card.name for s in steps}
        edges = sorted({(ids[d], s.card.name) for s in steps for d in references(s) if d in ids})
        return tuple(tools), tuple(edges)


def search(
    catalog: Catalog,
    request: Request,
    kinds: dict[Path, str],
    tools: np.ndarray,
    none: np.ndarray,
    earlier: Sequence[Earlier] = (),
) -> tuple[list[Candidate], float]:
    """The distinct readings of ``request``, best first, and the confidence in the first.

    Args:
        kinds: the user's files and their kinds.
        tools: (clauses, tools) probability that a clause asks for each tool.
        none: (clauses,) probability that it asks for none.
        earlier: results of earlier turns the plan may read or redo.
    """
    # a clause's tool is worth how much likelier it is than asking for no tool
    scores = tools - none[:, None]
    _follow_up(scores, request, catalog, earlier)
    mixers = [j for j, card in enumerate(catalog.cards) if card.combines]
    scene = _scene_setting(request)
    readers = _readers(catalog, request, kinds, scene)
    speakers = [j for j, card in enumerate(catalog.cards) if any(p.required for p in card.content_params)]
    for i, clause in enumerate(request.clauses):
        if clause.layered and not clause.files:  # "… over a dreamy synth pad": something made, laid in
            scores[i, mixers] = np.maximum(scores[i, mixers], _LAYER_VALUE)
    options = _narrow(
        [
            _options(
                row,
                (mixers if c.layered else [])
                + readers[i]
                + (speakers if c.quotes else [])
                + _takers(catalog, c),
            )
            if not (
                only_counts(c.words) or c.declines or (scene[i] and _only_names_a_file(c))
            )  # "one file each", "no vocals": qualify the step before; "the audio is a.wav" too
            else []
            for i, (row, c) in enumerate(zip(scores, request.clauses, strict=True))
        ],
        scores,
    )
    found: dict[tuple, Candidate] = {}
    for choice in itertools.product(*options):
        if all(c is None for c in choice):
            continue
        builder = _build(Builder(catalog, request, kinds, earlier), choice, scores)
        builder.fan_out()
        builder.share_computed()  # after the copies: each reads what is computed from its own file
        wanted = _value(choice, scores, request)
        candidate = Candidate(builder, wanted - builder.cost - builder.leftover_cost(), wanted)
        key = candidate.signature  # a plan lacking an input may win too: its note says why
        if key not in found or candidate.value > found[key].value:
            found[key] = candidate
    ranked = sorted(found.values(), key=lambda c: -c.value)
    # doing nothing leaves every file unused and every quote unsaid
    nothing = -(UNUSED_FILE_COST * len(kinds) + UNUSED_QUOTE_COST * len(request.quotes))
    values = [c.value for c in ranked if c.builder.steps] + [nothing]
    best = ranked[0].value if ranked else nothing
    if ranked and not ranked[0].builder.steps:
        values.append(best)  # a reading whose step lacks an input may stand above doing nothing
    top = max(values)
    weights = [math.exp((v - top) / _TEMPERATURE) for v in values]
    confidence = math.exp((best - top) / _TEMPERATURE) / sum(weights)
    return ranked, confidence


def _follow_up(scores: np.ndarray, request: Request, catalog: Catalog, earlier: Sequence[Earlier]) -> None:
    """A short clause with nothing of its own after earlier turns ("now happier", "again, but
    slower") most likely asks for the latest result again, changed: its tool gains."""
    latest = catalog.by_name.get(earlier[-1].tool) if earlier else None
    if latest is None:
        return
    j = catalog.cards.index(latest)
    for i, clause in enumerate(request.clauses):
        if clause.layered:  # "add music under it" lays something new under the result
            continue
        if not (clause.quotes or clause.files) and len(clause.words) <= _FOLLOW_UP_WORDS:
            scores[i, j] = max(scores[i, j], 0.0) + FOLLOW_UP_BONUS


def _readers(
    catalog: Catalog, request: Request, kinds: dict[Path, str], scene: list[bool]
) -> list[list[int]]:
    """Per clause, the tools that need a kind of file the clause names, by name or by its
    kind ("this photo"); when no clause names one, every clause may read the files given.
    A file is given to be used, so such a tool is worth trying even when its words are far off.
    A file named where the scene is set ("I've got a photo, cat.jpg") is for the clauses
    that ask for something."""
    given = set(kinds.values())
    named = [({kinds[f] for f in c.files if f in kinds} | kinds_named(c)) & given for c in request.clauses]
    setting = set().union(*(n for n, s in zip(named, scene, strict=True) if s))
    named = [set() if s else n | setting for n, s in zip(named, scene, strict=True)]
    if not any(named):
        named = [given] * len(request.clauses)
    return [[j for j, card in enumerate(catalog.cards) if card.required_kinds & n] for n in named]


def _takers(catalog: Catalog, clause: Clause) -> list[int]:
    """The tools with an option the clause spells out a value for ("… on a synth bass": the
    tools with an instrument), worth trying although their words are far off."""
    return catalog.option_takers({name for name, _ in catalog.stated_options((clause.masked,))})


def _scene_setting(request: Request) -> list[bool]:
    """Per clause, whether it only sets the scene ("I've got this photo", or just a file's
    name) while another clause asks for something."""
    asking = [c.asks and not c.tells for c in request.clauses]
    return [
        not c.asks and (c.tells or _only_names_a_file(c)) and any(asking[:i] + asking[i + 1 :])
        for i, c in enumerate(request.clauses)
    ]


def _only_names_a_file(clause: Clause) -> bool:
    """Whether the clause is little more than a file's name ("…, interview.wav.", "the audio
    is keynote.wav"): nothing left once the file and the nouns for kinds of file are."""
    said = clause.words
    return bool(clause.named) and (
        len(said) <= 3 or not [w for w in said if w not in STOP_WORDS and w not in _MATERIAL]
    )


def _options(row: np.ndarray, also: list[int]) -> list[int]:
    """The tools worth trying for a clause: its likeliest few, none far below the best, and
    the likeliest of ``also`` (tools that read a file or a quote it gives, or combine a layer)."""
    best = float(row.max()) if row.size else 0.0
    floor = max(_OPTION_FLOOR, best - _OPTION_SPREAD)
    ranked = [int(j) for j in np.argsort(-row)[:_OPTIONS_PER_CLAUSE] if row[j] >= floor]
    return ranked + sorted((j for j in set(also) if j not in ranked), key=lambda j: -row[j])[:_EXTRA_OPTIONS]


def _value(choice: tuple[int | None, ...], scores: np.ndarray, request: Request) -> float:
    """What the clauses' choices are worth; a clause that an earlier clause's step serves too
    ("what key is it in, and how fast is it") counts a little less than one of its own. A
    clause that chose no tool adds nothing, though its step serves it ("Hi! I have a photo." …
    "make it talk": the greeting and the scene belong to the step, they did not ask for it)."""
    value = 0.0
    for c, scope in groups(choice, request):
        first, *rest = [i for i in scope if choice[i] is not None]
        value += scores[first][c]
        value += sum(scores[i][c] - AGAIN_COST for i in rest)
    return value


def _build(builder: Builder, choice: tuple[int | None, ...], scores: np.ndarray) -> Builder:
    catalog, request = builder.catalog, builder.request
    previous: DraftStep | None = None
    chosen: list[tuple[DraftStep, Quantity]] = []
    ordered: list[tuple[DraftStep, DraftStep]] = []  # (earlier, waiting) as the request says
    for c, scope in groups(choice, request):
        card = catalog.cards[c]
        made = next((s for s in builder.steps if s.card is card and s.producer), None)
        if made is not None:  # inserted already as a producer: that step serves these clauses too
            builder.widen(made, scope)
            continue
        clause = request.clauses[scope[0]]
        if clause.layered and card.combines and previous is not None:
            laid = builder.laid_under(previous, card, scope)  # "… with soft piano under it": made, mixed in
            if laid is None:
                builder.cost += FAILED_STEP_COST  # nothing the clause describes can be made
            previous = laid or previous
            continue
        step = builder.add(card, scope)
        if step is None:
            continue
        asking = max(scope, key=lambda i: scores[i][c])  # not a clause that only set the scene
        step.why = (
            f'asked for: "{_short(request.clauses[asking].text)}" (tool relevance {scores[asking][c]:+.2f})'
        )
        if clause.layered and previous is not None:
            builder.layer(previous, step, scope)
        if previous is not None and request.clauses[next(i for i in scope if choice[i] == c)].after:
            ordered.append((previous, step))
        previous = step
        chosen.append((step, _quantity(request, scope)))
    builder.read_named_files()
    builder.wire_matches()
    for step, quantity in chosen:
        builder.repeat(step, quantity)
    actions = [step for step, _ in chosen if step.card.acts]
    ordered += itertools.pairwise(actions)  # effects asked one after another happen in that order
    for before, step in ordered:  # "once that's done, …" waits though no data passes between them
        if before.id not in builder.upstream(step) and step.id not in builder.upstream(before):
            step.after.add(before.id)
    builder.order()
    return builder


def groups(choice: tuple[int | None, ...], request: Request) -> list[tuple[int, list[int]]]:
    """The steps a choice makes: (tool index, the clauses it serves), in order of first clause.

    A clause chosen for a tool already chosen joins that step, unless both bring their own
    input (a quote, a file): "say 'a' and then say 'b'" is two steps. A clause with no tool
    qualifies the step before it; clauses before the first tool qualify the first ("make
    me lip sync the vocals of this song, photo attached").
    """
    found: list[tuple[int, list[int]]] = []
    leading: list[int] = []
    for i, c in enumerate(choice):
        if c is None:
            if found:
                found[-1][1].append(i)
            else:
                leading.append(i)
            continue
        own = _brings_input(request.clauses[i])
        same = next((g for g in found if g[0] == c), None)
        if same is not None and not (own and any(_brings_input(request.clauses[j]) for j in same[1])):
            same[1].append(i)
        else:
            found.append((c, [*leading, i] if not found else [i]))
    return found


def _quantity(request: Request, scope: list[int]) -> Quantity:
    """What the clauses of a step say about how many results they want (the largest count)."""
    said = [request.clauses[i].quantity for i in scope]
    return max(said, key=lambda q: (q.count, len(q.variants)))


def _brings_input(clause: Clause) -> bool:
    return bool(clause.quotes or clause.named)


def _narrow(options: list[list[int]], scores: np.ndarray) -> list[list[int | None]]:
    """Fewer tools per clause until every combination can be tried (each clause may also get
    none). Past one tool per clause, the clearest clauses are settled, so a long request is
    read whole: a clause far likelier to ask for its tool than for none keeps only the tool,
    one far likelier to ask for none keeps only none, the clearest first."""
    for keep in range(_OPTIONS_PER_CLAUSE, 0, -1):
        narrowed: list[list[int | None]] = [[*ranked[:keep], None] for ranked in options]
        if math.prod(len(o) for o in narrowed) <= _MAX_COMBINATIONS:
            return narrowed
    margins = [abs(float(scores[i, ranked[0]])) if ranked else 0.0 for i, ranked in enumerate(options)]
    for i in sorted(range(len(options)), key=lambda i: -margins[i]):
        if math.prod(len(o) for o in narrowed) <= _MAX_COMBINATIONS:
            break
        if options[i]:
            narrowed[i] = [options[i][0]] if scores[i, options[i][0]] > 0 else [None]
    return narrowed


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
