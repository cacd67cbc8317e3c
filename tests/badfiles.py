"""Small files that lie: headers claiming sizes their bytes do not have.

A WAV saying 1 Hz, a FLAC saying three hours, a PNG saying 20000×20000 pixels: each costs a
few kilobytes, so tests can show that a tool refuses by the header, before decoding.
"""

from __future__ import annotations

import struct
import subprocess
import wave
import zlib
from pathlib import Path

import numpy as np

from tools._media import ffmpeg_exe


def wav(path: Path, seconds: float = 1.0, rate: int = 16000, channels: int = 1) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.zeros(int(seconds * rate) * channels, "<i2").tobytes())
    return path


def lying_wav(path: Path, rate: int = 1, n_samples: int = 100_000) -> Path:
    """A 16-bit mono WAV whose header says ``rate`` Hz: 100 000 samples at 1 Hz are "27 hours"."""
    noise = (np.random.default_rng(0).standard_normal(n_samples) * 3000).astype("<i2")
    return wav_bytes(path, rate, 1, noise.tobytes())


def wav_bytes(path: Path, rate: int, channels: int, data: bytes, data_size: int | None = None) -> Path:
    block = 2 * channels
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * block, block, 16)
    size = len(data) if data_size is None else data_size
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", size) + data
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


def float_wav(path: Path, values: list[float], rate: int = 16000) -> Path:
    """A one-second 32-bit float WAV (format tag 3) holding ``values`` over and over: NaN and
    infinity are valid bit patterns there, and no header says they are inside."""
    data = np.resize(np.array(values, "<f4"), rate).tobytes()
    fmt = struct.pack("<HHIIHH", 3, 1, rate, rate * 4, 4, 32)
    body = (
        b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    )
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


def flac_claiming(path: Path, hours: float) -> Path:
    """A one-second FLAC whose STREAMINFO says it lasts ``hours``."""
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i", "sine=f=300:r=16000", "-t", "1", str(path)],
        check=True,
    )
    data = bytearray(path.read_bytes())
    field = int.from_bytes(data[18:26], "big")  # rate (20 bits), channels, bits, total samples (36 bits)
    rate = field >> 44
    field = (field & ~((1 << 36) - 1)) | int(hours * 3600 * rate)
    data[18:26] = field.to_bytes(8, "big")
    path.write_bytes(bytes(data))
    return path


def png_claiming(path: Path, width: int, height: int) -> Path:
    """A PNG whose header says ``width``×``height``; the pixels are never there."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (
            struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
    )
    return path
