"""The co_speech_gesture and dance tools: motion (BVH) and a preview video from speech or music.

The tools are re-exported here; the registry collects them from this package. The library
behind them lives in submodules: :mod:`.skeleton` (skeleton, rotations, clips), :mod:`.bvh`,
:mod:`.features` (speech features), :mod:`.emotion` (labels and styles), :mod:`.prosody`
(the offline default backend), :mod:`.render` (preview), :mod:`.metrics` (BeatAlign, jerk),
:mod:`.diffusion` (transformer denoiser, sampler, checkpoints, corpora) and :mod:`.train`
(training entry point, also ``python -m tools.gesture.train``). Dance adds :mod:`.body` (the
full-body skeleton, leg IK), :mod:`.rhythm` (beats, downbeats, phrases), :mod:`.moves`
(primitives, figures, styles) and :mod:`.choreo` (figures to motion).
"""

from .co_speech_gesture import GestureResult, co_speech_gesture
from .dance import DanceMotion, dance

__all__ = ["DanceMotion", "GestureResult", "co_speech_gesture", "dance"]
