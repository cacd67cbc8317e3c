"""The tool SDK: schemas from signatures and docstrings, registry, discovery, exports."""

from __future__ import annotations

import importlib
import json
import textwrap
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import pytest
from pydantic import BaseModel, Field

from tools import (
    Audio,
    BadInput,
    Image,
    Json,
    Registry,
    Text,
    ToolContext,
    ToolDefinitionError,
    UnknownToolError,
    artifact_from_file,
    get_spec,
    sniff_kind,
    tool,
)
from tools._media import load_audio, write_wav
from tools._version import _tree_digest, default_version


@tool(tags=("speech",), examples=("say hello",), timeout_s=30, retries=1, resources={"cpu": 2})
def speak(
    text: str,
    style: Literal["neutral", "calm"] = "neutral",
    speed: Annotated[float, Field(gt=0.25, le=4)] = 1.0,
    *,
    ctx: ToolContext,
) -> Audio:
    """Speak text aloud.

    Longer explanation that planners may read.

    Args:
        text: what to say,
            in plain words.
        style: how it sounds.
        speed: rate multiplier, 0.25 < speed <= 4.
    """
    return Audio(path=ctx.output_path("speech.wav"))


class Scores(BaseModel):
    label: Literal["positive", "negative"]
    report: Json


def test_decorator_returns_the_function_and_attaches_a_spec():
    spec = get_spec(speak)
    assert callable(speak) and speak.__name__ == "speak"
    assert spec.name == "speak" and spec.summary == "Speak text aloud."
    assert spec.description == "Longer explanation that planners may read."
    assert spec.params["text"].description == "what to say, in plain words."
    assert spec.params["style"].choices == ("neutral", "calm")
    assert spec.tags == ("speech",) and spec.examples == ("say hello",)
    assert (spec.timeout_s, spec.retries, spec.resources) == (30, 1, {"cpu": 2})
    assert spec.context_param == "ctx"


def test_bare_decorator_and_name_option():
    @tool
    def a(x: int) -> int:
        """A.

        Args:
            x: a number.
        """
        return x

    @tool(name="renamed", description="Custom description.")
    def b(x: int) -> int:
        """B.

        Args:
            x: a number.
        """
        return x

    assert get_spec(a).name == "a"
    assert (get_spec(b).name, get_spec(b).summary) == ("renamed", "Custom description.")


def test_json_schema_comes_from_hints_and_docs_without_context():
    fn = get_spec(speak).openai_schema()["function"]
    params = fn["parameters"]
    assert fn["name"] == "speak"
    assert fn["description"].startswith("Speak text aloud.")
    assert set(params["properties"]) == {"text", "style", "speed"}  # ctx is not in the schema
    assert params["required"] == ["text"]
    assert params["properties"]["style"]["enum"] == ["neutral", "calm"]
    assert params["properties"]["speed"]["exclusiveMinimum"] == 0.25
    assert params["additionalProperties"] is False


def test_artifact_parameters_are_paths_in_the_schema():
    @tool
    def show(image: Image) -> Text:
        """Describe a picture.

        Args:
            image: the picture.
        """

    prop = get_spec(show).json_schema()["properties"]["image"]
    assert prop["type"] == "string"
    assert "Image: a user file '@name' or an earlier step '$id'" in prop["description"]


def test_definition_problems_are_collected_and_name_the_function():
    def bad(x, *rest, y: int) -> str:  # no docstring, no hint for x, *args
        return ""

    with pytest.raises(ToolDefinitionError) as info:
        tool(bad)
    message = str(info.value)
    assert message.startswith("test_definition_problems_are_collected_and_name_the_function.<locals>.bad")
    assert "has no docstring" in message
    assert "parameter 'x' has no type hint" in message
    assert "*rest" in message
    assert "parameter 'y' is not documented" in message


def test_missing_return_hint():
    def f(x: int):
        """F.

        Args:
            x: a number.
        """

    with pytest.raises(ToolDefinitionError, match="no return type hint"):
        tool(f)


def test_invoke_validates_arguments_with_clear_messages():
    spec = get_spec(speak)
    with pytest.raises(BadInput, match=r"argument 'speed' = 9: input should be less than or equal to 4"):
        spec.invoke({"text": "x", "speed": 9})
    with pytest.raises(BadInput, match=r"unknown argument 'txt' \(did you mean 'text'\?\)"):
        spec.invoke({"text": "x", "txt": "y"})
    with pytest.raises(BadInput, match=r"missing required argument 'text'"):
        spec.invoke({})
    out = spec.invoke({"text": "hi"}, ToolContext.temporary())
    assert isinstance(out, Audio) and out.path.name == "speech.wav"


def test_model_outputs_are_named_fields():
    @tool
    def rate(text: str, *, ctx: ToolContext) -> Scores:
        """Rate a text.

        Args:
            text: the text.
        """
        return Scores(label="positive", report=Json.write(ctx, "r.json", {"x": 1}))

    spec = get_spec(rate)
    assert spec.outputs == {"label": Literal["positive", "negative"], "report": Json}
    assert spec.invoke({"text": "good"}).report.load() == {"x": 1}


def test_registry_lookup_and_duplicates():
    registry = Registry([speak])
    assert "speak" in registry and len(registry) == 1
    with pytest.raises(UnknownToolError) as info:
        registry.get("speek")
    assert str(info.value) == "Unknown tool 'speek' (did you mean 'speak'?); known tools: speak"

    @tool(name="speak")
    def other(text: str) -> str:
        """Another speak.

        Args:
            text: x.
        """
        return text

    with pytest.raises(ToolDefinitionError, match="already registered"):
        registry.register(other)
    registry.register(other, replace=True)
    assert registry.get("speak").fn is other


def test_register_file_and_entry_points(tmp_path, monkeypatch):
    plugin = tmp_path / "my_tools.py"
    plugin.write_text(
        textwrap.dedent(
            '''
            from tools import tool, Text

            @tool(examples=("shout this",))
            def shout(text: str) -> str:
                """Upper-case a text.

                Args:
                    text: what to shout.
                """
                return text.upper()
            '''
        )
    )
    registry = Registry()
    [spec] = registry.register_file(plugin)
    assert spec.name == "shout" and spec.invoke({"text": "hi"}) == "HI"

    class EntryPoint:
        name, value = "mine", "my_tools"

        def load(self):
            import importlib.util

            module_spec = importlib.util.spec_from_file_location("my_tools_ep", plugin)
            module = importlib.util.module_from_spec(module_spec)
            module_spec.loader.exec_module(module)
            return module

    monkeypatch.setattr(
        "importlib.metadata.entry_points", lambda group: [EntryPoint()] if group == "troupe.tools" else []
    )
    discovered = Registry()
    assert [s.name for s in discovered.load_entry_points()] == ["shout"]


def test_register_file_errors(tmp_path):
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n")
    with pytest.raises(Exception, match="defines no @tool function"):
        Registry().register_file(empty)
    broken = tmp_path / "broken.py"
    broken.write_text("import nonexistent_module_xyz\n")
    with pytest.raises(Exception, match=r"importing .*broken\.py failed: ModuleNotFoundError"):
        Registry().register_file(broken)


def test_langchain_export_runs_the_tool(tmp_path):
    pytest.importorskip("langchain_core")

    @tool
    def louder(audio: Audio, gain: float = 2.0, *, ctx: ToolContext) -> Json:
        """Report a gain applied to a recording.

        Args:
            audio: the recording.
            gain: linear gain.
        """
        return Json.write(ctx, "gain.json", {"file": audio.path.name, "gain": gain})

    wav = write_wav(tmp_path / "in.wav", np.zeros(160), 16000)
    [lc_tool] = Registry([louder]).langchain_tools()
    assert lc_tool.name == "louder"
    result = json.loads(lc_tool.invoke({"audio": str(wav), "gain": 3}))
    assert json.loads(Path(result).read_text()) == {"file": "in.wav", "gain": 3.0}


def test_sniffing_by_content(tmp_path):
    wav = write_wav(tmp_path / "clip.dat", np.zeros(160), 16000)
    (tmp_path / "notes.wav").write_text("plain text pretending to be audio")
    (tmp_path / "data.json").write_text('{"a": 1}')
    (tmp_path / "empty.wav").write_bytes(b"")
    (tmp_path / "motion.bvh").write_text("HIERARCHY\nROOT Hips\n")
    (tmp_path / "song.mid").write_bytes(b"MThd\x00\x00\x00\x06\x00\x01\x00\x01\x01\xe0")
    (tmp_path / "blob.bin").write_bytes(bytes(range(256)) * 4)
    assert sniff_kind(wav) == "Audio"
    assert sniff_kind(tmp_path / "notes.wav") == "Text"
    assert sniff_kind(tmp_path / "data.json") == "Json"
    assert sniff_kind(tmp_path / "empty.wav") is None
    assert sniff_kind(tmp_path / "motion.bvh") == "Motion"
    assert sniff_kind(tmp_path / "song.mid") == "Midi"
    assert sniff_kind(tmp_path / "blob.bin") is None
    assert sniff_kind("examples/portrait.png") == "Image"


def test_artifact_from_file_refuses_wrong_content(tmp_path):
    (tmp_path / "notes.wav").write_text("not audio")
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(
        BadInput, match=r"notes.wav holds text, not audio — give audio \(wav, mp3, flac or ogg\)"
    ):
        artifact_from_file(tmp_path / "notes.wav", Audio)
    with pytest.raises(BadInput, match=r"empty\.wav is empty"):
        artifact_from_file(tmp_path / "empty.wav", Audio)
    with pytest.raises(BadInput, match="does not exist"):
        artifact_from_file(tmp_path / "missing.wav", Audio)
    assert isinstance(artifact_from_file("examples/portrait.png"), Image)


def test_load_audio_keeps_levels_across_channel_counts(tmp_path):
    t = np.arange(8000) / 16000
    tone = 0.5 * np.sin(2 * np.pi * 440 * t)
    mono = write_wav(tmp_path / "mono.wav", tone, 16000)
    stereo = write_wav(tmp_path / "stereo.wav", np.stack([tone, 0.5 * tone], axis=1), 16000)
    dual = write_wav(tmp_path / "dual.wav", np.stack([tone, tone], axis=1), 16000)
    up = load_audio(mono, 16000, mono=False)
    assert up.shape == (8000, 2) and np.allclose(up[:, 0], up[:, 1])
    assert np.abs(up).max() == pytest.approx(0.5, abs=1e-3)  # ffmpeg alone would give 0.354
    assert np.abs(load_audio(stereo, 16000, mono=False)).max(axis=0) == pytest.approx([0.5, 0.25], abs=1e-3)
    assert np.abs(load_audio(dual, 16000, mono=False)).max() == pytest.approx(0.5, abs=1e-3)
    # Mono mixes stereo down with the -3 dB pan law: a centred source keeps its loudness.
    assert np.abs(load_audio(dual, 16000)).max() == pytest.approx(0.5 * 2**0.5, abs=1e-3)


def test_default_version_follows_the_whole_package(tmp_path, monkeypatch):
    package = tmp_path / "vpkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "helper.py").write_text("FACTOR = 2\n")
    (package / "tool.py").write_text(
        "from tools import tool\nfrom .helper import FACTOR\n\n"
        "@tool\ndef double(x: int) -> int:\n"
        '    """Double a number.\n\n    Args:\n        x: the number.\n    """\n'
        "    return FACTOR * x\n\n"
        '@tool(version="2")\ndef pinned(x: int) -> int:\n'
        '    """Return a number.\n\n    Args:\n        x: the number.\n    """\n'
        "    return x\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("vpkg.tool")
    before = get_spec(module.double).version
    assert default_version(module.double) == before and get_spec(module.pinned).version == "2"
    (package / "helper.py").write_text("FACTOR = 3\n")
    _tree_digest.cache_clear()  # a new process would read the files afresh
    assert default_version(module.double) != before
