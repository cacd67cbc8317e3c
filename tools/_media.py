"""Shared audio and video I/O for the built-in tools.

Audio of any common format (wav, flac, ogg, mp3, m4a, the sound of a video) is decoded by
the ffmpeg binary that ships inside ``imageio-ffmpeg``; long files stream in blocks so
memory stays bounded. Video is encoded as H.264 + AAC MP4, one frame at a time.
Every ffmpeg runs through :mod:`tools._proc`, so a cancelled step's ffmpeg is killed, and
every streamed block is a point where a cancelled step stops.
numpy is the only import at module level; nothing here loads a model.
"""

from __future__ import annotations

import contextlib
import struct
import subprocess
import tempfile
import wave
from collections.abc import Iterable, Iterator
from fractions import Fraction
from pathlib import Path

import numpy as np

from ._artifacts import Audio, Video
from ._context import check_cancelled
from ._limits import format_duration
from ._probe import probe_audio
from ._proc import error_line, popen, read_errors, run
from .errors import BadInput, ToolError

__all__ = [
    "audio_info",
    "ffmpeg_exe",
    "iter_audio_blocks",
    "load_audio",
    "write_video",
    "write_wav",
]

#: Longest audio decoded into memory at once by :func:`load_audio` (2 h at 16 kHz ≈ 460 MB).
MAX_IN_MEMORY_S = 2 * 60 * 60


def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary bundled with ``imageio-ffmpeg``."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def _decode_command(path: Path, sr: int, mono: bool) -> list[str]:
    """ffmpeg decoding ``path`` at ``sr`` Hz to stdout: raw mono float32, or a Sun AU stream.

    The AU header carries the channel count, which stereo decoding needs: ffmpeg keeps mono
    as mono (its own mono-to-stereo upmix would lower the level by 3 dB) and stereo as
    stereo, and folds more channels down to stereo.
    """
    if mono:
        output = ["-f", "f32le", "-acodec", "pcm_f32le", "-ac", "1"]
    else:
        output = ["-af", "aformat=channel_layouts=mono|stereo", "-f", "au", "-acodec", "pcm_f32be"]
    return [
        ffmpeg_exe(), "-nostdin", "-v", "error", "-i", str(path), "-vn", *output, "-ar", str(sr), "pipe:1"
    ]  # fmt: skip


def _read_au(data: bytes) -> np.ndarray:
    """Samples of a float32 Sun AU stream as shape ``(n, channels)``."""
    if len(data) < 24:
        return np.zeros((0, 2), dtype=np.float32)
    magic, offset, _, encoding, _, channels = struct.unpack(">4sIIIII", data[:24])
    if magic != b".snd" or encoding != 6 or channels not in (1, 2):
        raise ValueError(f"unexpected AU header from ffmpeg: {data[:24]!r}")
    return np.frombuffer(data, dtype=">f4", offset=offset).astype(np.float32).reshape(-1, channels)


def load_audio(
    path: str | Path, sr: int = 16000, mono: bool = True, max_s: float | None = None
) -> np.ndarray:
    """Decode an audio (or video) file to float32 samples at ``sr`` Hz (full scale is 1).

    Args:
        path: any file ffmpeg can decode.
        sr: target sample rate in Hz, > 0.
        mono: mix down to one channel (shape ``(n,)``) with ffmpeg's -3 dB pan law, so a
            centred sound keeps its loudness; else shape ``(n, 2)``, where a mono file is
            copied to both channels at its own level.
        max_s: refuse files longer than this many seconds (default 2 hours); use
            :func:`iter_audio_blocks` to stream longer ones.

    Raises:
        BadInput: the file cannot be decoded as audio, holds no samples, or holds samples
            that are not numbers (NaN, infinity).
    """
    path = Path(path)
    limit_s = MAX_IN_MEMORY_S if max_s is None else max_s
    stated_s = probe_audio(path).duration_s  # the header first: a long file is refused undecoded
    if stated_s is not None and stated_s > limit_s:
        raise _too_long(path, stated_s, limit_s)
    # Ask ffmpeg for one sample more than allowed, so "too long" is known without decoding it all.
    cmd = _decode_command(path, sr, mono)
    cmd[cmd.index("pipe:1") : cmd.index("pipe:1")] = ["-t", f"{limit_s + 1.0 / sr:.6f}"]
    returncode, out, err = run(cmd)
    if returncode != 0:
        raise BadInput(
            f"{path.name} could not be read as audio ({error_line(err, 'ffmpeg failed')}) "
            "— give a wav, mp3, flac or ogg file"
        )
    y = np.frombuffer(out, dtype=np.float32) if mono else _read_au(out)
    if y.size == 0:
        raise BadInput(f"{path.name} holds no audio samples — give a non-empty recording")
    _check_finite(path, y)
    if len(y) / sr > limit_s:
        raise _too_long(path, len(y) / sr, limit_s)
    if not mono and y.shape[1] == 1:
        y = np.repeat(y, 2, axis=1)
    return y


def _check_finite(path: Path, y: np.ndarray) -> None:
    """Refuse samples that are not numbers: a float file holding NaN or infinity is damaged,
    and every measure taken of it (level, pitch, loudness) would be meaningless."""
    if not np.isfinite(y).all():
        raise BadInput(
            f"{path.name} holds samples that are not numbers (NaN or infinity) — the file is damaged: "
            "re-export it as 16-bit WAV or FLAC"
        )


def _too_long(path: Path, seconds: float, limit_s: float) -> BadInput:
    return BadInput(
        f"{path.name} lasts {format_duration(seconds)}; at most {format_duration(limit_s)} is read at once "
        "— cut it into shorter parts"
    )


def iter_audio_blocks(path: str | Path, sr: int = 16000, block_s: float = 30.0) -> Iterator[np.ndarray]:
    """Stream mono float32 blocks of ``block_s`` seconds (the last may be shorter).

    Memory stays bounded whatever the file's length. Inside a tool, each block is a
    cancellation point: a cancelled step stops here and its ffmpeg is killed.

    Raises:
        BadInput: the file cannot be decoded as audio, or holds samples that are not numbers.
        Cancelled: the running tool's step was cancelled.
    """
    path = Path(path)
    block_bytes = int(block_s * sr) * 4
    with tempfile.TemporaryFile() as errors:
        proc = popen(_decode_command(path, sr, mono=True), stdout=subprocess.PIPE, stderr=errors)
        got_any = finished = False
        try:
            while chunk := proc.stdout.read(block_bytes):
                check_cancelled()
                got_any = True
                block = np.frombuffer(chunk[: len(chunk) - len(chunk) % 4], dtype=np.float32)
                _check_finite(path, block)
                yield block
            finished = True
        finally:
            proc.stdout.close()
            if not finished:
                proc.kill()  # stopped early (cancelled, or the caller had enough)
            proc.wait()
        check_cancelled()  # the step's watcher may have killed ffmpeg: that is no read error
        err = read_errors(errors)
    if proc.returncode != 0:
        raise BadInput(
            f"{path.name} could not be read as audio ({error_line(err, 'ffmpeg failed')}) "
            "— give a wav, mp3, flac or ogg file"
        )
    if not got_any:
        raise BadInput(f"{path.name} holds no audio samples — give a non-empty recording")


def write_wav(path: str | Path, y: np.ndarray, sr: int) -> Path:
    """Write float samples (``(n,)`` or ``(n, channels)``) as 16-bit PCM WAV; clips to [-1, 1]."""
    path = Path(path)
    y = np.asarray(y, dtype=np.float32)
    channels = 1 if y.ndim == 1 else y.shape[1]
    pcm = (np.clip(y, -1.0, 1.0) * 32767.0).round().astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(int(sr))
        w.writeframes(pcm.tobytes())
    return path


def audio_info(path: str | Path, **meta) -> Audio:
    """An :class:`Audio` artifact for a WAV file, with rate, channels and duration filled in."""
    path = Path(path)
    with wave.open(str(path), "rb") as w:
        sr, channels, n = w.getframerate(), w.getnchannels(), w.getnframes()
    return Audio(path=path, sample_rate=sr, channels=channels, duration_s=n / sr, meta=meta)


def write_video(
    path: str | Path,
    frames: Iterable[np.ndarray],
    fps: float,
    audio_path: str | Path | None = None,
    **meta,
) -> Video:
    """Encode RGB uint8 frames (H×W×3, all the same size) as an H.264 MP4, with AAC sound.

    Frames are consumed one at a time, so memory does not grow with the video's length.
    Width and height must be even (H.264 with yuv420p); odd sizes are cropped by one pixel.
    The encoder is an ffmpeg the running step owns: if the step is cancelled it is killed.

    Returns:
        The :class:`Video` artifact, with size, fps and duration filled in.

    Raises:
        BadInput: there were no frames.
        ToolError: ffmpeg failed (its reason, on one line).
        Cancelled: the running tool's step was cancelled.
    """
    path = Path(path)
    encoder: subprocess.Popen | None = None
    n_frames, size, finished = 0, (0, 0), False
    with tempfile.TemporaryFile() as errors:
        try:
            for frame in frames:
                frame = np.ascontiguousarray(frame[: frame.shape[0] // 2 * 2, : frame.shape[1] // 2 * 2, :3])
                if encoder is None:
                    size = (frame.shape[1], frame.shape[0])
                    command = _encode_command(path, size, fps, audio_path)
                    encoder = popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors)
                try:
                    encoder.stdin.write(frame.data)
                except BrokenPipeError:
                    break  # ffmpeg stopped: its error output says why
                n_frames += 1
            finished = True
        finally:
            if encoder is not None:
                if not finished:
                    encoder.kill()
                with contextlib.suppress(BrokenPipeError):  # ffmpeg stopped reading
                    encoder.stdin.close()
                encoder.wait()
        check_cancelled()
        if encoder is not None and encoder.returncode != 0:
            raise ToolError(
                f"encoding {path.name} failed ({error_line(read_errors(errors), 'ffmpeg failed')})"
            )
    if n_frames == 0:
        raise BadInput("no frames to encode — the video would be empty")
    return Video(path=path, width=size[0], height=size[1], fps=fps, duration_s=n_frames / fps, meta=meta)


def _encode_command(
    path: Path, size: tuple[int, int], fps: float, audio_path: str | Path | None
) -> list[str]:
    """ffmpeg reading raw RGB frames on stdin, writing H.264 (+ AAC from ``audio_path``) MP4."""
    sound_in = ["-i", str(audio_path)] if audio_path else ["-an"]
    sound_out = ["-acodec", "aac", "-map", "0:v:0", "-map", "1:a:0"] if audio_path else []
    return [
        ffmpeg_exe(), "-y", "-f", "rawvideo", "-vcodec", "rawvideo", "-s", f"{size[0]}x{size[1]}",
        "-pix_fmt", "rgb24", "-r", str(Fraction(fps).limit_denominator()), "-i", "-", *sound_in,
        "-vcodec", "libx264", "-pix_fmt", "yuv420p", "-v", "error",
        "-preset", "veryfast", "-crf", "20", "-movflags", "+faststart", *sound_out, str(path),
    ]  # fmt: skip
