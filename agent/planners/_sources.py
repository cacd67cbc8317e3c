"""Where a step's inputs come from: the user's files, earlier results, earlier steps' outputs.

A :class:`Source` is something an argument can take. Picking one for a parameter weighs
how well its description fits the parameter's, whether the clause names it ("the vocals",
"the photo", "that transcript"), and whether it is still unused; a user's video also
serves as audio and a JSON file as text. Results of earlier turns are read only when the
request names them or points back at the latest one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tools import Audio, Param, Text, accepts

from .._context import Earlier
from ._catalog import Catalog, is_artifact
from ._request import KIND_NOUNS, stem

if TYPE_CHECKING:
    from pathlib import Path

    from ._build import DraftStep

__all__ = ["NOUNS", "Source", "SourcePicking"]

_FILE_ALSO = {
    "Video": Audio,
    "Json": Text,
}  # what a user's file of a kind also serves as (its sound, its text)
NOUNS = {
    "Audio": "audio recording",
    "Image": "picture photo",
    "Video": "video",
    "Midi": "midi",
    "Text": "text",
}


@dataclass
class Source:
    """Something a step argument can take: a user file or an earlier step's output."""

    ref: str
    annotation: Any
    about: str
    step: str | None = None
    path: Path | None = None
    uses: int = 0
    earlier: Earlier | None = None  # a result of an earlier turn, read from its file

    def fits(self, want: Any) -> bool:
        """Whether this source may feed a parameter of type ``want``; a user's video also
        gives its sound, and a JSON file its text."""
        if accepts(want, self.annotation):
            return True
        also = _FILE_ALSO.get(getattr(self.annotation, "__name__", "")) if self.path is not None else None
        return also is not None and accepts(want, also)


class SourcePicking:
    """The part of :class:`~._build.Builder` that chooses sources for arguments."""

    def _named_where_made(self, source: Source) -> bool:
        """Whether the clause that made a multi-output result names this field ("isolate the vocals")."""
        field_name = source.ref.partition(".")[2]
        maker = next((s for s in self.steps if s.id == source.step), None)
        if not field_name or maker is None:
            return False
        said = {stem(w) for i in maker.scope for w in self.request.clauses[i].words}
        return stem(field_name) in said

    def _eligible(self, source: Source, scope: list[int], want: Any) -> bool:
        """An earlier turn's result may be read only when the clause names it ("the video") or
        points back at the latest result of the kind it wants ("make it happier")."""
        if source.earlier is None:
            return True
        if self._mentioned(source, scope):
            return True
        latest = next((s for s in reversed(self.sources) if s.earlier is not None and s.fits(want)), None)
        clauses = [self.request.clauses[i] for i in scope]
        # "put soft piano under it" as the plan's first step: "it" is the earlier result
        under_earlier = not self.steps and any(c.layered and c.has_pronoun for c in clauses)
        return source is latest and (under_earlier or any(c.refers_back for c in clauses))

    def _secondary(self, source: Source) -> bool:
        """Whether ``source`` is a further field of a step's result (the third of four stems)."""
        maker = next((s for s in self.steps if s.id == source.step), None)
        return maker is not None and len(maker.sources) > 1 and source is not maker.sources[0]

    def _follows_on(self, source: Source, step: DraftStep) -> bool:
        """Whether ``source`` is the previous step's output and the step's clause points back at it."""
        previous = self.steps[-1] if self.steps else None
        clause = self.request.clauses[step.scope[0]]
        return previous is not None and source.step == previous.id and clause.refers_back

    def _pick(
        self, param: Param, scope: list[int], want: Any = None, measures: bool = False
    ) -> Source | None:
        """The source that best fits ``param``; with ``measures`` (the step only analyses),
        the user's own files come before what the plan makes ("what key is it in")."""
        want = want or param.annotation
        best, best_score = None, float("-inf")
        layered = self.request.clauses[scope[0]].layered and self.steps
        for order, source in enumerate(self.sources):
            if (
                not is_artifact(source.annotation)
                or not source.fits(want)
                or not self._eligible(source, scope, want)
            ):
                continue
            if layered and source.step == self.steps[-1].id:
                continue  # what a layer goes under is mixed with it, not fed to it
            mentioned = self._mentioned(source, scope) or self._named_where_made(source)
            score = (
                self._fit(param, source.about)
                + 0.3 * (source.uses == 0)
                + 0.4 * mentioned
                - 0.3 * (source.uses > 0 and source.step is None and not mentioned)  # a file read already
                - 0.5 * (self._secondary(source) and not mentioned)  # a stem nobody asked for
                + 0.35 * (measures and source.path is not None and source.earlier is None and not source.uses)
                + 0.02 * order / max(len(self.sources), 1)
            )
            if score > best_score:
                best, best_score = source, score
        return best

    def _source(self, value: Any) -> Source | None:
        """The source an argument refers to; None for a literal."""
        return next((s for s in self.sources if s.ref == value), None)

    def _alike_files(self, read: Source, param: Param) -> list[Source]:
        """The user's other files of the kind of ``read`` (a file, not an earlier turn's
        result) that ``param`` could take instead: what "each" or "both" may mean."""
        return [
            other
            for other in self.sources
            if other is not read
            and other.path is not None
            and not other.earlier
            and other.annotation is read.annotation
            and other.fits(param.annotation)
        ]

    def _fit(self, param: Param, about: str) -> float:
        return self.catalog.similarity(f"{param.name.replace('_', ' ')}: {param.description}", about)

    def _mentioned(self, source: Source, scope: list[int]) -> bool:
        clauses = [self.request.clauses[i] for i in scope]
        if source.earlier is not None:  # "the video", "that transcript", "the music"
            said = {stem(w) for c in clauses for w in c.words}
            return bool(said & _earlier_words(source.earlier))
        if source.path is not None:
            if any(source.path in c.files for c in clauses):
                return True
            # "the text", "the photo": the only file of its kind, named by its kind
            alike = [
                s
                for s in self.sources
                if s.path is not None and s.earlier is None and s.annotation is source.annotation
            ]
            said = {stem(w) for c in clauses for w in c.words}
            nouns = {stem(w) for w in KIND_NOUNS.get(getattr(source.annotation, "__name__", ""), ())}
            return len(alike) == 1 and bool(said & nouns)
        said = {stem(w) for c in clauses for w in c.words}
        field_name = source.ref.partition(".")[2]
        if field_name and stem(field_name) in said:
            return True
        tool = source.ref[1:].partition(".")[0].rstrip("_0123456789")
        return bool({stem(w) for w in tool.split("_")} & said - {"music", "audio", "text"})


def _earlier_words(earlier: Earlier) -> set[str]:
    """Stems a request may use for an earlier result: its kind's nouns, its field, its tool's
    name — less the words that name another kind ("music" names no analysis of music)."""
    others = {w for kind, nouns in KIND_NOUNS.items() if kind != earlier.kind for w in nouns}
    said = (
        list(KIND_NOUNS.get(earlier.kind, ()))
        + [w for w in earlier.tool.split("_") if w not in others]
        + ([earlier.field] if earlier.field else [])
    )
    return {stem(w) for w in said} - {"to", "from"}


def about_earlier(earlier: Earlier, catalog: Catalog) -> str:
    card = catalog.by_name.get(earlier.tool)
    summary = card.spec.summary if card is not None else earlier.tool.replace("_", " ")
    return f"{earlier.field or ''} {summary}".strip()


def one_per_step(sources: list[Source]) -> list[Source]:
    """Each user file, but only the first fitting output of each step (its main one, not every stem)."""
    seen: set[str] = set()
    kept = []
    for source in sources:
        if source.step is None or source.step not in seen:
            kept.append(source)
            if source.step:
                seen.add(source.step)
    return kept
