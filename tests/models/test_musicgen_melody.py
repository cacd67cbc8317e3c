"""music_generate following a melody with a tiny random MusicGen-melody, imported the way a user
imports the real one (sharded, like the Hub's), end to end on the CPU."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from agent._cache import Cache
from agent.cli import main
from tests.models.tiny_musicgen import build
from tools import Audio, BadInput, ToolContext, get_spec
from tools.music._melody_chroma import ChromaConfig, melody_chroma
from tools.music.generate import music_generate

SPEC = get_spec(music_generate)
SR = 22050


@pytest.fixture(scope="module")
def tiny_melody(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("tiny-musicgen-melody") / "melody", melody=True)


@pytest.fixture(scope="module")
def tiny_small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("tiny-musicgen") / "small")


def install(name: str, folder: Path) -> None:
    assert main(["models", "import", name, str(folder)]) == 0


def tune(path: Path, freqs_hz: list[float], note_s: float = 1.0, level: float = 0.5) -> Audio:
    """A recording of sine notes, one after another."""
    t = np.arange(int(note_s * SR)) / SR
    sf.write(path, np.concatenate([level * np.sin(2 * np.pi * f * t) for f in freqs_hz]), SR)
    return Audio(path=path)


def generate(out: Path, **args):
    return SPEC.invoke({"description": "soft piano", "duration": 0.5, **args}, ToolContext(output_dir=out))


def samples(result) -> np.ndarray:
    return sf.read(result.audio.path)[0]


def test_chroma_names_the_pitch_class_of_each_frame() -> None:
    config = ChromaConfig()
    sr = config.sampling_rate
    t = np.arange(sr) / sr
    a440 = melody_chroma(np.sin(2 * np.pi * 440.0 * t), config)
    assert a440.shape[1] == 12 and (a440.sum(axis=1) == 1).all()  # one-hot frames
    assert (a440.argmax(axis=1) == 9).all()  # bins start at C: A is the 10th
    c_e_g = np.concatenate([np.sin(2 * np.pi * f * t) for f in (261.63, 329.63, 392.0)])
    bins = melody_chroma(c_e_g, config).argmax(axis=1)
    # 0.128 s frames: away from the note changes, each second is its note's pitch class.
    assert (bins[1:6] == 0).all() and (bins[9:14] == 4).all() and (bins[17:22] == 7).all()
    assert melody_chroma(np.zeros(60 * sr, np.float32), config).shape == (235, 12)  # 30 s read at most


@pytest.mark.slow
def test_a_melody_is_followed_and_the_meta_says_so(tiny_melody: Path, tmp_path: Path) -> None:
    install("musicgen-melody", tiny_melody)
    result = generate(tmp_path / "a", melody=tune(tmp_path / "tune.wav", [440.0, 523.25]), seed=5)

    y, sr = sf.read(result.audio.path)
    assert y.shape == (16000, 2) and sr == 32000  # exactly 0.5 s at MusicGen's 32 kHz
    assert np.abs(y).max() > 0
    meta = result.audio.meta
    assert (meta["backend"], meta["model"], meta["licence"]) == (
        "musicgen",
        "musicgen-melody",
        "CC-BY-NC-4.0",
    )
    assert meta["non_commercial"] is True and meta["melody_conditioning"] is True
    assert (meta["melody"], meta["melody_used_s"], meta["melody_s"]) == ("tune.wav", 2.0, 2.0)
    assert result.midi.meta["melody_conditioning"] is True


@pytest.mark.slow
def test_the_melody_steers_the_take_and_the_cache_key(tiny_melody: Path, tmp_path: Path) -> None:
    install("musicgen-melody", tiny_melody)
    first = tune(tmp_path / "first.wav", [440.0, 523.25])
    again = tune(tmp_path / "again.wav", [440.0, 523.25])  # the same sound in another file
    other = tune(tmp_path / "other.wav", [261.63, 311.13])
    takes = [generate(tmp_path / str(i), melody=m, seed=1) for i, m in enumerate((first, again, other))]
    plain = generate(tmp_path / "plain", seed=1)  # the melody model without a melody

    assert np.array_equal(samples(takes[0]), samples(takes[1]))
    assert not np.array_equal(samples(takes[0]), samples(takes[2]))
    assert not np.array_equal(samples(takes[0]), samples(plain))
    assert "melody_conditioning" not in plain.audio.meta

    cache = Cache(tmp_path / "cache")
    key = {m: cache.key(SPEC, {"description": "x", "melody": a}) for m, a in (("1", first), ("2", other))}
    assert key["1"] != key["2"] and key["1"] != cache.key(SPEC, {"description": "x"})


@pytest.mark.slow
def test_without_a_melody_model_musicgen_says_what_to_pull_and_auto_says_it_left_the_melody_out(
    tiny_small: Path, tmp_path: Path
) -> None:
    melody = tune(tmp_path / "tune.wav", [440.0])
    with pytest.raises(BadInput, match=r"troupe models pull musicgen-melody"):
        generate(tmp_path / "a", melody=melody, backend="musicgen")
    with pytest.raises(BadInput, match=r"backend='compose' cannot follow a melody"):
        generate(tmp_path / "b", melody=melody, backend="compose")
    composed = generate(tmp_path / "c", melody=melody).audio.meta  # nothing neural installed
    assert composed["backend"] == "compose" and composed["melody_conditioning"] is False
    assert "troupe models pull musicgen-melody" in composed["backend_note"]

    install("musicgen-small", tiny_small)
    plain = generate(tmp_path / "d", melody=melody).audio.meta
    assert (plain["backend"], plain["model"], plain["melody_conditioning"]) == (
        "musicgen",
        "musicgen-small",
        False,
    )
    assert "the melody was not followed" in plain["backend_note"]


@pytest.mark.slow
def test_auto_takes_the_melody_model_for_a_melody_and_the_text_model_otherwise(
    tiny_small: Path, tiny_melody: Path, tmp_path: Path
) -> None:
    install("musicgen-small", tiny_small)
    install("musicgen-melody", tiny_melody)
    melody = tune(tmp_path / "tune.wav", [440.0])
    assert generate(tmp_path / "a").audio.meta["model"] == "musicgen-small"
    assert generate(tmp_path / "b", melody=melody).audio.meta["model"] == "musicgen-melody"
    longer = generate(tmp_path / "c", melody=melody, duration=31.0).audio.meta  # past MusicGen's 30 s
    assert longer["backend"] == "compose" and longer["melody_conditioning"] is False
    assert "30 s" in longer["backend_note"] and "the melody was not followed" in longer["backend_note"]


@pytest.mark.slow
def test_a_bad_melody_is_refused_in_one_line_and_a_long_one_is_cut_to_30_s(
    tiny_melody: Path, tmp_path: Path
) -> None:
    install("musicgen-melody", tiny_melody)
    silent = tmp_path / "silent.wav"
    sf.write(silent, np.zeros(SR * 2), SR)
    with pytest.raises(BadInput, match=r"melody silent\.wav is silent") as caught:
        generate(tmp_path / "a", melody=Audio(path=silent))
    assert "\n" not in str(caught.value)
    text = tmp_path / "notes.wav"
    text.write_text("not a recording\n")
    with pytest.raises(BadInput, match=r"notes\.wav"):
        generate(tmp_path / "b", melody=Audio(path=text))

    long = generate(tmp_path / "c", melody=tune(tmp_path / "long.wav", [440.0, 493.88] * 20)).audio.meta
    assert (long["melody_used_s"], long["melody_s"]) == (30.0, 40.0)
