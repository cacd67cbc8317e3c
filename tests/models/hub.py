"""A local stand-in for the Hugging Face Hub on 127.0.0.1: the model-info API and ``resolve``.

It answers what ``troupe models pull`` asks — ``GET /api/models/{repo}/revision/{rev}``
(``siblings`` with ``size``, ``blobId`` and, for LFS files, ``lfs.sha256``) and
``GET /{repo}/resolve/{commit}/{file}`` with HTTP ``Range`` — and can misbehave on purpose:
``cut`` files are cut off half-way on their first transfer, ``corrupt`` files are served with
one byte changed (same length), so the published checksum no longer matches.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

COMMIT = "0123456789abcdef0123456789abcdef01234567"


@dataclass
class FakeHub:
    repos: dict[str, dict[str, bytes]]
    lfs: tuple[str, ...] = ("model.safetensors",)
    cut: set[str] = field(default_factory=set)
    corrupt: set[str] = field(default_factory=set)
    requests: list[tuple[str, str | None]] = field(default_factory=list)

    def info(self, repo: str) -> dict:
        siblings = []
        for name, data in self.repos[repo].items():
            entry = {"rfilename": name, "size": len(data), "blobId": _git_sha1(data)}
            if name in self.lfs:
                entry["lfs"] = {
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "size": len(data),
                    "pointerSize": 134,
                }
            siblings.append(entry)
        return {"id": repo, "modelId": repo, "sha": COMMIT, "siblings": siblings}


def _git_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def serve(hub: FakeHub) -> tuple[ThreadingHTTPServer, str]:
    """Start ``hub`` on a free port; returns the server and its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            hub.requests.append((path, self.headers.get("Range")))
            if path.startswith("/api/models/"):
                repo = path[len("/api/models/") :].split("/revision/")[0]
                if repo not in hub.repos:
                    return self._send(404, b'{"error": "Repository not found"}')
                return self._send(200, json.dumps(hub.info(repo)).encode())
            if "/resolve/" in path:
                repo, rest = path[1:].split("/resolve/", 1)
                name = rest.split("/", 1)[1]
                data = hub.repos.get(repo, {}).get(name)
                if data is None:
                    return self._send(404, b"not found")
                if name in hub.corrupt:
                    data = bytes([data[0] ^ 0xFF]) + data[1:]
                start = (
                    int(self.headers["Range"].split("=")[1].rstrip("-")) if self.headers.get("Range") else 0
                )
                body = data[start:]
                self.send_response(206 if start else 200)
                self.send_header("Content-Length", str(len(body)))
                if start:
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                self.end_headers()
                if name in hub.cut:  # send half, then drop the connection
                    hub.cut.discard(name)
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)
                return None
            return self._send(404, b"not found")

        def _send(self, code: int, body: bytes) -> None:
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@contextlib.contextmanager
def serving(hub: FakeHub, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    """``hub`` on a free port as ``$HF_ENDPOINT`` (online, no token) until the block ends."""
    server, url = serve(hub)
    monkeypatch.setenv("HF_ENDPOINT", url)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    try:
        yield hub
    finally:
        server.shutdown()
        server.server_close()
