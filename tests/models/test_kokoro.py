"""text_to_speech's kokoro backend end to end on the CPU, with a tiny random Kokoro graph imported the
way a user imports the real one (``troupe models import kokoro-82m FOLDER``)."""

from __future__ import annotations

import itertools
import shutil
import wave
from pathlib import Path

import pytest

from agent._cache import Cache
from agent.cli import main
from tests.agent.clirun import one_line_error, troupe
from tests.models.hub import FakeHub, serving
from tests.models.tiny_kokoro import build, frames_table
from tools import Audio, BadInput, ToolContext, get_spec
from tools._models import models_home
from tools.face._cues import speech_cues
from tools.speech.tts import text_to_speech

SPEC = get_spec(text_to_speech)
TEXT = "The quick brown fox jumps over the lazy dog. Then it sleeps, happily, in the sun."


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("tiny-kokoro") / "kokoro")


@pytest.fixture(scope="module")
def tiny_without_durations(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("tiny-kokoro-nodur") / "kokoro", durations=False)


def import_tiny(folder: Path) -> None:
    assert main(["models", "import", "kokoro-82m", str(folder)]) == 0


def run(tmp_path: Path, **args) -> Audio:
    return SPEC.invoke({"text": TEXT, **args}, ToolContext(output_dir=tmp_path))


def check_timings(audio: Audio) -> None:
    """Words of the text in order, words and phonemes sorted and inside the audio."""
    words, phonemes = audio.meta["words"], audio.meta["phonemes"]
    assert [w["word"] for w in words] == [w.strip(".,") for w in TEXT.split()]
    for items in (words, phonemes):
        assert items
        starts = [x["start_s"] for x in items]
        assert starts == sorted(starts)
        assert all(0 <= x["start_s"] < x["end_s"] <= audio.duration_s + 1e-3 for x in items)
    assert audio.meta["phoneme_set"] == "espeak-ipa"
    assert {"ð", "ə", "ɹ"} <= {p["phoneme"] for p in phonemes}  # espeak IPA, not Kokoro's tokens


def test_the_text_becomes_kokoros_symbols_labelled_with_espeak_ipa() -> None:
    from tests.models.tiny_kokoro import vocab
    from tools.speech._kokoro_text import phonemize, symbols

    ipa = phonemize("Say hi, Joe!", "en-us")
    assert ipa == "sˈeɪ hˈaɪ, dʒˈoʊ!"
    said = symbols(ipa, vocab())
    # Kokoro writes the diphthongs and affricates as one symbol; the timings keep espeak's IPA
    assert "".join(token for token, _ in said) == "sˈA hˈI, ʤˈO!"
    assert [label for _, label in said if len(label) > 1] == ["eɪ", "aɪ", "dʒ", "oʊ"]


def test_kokoro_speaks_with_the_models_own_phoneme_durations(tiny: Path, tmp_path: Path) -> None:
    import_tiny(tiny)
    audio = run(tmp_path / "a", backend="kokoro", voice="am_michael")
    meta = audio.meta
    assert (meta["backend"], meta["model"], meta["voice"]) == ("kokoro", "kokoro-82m", "am_michael")
    assert meta["licence"] == "Apache-2.0" and meta["model_revision"].startswith("sha256:")
    assert meta["timings"] == "model durations"
    import onnxruntime

    cuda = "CUDAExecutionProvider" in onnxruntime.get_available_providers()  # onnxruntime-gpu
    assert meta["device"] in (("cpu", "cuda:0") if cuda else ("cpu",))
    with wave.open(str(audio.path)) as w:
        assert w.getframerate() == 24000 and w.getnchannels() == 1
        assert w.getnframes() / 24000 == pytest.approx(audio.duration_s)
    # The tiny graph gives every token 1 to 5 frames of 25 ms: ~70 phonemes a sentence → 2 to 9 s.
    assert 3.0 < audio.duration_s < 20.0
    check_timings(audio)
    # The times are the graph's own: the text starts after the leading pad token's frames
    # (25 ms each), and every phoneme lasts a whole number of frames (stress marks included).
    pad_s = max(round(float(frames_table()[0])), 1) * 0.025
    assert meta["words"][0]["start_s"] == meta["phonemes"][0]["start_s"] == pytest.approx(pad_s)
    frames = [(p["end_s"] - p["start_s"]) / 0.025 for p in meta["phonemes"]]
    assert all(abs(f - round(f)) < 0.01 and round(f) >= 1 for f in frames), frames
    # Half the speed, twice the frames per token (rounded to whole frames, at least one each):
    # the last word ends about twice as late.
    slow = run(tmp_path / "b", backend="kokoro", voice="am_michael", speed=0.5)
    ratio = slow.meta["words"][-1]["end_s"] / meta["words"][-1]["end_s"]
    assert 1.7 < ratio < 2.3
    # talking_face takes the phonemes from the audio itself: no alignment, no recognition
    assert speech_cues(audio, fps=25).source == "audio metadata"


def test_without_durations_in_the_graph_the_output_is_force_aligned(
    tiny_without_durations: Path, tmp_path: Path
) -> None:
    import_tiny(tiny_without_durations)
    audio = run(tmp_path, voice="bf_emma", style="happy")  # auto: a Kokoro voice asks for Kokoro
    assert (audio.meta["backend"], audio.meta["voice"]) == ("kokoro", "bf_emma")
    assert audio.meta["timings"] == "forced alignment"
    check_timings(audio)


def test_auto_keeps_piper_unless_a_kokoro_voice_is_asked_for(tiny: Path, tmp_path: Path) -> None:
    before = SPEC.invoke({"text": "Hi there.", "voice": "af_heart"}, ToolContext(output_dir=tmp_path / "a"))
    assert (before.meta["backend"], before.meta["voice"], before.meta["model"]) == ("piper", "joe", None)
    assert "troupe models pull kokoro-82m" in before.meta["backend_note"]
    import_tiny(tiny)
    plain = SPEC.invoke({"text": "Hi there."}, ToolContext(output_dir=tmp_path / "b"))
    assert plain.meta["backend"] == "piper" and "backend_note" not in plain.meta
    default = SPEC.invoke({"text": "Hi there.", "backend": "kokoro"}, ToolContext(output_dir=tmp_path / "c"))
    assert (default.meta["backend"], default.meta["voice"]) == ("kokoro", "af_heart")


def test_the_cache_key_follows_the_installed_model(tiny: Path, tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    kokoro, piper, plain = (
        {"text": "Hi.", "voice": "af_heart"},
        {"text": "Hi.", "backend": "piper"},
        {"text": "Hi."},
    )
    before = cache.key(SPEC, kokoro), cache.key(SPEC, piper), cache.key(SPEC, plain)
    import_tiny(tiny)
    after = cache.key(SPEC, kokoro), cache.key(SPEC, piper), cache.key(SPEC, plain)
    assert after[0] != before[0]  # the Kokoro voice now speaks with Kokoro
    assert after[1:] == before[1:]  # Piper's results stay valid


def test_kokoro_without_the_model_is_one_line_naming_the_pull(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match=r"needs the Kokoro model: run `troupe models pull kokoro-82m`") as e:
        run(tmp_path, backend="kokoro")
    assert "\n" not in str(e.value)
    assert not (tmp_path / "speech.wav").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            {"voice": "af_nobody"},
            r"unknown Kokoro voice 'af_nobody'; installed voices: af_heart, am_michael, bf_emma",
        ),
        ({"voice": "joe", "backend": "kokoro"}, r"voice 'joe' is not a Kokoro voice"),
        ({"voice": "af_heart", "backend": "piper"}, r"voice 'af_heart' is a Kokoro voice"),
        ({"voice": "amy"}, r"unknown voice 'amy'.*'joe'.*'espeak'.*kokoro-82m"),
    ],
)
def test_bad_voices_are_refused_with_the_choices(
    tiny: Path, tmp_path: Path, args: dict, message: str
) -> None:
    import_tiny(tiny)
    with pytest.raises(BadInput, match=message):
        run(tmp_path, **args)
    assert not (tmp_path / "speech.wav").exists()


def test_a_non_english_voice_is_refused(tiny: Path, tmp_path: Path) -> None:
    import_tiny(tiny)
    # a Japanese voice a user copied in next to the English ones
    shutil.copyfile(
        tiny / "voices" / "jf_alpha.bin", models_home() / "kokoro-82m" / "voices" / "jf_alpha.bin"
    )
    with pytest.raises(BadInput, match=r"'jf_alpha' is not an English voice.*af_heart, am_michael, bf_emma"):
        run(tmp_path, voice="jf_alpha")


def test_a_folder_that_is_not_kokoro_is_refused_naming_what_it_lacks(tiny: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(tiny, broken)
    (broken / "tokenizer.json").unlink()
    (broken / "voices" / "af_heart.bin").unlink()
    (broken / "onnx" / "model.onnx").unlink()
    line = one_line_error(troupe("models", "import", "kokoro-82m", str(broken)))
    assert "lacks tokenizer.json, voices/af_heart.bin, onnx/model.onnx or onnx/model_quantized.onnx" in line
    assert (broken / "config.json").is_file()  # the source is left as it was


def test_a_broken_graph_is_refused_before_anything_is_written(tiny: Path, tmp_path: Path) -> None:
    import_tiny(tiny)
    (models_home() / "kokoro-82m" / "onnx" / "model.onnx").write_bytes(b"not an onnx graph")
    with pytest.raises(
        BadInput, match=r"not an ONNX graph onnxruntime can run.*troupe models pull kokoro-82m"
    ):
        run(tmp_path / "out", backend="kokoro")
    assert not (tmp_path / "out" / "speech.wav").exists()


def test_pull_fetches_the_graph_and_the_english_voices_from_the_hub(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {str(p.relative_to(tiny)): p.read_bytes() for p in tiny.rglob("*") if p.is_file()}
    hub = FakeHub(repos={"onnx-community/Kokoro-82M-v1.0-ONNX": {**files, "README.md": b"# card"}})
    hub.lfs = ("onnx/model.onnx",)
    with serving(hub, monkeypatch):
        assert main(["models", "pull", "kokoro-82m"]) == 0
    folder = models_home() / "kokoro-82m"
    assert (folder / "onnx" / "model.onnx").read_bytes() == files["onnx/model.onnx"]
    # the English voices come along; a Japanese one and the model card do not
    assert sorted(p.name for p in (folder / "voices").iterdir()) == [
        "af_heart.bin",
        "am_michael.bin",
        "bf_emma.bin",
    ]
    assert not (folder / "README.md").exists()
    assert (
        run(tmp_path, backend="kokoro").meta["model_revision"] == "0123456789abcdef0123456789abcdef01234567"
    )


def test_a_sentence_longer_than_the_graphs_context_is_spoken_in_passes(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tools.speech import _kokoro

    import_tiny(tiny)
    passes: list[int] = []
    real = _kokoro._Loaded.run
    monkeypatch.setattr(
        _kokoro._Loaded, "run", lambda self, ids, *a: passes.append(len(ids)) or real(self, ids, *a)
    )
    text = " and ".join(["7654321"] * 8)  # one clause of 91 characters, 651 phonemes ("seven million…")
    audio = SPEC.invoke({"text": text, "backend": "kokoro"}, ToolContext(output_dir=tmp_path))
    assert len(passes) == 2 and max(passes) <= _kokoro.MAX_TOKENS and sum(passes) > _kokoro.MAX_TOKENS
    words = audio.meta["words"]
    assert [w["word"] for w in words] == text.split()
    assert all(a["end_s"] <= b["start_s"] for a, b in itertools.pairwise(words))  # in order, no overlap
