"""The Gradio app: a chat with uploads, a view of this session's runs, settings, the tool list.

``create_app`` only builds the app; ``launch`` (in :mod:`web`) or the app's own
``launch`` serves it. Building and serving stay apart so tests can drive a real server.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import gradio as gr

from agent import Agent

from ._handlers import Handlers
from ._panel import Panel
from ._settings import DEFAULT_CHOICE, PlannerChoices, PlannerSpec

__all__ = ["TroupeApp", "create_app"]

DEFAULT_MAX_UPLOAD_MB = 100
_RUN_COLUMNS = ["started", "request", "status", "steps done", "run"]
_INTRO = (
    "# Troupe\n"
    "Ask for speech, music, a talking portrait or a gesture animation, and attach audio, "
    "images, video or MIDI. The plan appears as a checklist and every result plays here."
)
# Keep a portrait video or a big image from pushing the rest of the chat off screen.
_CSS = "#troupe-chat video, #troupe-chat .image-container img { max-height: 420px; object-fit: contain; }"
_EXAMPLES = [
    "Say 'Hello, I am Troupe' in a calm voice",
    "Find the tempo and key of this song",
    "Make the portrait read 'Good morning!' with soft piano underneath",
]


class TroupeApp(gr.Blocks):
    """A Gradio Blocks app that launches with Troupe's safe settings by default.

    Unless told otherwise, :meth:`launch` binds loopback, never opens a share link,
    serves files only from the web sessions' folder of the run store, and refuses
    uploads above the size limit.
    """

    sessions_root: Path
    max_upload_bytes: int

    def launch(self, **options: Any):  # type: ignore[override]
        options.setdefault("server_name", "127.0.0.1")
        options.setdefault("share", False)
        options.setdefault("allowed_paths", [str(self.sessions_root)])
        options.setdefault("max_file_size", self.max_upload_bytes)
        options.setdefault("enable_monitoring", False)
        options.setdefault("footer_links", ["api"])
        options.setdefault("css", _CSS)
        return super().launch(**options)


def create_app(
    agent: Agent | None = None,
    *,
    runs_dir: str | Path | None = None,
    max_upload_mb: float = DEFAULT_MAX_UPLOAD_MB,
    max_concurrent_runs: int = 2,
    max_queue: int = 32,
    planners: Mapping[str, PlannerSpec] | None = None,
) -> TroupeApp:
    """Build the Troupe chat app (without serving it).

    Args:
        agent: plans and runs the requests; ``Agent()`` (offline planner, built-in tools)
            when None.
        runs_dir: the run store; each browser session works in a private folder under
            ``<runs_dir>/web``. The agent's run store by default.
        max_upload_mb: largest file a user may upload, in MB (10^6 bytes), > 0.
        max_concurrent_runs: requests run at once across all users, >= 1; the rest wait
            in the queue.
        max_queue: requests that may wait; more are turned away with a "queue full" note.
        planners: the planners a user may switch to in Settings, by name: a planner, a
            name for :func:`agent.get_planner`, or a function making one. The offline
            planner when None. Endpoints are yours to configure; the page only picks a name.

    Returns:
        The app; call ``.launch()`` (or :func:`web.launch`) to serve it.

    Raises:
        ValueError: a limit is out of range, or a planner is called "default".
    """
    if max_upload_mb <= 0:
        raise ValueError(f"max_upload_mb must be > 0, got {max_upload_mb}")
    if max_concurrent_runs < 1:
        raise ValueError(f"max_concurrent_runs must be >= 1, got {max_concurrent_runs}")
    agent = agent if agent is not None else Agent()
    sessions_root = (Path(runs_dir).expanduser() if runs_dir else agent.store.root).resolve() / "web"
    sessions_root.mkdir(parents=True, exist_ok=True)
    max_upload_bytes = int(max_upload_mb * 1e6)

    handlers = Handlers(agent, sessions_root, max_upload_bytes, PlannerChoices(planners))

    with TroupeApp(title="Troupe", analytics_enabled=False, delete_cache=(3600, 24 * 3600)) as app:
        session_state = gr.State(None)
        gr.Markdown(_INTRO)
        with gr.Tab("Chat"):
            chatbot = gr.Chatbot(label="Troupe", height=640, elem_id="troupe-chat", buttons=["copy"])
            box = gr.MultimodalTextbox(
                placeholder="What should Troupe make? Attach files with the clip.",
                file_count="multiple",
                sources=["upload"],
                stop_btn=True,
                elem_id="troupe-input",
                label="Message",
                show_label=False,
            )
            panel = Panel(agent, handlers.session, session_state)
            with gr.Row():
                download = gr.DownloadButton(
                    "Download all (zip)", interactive=False, elem_id="troupe-download"
                )
                stop = gr.Button("Stop the run", elem_id="troupe-stop")
                new = gr.Button("New chat")
            gr.Examples([[{"text": e, "files": []}] for e in _EXAMPLES], inputs=[box], label="Try")
        with gr.Tab("Runs") as runs_tab:
            refresh = gr.Button("Show my runs")
            runs_table = gr.Dataframe(headers=_RUN_COLUMNS, interactive=False, wrap=True)
            with gr.Row():
                pick = gr.Dropdown(label="Run", choices=[], interactive=True)
                run_zip = gr.DownloadButton("Download run (zip)", interactive=False)
        with gr.Tab("Settings"):
            planner_choice = gr.Radio(
                handlers.planners.names,
                value=DEFAULT_CHOICE,
                label="Planner",
                info="The planners this server offers; its operator configures their endpoints.",
            )
            apply = gr.Button("Apply")
            settings_note = gr.Markdown()
        with gr.Tab("Tools"):
            gr.Markdown(_tools_markdown(agent))

        chat = [chatbot, session_state, box, download]
        runs = {"concurrency_limit": max_concurrent_runs, "concurrency_id": "runs"}
        chat_event = box.submit(handlers.respond, [box, session_state], chat, api_name="chat", **runs)
        run_event = panel.run.click(handlers.run_draft, [session_state], chat, api_name="run_plan", **runs)
        turns = [chat_event, run_event]
        for button in panel.suggestions:
            turns.append(
                button.click(
                    handlers.send_suggestion, [button, session_state], chat, api_visibility="private", **runs
                )
            )
        for turn in turns:  # after each turn: the plan to review, the steps to re-run, the suggestions
            turn.then(panel.show, [session_state], panel.outputs, api_visibility="private")
        panel.run.click(
            lambda: gr.Button(interactive=False), None, panel.run, api_visibility="private", queue=False
        )
        panel.wire()
        box.stop(handlers.stop, [session_state], None, api_name="stop", queue=False)
        stop.click(handlers.stop, [session_state], None, api_visibility="private", queue=False)
        # Starting over also ends a turn still streaming, so it cannot redraw the old chat.
        new.click(handlers.new_chat, [session_state], chat, api_name="new_chat", cancels=turns).then(
            panel.show, [session_state], panel.outputs, api_visibility="private"
        )
        chatbot.clear(handlers.new_chat, [session_state], chat, api_visibility="private", cancels=turns).then(
            panel.show, [session_state], panel.outputs, api_visibility="private"
        )
        refresh.click(handlers.list_runs, [session_state], [session_state, runs_table, pick], api_name="runs")
        runs_tab.select(
            handlers.list_runs, [session_state], [session_state, runs_table, pick], api_visibility="private"
        )
        pick.change(
            handlers.zip_run, [pick, session_state], [session_state, run_zip], api_visibility="private"
        )
        apply.click(
            handlers.apply_settings,
            [planner_choice, session_state],
            [session_state, settings_note],
            api_visibility="private",
        )
    app.queue(max_size=max_queue, default_concurrency_limit=4)
    app.sessions_root = sessions_root
    app.max_upload_bytes = max_upload_bytes
    return app


def _tools_markdown(agent: Agent) -> str:
    lines = [f"**{len(agent.registry)} tools**", ""]
    for spec in agent.registry:
        example = f" — e.g. *{spec.examples[0]}*" if spec.examples else ""
        lines.append(f"- `{spec.name}`: {spec.summary}{example}")
    return "\n".join(lines)
