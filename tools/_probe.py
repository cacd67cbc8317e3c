"""How big a media file says it is — duration, sample rate, channels, pixels — read from its
header, without decoding it.

WAV headers are parsed here (microseconds); other audio and video formats are read by
``ffmpeg -i``, which opens the container and stops (tens of milliseconds). When a container
does not state its duration, :func:`measure_duration` decodes it to nowhere, up to a bound.
Images are opened with Pillow, which reads only the header until pixels are asked for.
"""

from __future__ import annotations

import functools
import re
import struct
from dataclasses import dataclass
from pathlib import Path

from ._proc import error_line, run
from .errors import BadInput

__all__ = ["MediaInfo", "measure_duration", "probe_audio", "probe_image"]

_PROBE_TIMEOUT_S = 30.0
_PCM_TAGS = {1, 3, 6, 7, 0xFFFE}  # integer PCM, float, A-law, µ-law, extensible: size from block_align
_MAX_CHUNKS = 64  # a WAV with more chunks before its data is read by ffmpeg instead
_DURATION = re.compile(r"Duration: (?:(\d+):(\d\d):(\d\d(?:\.\d+)?)|N/A)")
_AUDIO_STREAM = re.compile(r"Stream #\d+:\d+\S*: Audio: [^\n]*?(\d+) Hz(?:, ([^,\n]+))?")
_OUT_TIME = re.compile(r"out_time_us=(\d+)")
_LAYOUT_CHANNELS = {
    "mono": 1, "stereo": 2, "2.1": 3, "3.0": 3, "3.0(back)": 3, "4.0": 4, "quad": 4, "quad(side)": 4,
    "3.1": 4, "5.0": 5, "5.0(side)": 5, "4.1": 5, "5.1": 6, "5.1(side)": 6, "6.0": 6, "hexagonal": 6,
    "6.1": 7, "7.0": 7, "7.1": 8, "7.1(wide)": 8, "octagonal": 8,
}  # fmt: skip


@dataclass(frozen=True)
class MediaInfo:
    """What a header says; None where it says nothing."""

    duration_s: float | None = None
    sample_rate: int | None = None
    channels: int | None = None
    width: int | None = None
    height: int | None = None


def probe_audio(path: str | Path) -> MediaInfo:
    """Duration, sample rate and channel count of the sound in an audio or video file.

    Raises:
        BadInput: the file cannot be opened as media, or holds no sound.
    """
    path = Path(path)
    stat = path.stat()
    return _probe_audio(str(path), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=256)
def _probe_audio(path: str, size: int, mtime_ns: int) -> MediaInfo:
    return _wav_info(Path(path), size) or _ffmpeg_info(Path(path))


def _wav_info(path: Path, size: int) -> MediaInfo | None:
    """The header of a PCM WAV file; None when it is not one (ffmpeg reads it then)."""
    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] not in (b"RIFF", b"RF64") or head[8:12] != b"WAVE":
            return None
        fmt = None
        for _ in range(_MAX_CHUNKS):
            chunk = f.read(8)
            if len(chunk) < 8:
                return None
            chunk_id, chunk_size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if chunk_id == b"fmt ":
                data = f.read(min(chunk_size, 40))
                if len(data) < 16:
                    return None
                tag, channels, rate, _, block_align = struct.unpack("<HHIIH", data[:14])
                fmt = (tag, channels, rate, block_align)
                f.seek(chunk_size - len(data) + (chunk_size & 1), 1)
            elif chunk_id == b"data":
                if fmt is None or fmt[0] not in _PCM_TAGS:
                    return None
                tag, channels, rate, block_align = fmt
                available = size - f.tell()
                # RF64 and streamed WAVs leave the size at 0 or 0xFFFFFFFF; the file's end tells.
                declared = available if head[:4] == b"RF64" or chunk_size in (0, 0xFFFFFFFF) else chunk_size
                n_frames = min(declared, available) // block_align if block_align else 0
                return MediaInfo(
                    duration_s=n_frames / rate if rate else None, sample_rate=rate, channels=channels
                )
            else:
                f.seek(chunk_size + (chunk_size & 1), 1)
    return None


def _ffmpeg_info(path: Path) -> MediaInfo:
    from ._media import ffmpeg_exe

    _, _, text = run([ffmpeg_exe(), "-nostdin", "-hide_banner", "-i", str(path)], timeout_s=_PROBE_TIMEOUT_S)
    duration = _DURATION.search(text)
    stream = _AUDIO_STREAM.search(text)
    if stream is None:
        if duration is None:  # ffmpeg could not open it at all
            reason = error_line(text, "not a media file")
            raise BadInput(
                f"{path.name} could not be read as audio ({reason}) — give a wav, mp3, flac or ogg file"
            )
        raise BadInput(
            f"{path.name} holds no sound — give a recording (wav, mp3, flac, ogg) or a video with sound"
        )
    seconds = None
    if duration is not None and duration.group(1) is not None:
        hours, minutes, secs = duration.groups()
        seconds = int(hours) * 3600 + int(minutes) * 60 + float(secs)
    layout = (stream.group(2) or "").strip()
    counted = re.match(r"(\d+) channels", layout)
    channels = int(counted.group(1)) if counted else _LAYOUT_CHANNELS.get(layout)
    return MediaInfo(duration_s=seconds, sample_rate=int(stream.group(1)), channels=channels)


def measure_duration(path: str | Path, up_to_s: float) -> float:
    """Seconds of sound in a file whose header does not say, decoding at most ``up_to_s`` (+1 s).

    Returns a value above ``up_to_s`` when the file is longer than that.
    """
    from ._media import ffmpeg_exe

    cmd = [
        ffmpeg_exe(), "-nostdin", "-v", "error", "-i", str(path), "-vn", "-t", f"{up_to_s + 1.0:.3f}",
        "-f", "null", "-", "-progress", "pipe:1", "-nostats",
    ]  # fmt: skip
    _, out, _ = run(cmd, timeout_s=_PROBE_TIMEOUT_S + up_to_s / 50)
    times = _OUT_TIME.findall(out.decode("ascii", errors="replace"))
    return int(times[-1]) / 1e6 if times else 0.0


def probe_image(path: str | Path) -> MediaInfo:
    """Width and height of a picture, from its header.

    Raises:
        BadInput: not an image Pillow can open, or one so large that Pillow refuses even to
            open it (over twice its own pixel limit).
    """
    from PIL import Image as PILImage
    from PIL import UnidentifiedImageError

    path = Path(path)
    try:
        with PILImage.open(path) as im:
            width, height = im.size
    except PILImage.DecompressionBombError:
        limit = 2 * (PILImage.MAX_IMAGE_PIXELS or 0) / 1e6
        raise BadInput(
            f"{path.name} is larger than {limit:.0f} megapixels — scale it down before giving it"
        ) from None
    except (UnidentifiedImageError, OSError, ValueError) as e:
        raise BadInput(
            f"{path.name} could not be read as an image ({type(e).__name__}) — give a photo as png, jpeg or webp"
        ) from None
    return MediaInfo(width=width, height=height)
