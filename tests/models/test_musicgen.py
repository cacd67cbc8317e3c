"""music_generate's musicgen backend end to end on the CPU, with a tiny random MusicGen imported
the way a user imports a real one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from agent._cache import Cache
from agent.cli import main
from tests.models.tiny_musicgen import build
from tools import BadInput, ToolContext, get_spec
from tools.music.generate import music_generate

pytestmark = pytest.mark.slow
SPEC = get_spec(music_generate)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("tiny-musicgen") / "musicgen")


def import_tiny(tiny: Path) -> None:
    assert main(["models", "import", "musicgen-small", str(tiny)]) == 0


def generate(tmp_path: Path, **args):
    return SPEC.invoke({"description": "soft piano", **args}, ToolContext(output_dir=tmp_path))


def test_musicgen_makes_audio_of_the_asked_length_and_says_which_model(tiny: Path, tmp_path: Path) -> None:
    import_tiny(tiny)
    result = generate(tmp_path, backend="musicgen", duration=0.5, seed=3)

    y, sr = sf.read(result.audio.path)
    assert y.shape == (16000, 2) and sr == 32000  # exactly 0.5 s at MusicGen's 32 kHz, stereo
    assert np.abs(y).max() > 0  # random weights make noise, not silence
    meta = result.audio.meta
    assert (meta["backend"], meta["model"], meta["licence"]) == ("musicgen", "musicgen-small", "CC-BY-NC-4.0")
    assert meta["model_revision"].startswith("sha256:") and meta["non_commercial"] is True
    assert result.midi.path.is_file() and result.midi.meta["midi_source"] == "transcription"


def test_auto_picks_musicgen_when_installed_and_compose_otherwise(tiny: Path, tmp_path: Path) -> None:
    assert generate(tmp_path / "a", duration=0.5).audio.meta["backend"] == "compose"
    import_tiny(tiny)
    assert generate(tmp_path / "b", duration=0.5).audio.meta["backend"] == "musicgen"
    assert generate(tmp_path / "c", duration=0.5, backend="compose").audio.meta["backend"] == "compose"
    longer = generate(tmp_path / "d", duration=31.0).audio.meta  # longer than MusicGen makes
    assert longer["backend"] == "compose" and "30 s" in longer["backend_note"]


def test_the_seed_picks_the_take(tiny: Path, tmp_path: Path) -> None:
    import_tiny(tiny)
    takes = [
        generate(tmp_path / str(i), backend="musicgen", duration=0.3, seed=s) for i, s in enumerate((1, 1, 2))
    ]
    first, again, other = (sf.read(t.audio.path)[0] for t in takes)
    assert np.array_equal(first, again) and not np.array_equal(first, other)


def test_musicgen_without_a_model_or_too_long_says_what_to_do(tiny: Path, tmp_path: Path) -> None:
    with pytest.raises(BadInput, match=r"troupe models pull musicgen-small"):
        generate(tmp_path, backend="musicgen", duration=0.5)
    import_tiny(tiny)
    with pytest.raises(BadInput, match=r"makes in one call \(30 s\)"):
        generate(tmp_path, backend="musicgen", duration=45)


def test_the_cache_key_follows_the_model_and_its_revision(tiny: Path, tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    auto, compose = {"description": "x"}, {"description": "x", "backend": "compose"}
    before = cache.key(SPEC, auto), cache.key(SPEC, compose)
    import_tiny(tiny)
    after = cache.key(SPEC, auto), cache.key(SPEC, compose)
    assert after[0] != before[0] and after[1] == before[1]  # compose does not care
    other = tmp_path / "other"
    other.mkdir()
    for f in tiny.iterdir():
        (other / f.name).write_bytes(f.read_bytes() + (b" " if f.name == "config.json" else b""))
    assert main(["models", "import", "musicgen-small", str(other)]) == 0
    assert cache.key(SPEC, auto) != after[0]  # another revision of the weights
