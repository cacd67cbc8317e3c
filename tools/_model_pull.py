"""``troupe models pull``: fetch a catalog model from the Hugging Face Hub — the one online path.

The file list, sizes and checksums come from the Hub's API
(``GET {HF_ENDPOINT}/api/models/{repo}/revision/{revision}?blobs=true``); files come from
``{HF_ENDPOINT}/{repo}/resolve/{commit}/{file}``, pinned to the commit the API named.

We transfer the files ourselves rather than through ``huggingface_hub.hf_hub_download``:
that client (2.x) downloads into a process-unique ``.incomplete`` file that it deletes when
the transfer fails, so an interrupted pull of a multi-gigabyte model starts again from zero,
and it checks a file's size but not its SHA-256. Here a file is written to
``$TROUPE_HOME/models/.<name>.partial/<file>.part``, resumed with an HTTP ``Range`` request
after an interruption (in the same pull, or the next one), and accepted only when its SHA-256
(LFS files) or git blob SHA-1 (small files) matches what the Hub published. The folder becomes
``$TROUPE_HOME/models/<name>`` only when every file is complete and verified.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._models import MANIFEST, Installed, ModelEntry, models_home, shards
from .errors import TroupeError

__all__ = ["PullError", "RemoteFile", "listing", "pull", "remote_files"]

DEFAULT_ENDPOINT = "https://huggingface.co"
_CHUNK = 1 << 20
#: Attempts per file when the connection drops; each one resumes where the last stopped.
ATTEMPTS = 3

#: ``progress(file, bytes_done, bytes_total)``, called as bytes arrive.
Progress = Callable[[str, int, int], None]


class PullError(TroupeError):
    """A pull could not finish: no network, no such repository, a corrupt download."""


@dataclass(frozen=True)
class RemoteFile:
    """A file of the repository as the Hub describes it."""

    name: str
    size: int
    sha256: str | None  # LFS files
    git_sha1: str | None  # every file: the git blob id

    def check(self, path: Path) -> str | None:
        """Why ``path`` is not this file (size or checksum), or None when it is."""
        size = path.stat().st_size
        if size != self.size:
            return f"{self.name} is {size} bytes, the Hub says {self.size}"
        if self.sha256:
            got, want = _digest(path, hashlib.sha256()), self.sha256
        elif self.git_sha1:
            got, want = (
                _digest(path, hashlib.sha1(f"blob {size}\0".encode(), usedforsecurity=False)),
                self.git_sha1,
            )
        else:
            return None
        return None if got == want else f"checksum mismatch for {self.name}: expected {want}, got {got}"


def endpoint() -> str:
    """The Hub to talk to: ``$HF_ENDPOINT`` (read at call time), else huggingface.co."""
    return (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def remote_files(entry: ModelEntry, client: Any) -> tuple[str, list[RemoteFile]]:
    """The commit ``entry.revision`` points at and the files ``pull`` fetches from it.

    Raises:
        PullError: the Hub cannot be reached, does not have the repository, or the
            repository lacks a file the model needs; the model is not on the Hub at all.
    """
    if not entry.repo_id:
        raise PullError(
            f"{entry.name} is not on the Hugging Face Hub: download {entry.download_url} into a folder "
            f"and run `troupe models import {entry.name} FOLDER`"
        )
    url = f"{endpoint()}/api/models/{entry.repo_id}/revision/{entry.revision}"
    response = _request(client, "GET", url, params={"blobs": "true"})
    try:
        info = response.json()
        commit = str(info["sha"])
        listing = {
            s["rfilename"]: RemoteFile(
                s["rfilename"],
                int((s.get("lfs") or {}).get("size", s.get("size", -1))),
                (s.get("lfs") or {}).get("sha256"),
                s.get("blobId"),
            )
            for s in info["siblings"]
        }
    except (ValueError, KeyError, TypeError) as e:
        raise PullError(f"{url} did not answer like the Hugging Face Hub API ({e!r})") from None
    missing = [f for f in entry.files if f not in listing]
    weights = next((w for w in entry.weights if w in listing), None)
    if entry.weights and weights is None:
        missing.append(" or ".join(entry.weights))
    if missing:
        raise PullError(
            f"{entry.repo_id}@{entry.revision} lacks {', '.join(missing)}; cannot install {entry.name}"
        )
    if weights and weights.endswith(".index.json"):  # sharded: the index and every shard
        parts = shards(weights, list(listing))
        if not parts:
            raise PullError(f"{entry.repo_id}@{entry.revision} has {weights} but none of its shards")
        weights_names = [weights, *parts]
    else:
        weights_names = [weights] if weights else []
    names = [*entry.files, *weights_names, *(f for f in entry.optional if f in listing)]
    return commit, [listing[n] for n in names]


def listing(entry: ModelEntry) -> tuple[str, list[RemoteFile]]:
    """Ask the Hub which commit and files ``pull`` would fetch, without downloading them.

    Raises:
        PullError: as :func:`remote_files`.
    """
    with _client() as client:
        return remote_files(entry, client)


def pull(
    entry: ModelEntry, progress: Progress | None = None, files: tuple[str, list[RemoteFile]] | None = None
) -> Installed:
    """Download ``entry`` into ``$TROUPE_HOME/models/<name>``, resuming what an earlier pull left.

    Args:
        entry: the model.
        progress: called as bytes arrive.
        files: what :func:`listing` answered, to save asking twice.

    Raises:
        PullError: no network, an unknown repository, an interrupted or corrupt download
            (the verified part stays for the next pull to resume).
    """
    home = models_home()
    staging = home / f".{entry.name}.partial"
    with _client() as client:
        commit, remote = files or remote_files(entry, client)
        staging.mkdir(parents=True, exist_ok=True)
        for one in remote:
            _fetch(client, entry, commit, one, staging, progress)
    manifest = {
        "name": entry.name, "repo_id": entry.repo_id, "revision": commit, "source": "pulled",
        "endpoint": endpoint(), "files": {f.name: f.sha256 or f.git_sha1 for f in remote},
        "pulled_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }  # fmt: skip
    (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return Installed(entry, install_folder(staging, home / entry.name), "pulled", commit)


def _client() -> Any:
    import httpx

    headers = {"user-agent": "troupe-models"} | _auth_header()
    return httpx.Client(headers=headers, follow_redirects=True, timeout=httpx.Timeout(30.0))


def install_folder(staging: Path, dest: Path) -> Path:
    """Put the finished ``staging`` folder in place of ``dest`` (an older copy goes away)."""
    if dest.exists():
        old = dest.with_name(f".{dest.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        dest.rename(old)
        staging.rename(dest)
        shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(dest)
    return dest


def _fetch(
    client: Any, entry: ModelEntry, commit: str, remote: RemoteFile, staging: Path, progress: Progress | None
) -> None:
    import httpx

    target = staging / remote.name
    if target.is_file() and remote.check(target) is None:
        if progress:
            progress(remote.name, remote.size, remote.size)
        return
    part = target.with_name(target.name + ".part")
    part.parent.mkdir(parents=True, exist_ok=True)
    url = f"{endpoint()}/{entry.repo_id}/resolve/{commit}/{remote.name}"
    for attempt in range(1, ATTEMPTS + 1):
        done = part.stat().st_size if part.is_file() else 0
        if done > remote.size:  # not a prefix of this file: start again
            part.unlink()
            done = 0
        try:
            _transfer(client, url, part, done, remote, progress)
            break
        except (httpx.TransportError, PullError) as e:
            if attempt == ATTEMPTS:
                got = part.stat().st_size if part.is_file() else 0
                raise PullError(
                    f"download of {remote.name} stopped at {got} of {remote.size} bytes ({_reason(e)}); "
                    f"run `troupe models pull {entry.name}` again to resume"
                ) from None
    problem = remote.check(part)
    if problem:
        part.unlink()
        raise PullError(
            f"{problem} — the file was removed; run the pull again, and if it repeats, check HF_ENDPOINT"
        )
    part.replace(target)


def _transfer(
    client: Any, url: str, part: Path, done: int, remote: RemoteFile, progress: Progress | None
) -> None:
    if done == remote.size:
        return
    headers = {"range": f"bytes={done}-"} if done else {}
    with client.stream("GET", url, headers=headers) as response:
        _raise_for_status(response, url)
        if done and response.status_code != 206:  # the server ignored Range: start over
            done = 0
        with part.open("ab" if done else "wb") as f:
            for chunk in response.iter_bytes(_CHUNK):
                f.write(chunk)
                done += len(chunk)
                if progress:
                    progress(remote.name, done, remote.size)
    if done < remote.size:
        raise PullError(f"connection closed after {done} bytes")


def _request(client: Any, method: str, url: str, **kw: Any) -> Any:
    import httpx

    try:
        response = client.request(method, url, **kw)
    except httpx.TransportError as e:
        raise PullError(
            f"cannot reach {endpoint()} ({_reason(e)}); pull needs the network — or copy the model "
            "folder from another machine and run `troupe models import NAME PATH`"
        ) from None
    _raise_for_status(response, url)
    return response


def _raise_for_status(response: Any, url: str) -> None:
    code = response.status_code
    if code in (401, 403):
        raise PullError(
            f"{url} needs a Hugging Face token ({code}): log in with `hf auth login` or set HF_TOKEN"
        )
    if code == 404:
        raise PullError(f"{url} was not found (404): the repository, revision or file does not exist")
    if code >= 400:
        raise PullError(f"{url} answered HTTP {code}")


def _auth_header() -> dict[str, str]:
    token = os.environ.get("HF_TOKEN")
    if not token:
        try:
            from huggingface_hub import get_token

            token = get_token()
        except ImportError:
            token = None
    return {"authorization": f"Bearer {token}"} if token else {}


def _reason(e: Exception) -> str:
    return str(e).splitlines()[0] if str(e) else type(e).__name__


def _digest(path: Path, h: Any) -> str:
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()
