"""Wiring chosen tools into steps: sources by type, producers for missing inputs, literals.

A :class:`Builder` adds steps one by one. Each artifact argument takes the best
*source* that fits its type — a user file (by sniffed kind) or an earlier step's output —
preferring sources nobody used yet, files the clause names, and outputs whose tool's
description fits the parameter's. When nothing fits, a *producer* step is inserted
(a talking face needs audio; none was given, so the quoted text is spoken first). Text and
plain values are filled by :class:`._filling.ValueFilling`. The builder counts what its
choices cost so the planner can compare alternatives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools import ARTIFACT_TYPES, Param, accepts

from .._context import Earlier
from .._files import plan_names
from ._catalog import Catalog, ToolCard, is_artifact, list_kind
from ._costs import (
    FAILED_STEP_COST,
    FOLLOW_ON_BONUS,
    NAMED_FILE_COST,
    SINGLE_ITEM_COST,
    UNUSED_FILE_COST,
    UNUSED_OPTION_COST,
    UNUSED_QUOTE_COST,
)
from ._filling import ValueFilling
from ._implied import ImpliedSteps
from ._quantities import names_several
from ._request import KIND_NOUNS, LAYER_WORDS, Request
from ._sources import NOUNS, Source, SourcePicking, about_earlier, one_per_step

__all__ = ["Builder", "DraftStep"]

_OWNING = frozenset("my our this these his her their attached uploaded".split())  # "my song", "this photo"
_ANY = frozenset("a an some any another".split())  # "a track", "some music"
_LAYER_RELEVANCE = (
    0.3  # how close a layer's words must be to the tool that would make it ("a neon city" is no music)
)


@dataclass
class DraftStep:
    """A step being built."""

    id: str
    card: ToolCard
    scope: list[int]
    args: dict[str, Any] = field(default_factory=dict)
    sources: list[Source] = field(default_factory=list)
    producer: bool = False  # inserted to make another step's input, not chosen for a clause
    after: set[str] = field(default_factory=set)  # steps the request makes it wait for, no data passing
    why: str = ""  # why the planner put it there, for people reading the plan

    @property
    def main(self) -> Source | None:
        """The step's first artifact output."""
        return next((s for s in self.sources if is_artifact(s.annotation)), None)


class Builder(ImpliedSteps, SourcePicking, ValueFilling):
    """Builds the steps of one candidate plan."""

    def __init__(
        self, catalog: Catalog, request: Request, kinds: dict[Path, str], earlier: Sequence[Earlier] = ()
    ):
        self.catalog, self.request = catalog, request
        names = plan_names([*kinds, *(e.path for e in earlier)])  # two files with one name stay two inputs
        self.sources = [
            Source(
                f"@{names[p]}",
                ARTIFACT_TYPES[k],
                f"{p.stem.replace('_', ' ')} {NOUNS.get(k, k.lower())}",
                path=p,
            )
            for p, k in kinds.items()
            if k in ARTIFACT_TYPES
        ]
        self.sources += [
            Source(
                f"@{names[e.path]}",
                ARTIFACT_TYPES[e.kind],
                about_earlier(e, catalog),
                path=e.path,
                earlier=e,
            )
            for e in earlier
        ]
        self.steps: list[DraftStep] = []
        self.cost = 0.0
        self.used_quotes: set[str] = set()
        self.notes: list[str] = []
        self._asking: set[str] = set()  # steps the reply already asks values for

    # -- adding steps ------------------------------------------------------------------
    def add(self, card: ToolCard, scope: list[int], depth: int = 0) -> DraftStep | None:
        """Add ``card`` as a step serving the clauses ``scope``; None when an input is missing."""
        step = DraftStep(self._new_id(card.name), card, scope, producer=depth > 0)
        redo = self._redo(card, scope) if depth == 0 else {}
        for param in card.spec.params.values():
            if param.artifact_types:
                value = self._artifact_arg(param, step, depth)
                if value is None and param.required:
                    kinds = "/".join(sorted(t.__name__ for t in param.artifact_types))
                    self.notes.append(f"{card.name} needs {kinds} for '{param.name}'; attach a file with -f")
                    self.cost += FAILED_STEP_COST
                    return None
            elif param in card.content_params:
                value = self._text_arg(param, step)
                if value is None and param.name in redo:
                    value = redo[param.name]  # the same words again, changed as asked
                if value is None and param.required:
                    made = self._produce(param, step, depth)  # "re-read my voice memo": its words
                    value = made.ref if made is not None else None
                    if made is not None:
                        made.uses += 1
                if value is None and param.required:
                    value = self._unknown(param, step)
            else:
                continue
            if value is not None:
                step.args[param.name] = value
        self._fill_plain(step, depth)
        for param in card.plain_params:
            if param.required and param.name not in step.args:
                step.args[param.name] = self._unknown(param, step)
        for name, value in redo.items():
            step.args.setdefault(name, value)
        if redo:
            step.why = "the earlier step again, with the changes asked for"
        self._register(step)
        return step

    def layer(self, under: DraftStep, over: DraftStep, scope: list[int]) -> DraftStep | None:
        """Combine two steps' outputs of one kind with a tool that takes a list of that kind.

        When ``under`` makes another kind (a talking face's video under which music should
        play), the layer goes under the input of that kind it was fed instead (its speech),
        and ``under`` is rewired to take the mix.
        """
        a, b = under.main, over.main
        if a is None or b is None:
            return None
        if accepts(a.annotation, b.annotation):
            return self._mix(a, b, scope)
        for name, value in under.args.items():
            fed = self._source(value)
            if fed is None or fed.step is None or not accepts(fed.annotation, b.annotation):
                continue
            mixed = self._mix(fed, b, scope)
            if mixed is not None and mixed.main is not None:
                under.args[name] = mixed.main.ref
                self.steps.remove(under)  # listed after the mix it now takes
                self.steps.append(under)
            return mixed
        return None

    def laid_under(self, under: DraftStep, mixer: ToolCard, scope: list[int]) -> DraftStep | None:
        """For a layering clause served by a tool that combines a list ("… with soft piano
        under it"): make the thing the clause describes and lay it with ``under``; the step
        made, or None when ``mixer`` combines no list or nothing can be made."""
        param = next((p for p in mixer.spec.params.values() if list_kind(p.annotation)), None)
        if param is None:
            return None
        consumer = DraftStep("", mixer, scope)
        made = self._produce(param, consumer, depth=0, described=True, min_relevance=_LAYER_RELEVANCE)
        if made is None or made.step is None:
            return None
        step = next(s for s in self.steps if s.id == made.step)
        step.producer = False  # the clause asked for it
        step.why = f'laid under: "{self.scope_text(scope)}"'
        mixed = self.layer(under, step, scope)
        return step if mixed is not None else None

    def _mix(self, a: Source, b: Source, scope: list[int]) -> DraftStep | None:
        """A step of the best tool taking a list that holds both ``a`` and ``b``."""
        text = self.scope_text(scope, masked=True)
        best, best_score = None, -1.0
        sims = self.catalog.scores(text)
        for i, card in enumerate(self.catalog.cards):
            param = next((p for p in card.spec.params.values() if list_kind(p.annotation)), None)
            fits = param and a.fits(param.annotation) and card.gives(list_kind(param.annotation))
            if fits and sims[i] > best_score:
                best, best_score = (card, param), sims[i]
        if best is None:
            return None
        card, param = best
        step = DraftStep(self._new_id(card.name), card, scope, {param.name: [a.ref, b.ref]})
        step.why = f"lays {b.ref} with {a.ref}"
        a.uses, b.uses = a.uses + 1, b.uses + 1
        self._fill_plain(step)
        self._register(step)
        return step

    def fan_out(self) -> None:
        """Repeat a step for each further unread user file of the kind it read ("these two
        songs"), and for one another step reads when its clauses ask for every one ("transcribe
        both recordings and tell me the mood in each")."""
        for step in list(self.steps):
            several = names_several(self.scope_text(step.scope))
            for name, value in list(step.args.items()):
                read = self._source(value)
                if read is None or read.path is None:
                    continue  # not a user file (a literal, a step output)
                for other in self._alike_files(read, step.card.spec.params[name]):
                    if (other.uses and not several) or any(
                        s.card is step.card and s.args.get(name) == other.ref for s in self.steps
                    ):
                        continue
                    clone = DraftStep(self._new_id(step.card.name), step.card, step.scope, dict(step.args))
                    clone.args[name] = other.ref
                    clone.why = f"the same for {other.ref}"
                    other.uses += 1
                    self._add_outputs(clone)
                    self.steps.insert(self.steps.index(step) + 1, clone)

    # -- artifacts ---------------------------------------------------------------------
    def _artifact_arg(self, param: Param, step: DraftStep, depth: int) -> Any:
        kind = list_kind(param.annotation)
        if kind is not None:
            fits = one_per_step(
                [
                    s
                    for s in self.sources
                    if s.uses == 0
                    and s.fits(param.annotation)
                    and self._eligible(s, step.scope, param.annotation)
                ]
            )
            if not fits:
                fits = [
                    s for s in self.sources if self._mentioned(s, step.scope) and s.fits(param.annotation)
                ]
            if not fits and param.required:
                made = self._produce(param, step, depth)
                fits = [made] if made else []
            elif len(fits) == 1 and self._describes_another(step.scope):
                made = self._produce(param, step, depth, described=True)  # "mix it with a piano piece"
                fits += [made] if made else []
            for s in fits:
                s.uses += 1
            if len(fits) == 1:
                self.cost += SINGLE_ITEM_COST
            return [s.ref for s in fits] or None
        if not param.required and not self._names_input(param, step.scope):
            return None  # an optional input is filled only when asked for ("follow the melody of …")
        measures = not step.card.makes_media
        source = self._named_output(param, step, depth) or self._pick(param, step.scope, measures=measures)
        if source is not None and source.uses and source.step is None and self._bridgeable(param, step.scope):
            source = self._produce(param, step, depth) or source  # "read the transcript": use that result
        if source is None and not param.required:
            # "sing it to the tune I hummed in hum.m4a": the humming's notes, when a file nobody
            # reads yet can be turned into what the named input takes
            source = self._produce(param, step, depth, from_files=True)
        if source is None and param.required:
            source = self._produce(param, step, depth)
            if source is None and self._may_be_made_up(param):
                # "a dance for an EDM drop — I don't have a track, make something up": made from
                # what the request describes
                source = self._produce(param, step, depth, described=True)
            elif source is None and (before := self._described_before(step)) is not None:
                # "20s of bouncy pop, and then a figure partying to it": the clause it points
                # back to asked for nothing itself but describes it
                source = self._produce(param, step, depth, described=True, scope=[before])
        if source is None:
            return None
        if source.uses == 0 and self._follows_on(source, step):
            self.cost -= FOLLOW_ON_BONUS
        source.uses += 1
        return source.ref

    def _may_be_made_up(self, param: Param) -> bool:
        """Whether a missing input of the kind ``param`` takes may be made by a tool: the request
        speaks of one as any ("a track", "some music") and never of the user's own ("my song",
        "this photo"), whose file the reply should ask for instead."""
        nouns = set().union(*(KIND_NOUNS.get(t.__name__, frozenset()) for t in param.artifact_types))
        determiners = set()
        for clause in self.request.clauses:
            said = clause.words  # read once: a property
            for i, word in enumerate(said):
                if nouns & set(said[i + 1 : i + 4]):
                    determiners.add(word)
        return bool(determiners & _ANY) and not determiners & _OWNING

    def _described_before(self, step: DraftStep) -> int | None:
        """The clause just before one of ``step``'s that points back at it ("… to it"), when no
        other step serves it and it names no file or quote: it can only describe what to make."""
        pointing = next((i for i in step.scope if i and self.request.clauses[i].refers_back), None)
        if pointing is None:
            return None
        before = pointing - 1
        clause = self.request.clauses[before]
        if clause.files or clause.quotes or any(before in s.scope for s in self.steps if s is not step):
            return None
        return before

    def _describes_another(self, scope: list[int]) -> bool:
        """Whether a clause that combines things describes one more ("with a piano piece",
        "a piano bed under my voice") rather than naming a file."""
        clauses = [self.request.clauses[i] for i in scope]
        return any(
            ("with" in c.words[1:] or c.layered or set(c.words) & LAYER_WORDS) and not c.quotes
            for c in clauses
        )

    def _redo(self, card: ToolCard, scope: list[int]) -> dict[str, Any]:
        """The literal arguments of the latest earlier step of ``card`` when the clause asks for
        it again with changes ("now happier", "again but slower"): it brings no input of its
        own and points back. Empty otherwise."""
        clauses = [self.request.clauses[i] for i in scope]
        if any(c.quotes or c.files for c in clauses):
            return {}
        made = next(
            (s.earlier for s in reversed(self.sources) if s.earlier and s.earlier.tool == card.name), None
        )
        if made is None or not (any(c.refers_back for c in clauses) or len(clauses[0].words) <= 4):
            return {}
        return {
            k: v
            for k, v in made.args.items()
            if not (isinstance(v, str) and v[:1] in "@$" and v[:2] not in ("@@", "$$"))
        }

    # -- bookkeeping -------------------------------------------------------------------
    def _register(self, step: DraftStep) -> None:
        self._add_outputs(step)
        self.steps.append(step)

    def _add_outputs(self, step: DraftStep) -> None:
        """Make the step's outputs sources later arguments can take."""
        spec = step.card.spec
        for output in step.card.outputs:
            ref = f"${step.id}" + (f".{output.field}" if output.field else "")
            about = f"{output.field or ''} {spec.summary}".strip()
            source = Source(ref, output.annotation, about, step=step.id)
            step.sources.append(source)
            self.sources.append(source)

    def _new_id(self, name: str) -> str:
        taken = {s.id for s in self.steps}
        if name not in taken:
            return name
        n = 2
        while f"{name}_{n}" in taken:
            n += 1
        return f"{name}_{n}"

    def scope_text(self, scope: list[int], masked: bool = False) -> str:
        clauses = [self.request.clauses[i] for i in scope]
        return " ".join(c.masked if masked else c.text for c in clauses)

    def scope_quotes(self, scope: list[int]) -> list[str]:
        return [q for i in scope for q in self.request.clauses[i].quotes]

    # -- scoring -----------------------------------------------------------------------
    def leftover_cost(self) -> float:
        """What the plan leaves undone: files nobody reads, quotes nobody says, options the
        request spells out that no step takes ("hear my humming *on a cello*")."""
        unused = [s for s in self.sources if s.path is not None and s.earlier is None and s.uses == 0]
        everywhere = list(range(len(self.request.clauses)))
        named = sum(1 for s in unused if self._mentioned(s, everywhere))  # "have the portrait sing"
        unused_quotes = sum(1 for q in self.request.quotes if q not in self.used_quotes)
        taken = {(k, v) for s in self.steps for k, v in s.args.items() if isinstance(v, str | int | float)}
        stated = self.catalog.stated_options(tuple(c.masked for c in self.request.clauses))
        return (
            UNUSED_FILE_COST * len(unused)
            + NAMED_FILE_COST * named
            + UNUSED_QUOTE_COST * unused_quotes
            + UNUSED_OPTION_COST * len(stated - taken)
        )
