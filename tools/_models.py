"""Known neural models and where their files live on this machine; nothing here goes online.

A model is found in one of two places, in this order:

1. ``$TROUPE_HOME/models/<name>/`` — a folder written by ``troupe models pull`` or
   ``troupe models import``, with a ``troupe-model.json`` manifest saying where it came from
   and which revision it is;
2. the Hugging Face cache (``$HF_HUB_CACHE``, else ``$HF_HOME/hub``, else
   ``~/.cache/huggingface/hub``) — a snapshot of the model's repository that another tool
   (``huggingface-cli download``, transformers) already fetched.

Either way a folder counts only when every file the entry needs is in it; backends load it
with ``from_pretrained(folder, local_files_only=True)``. Only ``troupe models pull`` (in
``agent/_models_cli.py`` and :mod:`tools._model_pull`) reaches the network.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .errors import BadInput

__all__ = [
    "CATALOG",
    "MANIFEST",
    "Installed",
    "best_installed",
    "ModelEntry",
    "check_folder",
    "find_model",
    "hf_cache_dir",
    "installed",
    "missing_files",
    "model_path",
    "models_home",
    "shards",
    "weight_files",
    "weights_file",
]

#: The manifest ``pull`` and ``import`` write into a model folder.
MANIFEST = "troupe-model.json"
_INDEX = ".index.json"  # transformers' sharded checkpoints: model.safetensors.index.json


@dataclass(frozen=True)
class ModelEntry:
    """A model Troupe knows how to fetch and, when ``backend`` is set, how to use.

    Attributes:
        name: the name used on the command line (``musicgen-small``).
        task: what the model does, in a few words.
        tool: the tool it gives a backend to, or None when no tool uses it yet.
        backend: the value of that tool's ``backend`` argument it enables (None: not usable yet).
        repo_id: its Hugging Face repository.
        revision: the branch, tag or commit ``pull`` fetches.
        files: files the folder must hold.
        weights: weight files of which the folder must hold at least one (pulled: the first
            one the repository has); a ``*.index.json`` stands for transformers' sharded
            weights: the folder must hold every shard it names (:func:`weight_files`).
        size: approximate download size, for people.
        licence: SPDX identifier of the weights' licence.
        non_commercial: the licence forbids commercial use; ``pull`` says so before downloading.
        rank: among models of the same backend, ``auto`` prefers the higher rank (MusicGen's
            melody model ranks lowest: it is chosen for a melody, or when it is the only one).
        model_type: ``model_type`` its ``config.json`` must declare (None: not checked).
        optional: files ``pull`` and ``import`` also copy when the source has them (older
            tokenizer formats), not needed for the folder to count as installed.
        download_url: where the weights are published when no Hub repository mirrors them
            (``repo_id`` is then empty): ``pull`` says to fetch it by hand and ``import`` it.
    """

    name: str
    task: str
    tool: str | None
    backend: str | None
    repo_id: str
    revision: str
    files: tuple[str, ...]
    weights: tuple[str, ...]
    size: str
    licence: str
    non_commercial: bool = False
    rank: int = 0
    model_type: str | None = None
    optional: tuple[str, ...] = ()
    download_url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_MUSICGEN_FILES = ("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json")
_WEIGHTS = ("model.safetensors", "pytorch_model.bin")
_WHISPER_FILES = (
    "config.json", "generation_config.json", "preprocessor_config.json", "tokenizer.json", "tokenizer_config.json",
)  # fmt: skip
# The Hub's Whisper repositories keep special tokens in these older files too.
_WHISPER_OPTIONAL = (
    "special_tokens_map.json",
    "added_tokens.json",
    "vocab.json",
    "merges.txt",
    "normalizer.json",
)

# Kokoro-82M as onnx-community exported it (Apache-2.0, like hexgrad/Kokoro-82M): ``config.json``
# only names the model type; the phoneme vocabulary is ``tokenizer.json``'s; each voice is a raw
# float32 style table ``voices/<name>.bin`` (510 × 1 × 256). af_heart is the default voice; the
# other American (a*) and British (b*) English voices come along when the source has them.
_KOKORO_VOICES = tuple(
    f"voices/{v}.bin"
    for v in (
        "af_alloy", "af_aoede", "af_bella", "af_jessica", "af_kore", "af_nicole", "af_nova", "af_river",
        "af_sarah", "af_sky", "am_adam", "am_echo", "am_eric", "am_fenrir", "am_liam", "am_michael",
        "am_onyx", "am_puck", "am_santa", "bf_alice", "bf_emma", "bf_isabella", "bf_lily", "bm_daniel", "bm_fable",
        "bm_george", "bm_lewis",
    )
)  # fmt: skip

_DEMUCS = "https://dl.fbaipublicfiles.com/demucs/hybrid_transformer/"

#: Every model ``troupe models`` knows, by name (the Hub's model cards give Whisper's weights as
#: Apache-2.0). Meta publishes HTDemucs' checkpoints at dl.fbaipublicfiles.com, under the MIT
#: licence of the Demucs repository; ``teamup-tech/Demucs-weights`` mirrors ``htdemucs``'s on the
#: Hub under its original path (the second half of the file name starts its SHA-256). No Hub
#: repository mirrors ``htdemucs_6s``, so it is imported from Meta's file.
CATALOG: dict[str, ModelEntry] = {
    e.name: e
    for e in (
        ModelEntry(
            name="musicgen-small", task="music from a description", tool="music_generate",
            backend="musicgen", repo_id="facebook/musicgen-small", revision="main",
            files=_MUSICGEN_FILES, weights=_WEIGHTS, size="≈2.4 GB", licence="CC-BY-NC-4.0",
            non_commercial=True, rank=1, model_type="musicgen",
        ),
        ModelEntry(
            name="musicgen-medium", task="music from a description", tool="music_generate",
            backend="musicgen", repo_id="facebook/musicgen-medium", revision="main",
            files=_MUSICGEN_FILES, weights=_WEIGHTS, size="≈8 GB", licence="CC-BY-NC-4.0",
            non_commercial=True, rank=2, model_type="musicgen",
        ),
        ModelEntry(
            name="musicgen-melody", task="music from a description, following a melody", tool="music_generate",
            backend="musicgen", repo_id="facebook/musicgen-melody", revision="main",
            files=(*_MUSICGEN_FILES, "preprocessor_config.json"),
            weights=("model.safetensors.index.json", *_WEIGHTS), size="≈6.2 GB", licence="CC-BY-NC-4.0",
            non_commercial=True, rank=0, model_type="musicgen_melody",
        ),
        *(
            ModelEntry(
                name=f"whisper-{size}", task="speech to text with word timings, 99 languages",
                tool="transcribe", backend="whisper", repo_id=f"openai/whisper-{size}", revision="main",
                files=_WHISPER_FILES, weights=_WEIGHTS, size=download, licence="Apache-2.0", rank=rank,
                model_type="whisper", optional=_WHISPER_OPTIONAL,
            )
            for size, download, rank in (("tiny", "≈150 MB", 1), ("base", "≈290 MB", 2), ("small", "≈1 GB", 3))
        ),
        ModelEntry(
            name="htdemucs", task="music into vocals, drums, bass and other", tool="music_separate",
            backend="htdemucs", repo_id="teamup-tech/Demucs-weights", revision="main", files=(),
            weights=("hybrid_transformer/955717e8-8726e21a.th", "955717e8-8726e21a.th"), size="≈84 MB",
            licence="MIT", rank=1,
        ),
        ModelEntry(
            name="htdemucs_6s", task="music into vocals, drums, bass, guitar, piano and other",
            tool="music_separate", backend="htdemucs", repo_id="", revision="", files=(),
            weights=("5c90dfd2-34c22ccb.th",), size="≈55 MB", licence="MIT", rank=2,
            download_url=_DEMUCS + "5c90dfd2-34c22ccb.th",
        ),
        ModelEntry(
            name="kokoro-82m", task="English speech, 28 voices, with phoneme timings", tool="text_to_speech",
            backend="kokoro", repo_id="onnx-community/Kokoro-82M-v1.0-ONNX", revision="main",
            files=("config.json", "tokenizer.json", "voices/af_heart.bin"),
            weights=("onnx/model.onnx", "onnx/model_quantized.onnx"), size="≈340 MB", licence="Apache-2.0",
            rank=1, model_type="style_text_to_speech_2", optional=_KOKORO_VOICES,
        ),
    )
}  # fmt: skip


@dataclass(frozen=True)
class Installed:
    """An installed model: its folder, how it got there and the revision of its files."""

    entry: ModelEntry
    path: Path
    source: str  # "pulled", "imported" or "hf-cache"
    revision: str


def models_home() -> Path:
    """Where pulled and imported models live: ``$TROUPE_HOME/models`` (``~/.troupe/models``)."""
    return Path(os.environ.get("TROUPE_HOME") or Path.home() / ".troupe").expanduser() / "models"


def hf_cache_dir() -> Path:
    """The Hugging Face hub cache, found the way ``huggingface_hub`` finds it."""
    if cache := os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE"):
        return Path(cache).expanduser()
    home = (
        os.environ.get("HF_HOME")
        or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "huggingface"
    )
    return Path(home).expanduser() / "hub"


def find_model(name: str) -> ModelEntry:
    """The catalog entry called ``name``.

    Raises:
        BadInput: no model has that name (the message lists the known ones).
    """
    if name in CATALOG:
        return CATALOG[name]
    raise BadInput(f"unknown model {name!r}; known models: {', '.join(CATALOG)}")


def missing_files(entry: ModelEntry, folder: Path) -> list[str]:
    """The files ``entry`` needs that ``folder`` lacks (weights as "a or b", and the shards a
    sharded checkpoint's index names)."""
    missing = [f for f in entry.files if not (folder / f).is_file()]
    if entry.weights and not any((folder / w).is_file() for w in entry.weights):
        missing.append(" or ".join(entry.weights))
    return missing + [f for f in weight_files(entry, folder)[1:] if not (folder / f).is_file()]


def weights_file(entry: ModelEntry, folder: Path) -> str | None:
    """The first of ``entry.weights`` that ``folder`` holds."""
    return next((w for w in entry.weights if (folder / w).is_file()), None)


def weight_files(entry: ModelEntry, folder: Path) -> list[str]:
    """The weights ``folder`` holds for ``entry``: the file :func:`weights_file` picks and, when
    that is a sharded checkpoint's index (``model.safetensors.index.json``), every shard its
    ``weight_map`` names (present or not); an index that cannot be read names none."""
    first = weights_file(entry, folder)
    if first is None:
        return []
    if not first.endswith(_INDEX):
        return [first]
    try:
        mapping = json.loads((folder / first).read_text(encoding="utf-8"))["weight_map"]
        names = sorted({str(v) for v in mapping.values()})
        names = [n for n in names if Path(n).name == n and n not in (".", "..")]  # no way out of the folder
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        names = []
    return [first, *names]


def shards(index: str, names: list[str]) -> list[str]:
    """Among a repository's file ``names``, the shards that sharded checkpoint ``index``
    (``model.safetensors.index.json``) is saved with: ``model-00001-of-00002.safetensors``…"""
    stem, ext = index.removesuffix(_INDEX).rsplit(".", 1)
    pattern = re.compile(rf"{re.escape(stem)}-\d+-of-\d+\.{re.escape(ext)}")
    return sorted(n for n in names if pattern.fullmatch(n))


def check_folder(entry: ModelEntry, folder: Path) -> None:
    """Make sure ``folder`` holds model ``entry``: every needed file, the right model type.

    Raises:
        BadInput: not a folder, files missing (named), or a config of another kind of model.
    """
    if not folder.is_dir():
        raise BadInput(f"{folder} is not a folder; give the folder that holds {entry.name}'s files")
    missing = missing_files(entry, folder)
    if missing:
        raise BadInput(f"{folder} is not a {entry.name} folder: it lacks {', '.join(missing)}")
    if entry.model_type and "config.json" in entry.files:
        try:
            kind = json.loads((folder / "config.json").read_text(encoding="utf-8")).get("model_type")
        except (OSError, ValueError, AttributeError):
            kind = None
        if kind != entry.model_type:
            raise BadInput(
                f"{folder} is not a {entry.name} folder: its config.json says model_type "
                f"{kind!r}, expected {entry.model_type!r}"
            )


def installed(name: str) -> Installed | None:
    """Where model ``name`` is installed and which revision it is; None when it is not.

    Raises:
        BadInput: no model has that name.
    """
    entry = find_model(name)
    folder = models_home() / name
    if folder.is_dir() and not missing_files(entry, folder):
        manifest = _read_manifest(folder)
        return Installed(
            entry, folder, manifest.get("source", "imported"), str(manifest.get("revision", "unknown"))
        )
    snapshot = _hf_snapshot(entry)
    if snapshot is not None:
        return Installed(entry, snapshot, "hf-cache", snapshot.name)
    return None


def best_installed(backend: str) -> Installed | None:
    """The highest-ranked installed model of ``backend`` (``auto``'s choice), or None."""
    found = [installed(e.name) for e in CATALOG.values() if e.backend == backend]
    ranked = sorted((m for m in found if m is not None), key=lambda m: -m.entry.rank)
    return ranked[0] if ranked else None


def model_path(name: str) -> Path | None:
    """The installed folder of model ``name`` holding every file it needs, else None.

    Raises:
        BadInput: no model has that name.
    """
    found = installed(name)
    return found.path if found else None


def _read_manifest(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _hf_snapshot(entry: ModelEntry) -> Path | None:
    """The cached snapshot of ``entry.revision`` (a branch resolved through ``refs/``), if complete."""
    if not entry.repo_id:
        return None
    repo = hf_cache_dir() / f"models--{entry.repo_id.replace('/', '--')}"
    ref = repo / "refs" / entry.revision
    try:
        commit = ref.read_text(encoding="utf-8").strip() if ref.is_file() else entry.revision
    except OSError:
        return None
    snapshot = repo / "snapshots" / commit
    if snapshot.is_dir() and not missing_files(entry, snapshot):
        return snapshot
    return None
