"""Filling a step's text and plain values: quotes, the clause's own words, values the request
states, earlier outputs and earlier turns' results, else a ``{{variable}}`` the reply asks for.

:class:`ValueFilling` is the part of :class:`~._build.Builder` that does it (as
:class:`~._sources.SourcePicking` chooses artifact sources and :class:`~._implied.ImpliedSteps`
inserts steps).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter, ValidationError

from tools import Json, Param, Text, accepts
from tools._types import strip_optional

from ._catalog import ToolCard, is_description, json_keys
from ._costs import FOLLOW_ON_BONUS, MISSING_VALUE_COST
from ._implied import argument_refs, same_name, standing_for
from ._request import KIND_NOUNS, LAYER_WORDS, stem, words
from ._sources import Source
from ._values import named_value, shape_of, stated_value

if TYPE_CHECKING:
    from ._build import DraftStep

__all__ = ["ValueFilling", "json_value_ref", "literal"]

_JSON_FIELDS_MAX_BYTES = 1 << 20  # an earlier result read for values: an analysis, not a data set
_ANAPHORA = frozenset(
    "that same matching match detected its their resulting measured estimated found".split()
)


class ValueFilling:
    """The part of :class:`~._build.Builder` that fills text and plain values."""

    def _unknown(self, param: Param, step: DraftStep) -> str:
        """A required value the request does not state: an earlier step's output of that name
        ("add the track to the playlist just created": its id), else a ``{{variable}}`` the
        reply asks for (a saved plan takes it with ``--set``)."""
        if (named := self._same_named(param)) is not None:
            return named
        if (handed := self._handed_on(param, step)) is not None:
            return handed
        self.notes.append(
            f"tell me the {param.name.replace('_', ' ')} for {step.card.name} ({param.description})"
        )
        if step.id not in self._asking:  # one question per step, however many values it lacks
            self._asking.add(step.id)
            self.cost += MISSING_VALUE_COST
        return "{{" + param.name + "}}"

    def _same_named(self, param: Param) -> str | None:
        """A reference to the latest earlier output named like ``param`` (a field of a result,
        or a key a Json result documents), or None."""
        for earlier in reversed(self.steps):
            for source in earlier.sources:
                field_name = source.ref.partition(".")[2]
                if (
                    field_name
                    and same_name(field_name, param.name)
                    and accepts(param.annotation, source.annotation)
                ):
                    source.uses += 1
                    return source.ref
            if earlier.card.spec.returns is Json and (ref := json_value_ref(param, earlier.id, earlier.card)):
                return ref
        return None

    def _handed_on(self, param: Param, step: DraftStep) -> str | None:
        """The previous step's result for a value the request says comes from it ("the ID
        from the previous response"): its output of a fitting type whose name is likest the
        parameter's, else None."""
        if not self.steps or not any(self.request.clauses[i].hands_on for i in step.scope):
            return None
        previous = self.steps[-1]
        fitting = [s for s in previous.sources if accepts(param.annotation, s.annotation)]
        if not fitting:
            documented = previous.card.spec.returns is Json
            return json_value_ref(param, previous.id, previous.card) if documented else None
        wanted = f"{param.name.replace('_', ' ')}: {param.description}"

        def likeness(source: Source) -> float:
            return self.catalog.similarity(wanted, source.ref.partition(".")[2].replace("_", " "))

        source = max(fitting, key=likeness)
        source.uses += 1
        return source.ref

    def share_computed(self) -> None:
        """An optional text input that another step computes from the same file is read from
        it ("how does she feel and what does she say": the emotion step takes the transcript
        the plan makes anyway, as its ``transcript`` documents), once every step exists. A
        further field of a result (a face animation's curves as CSV) is no such text unless
        the request names it."""
        for step in self.steps:
            inputs = argument_refs(step, "@")
            for param in step.card.plain_params:
                if param.name in step.args or param.required or param.choices:
                    continue
                if strip_optional(param.annotation) is not str or not _wants_text(param):
                    continue
                source = next(
                    (
                        s
                        for other in self.steps
                        if other is not step
                        and step.id not in self.upstream(other)
                        and inputs & argument_refs(other, "@")
                        for s in other.sources
                        if s.annotation is Text  # not a further field (a face's curves) unless named
                        and not (self._secondary(s) and not self._mentioned(s, step.scope))
                    ),
                    None,
                )
                if source is not None:
                    source.uses += 1
                    step.args[param.name] = source.ref
        self.order()

    # -- text and plain values ---------------------------------------------------------
    def _text_arg(self, param: Param, step: DraftStep) -> Any:
        # a quote gives one parameter of a step; a step's second text comes from elsewhere
        given = set(step.args.values())
        text, taken = self.scope_text(step.scope), {str(v) for v in given}
        if shape_of(param) is not None:  # a date takes a date the clause states, never a quoted title
            value = stated_value(param, text, taken)
            return literal(value) if value else self._same_named(param)
        quotes = [q for q in self.scope_quotes(step.scope) if literal(q) not in given]
        if quotes:
            quote = next((q for q in quotes if q not in self.used_quotes), quotes[0])
            self.used_quotes.add(quote)
            return literal(quote)
        source = self._pick(param, step.scope, Text)
        if source is not None and source.earlier is not None and source.earlier.kind != "Text":
            # an earlier result of another kind (an analysis) is read as text only when named
            source = source if self._mentioned(source, step.scope) else None
        if source is not None and self._secondary(source) and not self._mentioned(source, step.scope):
            source = None  # a further field of a result (face curves as CSV) is read only when named
        if source is not None and is_description(param) and not self._points_at(source, step):
            source = None  # "… and compose some calm piano music": the clause describes it itself
        if source is not None and (source.uses == 0 or self._mentioned(source, step.scope)):
            if source.uses == 0 and self._follows_on(source, step):
                self.cost -= FOLLOW_ON_BONUS
            source.uses += 1
            return source.ref
        if is_description(param):
            return literal(self._description(step.scope))
        if (value := stated_value(param, text, taken)) is not None:
            return literal(value)  # "from Seattle", "on Amazon"
        if (named := self._same_named(param)) is not None:
            return named  # "add a track to the playlist just made": its id
        if (value := named_value(param, text, taken)) is not None:
            return literal(value)  # "the Dreamland Hotel"
        others = [q for q in self.request.quotes if literal(q) not in given]
        if others and param.required and (step.producer or len(self.request.quotes) == 1):
            # another clause's quote: only for a step made to serve it ("say 'hi' … make my photo speak")
            quote = next((q for q in others if q not in self.used_quotes), others[0])
            self.used_quotes.add(quote)
            return literal(quote)
        return None

    def _points_at(self, source: Source, step: DraftStep) -> bool:
        """Whether the step's clauses point at ``source`` ("about it", "from the transcript":
        a noun for its kind of file)."""
        clauses = [self.request.clauses[i] for i in step.scope]
        nouns = KIND_NOUNS.get(getattr(source.annotation, "__name__", ""), frozenset())
        return (
            self._mentioned(source, step.scope)
            or any(c.refers_back for c in clauses)
            or any(w in nouns for c in clauses for w in c.words)
        )

    def widen(self, step: DraftStep, scope: list[int]) -> None:
        """Let ``step`` serve the clauses of ``scope`` too (a producer that a later clause asks
        for by itself): their words may state its options ("voice and face should match the
        mood of the text")."""
        step.scope += scope
        self._fill_plain(step)

    def _fill_plain(self, step: DraftStep, depth: int = 0) -> None:
        plain = [p for p in step.card.plain_params if p.name not in step.args]
        text = self.scope_text(step.scope, masked=True)
        step.args.update(
            self.catalog.literals(step.card, frozenset(p.name for p in plain), text, fuzzy=False)
        )
        pointing = bool(_ANAPHORA & set(words(text)))
        said = {stem(w) for w in words(text)}
        for param in plain:
            if param.name in step.args:
                continue
            # "in the same key" after an analysis: the value an earlier turn found
            named = pointing and stem(param.name.split("_")[0]) in said
            if named and (value := self._earlier_turn_value(param)) is not None:
                step.args[param.name] = value
                self.cost -= FOLLOW_ON_BONUS
                continue
            before = len(self.steps)
            if ref := self._matched_value(param, step, depth):
                step.args[param.name] = ref
                if pointing and len(self.steps) == before:  # "turn it into a matching read"
                    self.cost -= FOLLOW_ON_BONUS
        if pointing:
            for param in plain:
                if param.name not in step.args and (ref := self._earlier_value(param, step)):
                    step.args[param.name] = ref
                    self.cost -= FOLLOW_ON_BONUS
        rest = frozenset(p.name for p in plain if p.name not in step.args)
        step.args.update(self.catalog.literals(step.card, rest, text, fuzzy=True))

    def _earlier_value(self, param: Param, step: DraftStep) -> str | None:
        """A reference to an earlier step's value for ``param`` ("with that mood", "matching")."""
        fits = [(fit, f"${e.id}.{field}") for e in self.steps for field, fit in standing_for(param, e.card)]
        return max(fits)[1] if fits else None

    def _earlier_turn_value(self, param: Param) -> Any:
        """The value an earlier turn's JSON result holds for ``param`` (its ``key`` for a key,
        its ``tempo_bpm`` for a tempo), latest result first, as a literal; None when none
        holds a value of the parameter's type."""
        for source in reversed(self.sources):
            if source.earlier is None or source.earlier.kind != "Json":
                continue
            fields = _json_fields(source.earlier.path)
            names = sorted((k for k in fields if same_name(k, param.name)), key=lambda k: k != param.name)
            for name in names:  # the exact name first, then longer ones ("tempo_bpm")
                try:
                    value = TypeAdapter(param.annotation).validate_python(fields[name])
                except ValidationError:
                    continue
                return literal(value) if isinstance(value, str) else value
        return None

    def _description(self, scope: list[int]) -> str:
        text = self.scope_text(scope)
        first, _, rest = text.partition(" ")
        if first.lower() in {"with", "over", "under", "and", "then", "plus"} | LAYER_WORDS:
            text = rest
        return text.strip(" .,;") or self.request.text


def _wants_text(param: Param) -> bool:
    """Whether a parameter's name or the opening of its description names a text (a
    ``transcript``, "the text of …"): one that a computed text can fill, unlike a language
    or an instrument."""
    said = set(param.name.lower().split("_")) | set(words(param.description)[:6])
    return bool(said & KIND_NOUNS["Text"])


def literal(text: str) -> str:
    """A literal string as a plan writes it (a leading '$' or '@' is doubled)."""
    return text[0] + text if text[:1] in ("$", "@") else text


def _json_fields(path: Path) -> dict[str, Any]:
    """The top-level scalar fields of a small JSON object file; {} for anything else."""
    try:
        if path.stat().st_size > _JSON_FIELDS_MAX_BYTES:
            return {}
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, (str, int, float, bool))}


def json_value_ref(param: Param, step_id: str, card: ToolCard) -> str | None:
    """``$step.key`` when a Json-returning tool documents a key named like ``param``."""
    for key in json_keys(card.spec):
        if same_name(key, param.name):
            return f"${step_id}.{key}"
    return None
