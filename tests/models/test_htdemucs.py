"""music_separate's htdemucs backend end to end on the CPU, with a tiny random HTDemucs imported
the way a user imports the published checkpoint, on a real (synthesised) stereo mixture."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from agent._cache import Cache
from agent.cli import main
from tests.agent.clirun import one_line_error, troupe
from tests.models.hub import COMMIT, FakeHub, serving
from tests.models.tiny_htdemucs import SEGMENT_S, SIX, build
from tools import Audio, BadInput, Cancelled, ToolContext, get_spec
from tools._devices import device
from tools._media import load_audio
from tools._models import installed
from tools.music import music_separate

pytestmark = pytest.mark.slow
SPEC = get_spec(music_separate)
SR = 44100
DURATION_S = 5.0
# Each stem is written as 16-bit PCM (rounding error ≤ 0.5/32767 ≈ 1.5e-5 a sample); four to six
# of them, plus the mix's own rounding, stay far below this. Random stems are ~1e-2 and up.
SUM_TOLERANCE = 3e-4


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("tiny-htdemucs") / "htdemucs")


@pytest.fixture(scope="module")
def tiny6(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("tiny-htdemucs-6s") / "htdemucs_6s", "5c90dfd2-34c22ccb.th", SIX)


@pytest.fixture(scope="module")
def mixture(tmp_path_factory: pytest.TempPathFactory) -> Audio:
    """5 s of a bass line, a sung-like vibrato tone and clicks, panned apart (so it is stereo).

    It peaks near -4 dBFS: a stem of a mix at full scale may itself pass full scale and clip in
    its 16-bit file, and then the stems no longer add up (the meta's ``clipped`` names them).
    """
    import soundfile as sf

    t = np.arange(int(DURATION_S * SR)) / SR
    bass = 0.2 * np.sin(2 * np.pi * 55 * t)
    voice = 0.15 * np.sin(2 * np.pi * 440 * t + 3 * np.sin(2 * np.pi * 5 * t))
    clicks = np.zeros_like(t)
    clicks[:: SR // 4] = 0.3
    y = np.stack([bass + 0.8 * voice + clicks, bass + 0.4 * voice + 0.5 * clicks], axis=1)
    path = tmp_path_factory.mktemp("mix") / "mix.wav"
    sf.write(path, y, SR, subtype="PCM_16")
    return Audio(path=path, duration_s=DURATION_S)


def import_model(name: str, folder: Path) -> None:
    assert main(["models", "import", name, str(folder)]) == 0


def run(out: Path, audio: Audio, **args):
    return SPEC.invoke({"audio": audio, **args}, ToolContext(output_dir=out))


def read(stem: Audio) -> np.ndarray:
    return load_audio(stem.path, SR, mono=False)


def test_htdemucs_gives_four_stems_that_sum_back_to_the_mix(
    tiny: Path, mixture: Audio, tmp_path: Path
) -> None:
    import_model("htdemucs", tiny)
    reports: list[tuple[float, str | None]] = []
    ctx = ToolContext(output_dir=tmp_path, on_progress=lambda f, m=None: reports.append((f, m)))
    stems = SPEC.invoke({"audio": mixture, "backend": "htdemucs"}, ctx)
    mix = load_audio(mixture.path, SR, mono=False)
    parts = {name: read(getattr(stems, name)) for name in ("vocals", "drums", "bass", "other")}
    assert stems.guitar is None and stems.piano is None
    for name in ("vocals", "accompaniment", "harmonic", "percussive", "drums", "bass", "other"):
        stem = getattr(stems, name)
        assert (stem.sample_rate, stem.channels) == (SR, 2)
        assert read(stem).shape == mix.shape  # not one sample more or less than the input
    assert np.max(np.abs(sum(parts.values()) - mix)) < SUM_TOLERANCE
    assert np.max(np.abs(read(stems.vocals) + read(stems.accompaniment) - mix)) < SUM_TOLERANCE
    assert np.max(np.abs(read(stems.harmonic) + read(stems.percussive) - mix)) < SUM_TOLERANCE
    assert np.array_equal(read(stems.percussive), parts["drums"])
    assert min(float(np.std(p)) for p in parts.values()) > 1e-3  # each stem has sound of its own
    meta = stems.drums.meta
    assert (meta["backend"], meta["model"], meta["licence"]) == ("htdemucs", "htdemucs", "MIT")
    assert meta["model_revision"].startswith("sha256:") and meta["device"] == device("auto")
    assert meta["sources"] == ["drums", "bass", "other", "vocals"] and meta["stem"] == "drums"
    assert (meta["segment_s"], meta["residual_in"]) == (SEGMENT_S, "other")
    assert math.isfinite(meta["residual_db"]) and "clipped" not in meta
    # 5 s in 2 s segments that overlap by a quarter start every 1.5 s: four segments, in order
    segments = [m for _, m in reports if m and "segment" in m]
    assert segments[-1].endswith("segment 4/4") and len(segments) == 4
    assert [f for f, _ in reports] == sorted(f for f, _ in reports)


def test_the_six_stem_model_is_preferred_and_a_mono_mix_stays_mono(
    tiny: Path, tiny6: Path, mixture: Audio, tmp_path: Path
) -> None:
    import soundfile as sf

    import_model("htdemucs", tiny)
    import_model("htdemucs_6s", tiny6)
    mono = tmp_path / "mono.wav"
    sf.write(mono, load_audio(mixture.path, SR)[: 3 * SR], SR, subtype="PCM_16")
    stems = run(tmp_path / "out", Audio(path=mono, duration_s=3.0))  # backend auto
    assert stems.vocals.meta["model"] == "htdemucs_6s"
    assert all(getattr(stems, name).channels == 1 for name in SIX)
    parts = [load_audio(getattr(stems, name).path, SR) for name in SIX]
    assert all(p.shape == (3 * SR,) for p in parts)
    assert np.max(np.abs(sum(parts) - load_audio(mono, SR))) < SUM_TOLERANCE


def test_auto_uses_htdemucs_only_when_installed_and_says_why_not(
    tiny: Path, mixture: Audio, tmp_path: Path
) -> None:
    before = run(tmp_path / "a", mixture).vocals.meta
    assert (before["backend"], before["model"]) == ("dsp", None)
    assert "troupe models pull htdemucs" in before["backend_note"]
    import_model("htdemucs", tiny)
    kept = run(tmp_path / "b", mixture, backend="dsp")
    assert kept.vocals.meta["backend"] == "dsp" and "backend_note" not in kept.vocals.meta
    assert kept.drums is None


def test_the_cache_key_names_the_backend_and_the_model_revision(
    tiny: Path, mixture: Audio, tmp_path: Path
) -> None:
    cache = Cache(tmp_path / "cache")
    auto, dsp = {"audio": mixture}, {"audio": mixture, "backend": "dsp"}
    before = cache.key(SPEC, auto), cache.key(SPEC, dsp)
    import_model("htdemucs", tiny)
    after = cache.key(SPEC, auto), cache.key(SPEC, dsp)
    assert after[0] != before[0] and after[1] == before[1]  # dsp does not care
    assert cache.key(SPEC, {**auto, "backend": "htdemucs"}) != after[1]


def test_pull_fetches_the_checkpoint_from_the_hub_mirror_under_its_path(
    tiny: Path, mixture: Audio, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = "hybrid_transformer/955717e8-8726e21a.th"
    files = {
        name: (tiny / "955717e8-8726e21a.th").read_bytes(),
        "mdx_final/e51eebcc-c1b80bdd.th": b"another model, not fetched",
    }
    hub = FakeHub(repos={"teamup-tech/Demucs-weights": files}, lfs=tuple(files))
    with serving(hub, monkeypatch):
        assert main(["models", "pull", "htdemucs"]) == 0
    found = installed("htdemucs")
    assert found and (found.source, found.revision) == ("pulled", COMMIT)
    assert (found.path / name).read_bytes() == files[name]
    assert not (found.path / "mdx_final").exists()
    meta = run(tmp_path, mixture, backend="htdemucs").vocals.meta
    assert (meta["model"], meta["model_revision"]) == ("htdemucs", COMMIT)


def test_htdemucs_without_a_model_is_one_line_naming_the_pull(mixture: Audio, tmp_path: Path) -> None:
    with pytest.raises(BadInput, match=r"`troupe models pull htdemucs`.*`troupe models import htdemucs") as e:
        run(tmp_path, mixture, backend="htdemucs")
    assert "\n" not in str(e.value)
    line = one_line_error(troupe("models", "pull", "htdemucs_6s"))  # no Hub copy: where to get it
    assert "dl.fbaipublicfiles.com/demucs/hybrid_transformer/5c90dfd2-34c22ccb.th" in line
    assert "troupe models import htdemucs_6s FOLDER" in line


def test_a_folder_without_the_checkpoint_is_refused_naming_it(tiny: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(tiny, broken)
    (broken / "955717e8-8726e21a.th").rename(broken / "model.th")
    line = one_line_error(troupe("models", "import", "htdemucs", str(broken)))
    assert "lacks hybrid_transformer/955717e8-8726e21a.th or 955717e8-8726e21a.th" in line


def test_a_checkpoint_that_pickles_code_is_refused_without_running_it(mixture: Audio, tmp_path: Path) -> None:
    import torch

    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    folder = tmp_path / "evil"
    folder.mkdir()
    torch.save({"klass": Payload(), "args": [], "kwargs": {}, "state": {}}, folder / "955717e8-8726e21a.th")
    import_model("htdemucs", folder)  # only names are checked on import
    with pytest.raises(BadInput, match=r"not an HTDemucs checkpoint .*it pickles io.open") as e:
        run(tmp_path / "out", mixture, backend="htdemucs")
    assert "\n" not in str(e.value) and not marker.exists()


def test_a_cancelled_separation_stops_between_segments(tiny: Path, mixture: Audio, tmp_path: Path) -> None:
    import_model("htdemucs", tiny)
    ctx = ToolContext(output_dir=tmp_path)
    seen: list[str] = []

    def progress(fraction: float, message: str | None = None) -> None:
        if message and "segment" in message:
            seen.append(message)
            ctx.cancel_event.set()  # the user presses stop after the first segment

    ctx.on_progress = progress
    with pytest.raises(Cancelled):
        SPEC.invoke({"audio": mixture, "backend": "htdemucs"}, ctx)
    assert seen == [f"separating on {device('auto')}: segment 1/4"]
