"""``pull`` against a local hub: files verified, progress, resume after a cut, corruption refused."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.models.conftest import REPO
from tests.models.hub import COMMIT, FakeHub
from tools._model_pull import PullError, pull
from tools._models import CATALOG, MANIFEST, installed, model_path

ENTRY = CATALOG["musicgen-small"]
NEEDED = (
    "config.json",
    "generation_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "model.safetensors",
)


def home() -> Path:
    return Path(os.environ["TROUPE_HOME"]) / "models"


def test_pull_fetches_the_needed_files_pinned_to_the_commit_with_progress(hub: FakeHub) -> None:
    seen: dict[str, list[tuple[int, int]]] = {}
    found = pull(ENTRY, lambda name, done, total: seen.setdefault(name, []).append((done, total)))

    assert found.path == home() / "musicgen-small" and found.revision == COMMIT
    for name in NEEDED:
        assert (found.path / name).read_bytes() == hub.repos[REPO][name]
    assert not (found.path / "README.md").exists()
    assert json.loads((found.path / MANIFEST).read_text())["revision"] == COMMIT
    assert all(f"/resolve/{COMMIT}/" in p for p, _ in hub.requests if "/resolve/" in p)
    weights = seen["model.safetensors"]
    size = len(hub.repos[REPO]["model.safetensors"])
    assert len(weights) >= 3 and weights[-1] == (size, size)  # 3 MiB in 1 MiB chunks
    assert [d for d, _ in weights] == sorted(d for d, _ in weights)
    assert model_path("musicgen-small") == found.path
    assert installed("musicgen-small").source == "pulled"


def test_a_cut_transfer_resumes_with_a_range_request(hub: FakeHub) -> None:
    hub.cut.add("model.safetensors")
    found = pull(ENTRY)

    weights = [r for p, r in hub.requests if p.endswith("/model.safetensors")]
    assert weights[0] is None and weights[1] is not None and weights[1] != "bytes=0-"
    assert (found.path / "model.safetensors").read_bytes() == hub.repos[REPO]["model.safetensors"]


def test_a_pull_interrupted_earlier_resumes_from_its_partial_file(hub: FakeHub) -> None:
    data = hub.repos[REPO]["model.safetensors"]
    staging = home() / ".musicgen-small.partial"
    staging.mkdir(parents=True)
    (staging / "model.safetensors.part").write_bytes(data[:1000])  # what a killed pull left

    found = pull(ENTRY)

    assert ("/" + REPO + f"/resolve/{COMMIT}/model.safetensors", "bytes=1000-") in hub.requests
    assert (found.path / "model.safetensors").read_bytes() == data
    assert not staging.exists()


def test_a_checksum_mismatch_is_refused_and_nothing_is_installed(hub: FakeHub) -> None:
    hub.corrupt.add("model.safetensors")
    with pytest.raises(PullError, match=r"checksum mismatch for model\.safetensors"):
        pull(ENTRY)
    assert model_path("musicgen-small") is None
    assert not (home() / ".musicgen-small.partial" / "model.safetensors.part").exists()


def test_a_small_file_is_checked_by_its_git_blob_id(hub: FakeHub) -> None:
    hub.corrupt.add("config.json")
    with pytest.raises(PullError, match=r"checksum mismatch for config\.json"):
        pull(ENTRY)


def test_a_repository_without_a_needed_file_is_refused_before_downloading(hub: FakeHub) -> None:
    del hub.repos[REPO]["tokenizer.json"]
    with pytest.raises(PullError, match=r"lacks tokenizer\.json"):
        pull(ENTRY)
    assert not any("/resolve/" in p for p, _ in hub.requests)


def test_a_sharded_checkpoint_comes_with_every_shard_and_counts_only_when_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.models.hub import serving

    entry = CATALOG["musicgen-melody"]
    shards = {f"model-0000{i}-of-00002.safetensors": os.urandom(1000 + i) for i in (1, 2)}
    index = {"metadata": {}, "weight_map": {"a.weight": "model-00001-of-00002.safetensors",
                                            "b.weight": "model-00002-of-00002.safetensors"}}  # fmt: skip
    repo = {
        "config.json": json.dumps({"model_type": "musicgen_melody"}).encode(),
        **{name: b"{}" for name in ("generation_config.json", "tokenizer.json", "tokenizer_config.json")},
        "preprocessor_config.json": b"{}",
        "model.safetensors.index.json": json.dumps(index).encode(),
        **shards,
        "state_dict.bin": b"audiocraft's own checkpoint, not needed",
    }
    with serving(FakeHub(repos={entry.repo_id: repo}), monkeypatch):
        found = pull(entry)

    for name, data in shards.items():
        assert (found.path / name).read_bytes() == data
    assert not (found.path / "state_dict.bin").exists()
    assert installed("musicgen-melody") is not None
    (found.path / "model-00002-of-00002.safetensors").unlink()  # a shard lost: not installed any more
    assert installed("musicgen-melody") is None
