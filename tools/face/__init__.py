"""The face tools: talking_face (a lip-synced portrait video) and face_animation (ARKit-52 curves).

The tools are re-exported here; the registry collects them from this package.
"""

from ._backends import BACKEND_ENV, FaceRenderer, get_backend, register_backend
from .animation import FaceAnimation, face_animation
from .talking_face import talking_face

__all__ = [
    "BACKEND_ENV",
    "FaceAnimation",
    "FaceRenderer",
    "face_animation",
    "get_backend",
    "register_backend",
    "talking_face",
]
