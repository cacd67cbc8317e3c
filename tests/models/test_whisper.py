"""transcribe's whisper backend end to end on the CPU, with a tiny random Whisper imported the way a
user imports a real one, on real speech (Piper)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from agent._cache import Cache
from agent.cli import main
from tests.agent.clirun import one_line_error, troupe
from tests.models.tiny_whisper import build
from tools import Audio, BadInput, ToolContext, get_spec
from tools._devices import device
from tools.speech.recognition import transcribe

pytestmark = pytest.mark.slow
SPEC = get_spec(transcribe)
SENTENCE = "The quick brown fox jumps over the lazy dog near the river bank."


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("tiny-whisper") / "whisper")


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Audio:
    """Two sentences with two seconds of silence between them: two utterances for the cutter."""
    import numpy as np
    import soundfile as sf

    from tools.speech import text_to_speech

    out = tmp_path_factory.mktemp("speech")
    said = text_to_speech(SENTENCE, ctx=ToolContext(output_dir=out / "tts"))
    y, sr = sf.read(said.path, dtype="float32")
    both = np.concatenate([y, np.zeros(2 * sr, np.float32), y])
    path = out / "two.wav"
    sf.write(path, both, sr)
    return Audio(path=path, duration_s=len(both) / sr)


def import_tiny(tiny: Path) -> None:
    assert main(["models", "import", "whisper-small", str(tiny)]) == 0


def run(tmp_path: Path, audio: Audio, **args):
    return SPEC.invoke({"audio": audio, **args}, ToolContext(output_dir=tmp_path))


def test_whisper_gives_words_with_timings_inside_the_recording(
    tiny: Path, speech: Audio, tmp_path: Path
) -> None:
    import_tiny(tiny)
    text = run(tmp_path, speech, backend="whisper", language="en")
    meta = text.meta
    assert (meta["backend"], meta["model"], meta["language"]) == ("whisper", "whisper-small", "en")
    assert meta["licence"] == "Apache-2.0" and meta["model_revision"].startswith("sha256:")
    assert meta["device"] == device("auto")  # the CPU here; CUDA in benchmarks/gpu_check.sh
    words = meta["words"]
    assert words, "random weights still write tokens"  # garbage words, but words
    starts = [w["start_s"] for w in words]
    assert starts == sorted(starts)
    assert all(0 <= w["start_s"] <= w["end_s"] <= speech.duration_s for w in words)
    # the pause cuts the recording in two: each utterance's words stay within its own half
    assert len(meta["segments"]) == 2
    first, second = meta["segments"]
    assert first["end_s"] <= second["start_s"] and second["start_s"] > speech.duration_s / 2 - 0.5
    assert text.read().strip() == " ".join(s["text"] for s in meta["segments"])


def test_auto_detects_the_language_and_picks_whisper_only_when_installed(
    tiny: Path, speech: Audio, tmp_path: Path
) -> None:
    before = run(tmp_path / "a", speech).meta
    assert (before["backend"], before["model"], before["language"]) == ("pocketsphinx", None, "en")
    assert "English" in before["backend_note"]
    import_tiny(tiny)
    after = run(tmp_path / "b", speech).meta  # backend and language auto
    assert after["backend"] == "whisper"
    # a random model names some language; whichever, it is one of its own and said per segment
    assert after["language"] in {s["language"] for s in after["segments"]}
    assert len(after["language"]) in (2, 3) and after["language"].isalpha()
    forced = run(tmp_path / "c", speech, language="fr").meta
    assert forced["language"] == "fr" and {s["language"] for s in forced["segments"]} == {"fr"}
    kept = run(tmp_path / "d", speech, backend="pocketsphinx").meta
    assert kept["backend"] == "pocketsphinx"


def test_the_cache_key_differs_between_backends_and_models(tiny: Path, speech: Audio, tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    audio = {"audio": speech}
    auto, sphinx = audio, {**audio, "backend": "pocketsphinx"}
    whisper = {**audio, "backend": "whisper"}
    before = cache.key(SPEC, auto), cache.key(SPEC, sphinx)
    import_tiny(tiny)
    after = cache.key(SPEC, auto), cache.key(SPEC, sphinx)
    assert after[0] != before[0] and after[1] == before[1]  # pocketsphinx does not care
    assert cache.key(SPEC, whisper) != cache.key(SPEC, sphinx)


def test_whisper_without_a_model_is_one_line_naming_the_pull(speech: Audio, tmp_path: Path) -> None:
    with pytest.raises(BadInput, match=r"troupe models pull whisper-small") as e:
        run(tmp_path, speech, backend="whisper")
    assert "\n" not in str(e.value)
    with pytest.raises(BadInput, match=r"pocketsphinx hears only English.*troupe models pull whisper-small"):
        run(tmp_path, speech, language="de")  # no Whisper: only English can be heard


def test_an_unknown_language_lists_the_known_codes(tiny: Path, speech: Audio, tmp_path: Path) -> None:
    import_tiny(tiny)
    with pytest.raises(
        BadInput, match=r"unknown language 'xx' for whisper-small; give 'auto' or an ISO"
    ) as e:
        run(tmp_path, speech, backend="whisper", language="xx")
    assert " en, " in str(e.value) and " fr, " in str(e.value)
    assert run(tmp_path / "region", speech, language="en-GB").meta["language"] == "en"
    assert run(tmp_path / "name", speech, language="French").meta["language"] == "fr"


def test_a_folder_that_is_not_whisper_is_refused_naming_what_it_lacks(tiny: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(tiny, broken)
    (broken / "preprocessor_config.json").unlink()
    (broken / "model.safetensors").unlink()
    line = one_line_error(troupe("models", "import", "whisper-small", str(broken)))
    assert "lacks preprocessor_config.json, model.safetensors or pytorch_model.bin" in line
    other = tmp_path / "other"
    shutil.copytree(tiny, other)
    (other / "config.json").write_text('{"model_type": "musicgen"}')
    line = one_line_error(troupe("models", "import", "whisper-small", str(other)))
    assert "model_type 'musicgen', expected 'whisper'" in line
