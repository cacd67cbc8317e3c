"""``troupe models`` as a user runs it: list, info, import, rm, pull, and the one-line refusals."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

from tests.agent.clirun import one_line_error, troupe, troupe_env
from tests.models.conftest import small_repo
from tests.models.hub import COMMIT, FakeHub


def a_folder(path: Path, files: dict[str, bytes]) -> Path:
    path.mkdir(parents=True)
    for name, data in files.items():
        (path / name).write_bytes(data)
    return path


def as_json(*args: str, **env: str) -> object:
    out = troupe("models", *args, "--json", env=troupe_env(**env))
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_list_names_every_model_its_licence_and_whether_it_is_installed() -> None:
    models = {m["name"]: m for m in as_json("list")}
    assert {
        "musicgen-small",
        "musicgen-medium",
        "whisper-tiny",
        "whisper-base",
        "whisper-small",
    } <= models.keys()
    small = models["musicgen-small"]
    assert small["licence"] == "CC-BY-NC-4.0" and small["non_commercial"] is True
    assert (small["tool"], small["backend"], small["installed"]) == ("music_generate", "musicgen", None)
    whisper = models["whisper-small"]
    assert (whisper["tool"], whisper["backend"], whisper["licence"]) == (
        "transcribe",
        "whisper",
        "Apache-2.0",
    )
    text = troupe("models").stdout
    assert "musicgen-small" in text and "non-commercial" in text


def test_import_info_rm_round_trip(tmp_path: Path) -> None:
    source = a_folder(tmp_path / "copied", small_repo())
    before = {p.name: p.read_bytes() for p in source.iterdir()}

    done = as_json("import", "musicgen-small", str(source))
    dest = Path(os.environ["TROUPE_HOME"]) / "models" / "musicgen-small"
    assert done["path"] == str(dest) and done["source"] == "imported"
    assert done["revision"].startswith("sha256:")
    assert {p.name: p.read_bytes() for p in source.iterdir()} == before  # the source is untouched

    info = as_json("info", "musicgen-small")
    assert info["installed"] == {"path": str(dest), "source": "imported", "revision": done["revision"]}
    assert "NON-COMMERCIAL" in troupe("models", "info", "musicgen-small").stdout

    assert as_json("rm", "musicgen-small")["removed"] == [str(dest)]
    assert not dest.exists() and as_json("info", "musicgen-small")["installed"] is None
    assert "not installed" in one_line_error(troupe("models", "rm", "musicgen-small"))


def test_the_same_content_imports_as_the_same_revision_and_other_content_as_another(tmp_path: Path) -> None:
    files = small_repo()
    first = as_json("import", "musicgen-small", str(a_folder(tmp_path / "a", files)))["revision"]
    again = as_json("import", "musicgen-small", str(a_folder(tmp_path / "b", files)))["revision"]
    files["model.safetensors"] += b"\0"
    other = as_json("import", "musicgen-small", str(a_folder(tmp_path / "c", files)))["revision"]
    assert first == again != other


def test_unknown_model_lists_the_known_ones() -> None:
    for action in ("info", "pull", "rm"):
        line = one_line_error(troupe("models", action, "musicgen-large"))
        assert "unknown model 'musicgen-large'" in line and "musicgen-small" in line
    line = one_line_error(troupe("models", "import", "nope", "."))
    assert "known models:" in line


def test_import_names_the_missing_files_and_refuses_another_model(tmp_path: Path) -> None:
    files = small_repo()
    del files["tokenizer.json"], files["model.safetensors"]
    line = one_line_error(troupe("models", "import", "musicgen-small", str(a_folder(tmp_path / "x", files))))
    assert "lacks tokenizer.json, model.safetensors or pytorch_model.bin" in line

    files = small_repo() | {"config.json": b'{"model_type": "whisper"}'}
    line = one_line_error(troupe("models", "import", "musicgen-small", str(a_folder(tmp_path / "w", files))))
    assert "model_type 'whisper', expected 'musicgen'" in line

    line = one_line_error(troupe("models", "import", "musicgen-small", str(tmp_path / "absent")))
    assert "is not a folder" in line
    assert as_json("info", "musicgen-small")["installed"] is None


def test_pull_without_a_network_is_one_line_and_exit_2() -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = troupe_env(HF_ENDPOINT=f"http://127.0.0.1:{port}")
    line = one_line_error(troupe("models", "pull", "musicgen-small", "--yes", env=env))
    assert "cannot reach" in line and "troupe models import" in line


def test_pull_flags_the_licence_and_asks_for_yes(hub: FakeHub) -> None:
    env = troupe_env()  # HF_ENDPOINT points at the local hub
    line = one_line_error(troupe("models", "pull", "musicgen-small", env=env))
    assert "CC-BY-NC-4.0" in line and "--yes" in line
    assert not any("/resolve/" in p for p, _ in hub.requests)  # nothing downloaded

    out = troupe("models", "pull", "musicgen-small", "--yes", "--json", env=env)
    assert out.returncode == 0, out.stderr
    assert "NON-COMMERCIAL" in out.stderr and "model.safetensors" in out.stderr  # licence line, progress bar
    result = json.loads(out.stdout)
    assert result["revision"] == COMMIT and result["source"] == "pulled"
    assert as_json("info", "musicgen-small")["installed"]["source"] == "pulled"


def test_a_model_in_the_hugging_face_cache_is_found_and_left_alone(tmp_path: Path) -> None:
    repo = tmp_path / "hub" / "models--facebook--musicgen-small"
    a_folder(repo / "snapshots" / COMMIT, small_repo())
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(COMMIT)
    env = {"HF_HUB_CACHE": str(tmp_path / "hub")}

    info = as_json("info", "musicgen-small", **env)
    assert info["installed"] == {
        "path": str(repo / "snapshots" / COMMIT),
        "source": "hf-cache",
        "revision": COMMIT,
    }
    line = one_line_error(troupe("models", "rm", "musicgen-small", env=troupe_env(**env)))
    assert "Hugging Face cache" in line and (repo / "snapshots" / COMMIT / "model.safetensors").exists()
    (repo / "snapshots" / COMMIT / "tokenizer.json").unlink()  # incomplete: not installed
    assert as_json("info", "musicgen-small", **env)["installed"] is None
