"""Under the chat: the review switch, the plan editor, re-running a step, suggested next steps.

The editor is drawn from the session's :class:`~web._review.Draft` with ``gr.render``: one
input per argument (a dropdown for a ``Literal`` and for files and earlier outputs, a text
box for the rest). Each edit is checked at once; the problem shows under the table in one
line and Run stays disabled until it is fixed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gradio as gr

from agent import Agent
from tools import TroupeError

from ._review import Draft, Field
from ._session import Session

__all__ = ["Panel", "N_SUGGESTIONS"]

#: How many suggested next steps are shown as buttons.
N_SUGGESTIONS = 3


class Panel:
    """The components under the chat and what they do; build it inside the app's Blocks.

    Args:
        agent: whose tools the plans use.
        new_session: makes a session for a browser that has none yet.
        session_state: the app's per-session state.
    """

    def __init__(
        self, agent: Agent, new_session: Callable[[Session | None], Session], session_state: gr.State
    ):
        self.agent, self.new_session, self.session_state = agent, new_session, session_state
        with gr.Row(equal_height=True):
            self.switch = gr.Checkbox(
                label="Review the plan before running", value=False, elem_id="troupe-review-switch"
            )
            self.rerun_pick = gr.Dropdown(
                label="Re-run a step of the last run",
                choices=[],
                value=None,
                visible=False,
                interactive=True,
                elem_id="troupe-rerun-pick",
            )
        with gr.Row():
            self.suggestions = [
                gr.Button(visible=False, size="sm", elem_classes=["troupe-next"])
                for _ in range(N_SUGGESTIONS)
            ]
        self.version = gr.State(0)
        with gr.Group(visible=False, elem_id="troupe-review") as self.box:
            self.heading = gr.Markdown()
            gr.render(inputs=[self.version, session_state], triggers=[self.version.change])(self._editor)
            self.note = gr.Markdown(elem_id="troupe-plan-note")
            with gr.Row():
                self.run = gr.Button("Run", variant="primary", interactive=False, elem_id="troupe-run")
                self.discard = gr.Button("Discard", elem_id="troupe-discard")

    @property
    def outputs(self) -> list[Any]:
        """What :meth:`show` updates."""
        return [self.version, self.box, self.heading, self.note, self.run, self.rerun_pick, *self.suggestions]

    def wire(self) -> None:
        """Connect the switch, the step picker and Discard (the app wires Run and the suggestions)."""
        state = self.session_state
        self.switch.change(self.set_review, [self.switch, state], [state], api_visibility="private")
        self.rerun_pick.input(
            self.pick, [self.rerun_pick, state], [state, *self.outputs], api_visibility="private"
        )
        self.discard.click(self.drop, [state], [state, *self.outputs], api_visibility="private")

    # -- handlers ----------------------------------------------------------------------
    def set_review(self, on: bool, session: Session | None) -> Session:
        session = self.new_session(session)
        session.review = bool(on)
        return session

    def pick(self, step_id: str | None, session: Session | None) -> list[Any]:
        """Open the editor on one step of the last run, to re-run it with other arguments."""
        session = self.new_session(session)
        last = session.turns[-1] if session.turns else None
        if session.draft is not None and session.draft.focus == step_id:
            pass  # already open (the picker reports its own value too): keep the edits
        elif step_id and last is not None and step_id in {s.id for s in last.result.steps if s.ok}:
            draft = Draft.rerun(last.result, last.given, step_id)
            try:
                draft.check(self.agent.registry, session.user_files(draft.given))
            except TroupeError as e:
                draft.problem = str(e)
            session.draft = draft
        return [session, *self.show(session)]

    def drop(self, session: Session | None) -> list[Any]:
        session = self.new_session(session)
        session.draft = None
        return [session, *self.show(session)]

    def show(self, session: Session | None) -> list[Any]:
        """The panel as the session now stands: the draft (if any), the steps of the last
        run that may be re-run, the suggestions of the last run."""
        session = self.new_session(session)
        draft: Draft | None = session.draft
        last = session.turns[-1].result if session.turns else None
        finished = [s.id for s in last.steps if s.ok] if last is not None else []
        picked = draft.focus if draft is not None and draft.focus in finished else None
        pick = gr.Dropdown(choices=finished, value=picked, visible=bool(finished))
        buttons = [
            gr.Button(value=text, visible=True) if text else gr.Button(visible=False)
            for text in [*session.next_steps, *[""] * N_SUGGESTIONS][:N_SUGGESTIONS]
        ]
        if draft is None:
            return [0, gr.Group(visible=False), "", "", gr.Button(interactive=False), pick, *buttons]
        label = f"Re-run {draft.focus}" if draft.focus else "Run"
        return [
            draft.version,
            gr.Group(visible=True),
            _heading(draft),
            _note(draft.problem),
            gr.Button(value=label, interactive=draft.problem is None),
            pick,
            *buttons,
        ]

    def _editor(self, version: int, session: Session | None) -> None:
        draft = session.draft if session is not None else None
        if draft is None:  # ``version`` only says when to redraw; the session's draft is drawn
            return
        try:
            fields = draft.fields(self.agent.registry, session.user_files(draft.given))
        except TroupeError as e:
            gr.Markdown(f"⚠ {e}")
            return
        step = None
        for f in fields:
            if f.step != step:
                step = f.step
                gr.Markdown(f"**`{step}`** · {draft.plan.step(step).tool}")
            component = _input(f)
            # Run is off until the server has taken the edit, so a quick click never runs the
            # value from before it.
            component.change(
                lambda: gr.Button(interactive=False), None, self.run, queue=False, api_visibility="private"
            ).then(  # not .input: Gradio 6 sends no input event for a rendered box
                self._edit_handler(draft.version, f.step, f.name),
                [component, self.session_state],
                [self.note, self.run],
                trigger_mode="always_last",
                api_visibility="private",
            )

    def _edit_handler(self, version: int, step_id: str, name: str) -> Callable[..., list[Any]]:
        def edit(value: Any, session: Session | None) -> list[Any]:
            draft = session.draft if session is not None else None
            if draft is None or draft.version != version:  # an input left from an older plan
                return [gr.skip(), gr.skip()]
            try:
                draft.edit(self.agent.registry, step_id, name, value)
                draft.check(self.agent.registry, session.user_files(draft.given))
            except TroupeError as e:
                draft.problem = str(e)
            shown = str(value)
            edited = f"{step_id}.{name} = {shown if len(shown) <= 40 else shown[:39] + '…'}"
            return [_note(draft.problem, edited), gr.Button(interactive=draft.problem is None)]

        return edit


def _input(f: Field) -> gr.components.Component:
    label, elem_id = f"{f.step} · {f.name}", f"troupe-arg-{f.step}-{f.name}"
    if f.kind == "choice":
        return gr.Dropdown(
            list(f.choices), value=f.value, label=label, info=f.info, elem_id=elem_id, interactive=True
        )
    if f.kind in ("file", "files"):
        choices = list(
            dict.fromkeys([*f.choices, *(f.value if f.kind == "files" else [f.value] if f.value else [])])
        )
        return gr.Dropdown(
            choices,
            value=f.value,
            multiselect=f.kind == "files",
            allow_custom_value=True,
            label=label,
            info=f.info,
            elem_id=elem_id,
            interactive=True,
        )
    return gr.Textbox(value=f.value or "", placeholder="(the tool's default)", label=label, info=f.info,
                      elem_id=elem_id, interactive=True)  # fmt: skip


def _heading(draft: Draft) -> str:
    if draft.focus:
        return (
            f"**Re-run `{draft.focus}`** — change its arguments, then re-run it: the steps that use "
            "its result follow, the others come from the cache."
        )
    sure = (
        f" I was not sure I understood (confidence {draft.plan.confidence:.0%})."
        if draft.low_confidence and draft.plan.confidence is not None
        else ""
    )
    return f"**Review the plan** — change any argument, then press Run.{sure}"


def _note(problem: str | None, edited: str = "") -> str:
    """The line under the table: the problem, else a check mark (naming the edit just taken)."""
    if problem:
        return f"⚠ {problem}"
    return f"✓ {edited + ' — ' if edited else ''}The plan passes its checks."
