"""A portrait ready to animate: the photo, scaled for video, and one face's 68 landmarks.

Faces are found with dlib's HOG detector and placed with the 68-point shape predictor that
ships in ``face-recognition-models``; both load once per process, on first use.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import BadInput, ToolError

__all__ = ["MAX_SIDE_PX", "MIN_FACE_PX", "Portrait", "detect_faces", "load_portrait", "read_rgb"]

#: Longest side of the output video; larger photos are scaled down (and the metadata says so).
MAX_SIDE_PX = 1024
#: Narrowest face (jaw width in output pixels) that still has room for a mouth to move.
MIN_FACE_PX = 60
#: HOG detections scoring below this are usually textures (a badge, a pattern), not faces;
#: they are used only when nothing scores higher.
_MIN_CONFIDENT_SCORE = 0.3
#: Faces are searched on a copy at most this large: fast, and HOG finds faces ≥ 40 px there.
_DETECT_SIDE_PX = 800

_dlib_lock = threading.Lock()  # dlib objects are not documented as thread-safe
_load_lock = threading.Lock()


@dataclass(frozen=True)
class Portrait:
    """One face in a photo, in the coordinates of the (possibly scaled) image.

    Attributes:
        rgb: H×W×3 uint8 image with even height and width, as the video will show it.
        landmarks: 68×2 float32 (x, y) points in dlib's iBUG order.
        box: the chosen face's detection box (left, top, right, bottom), pixels.
        n_faces: how many faces the photo holds.
        scale: output size / original size (1.0 when not scaled down).
        original_size: (width, height) of the photo as given.
    """

    rgb: np.ndarray
    landmarks: np.ndarray
    box: tuple[int, int, int, int]
    n_faces: int
    scale: float
    original_size: tuple[int, int]

    @property
    def face_width_px(self) -> float:
        """Jaw width (landmark 0 to 16) in pixels."""
        return float(np.linalg.norm(self.landmarks[16] - self.landmarks[0]))


def read_rgb(path: Path) -> np.ndarray:
    """Decode an image file to RGB uint8, honouring EXIF rotation.

    Raises:
        BadInput: the file is not an image Pillow can decode.
    """
    from PIL import Image as PILImage
    from PIL import ImageOps, UnidentifiedImageError

    try:
        with PILImage.open(path) as im:
            im = ImageOps.exif_transpose(im)
            return np.asarray(im.convert("RGB"))
    except PILImage.DecompressionBombError:
        raise BadInput(f"{path.name} has too many pixels to decode safely — scale it down") from None
    except (UnidentifiedImageError, OSError, ValueError) as e:
        raise BadInput(
            f"{path.name} could not be read as an image ({e.__class__.__name__}) "
            "— give a photo as png, jpeg or webp"
        ) from None


def load_portrait(path: Path, face_index: int = 0) -> Portrait:
    """Read a photo, scale it to at most :data:`MAX_SIDE_PX`, and landmark one face.

    Args:
        path: the photo.
        face_index: 0 for the largest face, 1 for the next largest, and so on.

    Raises:
        BadInput: not an image, no face, ``face_index`` past the last face, or a face too
            small to animate.
    """
    import cv2

    rgb = read_rgb(path)
    h, w = rgb.shape[:2]
    scale = min(1.0, MAX_SIDE_PX / max(h, w))
    # Judged before scaling: a sliver (1×40000 px) would scale to no pixels at all.
    if min(h, w) < 2 * MIN_FACE_PX:
        raise BadInput(
            f"{path.name} is only {w}×{h} px — give a portrait at least {2 * MIN_FACE_PX} px on each side"
        )
    if min(h, w) * scale < 2 * MIN_FACE_PX:
        raise BadInput(
            f"{path.name} is {w}×{h} px, too long and narrow to hold a face — give a portrait at most "
            f"{MAX_SIDE_PX / (2 * MIN_FACE_PX):.1f} times as long as it is wide"
        )
    if scale < 1.0:
        rgb = cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    rgb = np.ascontiguousarray(rgb[: rgb.shape[0] // 2 * 2, : rgb.shape[1] // 2 * 2])

    boxes = detect_faces(rgb)
    if not boxes:
        raise BadInput(f"no face found in {path.name} — use a clear, frontal portrait")
    if face_index >= len(boxes):
        raise BadInput(
            f"face_index={face_index}, but {path.name} holds {len(boxes)} face(s) "
            f"— choose 0 (largest) to {len(boxes) - 1}"
        )
    box = boxes[face_index]
    landmarks = _landmarks(rgb, box)
    portrait = Portrait(rgb, landmarks, box, len(boxes), scale, (w, h))
    if portrait.face_width_px < MIN_FACE_PX:
        raise BadInput(
            f"the face in {path.name} is {portrait.face_width_px / scale:.0f} px wide, too small to "
            f"animate — use a sharper or closer photo, with the face at least "
            f"{MIN_FACE_PX / scale:.0f} px wide"
        )
    return portrait


def detect_faces(rgb: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Face boxes (left, top, right, bottom), largest first.

    Weak detections are dropped when a confident one exists, so a badge or a pattern does
    not compete with the real face.
    """
    import cv2

    h, w = rgb.shape[:2]
    shrink = min(1.0, _DETECT_SIDE_PX / max(h, w))
    small = rgb if shrink == 1.0 else cv2.resize(rgb, (round(w * shrink), round(h * shrink)))
    detector, _ = _models()
    with _dlib_lock:
        rects, scores, _ = detector.run(small, 1, 0.0)
    found = [
        (score, tuple(round(v / shrink) for v in (r.left(), r.top(), r.right(), r.bottom())))
        for r, score in zip(rects, scores, strict=True)
    ]
    confident = [f for f in found if f[0] >= _MIN_CONFIDENT_SCORE] or found
    boxes = [box for _, box in confident]
    return sorted(boxes, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]), reverse=True)


def _landmarks(rgb: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    import dlib

    _, predictor = _models()
    with _dlib_lock:
        shape = predictor(rgb, dlib.rectangle(*box))
    return np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float32)


def _models():
    """dlib's face detector and 68-point shape predictor, loaded once per process."""
    with _load_lock:
        return _load_models()


@functools.cache
def _load_models():
    try:
        import dlib
    except ImportError as e:
        raise ToolError("talking_face needs dlib: pip install dlib-bin face-recognition-models") from e
    return dlib.get_frontal_face_detector(), dlib.shape_predictor(str(_predictor_path()))


def _predictor_path() -> Path:
    # Located through the import system rather than the package's own helper, which
    # imports the deprecated pkg_resources.
    import importlib.util

    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise ToolError("talking_face needs the 68-point landmark model: pip install face-recognition-models")
    path = (
        Path(next(iter(spec.submodule_search_locations))) / "models" / "shape_predictor_68_face_landmarks.dat"
    )
    if not path.is_file():
        raise ToolError(f"the landmark model is missing at {path} — reinstall face-recognition-models")
    return path
