"""What a tool accepts: input limits checked from file headers, and time limits that grow with the input.

A tool states the limits of an artifact parameter in its signature, and they become part of
its schema and its card::

    audio: Annotated[Audio, Limits(max_s=2 * 3600)]
    image: Annotated[Image, Limits(max_pixels=50_000_000)]

Before the tool runs (at plan validation for the user's files, and again when the tool is
invoked) each such argument is probed — the header only, never the whole file — and refused
with a one-line reason when it is out of bounds. Plain values use pydantic constraints
(``Annotated[int, Field(ge=0)]``, ``Field(max_length=16)`` on lists); a text file given for a
text parameter is refused past the parameter's ``max_length`` (or :data:`MAX_TEXT_CHARS`)
having read no more of it than that.

A tool's default time limit is ``timeout_s`` plus ``timeout_per_input_s`` for every second of
input (see :func:`input_seconds`); a plan's explicit ``timeout_s`` wins.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._artifacts import Artifact, Audio, Image, Text, Video, map_artifacts
from ._probe import measure_duration, probe_audio, probe_image
from ._types import length_bounds
from .errors import BadInput

__all__ = [
    "MAX_TEXT_CHARS",
    "READING_CHARS_PER_S",
    "Limits",
    "LocalPath",
    "format_duration",
    "input_seconds",
    "max_chars",
]

#: Text counts as the time it takes to read aloud: about 15 characters a second.
READING_CHARS_PER_S = 15.0
#: The longest text read from a file into a text parameter that states no ``max_length``.
MAX_TEXT_CHARS = 1_000_000


@dataclass(frozen=True)
class Limits:
    """Bounds on one artifact parameter, checked from the file's header before any decoding.

    Attributes:
        max_s: longest audio (or video sound) accepted, in seconds.
        min_s: shortest audio accepted, in seconds.
        min_rate_hz: lowest sample rate accepted; a lower one means a damaged header.
        max_rate_hz: highest sample rate accepted.
        max_channels: most audio channels accepted.
        max_pixels: largest picture accepted, width × height.
        max_mb: largest file accepted, in megabytes (10⁶ bytes).
    """

    max_s: float | None = None
    min_s: float | None = None
    min_rate_hz: int = 4_000
    max_rate_hz: int = 384_000
    max_channels: int = 32
    max_pixels: int | None = None
    max_mb: float | None = None

    def describe(self, kinds: set[type[Artifact]]) -> str:
        """The limits in words, for a parameter taking ``kinds`` of artifact."""
        parts = []
        if kinds & {Audio, Video}:
            if self.max_s is not None:
                low = f"{format_duration(self.min_s)} to " if self.min_s else "up to "
                parts.append(f"{low}{format_duration(self.max_s)} long")
            elif self.min_s:
                parts.append(f"at least {format_duration(self.min_s)} long")
            parts.append(f"{self.min_rate_hz / 1000:g}–{self.max_rate_hz / 1000:g} kHz")
            parts.append(f"at most {self.max_channels} channels")
        if self.max_pixels is not None and Image in kinds:
            parts.append(f"at most {self.max_pixels / 1e6:g} megapixels")
        if self.max_mb is not None:
            parts.append(f"at most {self.max_mb:g} MB")
        return ", ".join(parts)

    def check(self, value: Any) -> Any:
        """``value`` with every artifact in it checked, its header's sizes filled in.

        Raises:
            BadInput: an artifact is out of bounds or unreadable; the message names the file,
                the limit and what to do.
        """
        return map_artifacts(value, self._check_one)

    def _check_one(self, artifact: Artifact) -> Artifact:
        try:
            return self._check_file(artifact)
        except OSError as e:
            raise BadInput(
                f"{artifact.path.name} cannot be read ({e.strerror or e}) — check that the file exists and is readable"
            ) from None

    def _check_file(self, artifact: Artifact) -> Artifact:
        path = artifact.path
        if self.max_mb is not None:
            mb = path.stat().st_size / 1e6
            if mb > self.max_mb:
                raise BadInput(
                    f"{path.name} is {mb:.1f} MB; at most {self.max_mb:g} MB is accepted — give a smaller file"
                )
        if isinstance(artifact, (Audio, Video)):
            return self._check_sound(artifact)
        if isinstance(artifact, Image) and self.max_pixels is not None:
            info = probe_image(path)
            pixels = info.width * info.height
            if pixels > self.max_pixels:
                raise BadInput(
                    f"{path.name} is {info.width}×{info.height} pixels ({pixels / 1e6:.0f} megapixels); at most "
                    f"{self.max_pixels / 1e6:g} megapixels are accepted — scale it down"
                )
            return artifact.model_copy(update={"width": info.width, "height": info.height})
        return artifact

    def _check_sound(self, artifact: Audio | Video) -> Audio | Video:
        path = artifact.path
        info = probe_audio(path)
        rate = info.sample_rate or 0
        if not self.min_rate_hz <= rate <= self.max_rate_hz:
            raise BadInput(
                f"{path.name} says its sample rate is {rate:,} Hz; {self.min_rate_hz:,} to "
                f"{self.max_rate_hz:,} Hz is accepted — its header is probably damaged: re-export it as WAV or FLAC"
            )
        if info.channels is not None and not 1 <= info.channels <= self.max_channels:
            raise BadInput(
                f"{path.name} says it has {info.channels} channels; 1 to {self.max_channels} are accepted "
                "— mix it down to stereo"
            )
        duration = info.duration_s
        if duration is None:  # the container does not say: count, but only up to the limit
            duration = measure_duration(path, self.max_s if self.max_s is not None else 24 * 3600)
        if self.max_s is not None and duration > self.max_s:
            raise BadInput(
                f"{path.name} lasts {format_duration(duration)}; at most {format_duration(self.max_s)} is "
                "accepted — cut it into shorter parts"
            )
        if self.min_s is not None and duration < self.min_s:
            raise BadInput(
                f"{path.name} lasts only {format_duration(duration)}; at least {format_duration(self.min_s)} "
                "is needed — give a longer recording"
            )
        if isinstance(artifact, Video):
            return artifact.model_copy(update={"duration_s": duration})
        return artifact.model_copy(
            update={"duration_s": duration, "sample_rate": info.sample_rate, "channels": info.channels}
        )


@dataclass(frozen=True)
class LocalPath:
    """Marks a text parameter whose value is a path on the machine running the tool (a model
    checkpoint, say)::

        checkpoint: Annotated[str, LocalPath()] | None = None

    Such a value reads a file just as an ``@`` reference does, so it is judged the same way: a
    plan confined to some files (a web session's, a planner's) may set it only to a path inside
    them, written as text (not ``@`` or ``$``), and the tool receives that path resolved.
    """


def max_chars(annotation: Any) -> int:
    """How many characters a text parameter takes: its ``max_length`` (``Field(max_length=…)``),
    else :data:`MAX_TEXT_CHARS`. A text file given for it is refused past this, unread."""
    return length_bounds(annotation)[1] or MAX_TEXT_CHARS


def format_duration(seconds: float | None) -> str:
    """``"27 h 47 min"``, ``"2 h"``, ``"12 min 30 s"``, ``"0.3 s"``, ``"0.062 ms"``."""
    if seconds is None or not math.isfinite(seconds):
        return "an unknown time"
    if seconds < 0.01:
        return f"{seconds * 1000:.2g} ms"
    if seconds < 60:
        return f"{seconds:.2g} s" if seconds < 1 else f"{seconds:.3g} s"
    minutes = round(seconds / 60) if seconds >= 3600 else int(seconds // 60)
    if seconds >= 3600:
        hours, minutes = divmod(minutes, 60)
        return f"{hours} h" + (f" {minutes} min" if minutes else "")
    rest = round(seconds - 60 * minutes)
    return f"{minutes} min" + (f" {rest} s" if rest else "")


def input_seconds(args: dict[str, Any]) -> float:
    """How much input a call has, in seconds: audio and video by their length, text by the
    time it takes to read aloud (:data:`READING_CHARS_PER_S`); other values count nothing.

    Lengths come from the artifacts' metadata when it is there, else from their headers;
    a file that cannot be probed counts nothing (the tool will refuse it itself).
    """
    total = 0.0
    stack = list(args.values())
    while stack:
        value = stack.pop()
        if isinstance(value, (list, tuple)):
            stack.extend(value)
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, str):
            total += len(value) / READING_CHARS_PER_S
        elif isinstance(value, Text):
            total += _size(value.path) / READING_CHARS_PER_S
        elif isinstance(value, (Audio, Video)):
            total += value.duration_s if value.duration_s is not None else _probed_seconds(value.path)
    return total


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _probed_seconds(path: Path) -> float:
    try:
        return probe_audio(path).duration_s or 0.0
    except (BadInput, OSError):
        return 0.0
