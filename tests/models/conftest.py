"""Fixtures for ``troupe models``: a local hub holding a small musicgen-small repository."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import pytest

from tests.models.hub import FakeHub, serving

REPO = "facebook/musicgen-small"


def small_repo() -> dict[str, bytes]:
    """A repository shaped like musicgen-small: the files the catalog needs, tiny weights."""
    return {
        "config.json": json.dumps({"model_type": "musicgen"}).encode(),
        "generation_config.json": b"{}",
        "tokenizer.json": b"{}",
        "tokenizer_config.json": b"{}",
        "model.safetensors": os.urandom(3 << 20),  # 3 MiB: several chunks, so progress moves
        "README.md": b"# not needed, not fetched\n",
    }


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    with serving(FakeHub(repos={REPO: small_repo()}), monkeypatch) as fake:
        yield fake
