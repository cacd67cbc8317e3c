"""Music tools: music_analyze, music_transcribe, music_separate, music_generate, midi_to_audio, audio_mix, sing.

The tools are re-exported here; the registry collects them from this package. Each module
imports its heavy libraries (librosa, onnxruntime, torch, fluidsynth) inside functions.
"""

from ._quiet_import import silence_fluidsynth_import
from .analyze import music_analyze
from .generate import GeneratedMusic, music_generate
from .mix import audio_mix
from .render import midi_to_audio
from .separate import Stems, music_separate
from .sing import Sung, sing
from .transcribe import music_transcribe

silence_fluidsynth_import()

__all__ = [
    "GeneratedMusic",
    "Stems",
    "Sung",
    "audio_mix",
    "midi_to_audio",
    "music_analyze",
    "music_generate",
    "music_separate",
    "music_transcribe",
    "sing",
]
