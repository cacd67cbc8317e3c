"""Steps a plan needs although the request does not name them.

A request names results, not always the tools: a talking face needs speech, so a quote is
spoken first; "hear my humming on a cello" needs its notes before they can be played;
"the vocal melody as MIDI" names the vocals that a separation gives; "music in the same
key as my riff" needs the riff measured. These are found from the tools' types and
documented outputs alone: the producer whose output fits a missing input and whose own
inputs are at hand, the tool whose output field the clause names, the tool whose output can
stand for an option the request wants matched. A step is repeated for quantities ("two
takes, one happy and one calm").
"""

from __future__ import annotations

import re
import typing
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Literal

from tools import Json, Param, Text, accepts, type_name
from tools._types import strip_optional

from ._catalog import STOP_WORDS, ToolCard, is_artifact, is_description, json_keys
from ._costs import IDENTICAL_COPY_COST, PRODUCER_COST, PRODUCER_CREDIT
from ._literals import listed_values
from ._quantities import Quantity
from ._request import FILE_NOUNS, stem, words

if TYPE_CHECKING:
    from ._build import DraftStep
    from ._sources import Source

__all__ = ["ImpliedSteps"]

_SAME_CONCEPT = 0.45  # MiniLM similarity of a word to an option or field name that counts as naming it
_NAMED_FIELD = 0.75  # …and of a word to an output field (only near-synonyms: "voice" is not the vocals)
_GLOSS = 0.6  # …and of a word an input's documentation uses to its name ("tune" for melody)
#: Words asking for an option to follow something else ("in the same key as", "whatever mood fits").
MATCH_WORDS = frozenset(
    "same match matching matches matched fit fits fitting suit suits suited suiting whatever according "
    "reflect reflects reflecting mirror mirrors mirroring based right appropriate appropriately suitable "
    "proper properly deserves deserve".split()
)
#: Words pointing at a value found by another step ("speak it with that mood", "its tempo").
POINTING_WORDS = frozenset("that those its their resulting detected measured estimated found".split())
_MATERIAL = FILE_NOUNS
#: Words for what is said or sung (a quote reads "these words"): the material, not a property of it.
_SPOKEN = frozenset("word words line lines sentence sentences lyrics".split())
_MATCH_OR_SPOKEN = MATCH_WORDS | _SPOKEN
_NO_CONCEPT = STOP_WORDS | MATCH_WORDS | _SPOKEN | _MATERIAL
_SUBJECTS = frozenset("i you he she it we they".split())
_NAMED_MAKER = 0.3  # how much naming a producing tool counts, against about 1 for its fit
_SIDE_OUTPUT = 0.3  # how much less a tool counts that makes the input only as a side file
_MATERIAL_STEMS = frozenset(stem(w) for w in [*_MATERIAL, "to", "text", "from"])
#: Words asking for one result per listed value ("… on piano and harp, to compare them").
_APART = frozenset(
    "each both separate separately compare comparing comparison versions variants respectively apart "
    "per individually".split()
)
_MAX_LISTED = 8
_NEGATIONS = frozenset("ignore ignoring without no not minus except remove removing strip stripping".split())


class ImpliedSteps:
    """The part of :class:`~._build.Builder` that inserts and repeats steps."""

    def _produce(
        self,
        param: Param,
        consumer: DraftStep,
        depth: int,
        described: bool = False,
        min_relevance: float = -1.0,
        scope: list[int] | None = None,
        from_files: bool = False,
    ) -> Source | None:
        """Insert the step that best makes what ``param`` needs; its output, or None.

        Only producers the request backs are inserted: one that says a quote, or turns an
        earlier result or a file the user gave that nothing reads yet ("hear my humming on a
        cello": its notes first). A tool that only measures gets no made-up input (analysing
        a piece the plan composed answers no question): its producer must read the user's
        own file or words. With ``described``, the clause describes the thing to make ("with
        a romantic piano piece"), and a tool that makes it from a description alone may serve;
        ``scope`` names the clauses that describe it when they are not the consumer's. With
        ``from_files``, only a producer that turns a file the user gave and nothing reads yet.
        """
        scope = scope or consumer.scope
        makers = self.catalog.makers(param.annotation)
        if depth >= 2 or (described and not consumer.card.makes_media) or not makers:
            return None
        sims = self.catalog.scores(self.scope_text(scope, masked=True))
        said = {stem(w) for i in scope for w in self.request.clauses[i].words}
        best, best_score = None, float("-inf")
        for i in makers:
            card = self.catalog.cards[i]
            if card is consumer.card or sims[i] < min_relevance:
                continue
            if from_files and not self._turns_unused_file(card, scope):
                continue
            if described:
                feasible = not any(p.required for p in card.artifact_params) and any(
                    is_description(p) for p in card.content_params
                )
                bonus = 0.0
            else:
                feasible, bonus, own = self._feasible(card, scope)
                if not consumer.card.makes_media and not own:
                    continue  # a measurement reads what the user gave, not what the plan made up
            if not feasible or (bonus <= 0 and not described):
                continue  # a producer needs backing: a quote to say, a result or a file to turn
            # a maker the clause names ("have the portrait *sing* it") is the one meant
            named = bool({stem(w) for w in card.name.split("_")} - _MATERIAL_STEMS & said)
            score = (
                0.5 * sims[i]
                + 0.5 * self._fit(param, card.spec.summary)
                + bonus
                + _NAMED_MAKER * named
                - _SIDE_OUTPUT * _made_on_the_side(card, param)
            )
            if score > best_score:
                best, best_score, relevance = card, score, float(sims[i])
        if best is None:
            return None
        # It counts for what the clause says about it ("a synthesized voice saying …").
        self.cost += PRODUCER_COST - PRODUCER_CREDIT * relevance
        made = self.add(best, scope, depth + 1)
        if made is None:
            return None
        made.why = f"{consumer.card.name} needs {param.name} ({type_name(param.annotation)}), made from {_inputs(made)}"
        fits = [s for s in made.sources if is_artifact(s.annotation) and s.fits(param.annotation)]
        return max(fits, key=lambda s: self._fit(param, s.about)) if fits else None

    def _feasible(self, card: ToolCard, scope: list[int]) -> tuple[bool, float, bool]:
        """Whether ``card`` could run now without further producers, how much it would tidy up
        (results, files and quotes it would use that nothing uses yet), and whether it reads
        something the user gave (a file or a quote)."""
        bonus, own = 0.0, False
        for param in card.spec.params.values():
            if param.artifact_types and param.required:
                source = self._pick(param, scope)
                if source is None:
                    return False, 0.0, False
                bonus += 0.3 if source.uses == 0 else 0.0
                own = own or source.path is not None
            elif param in card.content_params and param.required:
                quotes = self.scope_quotes(scope) or self.request.quotes
                text = self._pick(param, scope, Text)
                if quotes:
                    bonus += 0.1 * any(q not in self.used_quotes for q in quotes)
                    own = True
                elif text is not None:
                    bonus += 0.3 if text.uses == 0 else 0.0
                    own = own or text.path is not None
                elif text is None and not is_description(param):
                    return False, 0.0, False
        return True, bonus, own

    def _turns_unused_file(self, card: ToolCard, scope: list[int]) -> bool:
        """Whether ``card`` would read a file the user gave that no step reads yet."""
        sources = [self._pick(p, scope) for p in card.artifact_params if p.required]
        return any(s is not None and s.path is not None and s.earlier is None and not s.uses for s in sources)

    def _bridgeable(self, param: Param, scope: list[int]) -> bool:
        """Whether the clause names an unused earlier result that one tool could turn into what
        ``param`` wants ("read the transcript" when a voice is wanted)."""
        results = [
            s
            for s in self.sources
            if s.step and s.uses == 0 and is_artifact(s.annotation) and self._mentioned(s, scope)
        ]
        for card in self.catalog.cards:
            if not any(o.kind is not None and accepts(param.annotation, o.kind) for o in card.outputs):
                continue
            for p in card.spec.params.values():
                if p.required and any(s.fits(p.annotation) for s in results):
                    return True
        return False

    # -- a field the clause names ------------------------------------------------------
    def _named_output(self, param: Param, step: DraftStep, depth: int) -> Source | None:
        """The output of another tool that the clause names and that fits ``param`` ("the
        vocal melody as MIDI": the vocals of a separation), inserted as a step; None when the
        clause names no such field or a step of that tool is there already. An output the tool
        gives only sometimes (``Audio | None``: a stem only some models split out) is no reason
        to insert it: "my guitar riff" names no guitar stem to separate."""
        if depth >= 2:
            return None
        said = self._content_words(step.scope)
        if not said:
            return None
        for card in self.catalog.cards:
            if card is step.card or len(card.outputs) < 2 or any(s.card is card for s in self.steps):
                continue
            for output in card.outputs:
                if (
                    output.field is None
                    or output.kind is None
                    or output.annotation is not strip_optional(output.annotation)
                    or not accepts(param.annotation, output.kind)
                ):
                    continue
                if not self._says(said, output.field, _NAMED_FIELD):
                    continue
                feasible, _, own = self._feasible(card, step.scope)
                if not (feasible and own):
                    continue
                self.cost += PRODUCER_COST
                made = self.add(card, step.scope, depth + 1)
                if made is None:
                    return None
                made.why = f"the request names its {output.field}, which {step.card.name} reads"
                return next((s for s in made.sources if s.ref.endswith(f".{output.field}")), None)
        return None

    # -- an option the request wants matched -------------------------------------------
    def _matched_value(self, param: Param, step: DraftStep, depth: int) -> str | None:
        """A reference that gives ``param`` the value of something the request points at ("in
        the same key as my riff", "whatever mood fits"): an earlier step's value, else a new
        step of a tool whose output can stand for it, reading what the step reads or a file
        the clause names."""
        said = self._content_words(step.scope)
        if not (set(said) & MATCH_WORDS):
            return None
        # what should match: not the words for the material itself ("new music in the same key"),
        # unless a pronoun makes one a verb ("match how I sound"), nor an input of the step
        # ("sing it to the same melody": the tune itself, not its mood)
        raw = [w for i in step.scope for w in self.request.clauses[i].words]
        verbs = {w for before, w in pairwise(raw) if before in _SUBJECTS}
        inputs = {stem(p.name) for p in step.card.artifact_params}
        concepts = [
            w
            for w in said
            if w not in _MATCH_OR_SPOKEN and (w not in _MATERIAL or w in verbs) and stem(w) not in inputs
        ]
        candidates = [c for c in self._standers(param) if c[1] is not step.card]
        # the option is named by its own name or by what stands for it ("the same mood": an
        # emotion, which a voice's label gives as well)
        named = (
            self._says(concepts, param.name, _SAME_CONCEPT)
            or _glossed(param, concepts)
            or any(f and self._says(concepts, f, _SAME_CONCEPT) for f in {f for _, _, f in candidates})
        )
        if not named:
            return None
        # what the plan measures already, else the best fit that can read what is at hand (a
        # voice's emotion needs a recording: "whatever tone fits what it says" of a text is the
        # text's sentiment)
        ranked = sorted(candidates, key=lambda c: -c[0])
        for _, card, field_name in ranked:
            earlier = next((s for s in self.steps if s.card is card), None)
            if earlier is not None:
                return f"${earlier.id}.{field_name}" if field_name else f"${earlier.id}"
        for _, card, field_name in ranked if depth < 2 else []:
            feasible, _, own = self._feasible(card, step.scope)
            if not (feasible and own):
                continue
            self.cost += PRODUCER_COST
            made = self.add(card, step.scope, depth + 1)
            if made is None:
                continue
            made.why = f"{step.card.name}'s {param.name} should match {_inputs(made)}"
            return f"${made.id}.{field_name}" if field_name else f"${made.id}"
        return None

    def _standers(self, param: Param) -> list[tuple[float, ToolCard, str | None]]:
        """(fit, tool, output field) for every output in the catalog that can give ``param``
        its value; memoised on the catalog (a plan asks for each option it fills)."""
        memo = self.catalog.standers
        if id(param) not in memo:  # the param is kept so its id stays unique
            found = [(fit, card, f) for card in self.catalog.cards for f, fit in standing_for(param, card)]
            memo[id(param)] = (param, found)
        return memo[id(param)][1]

    def read_named_files(self) -> None:
        """A file the request names that no step reads ("have *the portrait* sing 'la la la'")
        is read by the tool that takes it together with what the plan made last: the plan's
        result goes through that tool. Only a tool whose other required inputs are none,
        the likeliest for the request's words among those that fit."""
        if not self.steps or self.steps[-1].main is None:
            return
        everywhere = list(range(len(self.request.clauses)))
        last = self.steps[-1]
        for source in self.sources:
            if source.path is None or source.earlier is not None or source.uses:
                continue
            if not self._mentioned(source, everywhere):
                continue
            made = last.main.annotation
            sims = self.catalog.scores(self.request.masked)
            fitting = [
                i
                for i, card in enumerate(self.catalog.cards)
                if card is not last.card and _takes_exactly(card, source.annotation, made)
            ]
            if not fitting:
                continue
            card = self.catalog.cards[max(fitting, key=lambda i: sims[i])]
            step = self.add(card, last.scope)
            if step is None:
                continue
            for param in card.artifact_params:  # what the plan made last, not an earlier part of it
                if (
                    param.required
                    and step.args.get(param.name) != source.ref
                    and accepts(param.annotation, made)
                ):
                    step.args[param.name] = last.main.ref
            step.why = f"{source.ref} is named in the request: {card.name} reads it with {last.id}'s result"
            last = step

    def wire_matches(self) -> None:
        """Options the request wants to follow another step's result ("… and have the avatar's
        body language match that mood too", "speak it with that mood"): wired once every step
        exists, to a step that does not read the one it would feed, when a word of the request
        names the option or the result."""
        said = [w for c in self.request.clauses for w in c.words]
        if not set(said) & (MATCH_WORDS | POINTING_WORDS):
            return
        concepts = [w for w in said if w not in _NO_CONCEPT]
        for step in self.steps:
            for param in step.card.plain_params:
                if param.name in step.args:
                    continue
                for other in self.steps:
                    if other is step or step.id in self.upstream(other):
                        continue
                    found = sorted(
                        (fit, f) for f, fit in standing_for(param, other.card)
                        if self._says(concepts, param.name, _SAME_CONCEPT) or self._says(concepts, f, _SAME_CONCEPT)
                        or _glossed(param, concepts)
                    )  # fmt: skip
                    if found:
                        step.args[param.name] = f"${other.id}.{found[-1][1]}"
                        break
        self.order()

    def upstream(self, step: DraftStep) -> set[str]:
        """Ids of the steps ``step`` waits for, directly or through others."""
        by_id = {s.id: s for s in self.steps}
        seen: set[str] = set()
        todo = [step]
        while todo:
            for ref in references(todo.pop()):
                if ref in by_id and ref not in seen:
                    seen.add(ref)
                    todo.append(by_id[ref])
        return seen

    def order(self) -> None:
        """Every step after the steps it reads, otherwise in the order they were made."""
        pending = list(self.steps)
        self.steps.clear()
        while pending:
            waiting = {s.id for s in pending}
            ready = next((s for s in pending if not references(s) & waiting), pending[0])
            pending.remove(ready)
            self.steps.append(ready)

    # -- quantities --------------------------------------------------------------------
    def repeat(self, step: DraftStep, quantity: Quantity) -> None:
        """Make ``quantity.count`` copies of ``step`` in all: each with the options its variant
        names ("one happy, one calm"), or another seed; the steps that read the step's
        result are repeated with each copy ("two beds under my voice, mixed separately").
        Without a count, values listed for one option with a word that asks for one result
        per value ("on piano, trumpet and violin so they can compare") are the variants."""
        if quantity.count < 2:
            quantity = self._listed(step)
        if quantity.count < 2:
            return
        if not quantity.variants and _most_files_in_one_input(step) >= quantity.count:
            return  # "our podcast on two mics, glue them into one file": the count is of what it reads
        readers = [s for s in self.steps if any(_reads(v, step.id) for v in s.args.values())]
        makers = [s for s in self.steps if s.producer and s.id in references(step)]
        plain = frozenset(p.name for p in step.card.plain_params)
        seed = next(
            (p for p in step.card.plain_params if p.name == "seed" and strip_optional(p.annotation) is int),
            None,
        )
        spare = self._spare_files(step)
        copies = []
        for k in range(quantity.count):
            copy = step if k == 0 else self._clone(step)
            copies.append(copy)
            copy.why = (
                (step.why + "; " if k == 0 and step.why else "")
                + f"result {k + 1} of {quantity.count}"
                + (f" ({quantity.variants[k]})" if quantity.variants else "")
            )
            if quantity.variants:
                copy.args.update(self.catalog.literals(step.card, plain, quantity.variants[k], fuzzy=True))
                for maker in makers:  # "one happy, one sad" changes the voice the face speaks too
                    self._vary(maker, copy, quantity.variants[k], first=k == 0)
            elif k and spare:  # "transcripts of both": each copy reads another of the user's files
                name, source = spare.pop(0)
                copy.args[name] = source.ref
                source.uses += 1
            elif seed is not None and k:
                copy.args[seed.name] = int(step.args.get(seed.name) or 0) + k
            if k:
                for reader in readers:
                    twin = self._clone(reader)
                    twin.why = f"{reader.why or reader.card.name}, for result {k + 1}"
                    twin.args = {n: _rewired(v, step.id, copy.id) for n, v in reader.args.items()}
        if quantity.variants and all(_same_args(c, copies[0]) for c in copies[1:]):
            # "one piano and one harp rendition" read as two identical steps: the variants name
            # options of another tool, so the reading that takes them should win
            self.cost += IDENTICAL_COPY_COST * (len(copies) - 1)

    def _spare_files(self, step: DraftStep) -> list[tuple[str, Source]]:
        """(parameter, file) for each user file no step reads yet that could take the place
        of the one ``step`` reads: the files a count over them means ("transcripts of both")."""
        spare = []
        for name, value in step.args.items():
            read = self._source(value)
            if read is None or read.path is None:
                continue
            spare += [
                (name, other)
                for other in self._alike_files(read, step.card.spec.params[name])
                if not other.uses
            ]
        return spare

    def _listed(self, step: DraftStep) -> Quantity:
        """One copy per value the step's words list for one of its options, when they ask for
        the values apart ("each", "compare", "versions", "A/B"); else one."""
        text = self.scope_text(step.scope, masked=True)
        if not (set(words(text)) & _APART or "a/b" in text.lower()):
            return Quantity()
        for param in step.card.plain_params:
            values = listed_values(param, text)[:_MAX_LISTED]
            if len(values) >= 2:
                return Quantity(len(values), values)
        return Quantity()

    def _vary(self, maker: DraftStep, copy: DraftStep, variant: str, first: bool) -> None:
        """Give the input ``maker`` makes for ``copy`` the options ``variant`` names: the maker
        itself for the first copy, a copy of it for the others (when the variant names any)."""
        options = self.catalog.literals(
            maker.card, frozenset(p.name for p in maker.card.plain_params), variant, True
        )
        if not options:
            return
        if first:
            maker.args.update(options)
            return
        twin = self._clone(maker)
        twin.args.update(options)
        twin.why = f"{maker.why or maker.card.name}, for {variant}"
        copy.args = {n: _rewired(v, maker.id, twin.id) for n, v in copy.args.items()}

    def _clone(self, step: DraftStep) -> DraftStep:
        from ._build import DraftStep

        copy = DraftStep(
            self._new_id(step.card.name), step.card, step.scope, dict(step.args), producer=step.producer
        )
        self._register(copy)
        return copy

    # -- words -------------------------------------------------------------------------
    def _names_input(self, param: Param, scope: list[int]) -> bool:
        """Whether the clauses name an input by its parameter, or by a word of its documentation
        that means much the same ("to the tune I hummed" names ``melody``, documented as "a
        MIDI file whose top voice is the tune")."""
        said = self._content_words(scope)
        if self._says(said, param.name, _NAMED_FIELD):
            return True
        documented = {w for w in words(param.description) if w not in STOP_WORDS and w not in _MATERIAL}
        glosses = documented & set(said)
        if not glosses:
            return False
        close = self.catalog.similarities(sorted(glosses), [param.name.replace("_", " ")])[:, 0]
        return bool((close >= _GLOSS).any())

    def _content_words(self, scope: list[int]) -> list[str]:
        return [
            w for i in scope for w in self.request.clauses[i].words if w not in STOP_WORDS and not w.isdigit()
        ]

    def _says(self, said: list[str], name: str, threshold: float) -> bool:
        """Whether a word of ``said`` names ``name`` (same stem, or close in meaning), not negated."""
        target = name.replace("_", " ")
        hits = [i for i, w in enumerate(said) if stem(w) == stem(target)]
        if not hits:
            sims = self.catalog.similarities(said, [target])[:, 0]
            hits = [i for i in range(len(said)) if sims[i] >= threshold]
        return any(not (set(said[max(0, i - 2) : i]) & _NEGATIONS) for i in hits)


def _same_args(a: DraftStep, b: DraftStep) -> bool:
    """Whether two copies of a step do the same (their inputs, once renamed, and options)."""
    return {n: _rewired(v, b.id, a.id) for n, v in b.args.items()} == a.args and a.card is b.card


def _takes_exactly(card: ToolCard, given: Any, made: Any) -> bool:
    """Whether ``card``'s required inputs are one of the ``given`` file's kind and one that
    takes ``made``, and nothing else it could not fill."""
    required = [p for p in card.artifact_params if p.required]
    if len(required) != 2 or any(p.required for p in card.content_params):
        return False
    a, b = required
    return (accepts(a.annotation, given) and accepts(b.annotation, made)) or (
        accepts(b.annotation, given) and accepts(a.annotation, made)
    )


def _inputs(step: DraftStep) -> str:
    """The inputs a step reads, for explanations ("@memo.wav", "the quote")."""
    said = []
    for value in step.args.values():
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, str) and v[:1] in "@$" and v[:2] not in ("@@", "$$"):
                said.append(v)
    return ", ".join(said) or "the quoted words"


def standing_for(param: Param, card: ToolCard) -> list[tuple[str | None, float]]:
    """The outputs of ``card`` that can give ``param`` its value, with how well they fit:
    a field whose choices overlap the parameter's, or one named like it (a documented key
    of a Json result included). Memoised on the card: plans are built hundreds of times."""
    key = (param.name, id(param))
    if key not in card.standing:
        card.standing[key] = (param, _standing_for(param, card))  # the param is kept so its id stays unique
    return card.standing[key][1]


def _standing_for(param: Param, card: ToolCard) -> list[tuple[str | None, float]]:
    found = []
    choices = set(param.choices)
    for output in card.outputs:
        ann = strip_optional(output.annotation)
        if output.field and choices and typing.get_origin(ann) is Literal:
            overlap = choices & set(typing.get_args(ann))
            if overlap:
                found.append((output.field, len(overlap) / len(choices | set(typing.get_args(ann)))))
        elif output.field and same_name(output.field, param.name) and accepts(param.annotation, ann):
            found.append((output.field, 0.9))
    if card.spec.returns is Json:
        found += [(key, 0.8) for key in json_keys(card.spec) if same_name(key, param.name)]
    return found


def _glossed(param: Param, said: list[str]) -> bool:
    """Whether a word of ``said`` is a word of the short gloss that opens the parameter's
    description ("emotion: *facial expression*: neutral, happy …" is named by "expression")."""
    head = re.split(r"[:;,(]", param.description, maxsplit=1)[0]
    gloss = words(head)
    if not gloss or len(gloss) > 3 or len(head) == len(param.description):
        return False  # a sentence, not a gloss
    return bool({stem(w) for w in gloss if w not in STOP_WORDS} & {stem(w) for w in said})


def _made_on_the_side(card: ToolCard, param: Param) -> bool:
    """Whether ``card`` makes what ``param`` takes only as a further field of its result (a
    face animation's curves as CSV text), not as its first."""
    first = next((o for o in card.outputs if o.kind is not None), None)
    return first is None or not accepts(param.annotation, first.kind)


def same_name(a: str, b: str) -> bool:
    a, b = a.lower(), b.lower()
    return a == b or a.startswith(b + "_") or b.startswith(a + "_")


def argument_refs(step: DraftStep, mark: str) -> set[str]:
    """The step's arguments (a list's items too) that refer with ``mark``: ``$`` for an
    earlier step's output, ``@`` for a file; a doubled mark is a literal."""
    values = [v for value in step.args.values() for v in (value if isinstance(value, list) else [value])]
    return {v for v in values if isinstance(v, str) and v.startswith(mark) and not v.startswith(mark * 2)}


def _most_files_in_one_input(step: DraftStep) -> int:
    """How many of the user's files the step's busiest input reads (a list's items each count)."""
    counts = [
        sum(isinstance(v, str) and v.startswith("@") and not v.startswith("@@") for v in items)
        for value in step.args.values()
        for items in [value if isinstance(value, list) else [value]]
    ]
    return max(counts, default=0)


def references(step: DraftStep) -> set[str]:
    """Ids of the steps ``step`` waits for: those whose outputs its arguments name, and
    those the request makes it wait for."""
    return set(step.after) | {ref[1:].partition(".")[0] for ref in argument_refs(step, "$")}


def _reads(value: Any, step_id: str) -> bool:
    if isinstance(value, str):
        return value == f"${step_id}" or value.startswith(f"${step_id}.")
    if isinstance(value, list):
        return any(_reads(v, step_id) for v in value)
    return False


def _rewired(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str) and _reads(value, old):
        return f"${new}" + value[len(old) + 1 :]
    if isinstance(value, list):
        return [_rewired(v, old, new) for v in value]
    return value
