"""Signals with known answers, shared by the gesture tests (a unique module name, not conftest)."""

from __future__ import annotations

import numpy as np

SR = 22050


def syllable_train(onsets_s: np.ndarray, duration_s: float, f0_hz: float = 140.0) -> np.ndarray:
    """Voiced 'syllables' (five harmonics of ``f0_hz``, 10 ms attack, smooth 180 ms decay) at known times."""
    y = np.zeros(int(SR * duration_s))
    tt = np.arange(int(0.18 * SR)) / SR
    envelope = np.minimum(1, tt / 0.01) * np.exp(-tt / 0.08) * np.cos(np.pi / 2 * tt / tt[-1]) ** 2
    tone = sum(np.sin(2 * np.pi * f0_hz * k * tt) / k for k in range(1, 6))
    for onset in onsets_s:
        i = int(onset * SR)
        y[i : i + len(tt)] += 0.4 * envelope * tone[: len(y) - i]
    return y


def random_onsets(seed: int, duration_s: float) -> np.ndarray:
    """Onsets 0.25 to 0.6 s apart, like syllables of brisk speech, from 0.3 s to the end."""
    rng = np.random.default_rng(seed)
    onsets = 0.3 + np.cumsum(rng.uniform(0.25, 0.6, int(duration_s * 4)))
    return onsets[onsets < duration_s - 0.5]


def assert_bvhio_reads_the_pose(path, clip, names, frames) -> None:
    """bvhio, an independent reader, finds every joint of ``frames`` where ``clip`` put it."""
    import bvhio

    hierarchy = bvhio.readAsHierarchy(str(path))
    expected = clip.positions()
    for frame in frames:
        hierarchy.loadPose(frame, recursive=True)
        for j, name in enumerate(names):
            world = np.array(hierarchy.filter(name)[0].PositionWorld)
            # 4 decimals in the file and float32 in glm: agreement to 0.01 cm is exact for our purpose.
            np.testing.assert_allclose(world, expected[frame, j], atol=1e-2, err_msg=f"{name} frame {frame}")
