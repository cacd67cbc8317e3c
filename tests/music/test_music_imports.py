"""The music package stays light to import: models and DSP libraries load only when a tool runs."""

from __future__ import annotations

import subprocess
import sys

HEAVY = (
    "torch",
    "onnxruntime",
    "librosa",
    "fluidsynth",
    "pretty_midi",
    "music21",
    "torchcrepe",
    "basic_pitch",
)


def test_importing_the_music_tools_imports_no_heavy_library() -> None:
    code = (
        "import sys, tools.music, tools;"
        "tools.default_registry(entry_points=False);"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_music_tool_is_registered() -> None:
    from tools import default_registry

    names = set(default_registry(entry_points=False).names())
    assert {
        "music_analyze",
        "music_transcribe",
        "music_separate",
        "music_generate",
        "midi_to_audio",
        "audio_mix",
    } <= names


def test_pyfluidsynth_says_nothing_when_ci_is_set() -> None:
    """pyfluidsynth prints where it found its library when CI is set; nobody asked (it broke
    --json output and one-line errors), so its import is silent wherever it first happens."""
    import os
    import subprocess
    import sys

    code = "import tools.music, pretty_midi, fluidsynth; print('ok')"
    env = {**os.environ, "CI": "1"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert (out.returncode, out.stdout, out.stderr) == (0, "ok\n", "")
