"""Skeleton, rotations, BVH export (checked with the independent bvhio parser), npz/JSON."""

from __future__ import annotations

import json

import numpy as np
import pytest
from gesture_signals import assert_bvhio_reads_the_pose

from tools.gesture.bvh import read_bvh, retarget, write_bvh
from tools.gesture.skeleton import (
    SKELETON,
    MotionClip,
    matrix_to_euler,
    matrix_to_rot6d,
    rot6d_to_matrix,
    xyz_to_matrix,
)


def random_clip(n_frames: int = 24, seed: int = 0) -> MotionClip:
    rng = np.random.default_rng(seed)
    lim = SKELETON.limits
    rotations = rng.uniform(lim[..., 0], lim[..., 1], (n_frames, SKELETON.n_joints, 3))
    root = SKELETON.offsets[0] + rng.normal(0, 3, (n_frames, 3))
    return MotionClip(30.0, root, rotations)


def test_euler_and_rot6d_round_trip() -> None:
    angles = np.random.default_rng(1).uniform(-85, 85, (500, 3))  # away from the x = ±90° gimbal lock
    matrices = xyz_to_matrix(angles)
    np.testing.assert_allclose(matrix_to_euler(matrices), angles, atol=1e-9)
    np.testing.assert_allclose(rot6d_to_matrix(matrix_to_rot6d(matrices)), matrices, atol=1e-12)


def test_right_side_mirrors_left() -> None:
    clip = random_clip(4)
    for left in ("LeftShoulder", "LeftArm", "LeftForeArm", "LeftHand"):
        right = SKELETON.index(left.replace("Left", "Right"))
        clip.rotations[:, right] = clip.rotations[:, SKELETON.index(left)] * [1, -1, -1]
    for spine in ("Hips", "Spine", "Spine1", "Spine2"):
        clip.rotations[:, SKELETON.index(spine)] = 0
    pos = clip.positions() - clip.root_pos[:, None]
    hand_l, hand_r = pos[:, SKELETON.index("LeftHand")], pos[:, SKELETON.index("RightHand")]
    np.testing.assert_allclose(hand_r, hand_l * [-1, 1, 1], atol=1e-9)


def test_bvh_read_back_by_bvhio_gives_the_same_pose(tmp_path) -> None:
    bvhio = pytest.importorskip("bvhio")
    clip = random_clip()
    path = write_bvh(clip, tmp_path / "clip.bvh")

    container = bvhio.readAsBvh(str(path))
    assert container.FrameCount == clip.n_frames
    assert container.FrameTime == pytest.approx(1 / 30, abs=1e-7)
    assert [j.Name for j, _, _ in container.Root.layout()] == list(SKELETON.names)

    assert_bvhio_reads_the_pose(path, clip, SKELETON.names, (0, 11, clip.n_frames - 1))


def test_own_reader_and_retarget_round_trip(tmp_path) -> None:
    clip = random_clip(seed=2)
    back = retarget(read_bvh(write_bvh(clip, tmp_path / "a.bvh")))
    np.testing.assert_allclose(back.rotations, clip.rotations, atol=1e-3)  # 4 decimals written
    np.testing.assert_allclose(back.root_pos, clip.root_pos, atol=1e-3)
    assert back.fps == pytest.approx(30.0)


def test_retarget_accepts_prefixed_names_and_names_missing_joints(tmp_path) -> None:
    text = write_bvh(random_clip(5), tmp_path / "a.bvh").read_text()
    prefixed = tmp_path / "mixamo.bvh"
    prefixed.write_text(text.replace("ROOT ", "ROOT mixamorig:").replace("JOINT ", "JOINT mixamorig:"))
    assert retarget(read_bvh(prefixed)).n_frames == 5

    no_head = tmp_path / "no_head.bvh"
    no_head.write_text(text.replace("JOINT Head", "JOINT Skull"))
    with pytest.raises(ValueError, match="lacks joints Head"):
        retarget(read_bvh(no_head))


def test_npz_and_json_exports(tmp_path) -> None:
    clip = random_clip(6)
    back = MotionClip.load_npz(clip.save_npz(tmp_path / "m.npz"))
    np.testing.assert_allclose(back.rotations, clip.rotations, atol=1e-4)  # stored as float32
    data = json.loads(clip.save_json(tmp_path / "m.json", chunk=4).read_text())  # two chunks of frames
    assert [j["name"] for j in data["joints"]] == list(SKELETON.names)
    assert data["n_frames"] == 6 and data["fps"] == 30.0
    np.testing.assert_allclose(data["rotations"], clip.rotations, atol=5e-4)  # rounded to 3 decimals
    np.testing.assert_allclose(data["root_pos"], clip.root_pos, atol=5e-4)
