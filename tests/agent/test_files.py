"""What a plan's ``@`` references may reach: plan names of given files, and confinement."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import numpy as np
import pytest

from agent import Plan, PlanError, UserFiles, validate_plan
from agent._files import plan_names
from tools import Audio, Json, LocalPath, Registry, tool
from tools._media import write_wav


@tool
def count_words(text: str) -> Json:
    """Count words.

    Args:
        text: the text.
    """


@tool
def mix(tracks: list[Audio]) -> Audio:
    """Mix tracks.

    Args:
        tracks: the recordings.
    """


@tool
def load_model(checkpoint: Annotated[str, LocalPath()] | None = None) -> Json:
    """Load a model.

    Args:
        checkpoint: a model file on this machine.
    """


REGISTRY = Registry([count_words, mix, load_model])


def issues(args: dict, files: UserFiles, tool_name: str = "count_words") -> list[str]:
    plan = Plan.from_data({"steps": [{"id": "x", "tool": tool_name, "args": args}]})
    with pytest.raises(PlanError) as info:
        validate_plan(plan, REGISTRY, files)
    return [str(i) for i in info.value.issues]


def wav(path: Path, freq_hz: float = 440.0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(1600) / 16000
    return write_wav(path, 0.3 * np.sin(2 * np.pi * freq_hz * t), 16000)


@pytest.fixture
def session(tmp_path: Path) -> dict[str, Path]:
    """A web-like layout: the session's uploads and runs, and files outside it."""
    root = tmp_path / "session"
    (root / "uploads").mkdir(parents=True)
    (root / "uploads" / "notes.txt").write_text("my own notes")
    (root / "runs" / "r1" / "s").mkdir(parents=True)
    (root / "runs" / "r1" / "s" / "out.txt").write_text("an earlier result")
    (tmp_path / "secret.txt").write_text("the server's secret")
    (root / "uploads" / "link.txt").symlink_to(tmp_path / "secret.txt")
    return {"root": root, "uploads": root / "uploads", "secret": tmp_path / "secret.txt"}


def confined(session: dict[str, Path], files=()) -> UserFiles:
    root = session["root"]
    return UserFiles(
        files,
        base_dir=session["uploads"],
        roots=[root / "uploads", root / "runs"],
        scope="this session's files",
    )


# -- plan names --------------------------------------------------------------------------
def test_files_with_one_name_get_the_shortest_path_end_that_tells_them_apart(tmp_path):
    a, b, c = wav(tmp_path / "d1" / "song.wav"), wav(tmp_path / "d2" / "song.wav"), wav(tmp_path / "x.wav")
    deep = wav(tmp_path / "e" / "d1" / "song.wav")
    assert list(plan_names([a, b, c, a]).values()) == ["d1/song.wav", "d2/song.wav", "x.wav"]
    assert list(plan_names([a, deep]).values()) == [f"{tmp_path.name}/d1/song.wav", "e/d1/song.wav"]
    assert list(plan_names([wav(tmp_path / "@me.wav")]).values()) == ["./@me.wav"]  # "@@" is a literal


def test_two_files_with_one_name_stay_two_inputs(tmp_path):
    a, b = wav(tmp_path / "d1" / "song.wav", 440), wav(tmp_path / "d2" / "song.wav", 660)
    files = UserFiles([a, b])
    assert [files.ref(a), files.ref(b)] == ["@d1/song.wav", "@d2/song.wav"]
    plan = Plan.from_data(
        {"steps": [{"id": "m", "tool": "mix", "args": {"tracks": [files.ref(a), files.ref(b)]}}]}
    )
    tracks = validate_plan(plan, REGISTRY, files).steps["m"].args["tracks"]
    assert [t.path for t in tracks] == [a.resolve(), b.resolve()]
    [msg] = issues({"tracks": ["@song.wav"]}, files, "mix")
    assert msg == (
        "step 'x': argument 'tracks': @song.wav could be any of several files given; "
        "write @d1/song.wav or @d2/song.wav"
    )


def test_given_files_are_taken_from_the_current_folder_not_base_dir(tmp_path, monkeypatch):
    here = wav(tmp_path / "song.wav", 440)
    wav(tmp_path / "plans" / "song.wav", 660)
    other = wav(tmp_path / "plans" / "other.wav")
    monkeypatch.chdir(tmp_path)
    files = UserFiles(["song.wav"], base_dir=tmp_path / "plans")
    assert files.paths == [here.resolve()]
    assert files.lookup("song.wav") == here.resolve()
    assert files.lookup("other.wav") == other.resolve()  # a file not given is a path from base_dir


# -- open and confined ---------------------------------------------------------------------
def test_an_open_plan_may_name_any_file(session):
    files = UserFiles(base_dir=session["uploads"])
    assert files.lookup(str(session["secret"])) == session["secret"]
    assert files.lookup("../../secret.txt") == session["secret"]


@pytest.mark.parametrize(
    "ref",
    [
        "@/etc/passwd",
        "@../../secret.txt",  # .. out of the uploads
        "@link.txt",  # a symlink inside the uploads that points out
        "@../../missing.txt",  # outside: whether it exists is not told
        "@/proc/self/environ",
    ],
)
def test_a_confined_plan_cannot_name_files_outside_its_roots(session, ref):
    [msg] = issues({"text": ref}, confined(session, [session["uploads"] / "notes.txt"]))
    assert msg == f"step 'x': argument 'text': {ref} is outside this session's files; files given: @notes.txt"


def test_a_confined_plan_reads_given_files_and_files_inside_its_roots(session):
    root = session["root"]
    files = confined(session)
    for ref, path in [
        ("notes.txt", root / "uploads" / "notes.txt"),
        ("../runs/r1/s/out.txt", root / "runs" / "r1" / "s" / "out.txt"),
        (str(root / "runs" / "r1" / "s" / "out.txt"), root / "runs" / "r1" / "s" / "out.txt"),
    ]:
        assert files.lookup(ref) == path.resolve()
    [msg] = issues({"text": "@gone.txt"}, files)
    assert msg == "step 'x': argument 'text': file @gone.txt not found (no files were given); pass it with -f"


def test_a_given_file_is_readable_wherever_it_lies(session):
    files = UserFiles([session["secret"]], roots=[])  # the request's own file, outside every root
    assert files.lookup("secret.txt") == session["secret"]
    assert files.lookup(str(session["secret"])) == session["secret"]
    [msg] = issues({"text": "@/etc/hostname"}, files)
    assert "@/etc/hostname is outside the files given with the request; files given: @secret.txt" in msg


def test_a_literal_cannot_stand_for_a_file(session):
    # Were {"path": ...} accepted as an artifact, it would name a file past every check.
    [msg] = issues({"tracks": [{"path": str(session["secret"])}]}, confined(session), "mix")
    assert msg.startswith("step 'x': argument 'tracks' wants list[Audio]: give a user file '@name'")
    [msg] = issues({"tracks": [{"path": "/etc/passwd"}]}, UserFiles(), "mix")  # open plans too
    assert "not the literal [{'path': '/etc/passwd'}]" in msg


def test_symlinked_roots_are_judged_by_their_target(tmp_path, session):
    alias = tmp_path / "alias"
    os.symlink(session["root"], alias)
    files = UserFiles(base_dir=alias / "uploads", roots=[alias / "uploads"])
    assert files.lookup("notes.txt") == (session["uploads"] / "notes.txt").resolve()
    with pytest.raises(Exception, match="outside"):
        files.lookup("link.txt")


# -- paths in text arguments ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("{secret}", "@{secret} is outside this session's files"),
        ("../../secret.txt", "@../../secret.txt is outside this session's files"),
        ("link.txt", "@link.txt is outside this session's files"),
        ("hf:owner/name", "file @hf:owner/name not found"),
        ("@notes.txt", "write it as text, not @notes.txt"),  # its content would be the path
        ("$other", "write it as text, not $other"),
    ],
)
def test_a_confined_plan_names_a_path_argument_only_inside_its_roots(session, value, said):
    value, said = (v.replace("{secret}", str(session["secret"])) for v in (value, said))
    [msg] = issues({"checkpoint": value}, confined(session), "load_model")
    assert msg.startswith(f"step 'x': argument 'checkpoint' is a path on this machine: {said}"), msg


def test_a_path_argument_inside_the_roots_reaches_the_tool_resolved_and_an_open_plan_is_left_alone(session):
    plan = Plan.from_data({"steps": [{"id": "x", "tool": "load_model", "args": {"checkpoint": "notes.txt"}}]})
    bound = validate_plan(plan, REGISTRY, confined(session)).steps["x"].args
    assert bound == {"checkpoint": str((session["uploads"] / "notes.txt").resolve())}
    secret = {"checkpoint": str(session["secret"])}
    plan = Plan.from_data({"steps": [{"id": "x", "tool": "load_model", "args": secret}]})
    assert validate_plan(plan, REGISTRY, UserFiles()).steps["x"].args == secret
