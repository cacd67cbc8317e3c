"""Portrait, mesh and warp on the real test portrait (the skimage astronaut)."""

from __future__ import annotations

import numpy as np
import pytest
from face_helpers import PORTRAIT, inner_lip_gap, redetect

from tools.face._mesh import _LIP_TRIANGLES, N_LIP_POINTS, FaceMesh
from tools.face._mouth import MouthPainter
from tools.face._portrait import load_portrait
from tools.face._track import EMOTIONS, FaceTrack
from tools.face._warp import MeshWarper, signed_areas

pytestmark = pytest.mark.slow  # loads dlib's 100 MB landmark model


@pytest.fixture(scope="module")
def portrait():
    return load_portrait(PORTRAIT)


@pytest.fixture(scope="module")
def mesh(portrait):
    return FaceMesh.from_portrait(portrait)


def one_frame(emotion="neutral", open_=0.3, width=0.0, blink=0.0, roll=0.0, shift=0.0, yaw=0.0) -> FaceTrack:
    a = lambda x: np.array([x], dtype=np.float32)  # noqa: E731
    return FaceTrack(25, EMOTIONS[emotion], a(open_), a(width), a(blink), a(roll), a(shift), a(shift), a(yaw))


def render(portrait, mesh, track: FaceTrack) -> np.ndarray:
    target = mesh.deform(track, 0)
    frame = MeshWarper(portrait.rgb, mesh.vertices, mesh.triangles).warp(target)
    MouthPainter(portrait.rgb, mesh.vertices[:N_LIP_POINTS]).paint(frame, target[:N_LIP_POINTS])
    return frame


def test_the_astronaut_is_found_and_landmarked(portrait) -> None:
    # The badge on the suit is a weak face-like detection; it must not count as a face.
    assert portrait.n_faces == 1
    left, top, right, bottom = portrait.box
    assert 150 < left < right < 290 and 50 < top < bottom < 200  # her face, not the badge at y≈380
    nose_tip = portrait.landmarks[30]
    assert 215 < nose_tip[0] < 235 and 115 < nose_tip[1] < 135  # hand-checked on the photo


def test_mesh_tiles_the_face_without_overlap(mesh) -> None:
    from scipy.spatial import ConvexHull

    # The hand-made lip triangles are used (not the plain-Delaunay fallback).
    assert {tuple(sorted(t)) for t in _LIP_TRIANGLES} <= {tuple(sorted(t)) for t in mesh.triangles.tolist()}

    areas = signed_areas(mesh.vertices, mesh.triangles)
    assert np.all(areas != 0)
    assert np.abs(areas).sum() == pytest.approx(ConvexHull(mesh.vertices).volume, rel=1e-4)


@pytest.mark.parametrize("emotion", sorted(EMOTIONS))
def test_no_triangle_folds_over_the_range_of_motion(mesh, emotion) -> None:
    source = np.sign(signed_areas(mesh.vertices, mesh.triangles))
    for open_ in (0.0, 0.4, 1.2):
        for width in (-1.0, 1.0):
            for blink in (0.0, 1.0):
                track = one_frame(emotion, open_, width, blink, roll=0.05, shift=0.03, yaw=0.03)
                areas = signed_areas(mesh.deform(track, 0), mesh.triangles) * source
                # A triangle may collapse (closed lips, shut eye) but never turn over (> 0.5 px²).
                assert areas.min() > -0.5, (open_, width, blink)


def test_rest_pose_reproduces_the_photo(portrait, mesh) -> None:
    frame = render(portrait, mesh, one_frame(open_=mesh.rest_open))
    diff = np.abs(frame.astype(int) - portrait.rgb.astype(int))
    # Away from the mouth, the warp at rest is the identity: exactly the photo.
    mouth = portrait.landmarks[48:68]
    y0, y1 = int(mouth[:, 1].min()) - 3, int(mouth[:, 1].max()) + 4
    assert diff[:y0].max() == 0 and diff[y1:].max() == 0
    # Inside, the repainted teeth differ only by edge antialiasing: under 4 levels on average.
    assert diff[y0:y1].mean() < 4


def test_opening_is_seen_by_an_independent_landmark_detector(portrait, mesh) -> None:
    closed = redetect(render(portrait, mesh, one_frame(open_=0.0)))
    wide = redetect(render(portrait, mesh, one_frame(open_=1.0)))
    assert closed is not None and wide is not None
    # Rendered gap 0 vs 1.0 × max_gap (18 px here); dlib's inner-lip points are ± 2 px.
    assert inner_lip_gap(closed) < 4
    assert inner_lip_gap(wide) > inner_lip_gap(closed) + 0.5 * mesh.max_gap


def test_open_mouth_shows_teeth_over_a_dark_cavity_not_stretched_teeth(portrait, mesh) -> None:
    frame = render(portrait, mesh, one_frame(open_=1.0))
    target = mesh.deform(one_frame(open_=1.0), 0)
    top, bottom = target[62], target[66]  # middle of the upper and lower inner lip
    column = frame[int(top[1]) + 1 : int(bottom[1]) - 1, int(top[0])].astype(float).mean(axis=1)
    # Teeth (bright) sit under the upper lip; the lower part of the opening is dark.
    assert column[: max(2, column.size // 4)].max() > 170
    assert column[column.size // 2 :].mean() < 110


def test_blink_closes_the_eyes_and_emotion_moves_the_brows(portrait, mesh) -> None:
    open_eyes = mesh.deform(one_frame(), 0)
    shut = mesh.deform(one_frame(blink=1.0), 0)
    lid_gap = lambda v: np.linalg.norm(v[37] - v[41])  # noqa: E731
    assert lid_gap(shut) < 0.15 * lid_gap(open_eyes)
    up = mesh.up
    brow = lambda v: float(np.dot(v[19:25].mean(axis=0), up))  # noqa: E731
    assert brow(mesh.deform(one_frame("surprised"), 0)) > brow(open_eyes) + 0.05 * mesh.face_h
    angry = mesh.deform(one_frame("angry"), 0)
    assert np.dot(angry[21] - open_eyes[21], up) < 0 and np.dot(angry[22] - open_eyes[22], up) < 0
    sad, happy = mesh.deform(one_frame("sad"), 0), mesh.deform(one_frame("happy"), 0)
    assert np.dot(happy[48] - sad[48], up) > 0.05 * mesh.face_h  # corners up vs down


def test_a_closed_mouth_photo_rests_unchanged_and_opens_onto_drawn_teeth(portrait, mesh, tmp_path) -> None:
    from PIL import Image as PILImage

    path = tmp_path / "closed.png"
    PILImage.fromarray(render(portrait, mesh, one_frame(open_=0.0))).save(path)
    closed = load_portrait(path)
    closed_mesh = FaceMesh.from_portrait(closed)
    assert closed_mesh.rest_gap < 1.0  # the lips touch in this photo

    rest = render(closed, closed_mesh, one_frame(open_=closed_mesh.rest_open))
    assert np.abs(rest.astype(int) - closed.rgb.astype(int)).max() <= 2  # nothing drawn at rest

    wide = render(closed, closed_mesh, one_frame(open_=1.0))
    target = closed_mesh.deform(one_frame(open_=1.0), 0)
    top, bottom = target[62], target[66]
    column = wide[int(top[1]) + 1 : int(bottom[1]) - 1, int(top[0])].astype(float).mean(axis=1)
    assert column[:3].max() > 170  # a light band of teeth under the upper lip
    assert column[column.size // 2 :].mean() < 110  # then the dark of the mouth


def test_the_speaking_range_scales_with_the_mouth_and_not_with_a_grin(portrait) -> None:
    from tools.face._mesh import mouth_size

    lm = portrait.landmarks.astype(np.float64)
    base = mouth_size(lm)
    assert mouth_size(lm * 2.0) == pytest.approx(2 * base)  # a larger face opens wider, in proportion

    def corners(scale: float) -> np.ndarray:
        moved = lm.copy()
        centre = (lm[48] + lm[54]) / 2
        moved[[48, 54]] = centre + (lm[[48, 54]] - centre) * scale
        return moved

    eyes = float(np.linalg.norm(lm[45] - lm[36]))
    small = corners(0.5 * eyes / float(np.linalg.norm(lm[54] - lm[48])))  # lips half the eye distance
    large = corners(0.7 * eyes / float(np.linalg.norm(lm[54] - lm[48])))
    assert mouth_size(small) < mouth_size(large) < 1.1 * mouth_size(small) * np.sqrt(0.7 / 0.5)
    # A broad grin (lips stretched to the eye distance) opens no wider than a wide mouth.
    assert mouth_size(corners(eyes / float(np.linalg.norm(lm[54] - lm[48])))) <= mouth_size(large) * 1.05
