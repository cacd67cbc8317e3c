"""The one check every fuzz case goes through, so that each case reads as data.

A :class:`Case` names its input files (made by :mod:`tests.fuzz.badmedia` makers), a plan
and how it reaches Troupe: ``troupe exec`` or ``troupe run`` in a child process, or a web
session's agent in this process. :func:`check` runs it and holds Troupe to its promises:

- it ends in a finished result (exit 0) or a refusal (exit 2): one line on stderr (a plan's
  issues one line each, under a first line), or steps whose errors are one line each,
  never a traceback;
- no run manifest still says "running", and no step folder exists outside ``.partial``
  unless its step finished;
- no process it started is left (the CLI's descendants carry a marker in their
  environment, so a leftover is found wherever it was reparented);
- every input file, and the secret kept beside the inputs, is byte for byte as before,
  nothing new appears among the inputs, and the secret appears in no output.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from agent.events import FINAL_STATUSES
from tests.agent.clirun import troupe_cmd, troupe_env
from tests.fuzz.badmedia import Maker

#: Kept outside every case's inputs; no output may ever quote it.
SECRET = "fuzz-secret: root:x:0:0:the server's own file"
SEED = os.environ.get("TROUPE_FUZZ_SEED", "14")
T = TypeVar("T")
TIMEOUT_S = 240  # far above any case; reaching it is a failure (a hang), not a measurement


@dataclass(frozen=True)
class Case:
    """One fuzz case.

    Attributes:
        name: the test id.
        plan: a plan as data (written as JSON), or text or bytes written as they are (YAML, or
            broken).
        files: input file name → maker; made in the case's input folder.
        given: which of ``files`` go with ``-f`` (default: all of them).
        sets: ``--set NAME=VALUE`` items (``troupe exec``).
        request: for ``troupe run --planner openai``: the request; ``plan`` is then what the
            LLM answers (the test serves it).
        web: run in a web session (in this process) instead of the CLI.
        interrupt: press Ctrl-C (SIGINT) once a step is running: the run must end cancelled
            (exit 130), or finished if it was quicker than the key.
        expect: ``"finished"`` or ``"refused"`` when only one of them is right.
    """

    name: str
    plan: Any = None
    files: Mapping[str, Maker] = field(default_factory=dict)
    given: tuple[str, ...] | None = None
    sets: tuple[str, ...] = ()
    request: str | None = None
    web: bool = False
    interrupt: bool = False
    expect: str | None = None

    def __str__(self) -> str:
        return self.name


@dataclass
class Outcome:
    """How a case ended: ``code`` 0 or 2, the one-line ``error`` of a refusal before
    anything ran, or the ``result`` (the ``--json`` object) and the run's ``manifest``."""

    code: int
    error: str | None = None
    result: dict | None = None
    manifest: dict | None = None
    output: str = ""

    @property
    def refused(self) -> bool:
        return self.code == 2


def prepare(case: Case, root: Path) -> tuple[Path, list[Path], Path | None]:
    """Make the inputs (and the secret beside them); return the input folder, the files
    given and the plan file."""
    inputs = root / "in"
    inputs.mkdir(parents=True)
    (root / "outside").mkdir()
    (root / "outside" / "secret.txt").write_text(SECRET)
    for name, make in case.files.items():
        (inputs / name).parent.mkdir(parents=True, exist_ok=True)
        make(inputs / name)
    given = [inputs / name for name in (case.files if case.given is None else case.given)]
    plan = None
    if isinstance(case.plan, (str, bytes)):
        plan = inputs / "plan.yaml"
        plan.write_bytes(case.plan.encode() if isinstance(case.plan, str) else case.plan)
    elif case.plan is not None:
        plan = inputs / "plan.json"
        plan.write_text(json.dumps(case.plan))
    return inputs, given, plan


def check(case: Case, root: Path, env: Mapping[str, str] | None = None, agent: Any = None) -> Outcome:
    """Run ``case`` under ``root`` and assert every promise; return how it ended.

    Args:
        env: extra environment for the CLI (an LLM endpoint for ``troupe run``).
        agent: for web cases, a factory ``agent(runs_dir)`` of the app's agent.
    """
    inputs, given, plan = prepare(case, root)
    before = snapshot(root)
    out = root / "run"
    if case.web:
        outcome = _in_web_session(case, root, given, plan, agent)
        out = Path(outcome.result["run_dir"]) if outcome.result else out
    else:
        outcome = _in_cli(case, root, inputs, given, plan, out, env or {})
    _check_run_dir(case, outcome, out)
    assert snapshot(root) == before, f"{case}: an input changed, or a file appeared among them"
    assert SECRET not in outcome.output + _all_text(out), f"{case}: the secret was read"
    if case.expect:
        assert (outcome.code == 0) == (case.expect == "finished"), (case.name, outcome.error, outcome.result)
    return outcome


def _in_cli(case: Case, root: Path, inputs: Path, given: list[Path], plan: Path | None,
            out: Path, env: Mapping[str, str]) -> Outcome:  # fmt: skip
    marker = uuid.uuid4().hex
    files = [arg for path in given for arg in ("-f", str(path))]
    if case.request is not None:
        args = ["run", case.request, *files, "--planner", "openai"]
    else:
        args = ["exec", str(plan), *files, *(a for s in case.sets for a in ("--set", s))]
    home = root / "home"
    full_env = troupe_env(TROUPE_HOME=str(home), TROUPE_FUZZ_MARK=marker, **env)
    try:
        code, stdout, stderr = _run(troupe_cmd(*args, "--out", str(out), "--json"), inputs, full_env, out,
                                    case.interrupt)  # fmt: skip
    finally:
        left = processes_marked(marker)
        for line in left:  # a failed case leaves nothing behind on the test machine either
            with contextlib.suppress(OSError):
                os.kill(int(line.split()[0]), signal.SIGKILL)
    where = f"{case}: exit {code}\n{stdout[-3000:]}\n{stderr[-3000:]}"
    assert not left, f"{case}: processes left running: {left}"
    assert "Traceback" not in stderr, where
    if case.interrupt and code == 130:
        assert stderr.strip() == "troupe: interrupted", where
        return Outcome(130, error=stderr.strip(), output=stderr, manifest=_manifest(out))
    assert code in (0, 2), where
    if not stdout.strip():  # refused before anything ran: one line (or one line an issue), no run
        first, *issues = stderr.strip().splitlines() or [""]
        assert code == 2 and first.startswith("troupe: error: "), where
        assert all(line.startswith("  - ") for line in issues) and (not issues or first.endswith(":")), where
        return Outcome(2, error=stderr.strip(), output=stderr)
    result = json.loads(stdout)
    return Outcome(code, result=result, output=stdout + stderr, manifest=_manifest(out))


def _run(cmd: list[str], cwd: Path, env: dict[str, str], out: Path, interrupt: bool) -> tuple[int, str, str]:
    """Run the CLI to its end; with ``interrupt``, send SIGINT once its run has a step running."""
    with subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        if interrupt:
            while proc.poll() is None and not _a_step_runs(out):
                time.sleep(0.02)
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        try:
            stdout, stderr = proc.communicate(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise
    text = (part.decode("utf-8", "backslashreplace") for part in (stdout, stderr))
    return proc.returncode, *text


def _a_step_runs(run_dir: Path) -> bool:
    try:
        steps = _manifest(run_dir)["steps"]
    except (OSError, ValueError, KeyError):
        return False
    return any(step.get("status") == "running" for step in steps.values())


def _in_web_session(case: Case, root: Path, given: list[Path], plan: Path | None, agent: Any) -> Outcome:
    from agent import Plan
    from tools import TroupeError
    from web._session import Session

    session = Session(root / "web", max_upload_bytes=50_000_000)
    uploads = session.accept_uploads(given).accepted
    children = child_processes()
    try:
        result = agent(root / "agent-runs").run(
            None, session.user_files(uploads), plan=Plan.load(plan), out_dir=session.new_run_dir("fuzz")
        )
    except TroupeError as e:
        line = str(e)
        assert "\n" not in line and "Traceback" not in line, f"{case}: {line}"
        outcome = Outcome(2, error=line, output=line)
    else:
        data = json.loads(json.dumps(result.to_dict(), default=str))
        refused = any(s.error_type == "BadInput" for s in result.steps)
        code = 0 if result.ok else 2 if refused else 1
        outcome = Outcome(code, result=data, output=json.dumps(data), manifest=_manifest(result.run_dir))
        assert code in (0, 2), f"{case}: {[(s.id, s.status, s.error) for s in result.steps]}"
    left = child_processes() - children
    assert not left, f"{case}: processes left running: {left}"
    return outcome


def _check_run_dir(case: Case, outcome: Outcome, out: Path) -> None:
    manifest = outcome.manifest
    if manifest is None:
        assert not out.exists(), f"{case}: refused before running, yet {out} was made"
        return
    for step in outcome.result["steps"] if outcome.result else ():
        error = step.get("error") or ""
        assert "\n" not in error and "Traceback" not in error, f"{case}: step {step['id']}: {error}"
        assert step["status"] in ("finished", "cached") or outcome.refused, f"{case}: {step}"
    ends = ("cancelled",) if outcome.code == 130 else ("finished", "failed", "cancelled")
    assert manifest["status"] in ends, f"{case}: run {manifest['status']}"
    steps = manifest["steps"]
    for sid, step in steps.items():
        assert step["status"] in FINAL_STATUSES, f"{case}: step {sid} left {step['status']}"
        assert "traceback" not in step, f"{case}: step {sid} crashed:\n{step['traceback']}"
    for entry in out.iterdir():
        if entry.name in ("run.json", ".partial"):
            continue
        status = steps.get(entry.name, {}).get("status")
        assert status in ("finished", "cached"), f"{case}: {entry} is there, but its step is {status}"
    for sid, step in steps.items():
        for path in _paths(step.get("output")) if step["status"] in ("finished", "cached") else ():
            assert Path(path).is_file(), f"{case}: step {sid} says it made {path}, which is missing"


def _manifest(run_dir: Path) -> dict:
    return json.loads((Path(run_dir) / "run.json").read_text(encoding="utf-8"))


def _paths(output: Any) -> list[str]:
    if isinstance(output, str):
        return [output] if output.startswith("/") and Path(output).suffix else []
    if isinstance(output, dict):
        return [p for v in output.values() for p in _paths(v)]
    if isinstance(output, list):
        return [p for v in output for p in _paths(v)]
    return []


def sample(cases: Sequence[T], n: int, group: Callable[[T], str] = str) -> list[T]:
    """``n`` of ``cases`` (all under ``TROUPE_FUZZ=all``), drawn with the seed so that every
    group is drawn once before any group is drawn twice; in their original order."""
    mode = os.environ.get("TROUPE_FUZZ", "sample")
    if mode == "all":
        return list(cases)
    n = int(mode) if mode.isdigit() else n
    rng = random.Random(f"{SEED}:{n}:{len(cases)}")
    shuffled = rng.sample(list(cases), len(cases))
    picked: list[T] = []
    seen: dict[str, int] = {}
    for round_ in range(len(cases)):
        for case in shuffled:
            if len(picked) < n and case not in picked and seen.get(group(case), 0) == round_:
                picked.append(case)
                seen[group(case)] = round_ + 1
        if len(picked) >= n:
            break
    return [c for c in cases if c in picked]


# -- what is there ----------------------------------------------------------------------
def snapshot(root: Path) -> dict[str, str]:
    """SHA-256 of every file under ``root/in`` and ``root/outside``, by relative path."""
    found = {}
    for top in ("in", "outside"):
        for path in sorted((root / top).rglob("*")):
            if path.is_file() and not path.is_symlink():
                found[str(path.relative_to(root))] = _sha256(path)
            elif path.is_symlink():
                found[str(path.relative_to(root))] = "-> " + os.readlink(path)
    return found


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _all_text(run_dir: Path) -> str:
    if not run_dir.exists():
        return ""
    return "".join(
        p.read_bytes()[:1_000_000].decode("utf-8", "replace") for p in run_dir.rglob("*") if p.is_file()
    )


def processes_marked(marker: str) -> list[str]:
    """Live processes whose environment holds ``TROUPE_FUZZ_MARK=marker``: descendants of a
    case's CLI, wherever they were reparented."""
    needle = f"TROUPE_FUZZ_MARK={marker}".encode()
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if needle in (proc / "environ").read_bytes().split(b"\0"):
                    found.append(f"{proc.name} {(proc / 'cmdline').read_bytes()[:120]!r}")
            except OSError:
                continue  # gone, a zombie, or not ours
    return found


def child_processes() -> set[str]:
    """This process's live children, as "pid command"."""
    me, found = os.getpid(), set()
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                stat = (proc / "stat").read_text()
            except OSError:
                continue
            state, ppid = stat.rsplit(")", 1)[1].split()[:2]
            if int(ppid) == me and state != "Z":
                found.add(f"{proc.name} {stat.split(' ', 2)[1]}")
    return found
