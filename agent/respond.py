"""Responders write the short reply that closes a run."""

from __future__ import annotations

import re
from string import Template
from typing import Any, Protocol

from pydantic import BaseModel

import prompts
from tools import Artifact, Json, Registry, Text, ToolSpec, iter_artifacts
from tools._types import artifact_types

from ._plan import Plan
from ._result import RunResult

__all__ = ["LLMResponder", "Responder", "TemplateResponder", "describe_plan", "next_steps", "question"]


class Responder(Protocol):
    """Writes the reply for a finished run."""

    def reply(self, result: RunResult) -> str: ...


class TemplateResponder:
    """Fills the templates in ``prompts/reply.txt``; needs no model and no network."""

    def __init__(self, template_file: str = "reply.txt"):
        self.templates = _parse(prompts.load(template_file))

    def reply(self, result: RunResult) -> str:
        planner_reply = result.plan.reply or ""
        if not result.steps:
            return planner_reply or "There was nothing to do."
        done = [s for s in result.steps if s.ok]
        outputs = []
        for step in done:
            files = ", ".join(a.path.name for a in iter_artifacts(step.output))
            notes = [step.tool] if step.tool != step.id else []
            notes += ["from cache"] if step.status == "cached" else []
            label = f"{step.id} ({', '.join(notes)})" if notes else step.id
            outputs.append(label + (f" → {files}" if files else ""))
        failed = [s for s in result.steps if s.status == "failed"]
        failures = " ".join(f"{s.id} failed: {s.error}." for s in failed)
        skipped = [s.id for s in result.steps if s.status == "skipped"]
        if skipped:
            failures += f" Not run because of that: {', '.join(skipped)}."
        fields = {
            "summary": "; ".join(outputs) if outputs else "no step finished",
            "failures": failures.strip(),
            "run_dir": str(result.run_dir),
            "planner_reply": planner_reply,
            "n_done": str(len(done)),
            "n_steps": str(len(result.steps)),
        }
        name = "cancelled" if result.cancelled else "done" if done else "all_failed"
        text = " ".join(Template(self.templates[name]).safe_substitute(fields).split())
        offers = result.extra.get("next_steps") or []
        if offers and name == "done":
            steps = "; ".join(f'"{offer}"' for offer in offers)
            # on a line of its own: the sentence before ends with a path, without a full stop
            text += "\n" + Template(self.templates["next"]).safe_substitute(steps=steps)
        return f"{planner_reply} {text}".strip() if planner_reply and name == "done" else text


def question(plan: Plan) -> Plan:
    """An empty plan whose reply asks which reading of the request was meant: ``plan`` and
    its alternatives, kept as the question's alternatives so a person can pick one."""
    readings = [plan.model_copy(update={"alternatives": []}), *plan.alternatives]
    options = "; or ".join(f"({i}) {describe_plan(p)}" for i, p in enumerate(readings, 1))
    template = _parse(prompts.load("reply.txt"))["ask"]
    text = " ".join(Template(template).safe_substitute(options=options).split())
    return Plan(reply=text, confidence=plan.confidence, alternatives=readings)


#: Words that point at something a request is about ("this speech", "my voice").
_POINTERS = ("this", "that", "these", "my", "the")
#: Nouns that follow a kind's word to name one item of it ("voice line", "audio clip").
_ITEM_NOUNS = ("line", "lines", "clip", "clips", "file", "files", "track", "recording", "take", "memo")


def next_steps(result: RunResult, registry: Registry, limit: int = 3) -> list[str]:
    """The ``limit`` most useful follow-up requests for what ``result`` made.

    Drawn from the tools' typed specs alone: a tool is offered when a parameter of it takes
    a kind of file the run made. The best come first: those that take the run's end
    products (not what its own steps used up), whose parameter is described in the words
    of the tool that made the file ("the speech to lip-sync" for what ``text_to_speech``
    made), that make a media file (not only a measurement), a kind the run has not made
    yet, and that need no other file; ties keep the registry's order. Tools the run used
    are not offered again. Each is phrased as the tool's own example that speaks of such a
    file, the file named by "it" ("put soft piano under it").
    """
    used = {outcome.tool for outcome in result.steps}
    consumed = {dep for step in result.plan.steps for dep in step.inputs_from()}
    made: list[tuple[Artifact, ToolSpec | None, bool]] = []
    for outcome in result.steps:
        if outcome.ok:
            maker = registry.get(outcome.tool) if outcome.tool in registry else None
            made += [(a, maker, outcome.id not in consumed) for a in iter_artifacts(outcome.output)]
    kinds_made = {type(a) for a, _, _ in made}
    ranked = []
    for order, spec in enumerate(registry):
        if spec.name in used:
            continue
        best = None
        for artifact, maker, end_product in made:
            for param in spec.params.values():
                if not any(isinstance(artifact, t) for t in param.artifact_types):
                    continue
                maker_words = _words(f"{maker.name} {' '.join(maker.tags)}") if maker else set()
                fits = bool(_words(param.description) & maker_words)
                score = (end_product, fits, *_makes(spec, kinds_made), _needs_nothing_more(spec, kinds_made))
                if best is None or score > best[0]:
                    best = (score, maker_words)
        if best is not None and spec.examples:
            ranked.append((best[0], -order, _phrase(spec.examples, best[1])))
    ranked.sort(reverse=True)
    return list(dict.fromkeys(text for *_, text in ranked))[:limit]


def _makes(spec: ToolSpec, kinds_made: set[type]) -> tuple[bool, bool]:
    """Whether ``spec`` makes a media file (not only a measurement), and a kind not made yet."""
    returns = spec.returns
    kinds = set(artifact_types(returns))
    if isinstance(returns, type) and issubclass(returns, BaseModel) and not issubclass(returns, Artifact):
        kinds |= {t for f in returns.model_fields.values() for t in artifact_types(f.annotation)}
    media = {k for k in kinds if not issubclass(k, (Json, Text))}
    return bool(media), bool(media - kinds_made)


def _needs_nothing_more(spec: ToolSpec, kinds_made: set[type]) -> bool:
    """Whether every file ``spec`` requires is of a kind the run made."""
    return all(
        any(issubclass(k, t) for k in kinds_made for t in p.artifact_types)
        for p in spec.params.values()
        if p.required and p.artifact_types
    )


def _phrase(examples: tuple[str, ...], maker_words: set[str]) -> str:
    """The example that speaks of the maker's kind of file, that file called "it"."""

    def points(example: str) -> tuple[bool, bool]:
        said = set(re.findall(r"[a-z]+", example.lower()))
        return bool(_words(example) & maker_words), bool(said & set(_POINTERS))

    example = max(examples, key=points)  # max keeps the first of equals
    for word in sorted(maker_words):
        # "this voice line" is one thing: "it", not "it line"
        pattern = (
            rf"\b(?:{'|'.join(_POINTERS)})\s+{re.escape(word)}s?\b(?:\s+(?:{'|'.join(_ITEM_NOUNS)})\b)?"
            r"(?:\s+(?:i|we|you)\s+(?:just\s+)?(?:made|wrote|sang|recorded|generated|\w+ed)\b)?"  # "the music I made"
        )
        example, n = re.subn(pattern, "it", example, count=1, flags=re.IGNORECASE)
        if n:
            break
    return example


def _words(text: str) -> set[str]:
    return {w.rstrip("s") for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 2}


def describe_plan(plan: Plan) -> str:
    """A plan in a few words: its tools in order ("text to speech, then talking face")."""
    return ", then ".join(step.tool.replace("_", " ") for step in plan.steps) or "nothing"


class LLMResponder:
    """Asks a chat model to put the run's outcome in a few plain sentences.

    The model sees the request, each step's status and output files, and the template's
    reply; when it fails or times out, the template's reply is used as it is.

    Args:
        llm: ``"openai"`` for an OpenAI-compatible endpoint (``TROUPE_LLM_BASE_URL``,
            ``TROUPE_LLM_MODEL``, ``OPENAI_API_KEY``), or a LangChain chat model.
        max_tokens: cap on the reply's length, > 0 (always sent).
        timeout_s: seconds to wait for the model, > 0.
        fallback: the responder used when the model fails (the template by default).
        **openai_options: ``model``, ``base_url``, ``api_key`` or ``client`` for ``"openai"``.
    """

    def __init__(
        self,
        llm: Any = "openai",
        *,
        max_tokens: int = 200,
        timeout_s: float = 20.0,
        fallback: Responder | None = None,
        **openai_options: Any,
    ):
        if max_tokens <= 0 or timeout_s <= 0:
            raise ValueError(f"max_tokens ({max_tokens}) and timeout_s ({timeout_s}) must be > 0")
        self.fallback = fallback or TemplateResponder()
        if llm == "openai":
            from .planners.openai import OpenAIPlanner

            planner = OpenAIPlanner(max_tokens=max_tokens, timeout_s=timeout_s, mode="text", **openai_options)
            self._complete = planner.complete
        elif callable(getattr(llm, "invoke", None)):
            from .planners.langchain import LangChainPlanner

            self._complete = LangChainPlanner(llm).complete
        else:
            raise TypeError(f"llm must be 'openai' or a LangChain chat model, not {type(llm).__name__}")

    def reply(self, result: RunResult) -> str:
        """The model's summary of ``result``, or the fallback's when the model fails."""
        from .errors import PlanningError

        draft = self.fallback.reply(result)
        messages = [
            {"role": "system", "content": prompts.load("respond_system.txt")},
            {"role": "user", "content": _facts(result, draft)},
        ]
        try:
            return " ".join(self._complete(messages).split()) or draft
        except PlanningError:
            return draft


def _facts(result: RunResult, draft: str) -> str:
    lines = [f"Request: {result.request or '(a saved plan)'}", f"Results folder: {result.run_dir}"]
    for step in result.steps:
        files = ", ".join(str(a.path) for a in iter_artifacts(step.output)) if step.ok else ""
        lines.append(f"- {step.id} ({step.tool}): {step.status}" + (f", files: {files}" if files else "")
                     + (f", error: {step.error}" if step.error else ""))  # fmt: skip
    if result.plan.reply:
        lines.append(f"Planner's note: {result.plan.reply}")
    lines.append(f"Plain summary: {draft}")
    return "\n".join(lines)


def _parse(text: str) -> dict[str, str]:
    templates = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, body = line.partition("=")
            templates[name.strip()] = body.strip()
    return templates
