"""One browser session's private workspace under the run store.

Every session gets a directory named by a random token (128 bits) that is never sent to
any other session::

    <runs_dir>/web/<token>/
        uploads/            the user's files, checked and copied here
        runs/<run>/         run directories (``run.json`` + one folder per step)
        previews/<run>/     pictures and renderings made for the chat (piano rolls, plots)
        zips/<run>.zip      "download all"

A plan of the session may read only ``uploads/`` and ``runs/`` (:meth:`Session.user_files`).
The session also keeps its turns (each run's result and the files it was given), so a
follow-up is planned with the earlier results (:meth:`Session.context`), and a lock, so
two events of one session (two tabs, a message sent while a plan runs) never interleave.
Gradio serves result files from its own cache under content hashes, so one session's
paths are never handed to another; the token makes the run-store paths unguessable too.
"""

from __future__ import annotations

import mimetypes
import re
import secrets
import shutil
import threading
import time
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent import Earlier, RunResult, RunStore, UserFiles, earlier_results
from tools import file_sha256, sniff_kind

__all__ = ["ACCEPTED_KINDS", "Session", "Turn", "UploadCheck"]

#: File kinds a user may upload (judged by content, see :func:`tools.sniff_kind`).
ACCEPTED_KINDS = ("Audio", "Image", "Video", "Midi", "Motion", "Json", "Text")

# What an extension promises, for telling "song.wav holds text" apart from a plain .txt.
_EXTENSION_KINDS = {"audio": "Audio", "image": "Image", "video": "Video"}
_EXTRA_EXTENSIONS = {".mid": "Midi", ".midi": "Midi", ".bvh": "Motion"}


@dataclass
class UploadCheck:
    """The outcome of checking a batch of uploads.

    Attributes:
        accepted: copies of the good files in the session's upload folder.
        problems: one sentence per refused file, saying what was wrong and what to do.
    """

    accepted: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Turn:
    """A finished run of the conversation.

    Attributes:
        result: what the run gave back.
        given: the files its plan was checked against (uploads, then earlier results), so
            a re-run of one of its steps reads ``@names`` exactly as the run did.
    """

    result: RunResult
    given: tuple[Path, ...]


class Session:
    """A session's private folders and the cancel switch of its current run.

    Args:
        root: the web sessions folder inside the run store.
        max_upload_bytes: largest file accepted, > 0.
    """

    def __init__(self, root: Path, max_upload_bytes: int):
        self.token = secrets.token_urlsafe(16)
        self.dir = Path(root) / self.token
        self.max_upload_bytes = max_upload_bytes
        self.cancel = threading.Event()
        self.planner: Any = None  # None: the agent's own planner
        self.history: list[dict[str, Any]] = []  # the chat, in Gradio's messages format
        self.turns: list[Turn] = []  # finished runs, oldest first: what follow-ups build on
        self.uploaded: list[Path] = []  # accepted uploads of this conversation, oldest first
        self.review = False  # show every plan for review before running it
        self.next_steps: list[str] = []  # what the last run suggests asking next
        self.draft: Any = None  # the plan shown for review or re-run (web._review.Draft)
        self.busy = threading.Lock()  # held while a turn plans or runs
        self.epoch = 0  # bumped by "New chat": a turn of an older epoch writes nothing back
        for sub in ("uploads", "runs", "previews", "zips"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)

    def __deepcopy__(self, memo: dict) -> Session:
        return self  # gr.State copies values; a session must stay one object

    # -- the conversation ------------------------------------------------------------------
    def context(self) -> list[Earlier]:
        """The results of this conversation's runs that a follow-up may build on."""
        return earlier_results(turn.result for turn in self.turns)

    def remember(self, result: RunResult, given: Iterable[Path], epoch: int) -> bool:
        """Keep a finished run for follow-ups, unless the chat was started over since
        ``epoch``; True when it was kept."""
        if epoch != self.epoch:
            return False
        self.turns.append(Turn(result, tuple(given)))
        return True

    def forget(self) -> None:
        """Start the conversation over ("New chat"); runs and uploads stay on disk."""
        self.epoch += 1
        self.cancel.set()
        self.history, self.turns, self.uploaded, self.next_steps, self.draft = [], [], [], [], None

    # -- uploads -------------------------------------------------------------------------
    def accept_uploads(self, paths: Iterable[str | Path]) -> UploadCheck:
        """Check each uploaded file's size and kind; copy the good ones into the session.

        The files given are only read, never moved or changed.
        """
        check = UploadCheck()
        for path in map(Path, paths):
            problem = self._problem(path)
            if problem:
                check.problems.append(problem)
            else:
                check.accepted.append(self._keep(path))
        self.uploaded += [p for p in check.accepted if p not in self.uploaded]
        return check

    def _problem(self, path: Path) -> str | None:
        name = path.name
        if not path.is_file():
            return f"{name} did not arrive — upload it again"
        size = path.stat().st_size
        if size > self.max_upload_bytes:
            return (
                f"{name} is {size / 1e6:.3g} MB, over the {self.max_upload_bytes / 1e6:.3g} MB limit"
                " — upload a shorter or smaller file"
            )
        kind = sniff_kind(path)
        if kind is None:
            what = "empty" if size == 0 else "not a kind of file Troupe reads"
            return f"{name} is {what} — upload audio, an image, a video or MIDI"
        if kind not in ACCEPTED_KINDS:
            return f"{name} holds {kind.lower()}, which this app does not take — upload audio, an image, a video or MIDI"
        promised = _kind_from_name(name)
        if promised and promised != kind and not (promised == "Audio" and kind == "Video"):
            return f"{name} is named like {promised.lower()} but holds {kind.lower()} — check that it is the right file"
        return None

    def _keep(self, path: Path) -> Path:
        """Copy ``path`` into ``uploads/`` under its own name (numbered if that name is taken)."""
        uploads = self.dir / "uploads"
        stem, suffix = _safe_name(path.stem), path.suffix.lower()
        target = uploads / f"{stem}{suffix}"
        n = 1
        while target.exists():
            if _same_content(target, path):
                return target
            n += 1
            target = uploads / f"{stem}-{n}{suffix}"
        shutil.copyfile(path, target)
        return target

    # -- runs ----------------------------------------------------------------------------
    def new_run_dir(self, request: str) -> Path:
        """A fresh, not yet existing run directory named after the time and the request."""
        slug = re.sub(r"[^a-z0-9]+", "-", request.lower()).strip("-")[:32] or "run"
        return self.dir / "runs" / f"{time.strftime('%Y%m%d-%H%M%S')}-{slug}-{secrets.token_hex(3)}"

    def previews_dir(self, run_dir: Path) -> Path:
        path = self.dir / "previews" / run_dir.name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def zip_run(self, run_dir: Path) -> Path:
        """Zip a run directory (manifest and every step's files) for "download all"."""
        target = self.dir / "zips" / f"{run_dir.name}.zip"
        partial = target.with_suffix(".zip.partial")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(run_dir.rglob("*")):
                if path.is_file() and ".partial" not in path.relative_to(run_dir).parts:
                    zf.write(path, Path(run_dir.name) / path.relative_to(run_dir))
        partial.replace(target)
        return target

    def runs(self) -> list[dict[str, Any]]:
        """This session's past runs, newest first: the manifest plus ``run_dir``.

        A run whose process died reads "interrupted", never "running".
        """
        return RunStore(self.dir / "runs").list_runs()

    def user_files(self, given: Iterable[str | Path] = ()) -> UserFiles:
        """What a plan of this session may read: the files ``given`` with the request, and
        files inside the session's uploads and earlier results — nothing else, whichever
        planner wrote the plan (``@name`` is looked up in the uploads)."""
        return UserFiles(
            given,
            base_dir=self.dir / "uploads",
            roots=[self.dir / "uploads", self.dir / "runs"],
            scope="this session's files",
        )

    def owns(self, path: str | Path) -> bool:
        """Whether ``path`` lies inside this session's folder."""
        return Path(path).resolve().is_relative_to(self.dir.resolve())


def _kind_from_name(name: str) -> str | None:
    suffix = Path(name).suffix.lower()
    if suffix in _EXTRA_EXTENSIONS:
        return _EXTRA_EXTENSIONS[suffix]
    mime, _ = mimetypes.guess_type(name)
    return _EXTENSION_KINDS.get((mime or "").split("/")[0])


def _safe_name(stem: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._") or "upload"


def _same_content(a: Path, b: Path) -> bool:
    if a.stat().st_size != b.stat().st_size:
        return False
    return file_sha256(a) == file_sha256(b)
