"""Responders write the short reply that closes a run."""

from __future__ import annotations

from string import Template
from typing import Any, Protocol

import prompts
from tools import iter_artifacts

from ._plan import Plan
from ._result import RunResult

__all__ = ["LLMResponder", "Responder", "TemplateResponder", "describe_plan", "question"]


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
        return f"{planner_reply} {text}".strip() if planner_reply and name == "done" else text


def question(plan: Plan) -> Plan:
    """An empty plan whose reply asks which reading of the request was meant: ``plan`` and
    its alternatives, kept as the question's alternatives so a person can pick one."""
    readings = [plan.model_copy(update={"alternatives": []}), *plan.alternatives]
    options = "; or ".join(f"({i}) {describe_plan(p)}" for i, p in enumerate(readings, 1))
    template = _parse(prompts.load("reply.txt"))["ask"]
    text = " ".join(Template(template).safe_substitute(options=options).split())
    return Plan(reply=text, confidence=plan.confidence, alternatives=readings)


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
