"""A run as the chat sees it while it happens: events and previews meet in one queue.

The run is driven on a helper thread that only forwards the agent's events into a queue
(:func:`forward`); previews of finished steps are made on a second helper thread that
posts them to the same queue (:func:`preview`). The chat drains it (:func:`drain`).
"""

from __future__ import annotations

import logging
import queue
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from agent import Event, PlanError
from tools import TroupeError

from ._checklist import Checklist
from ._render import ArtifactRenderer

__all__ = ["END", "LiveRun", "Preview", "drain", "failure_text", "forward", "message", "preview"]

log = logging.getLogger(__name__)

END = object()  # the run is over: no more events will come


def message(text: str) -> dict[str, Any]:
    """An assistant message of the chat."""
    return {"role": "assistant", "content": text}


@dataclass
class LiveRun:
    """The chat's view of a run in progress.

    Previews (a piano roll, a MIDI rendering) take seconds, so one helper thread makes
    them in step order while the checklist keeps moving, each into a slot kept in the chat.
    """

    checklist: Checklist
    at: int  # where the checklist is in the history
    renderer: ArtifactRenderer
    inbox: queue.Queue[Any] = field(default_factory=queue.Queue)
    previews: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="troupe-web-preview")
    )
    n_pending: int = 0  # previews asked for and not back yet
    run_over: bool = False


def drain(inbox: queue.Queue[Any]) -> list[Any]:
    """Wait for one message, then take every other one already there."""
    batch = [inbox.get()]
    while not inbox.empty():
        batch.append(inbox.get_nowait())
    return batch


@dataclass(frozen=True)
class Preview:
    """The chat messages made for a finished step, to put in place of ``slot``."""

    slot: dict[str, Any]
    messages: list[dict[str, Any]]


def preview(renderer: ArtifactRenderer, event: Event, slot: dict[str, Any], inbox: queue.Queue[Any]) -> None:
    try:
        messages = renderer.messages(event.step_id, event.tool, event.output)
    except Exception as e:  # a preview that fails must not stall the chat
        log.exception("preview of step %s failed", event.step_id)
        messages = [message(f"**{event.step_id}** · {event.tool} — no preview ({type(e).__name__}: {e})")]
    inbox.put(Preview(slot, messages))


def forward(events: Iterator[Event], inbox: queue.Queue[Any]) -> None:
    """Put every event of ``events`` into ``inbox``, then an error if one ended it, then END."""
    try:
        for event in events:
            inbox.put(event)
    except BaseException as e:
        inbox.put(e)
    finally:
        inbox.put(END)


def failure_text(error: BaseException) -> str:
    if isinstance(error, PlanError):
        return f"The plan did not pass its checks, so nothing ran:\n\n```\n{error}\n```"
    if isinstance(error, TroupeError):
        return f"The run could not start: {error}"
    log.error("run failed", exc_info=error)
    return f"The run failed unexpectedly ({type(error).__name__}: {error}). Other requests still work."
