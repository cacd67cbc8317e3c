"""Odd text from a browser (lone surrogates, NUL) is cleaned before it reaches a file or the page."""

from __future__ import annotations

import json
from pathlib import Path

from web._chat import ChatTurn
from web._session import Session


def test_a_lone_surrogate_in_a_request_still_gives_a_recorded_run(agent, tmp_path: Path):
    session = Session(tmp_path / "runs" / "web", max_upload_bytes=1_000_000)
    request = "take a nap \ud83d please\x00"  # half an emoji, as a broken client may send
    final = list(ChatTurn(agent, session, [], request, []))[-1]
    # The page can be sent: every message encodes to UTF-8.
    json.dumps(final.history, default=str, ensure_ascii=False).encode("utf-8")
    assert final.history[0]["content"] == ["take a nap \ufffd please"]
    [run] = session.runs()
    assert run["status"] == "finished" and run["request"] == "take a nap \ufffd please"
    assert final.zip_path is not None and final.zip_path.is_file()
