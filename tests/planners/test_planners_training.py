"""Public tool-use data read as tools and cases, and the training command end to end on a
tiny data set of each format (the real data sets are arguments, never fetched)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from agent.planners._catalog import Catalog
from agent.planners._corpora import held_out, load_corpus, make_tool, snake_name
from agent.planners._relevance import FEATURES, NONE_FEATURES, Ensemble, Relevance, load_model
from agent.planners._request import read_request
from agent.planners.train import main as train_main
from tools import Image, Text
from tools._minilm import encoder

_SEAL_TOOLS = [
    {"api_name": "createPlaylist", "api_description": "Create a new music playlist", "parameters":
     {"playlist_name": {"type": "str", "description": "name of the playlist"}}, "required": ["playlist_name"],
     "responses": {"playlist_id": {"type": "str", "description": "id of the new playlist"}}},
    {"api_name": "addTrackToPlaylist", "api_description": "Add a track to a playlist", "parameters":
     {"playlist_id": {"type": "str", "description": "the playlist"}, "track_id": {"type": "int", "description": "the track"}},
     "required": ["playlist_id", "track_id"], "responses": {"status": {"type": "str", "description": "done or not"}}},
    {"api_name": "getWeather", "api_description": "Get the weather forecast of a city", "parameters":
     {"city": {"type": "str", "description": "the city"}}, "required": ["city"],
     "responses": {"forecast": {"type": "str", "description": "the forecast"}}},
]  # fmt: skip
_SEAL_CASES = [
    {"id": "dev-easy-0", "query": "What's the weather in Paris?",
     "calling": [{"api": "getWeather", "parameters": {"city": "Paris"}, "responses": ["API_call_0"]}]},
    {"id": "dev-difficult-1", "query": "Create a playlist called 'Road Trip'. Then add track 7 to it.",
     "calling": [{"api": "createPlaylist", "parameters": {"playlist_name": "Road Trip"}, "responses": ["API_call_0"]},
                 {"api": "addTrackToPlaylist", "parameters": {"playlist_id": "API_call_0", "track_id": 7},
                  "responses": ["API_call_1"]}]},
    {"id": "dev-easy-2", "query": "Make me a playlist named 'Focus'.",
     "calling": [{"api": "createPlaylist", "parameters": {"playlist_name": "Focus"}, "responses": ["API_call_0"]}]},
    {"id": "dev-easy-3", "query": "Will it rain in Oslo tomorrow?",
     "calling": [{"api": "getWeather", "parameters": {"city": "Oslo"}, "responses": ["API_call_0"]}]},
]  # fmt: skip


def _lines(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture
def seal(tmp_path: Path) -> Path:
    folder = tmp_path / "Seal-Tools_Dataset"
    folder.mkdir()
    _lines(folder / "tool.jsonl", _SEAL_TOOLS)
    return _lines(folder / "dev.jsonl", _SEAL_CASES)


@pytest.fixture
def taskbench(tmp_path: Path) -> Path:
    folder = tmp_path / "data_huggingface"
    folder.mkdir()
    nodes = [
        {"id": "Image Classification", "desc": "Image classification is the task of assigning a label to an "
         "image. It is useful for sorting photos.", "input-type": ["image"], "output-type": ["text"]},
        {"id": "Text-to-Speech", "desc": "Text-to-speech turns text into natural speech.", "input-type": ["text"],
         "output-type": ["audio"]},
    ]  # fmt: skip
    (folder / "tool_desc.json").write_text(json.dumps({"nodes": nodes}))
    rows = [
        {"id": str(1000 + i), "type": "chain", "instruction": f"Classify 'example.jpg' and read the label aloud ({i}).",
         "task_nodes": [{"task": "Image Classification", "arguments": ["example.jpg"]},
                        {"task": "Text-to-Speech", "arguments": ["<node-0>"]}],
         "task_links": [{"source": "Image Classification", "target": "Text-to-Speech"}]}
        for i in range(10)
    ]  # fmt: skip
    _lines(folder / "records.jsonl", rows)
    return folder


def test_seal_tools_become_sdk_tools_with_typed_results(seal):
    corpus = load_corpus(seal)
    spec = corpus.specs["add_track_to_playlist"]
    assert spec.params["track_id"].annotation is int and spec.params["playlist_id"].required
    assert set(corpus.specs["create_playlist"].outputs) == {"playlist_id"}
    nested = next(c for c in corpus.cases if len(c.tools) == 2)
    assert nested.tools == ["create_playlist", "add_track_to_playlist"]
    assert nested.edges == [("create_playlist", "add_track_to_playlist")]


def test_taskbench_tools_take_and_give_artifacts_and_a_share_is_held_out(taskbench):
    corpus = load_corpus(taskbench)
    classify = corpus.specs["image_classification"]
    assert classify.params["image"].annotation is Image and classify.returns is Text
    assert classify.summary == "Image classification is the task of assigning a label to an image."
    assert classify.description == "It is useful for sorting photos."
    case = corpus.cases[0]
    assert case.files == ["example.jpg"] and case.edges == [("image_classification", "text_to_speech")]
    kept = [held_out(c) for c in corpus.cases]
    assert any(kept) and not all(kept)  # some scored, some left for training


def test_tools_from_descriptions_are_valid_sdk_tools():
    spec = make_tool(
        snake_name("getFilmDetails"),
        "Retrieve details of a film. More words.",
        [("from", str, "", True)],
        Text,
    )
    assert spec.name == "get_film_details"
    assert list(spec.params) == ["from_"]  # a Python keyword is renamed, not refused
    assert spec.summary == "Retrieve details of a film."


@pytest.mark.slow  # embeds the tiny data sets with MiniLM and trains for an epoch with torch
def test_the_training_command_writes_weights_the_planner_loads(seal, taskbench, tmp_path):
    out = tmp_path / "relevance.npz"
    env = {**os.environ, "TROUPE_HOME": str(tmp_path / "home"), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "agent.planners.train", str(seal), str(taskbench), "--out", str(out), "--epochs", "2"],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "epoch  2" in done.stdout and "wrote" in done.stdout
    model = load_model(out)
    assert isinstance(model, Relevance)
    assert model.projection.shape == (384, 384)
    assert model.weights.shape == (len(FEATURES),) and model.none_weights.shape == (len(NONE_FEATURES),)
    assert not np.allclose(model.projection, np.eye(384))  # it learnt something
    assert [d["corpus"] for d in model.meta["data"]] == ["seal-dev", "taskbench-huggingface"]
    assert model.meta["command"].startswith("python -m agent.planners.train")

    # the planner loads the file named by TROUPE_PLANNER_WEIGHTS, without importing torch
    code = (
        "import sys; from agent.planners._relevance import relevance; "
        "print(relevance().meta['data'][0]['corpus'], 'torch' in sys.modules)"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True,
        env={**env, "TROUPE_PLANNER_WEIGHTS": str(out)}, timeout=120,
    )  # fmt: skip
    assert loaded.stdout.split() == ["seal-dev", "False"], loaded.stderr


@pytest.mark.slow  # two seeds of the training command on the tiny data sets
def test_members_train_from_seeds_and_the_planner_takes_their_mean(seal, taskbench, tmp_path):
    out = tmp_path / "ensemble.npz"
    env = {**os.environ, "TROUPE_HOME": str(tmp_path / "home"), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "agent.planners.train", str(seal), str(taskbench), "--out", str(out),
         "--epochs", "1", "--members", "2"],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "member seed 1" in done.stdout
    model = load_model(out)
    assert isinstance(model, Ensemble) and len(model.members) == 2
    first, second = model.members
    assert not np.allclose(first.projection, second.projection)  # different seeds, different models
    assert len(model.meta["validation"]) == 2 and "--members 2" in model.meta["command"]

    corpus = load_corpus(seal)
    catalog = Catalog(corpus.registry(), encoder())
    clauses = read_request("Make a playlist called 'Gym', then add track 3 to it", [], {}).clauses
    tools, none = model.probabilities(catalog, clauses, {})
    alone = [member.probabilities(catalog, clauses, {}) for member in model.members]
    (tools_0, none_0), (tools_1, none_1) = alone
    assert np.allclose(tools, (tools_0 + tools_1) / 2) and np.allclose(none, (none_0 + none_1) / 2)
    assert np.allclose(tools.sum(axis=1) + none, 1.0)


def test_the_head_rate_moves_the_weights_over_the_features_further_and_the_projection_alike(
    seal, taskbench, tmp_path, monkeypatch
):
    from agent.planners._relevance import PRIOR
    from agent.planners.train import _train

    monkeypatch.setenv("TROUPE_HOME", str(tmp_path / "home"))
    prior = np.array([PRIOR.get(name, 0.0) for name in FEATURES])
    (slow, _), (fast, _) = (_train([seal, taskbench], 1, 0, head_rate=rate) for rate in (1.0, 30.0))
    assert np.abs(fast.weights - prior).sum() > 3 * np.abs(slow.weights - prior).sum()
    assert np.allclose(fast.projection, slow.projection, atol=0.05)  # its rate is the same


def test_a_members_flag_below_one_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        train_main([str(tmp_path / "none.jsonl"), "--out", str(tmp_path / "x.npz"), "--members", "0"])
    assert stop.value.code == 2
    assert "--members must be at least 1" in capsys.readouterr().err
    assert not (tmp_path / "x.npz").exists()


@pytest.mark.parametrize("rate", ["0", "-1", "nan"])
def test_a_head_rate_that_is_not_above_zero_is_refused(tmp_path, capsys, rate):
    with pytest.raises(SystemExit) as stop:
        train_main([str(tmp_path / "none.jsonl"), "--out", str(tmp_path / "x.npz"), "--head-rate", rate])
    assert stop.value.code == 2
    assert "--head-rate must be above 0" in capsys.readouterr().err
    assert not (tmp_path / "x.npz").exists()


def test_cached_examples_are_kept_within_a_size_the_least_recently_used_going_first(
    seal, tmp_path, monkeypatch
):
    from agent.planners import train

    monkeypatch.setenv("TROUPE_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(train, "CACHE_BYTES", 2500)
    corpus = load_corpus(seal)
    made = []

    def make(size: int, seed: int) -> list:
        made.append(seed)
        return [b"x" * size]

    folder = tmp_path / "home" / "cache" / "planner"
    assert train._cached(seal, corpus, 0, make, 1000) == [b"x" * 1000]
    first = next(folder.glob("train-*.pkl"))
    os.utime(first, (1, 1))  # long unused…
    assert train._cached(seal, corpus, 0, make, 1000) == [b"x" * 1000]  # …until read again
    assert made == [0] and first.stat().st_mtime > 1
    train._cached(seal, corpus, 1, make, 1000)  # another seed: a second file; both fit
    assert len(list(folder.glob("train-*.pkl"))) == 2
    os.utime(first, (1, 1))
    train._cached(seal, corpus, 2, make, 1000)  # a third would pass the limit: the oldest goes
    assert sorted(made) == [0, 1, 2]
    assert not first.exists() and len(list(folder.glob("train-*.pkl"))) == 2
