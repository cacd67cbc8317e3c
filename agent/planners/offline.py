"""The offline planner: no network, no LLM, any registered tool.

How it plans:

1. Reading (:mod:`._request`): the request is cut into clauses; quotes, words to speak,
   file names and quantities are set apart, so their words do not pick tools.
2. Relevance (:mod:`._relevance`): a model trained on public multi-tool data gives, for
   each clause, the probability that it asks for each tool, or for none.
3. Search (:mod:`._search`): the likeliest tools per clause are combined and each
   combination is *built* (:mod:`._build`): arguments wired by type, implied steps
   inserted, quantities repeated, literals filled. The best-valued plan wins; its lead over
   the other readings is its confidence, and the next readings are its alternatives.
4. A request no tool fits, or in another language, gets an empty plan and a reply.

Everything comes from the tools' specs: names, summaries, examples, parameter types and
documentation. Nothing here names a built-in tool.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from string import Template

import numpy as np

import prompts
from tools import ARTIFACT_TYPES, Registry, ToolSpec, TroupeError, sniff_kind
from tools._blas import one_blas_thread
from tools._minilm import encoder

from .._context import Earlier
from .._plan import Plan, Step
from ._build import Builder
from ._catalog import Catalog, ToolCard
from ._language import looks_english
from ._relevance import relevance
from ._request import VERBS, Clause, Request, read_request, words
from ._search import search

__all__ = ["OfflinePlanner"]

_ALTERNATIVES = 2  # next-best readings kept with a plan
_MAX_CLAUSES = 30  # a request is read whole up to here (the search settles its clearest clauses)
_POLITE = frozenset(
    "please could can would you i i'd want like to help me also and then just pls plz".split()
)
_CONCERNS = 0.05  # a clause this likely to ask for one of the plan's tools is part of the plan
_GENERIC_VERBS = frozenset("make have let get give use put set help send return show do keep".split())
_GREETING = frozenset("hello hi hey thanks thank bye goodbye morning evening who help".split())


class OfflinePlanner:
    """Plans from the tools' own descriptions and types; a warm plan costs some 30-100 ms of CPU."""

    def __init__(self) -> None:
        self._catalogs: dict[tuple, Catalog] = {}
        self._lock = threading.Lock()

    @classmethod
    def shared(cls) -> OfflinePlanner:
        """One planner per process with default settings, so its tool embeddings are reused."""
        return _shared()

    def plan(
        self, request: str, files: Sequence[Path], registry: Registry, context: Sequence[Earlier] = ()
    ) -> Plan:
        """Plan ``request`` with the tools in ``registry``; ``files`` are the user's files and
        ``context`` the results of earlier turns it may build on."""
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
        if not looks_english(parsed.masked):
            return Plan(reply=self._reply("english", catalog))
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
        earlier = [e for e in context if e.path.is_file() and e.kind in ARTIFACT_TYPES]
        with one_blas_thread():  # its matrices are small; idle BLAS threads would spin on the other core
            plan = self._plan(parsed, catalog, kinds, bool(files), earlier)
        if notes:
            plan.reply = " ".join([*notes, plan.reply or ""]).strip()
        return plan

    def _plan(
        self,
        parsed: Request,
        catalog: Catalog,
        kinds: dict[Path, str],
        has_files: bool,
        earlier: list[Earlier],
    ) -> Plan:
        tools, none = relevance().probabilities(catalog, parsed.clauses, kinds)
        ranked, confidence = search(catalog, parsed, kinds, tools, none, earlier)
        best = ranked[0].builder if ranked else None
        if best is not None and not best.steps and best.notes and ranked[0].wanted > 0:
            # a tool the request clearly asks for lacks an input: say which
            return Plan(reply=self._reply("missing", catalog, " ".join(dict.fromkeys(best.notes))))
        if best is None or not best.steps:
            mood = "unservable" if has_files else self._mood(parsed)
            return Plan(reply=self._reply(mood, catalog), confidence=round(confidence, 3))
        plan = _to_plan(best, None)
        notes = [*best.notes, *self._unserved(parsed, tools, none, plan, catalog)]
        plan.reply = " ".join(dict.fromkeys(notes)) or None
        plan.confidence = round(confidence, 3)
        plan.alternatives = [
            _to_plan(c.builder, None) for c in ranked[1 : _ALTERNATIVES + 1] if c.builder.steps
        ]
        return plan

    def rank_tools(self, request: str, registry: Registry, limit: int) -> list[ToolSpec]:
        """The ``limit`` tools the relevance model finds likeliest for any part of ``request``,
        in registry order (the LLM planners send only these cards when the catalog is large)."""
        catalog = self.catalog(registry)
        clauses = read_request(request, [], {}).clauses
        if not clauses:
            return [card.spec for card in catalog.cards[:limit]]
        tools, _ = relevance().probabilities(catalog, clauses, {})
        ranked = np.argsort(-tools.max(axis=0), kind="stable")[:limit]
        return [catalog.cards[int(j)].spec for j in sorted(ranked)]

    # -- tools -------------------------------------------------------------------------
    def catalog(self, registry: Registry) -> Catalog:
        """The registry's tools, embedded once per set of tools."""
        # the function too: tools made at run time (the SDK, make_tool) share a source hash,
        # and a signature differs only in the function object itself
        key = tuple((spec.name, spec.version, spec.summary, spec.examples, spec.fn) for spec in registry)
        # the BLAS turn before the lock, as everywhere (a plan holds the turn while it runs);
        # idle BLAS threads would otherwise spin after the catalog's products
        with one_blas_thread(), self._lock:
            if key not in self._catalogs:
                catalog = Catalog(registry, encoder())
                relevance().prepare(catalog)  # the tools' texts through the model, once
                self._catalogs[key] = catalog
            return self._catalogs[key]

    # -- replies -----------------------------------------------------------------------
    def _unserved(
        self, parsed: Request, tools: np.ndarray, none: np.ndarray, plan: Plan, catalog: Catalog
    ) -> list[str]:
        """A note on the parts the plan leaves out because no tool does them ("translate it"):
        clauses that order something, ask for no tool, and concern none of the plan's tools
        (neither likely for them nor naming one of their options, as "duck the pad" does)."""
        used = [catalog.cards.index(catalog.by_name[s.tool]) for s in plan.steps]
        index = catalog.feature_index
        parts = [
            _short(c.text)
            for i, c in enumerate(parsed.clauses)
            if none[i] >= 0.5 and _orders(c) and tools[i, used].max(initial=0.0) < _CONCERNS
            and not index.names_option(c, used)
        ]  # fmt: skip
        if not parts:
            return []
        return [self._reply("partial", catalog, parts=" or ".join(f'"{p}"' for p in parts))]

    def _mood(self, request: Request) -> str:
        said = set(words(request.text))
        return "greeting" if said & _GREETING and len(said) <= 8 else "unservable"

    def _reply(self, name: str, catalog: Catalog, notes: str = "", **more: str) -> str:
        templates = _templates()
        abilities = "; ".join(_ability(card) for card in catalog.cards[:12]) or "nothing yet"
        example = next((card.spec.examples[0] for card in catalog.cards if card.spec.examples), "")
        text = Template(templates[name]).safe_substitute(
            abilities=abilities, example=example, notes=notes, **more
        )
        return " ".join(text.split())


def _orders(clause: Clause) -> bool:
    """Whether a clause asks for something to be done with a verb of its own ("translate it"),
    not only sets the scene or qualifies another part ("make it excited")."""
    said = words(clause.masked)
    while said and said[0] in _POLITE:
        said = said[1:]
    return bool(said) and said[0] in VERBS and said[0] not in _GENERIC_VERBS


def _short(text: str, limit: int = 60) -> str:
    text = text.strip(" .,;")
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@cache
def _shared() -> OfflinePlanner:
    return OfflinePlanner()


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
    steps = [Step(id=s.id, tool=s.card.name, args=s.args, after=sorted(s.after)) for s in builder.steps]
    return Plan(steps=steps, reply=reply, why={s.id: s.why for s in builder.steps if s.why})
