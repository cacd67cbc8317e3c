"""Shared material for the speech tests: a context writing under tmp_path and real TTS speech."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tools import Audio, ToolContext
from tools._media import ffmpeg_exe

#: A sentence of common words, easy for the recogniser, with a known transcript.
SENTENCE = "The quick brown fox jumps over the lazy dog near the river bank."


@pytest.fixture
def ctx(tmp_path: Path) -> ToolContext:
    return ToolContext(output_dir=tmp_path / "out", step_id="test")


@pytest.fixture(scope="session")
def spoken(tmp_path_factory: pytest.TempPathFactory) -> Audio:
    """SENTENCE spoken by the default Piper voice (neutral style), the same every session.

    Piper samples its voice noise from the model session's generator, so the speech depends on
    how many sentences the process spoke before; a freshly loaded voice makes it the same
    whatever tests ran earlier (the recognition tests' word counts are tight).
    """
    from tools.speech import _piper, text_to_speech

    _piper._VOICES.clear()
    out = tmp_path_factory.mktemp("spoken")
    return text_to_speech(SENTENCE, ctx=ToolContext(output_dir=out))


def convert(src: Path, dst: Path, *args: str) -> Path:
    """Re-encode ``src`` with ffmpeg (format from ``dst``'s extension, extra options in ``args``)."""
    subprocess.run([ffmpeg_exe(), "-y", "-v", "error", "-i", str(src), *args, str(dst)], check=True)
    return dst
