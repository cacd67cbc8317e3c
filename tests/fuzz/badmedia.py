"""Generated bad files, one maker per kind of damage, for every kind of artifact a tool takes.

Each maker writes a small file at the path it is given and returns it. The name a case gives
the file carries the extension: ``png_as.wav`` is a PNG renamed to ``.wav``. Header lies come
from :mod:`tests.badfiles`; a file claiming hours or gigapixels costs a few kilobytes (a
"300 MB" text is sparse on disk).
"""

from __future__ import annotations

import struct
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np

from tests.badfiles import flac_claiming, float_wav, lying_wav, png_claiming, wav, wav_bytes
from tools._media import ffmpeg_exe, write_wav

Maker = Callable[[Path], Path]
PORTRAIT = Path(__file__).resolve().parents[2] / "examples" / "portrait.png"


def _noise(n: int, seed: int = 0, level: float = 3000) -> bytes:
    return (
        (np.random.default_rng(seed).standard_normal(n) * level).clip(-32768, 32767).astype("<i2").tobytes()
    )


def speech_like(path: Path, seconds: float = 1.5, rate: int = 16000) -> Path:
    """A voiced, syllable-rate modulated buzz: audible, speech-shaped, not silent."""
    t = np.arange(int(seconds * rate)) / rate
    f0 = 120 + 20 * np.sin(2 * np.pi * 0.7 * t)
    voice = sum(np.sin(2 * np.pi * k * np.cumsum(f0) / rate) / k for k in range(1, 8))
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 4 * t) ** 2
    return write_wav(path, 0.2 * voice * envelope, rate)


def _ffmpeg(path: Path, *args: str) -> Path:
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", *args, str(path)], check=True)
    return path


def _cut(make: Maker, keep: float | int) -> Maker:
    """The file ``make`` writes, cut to ``keep`` bytes (an int) or that fraction of it."""

    def cut(path: Path) -> Path:
        data = make(path).read_bytes()
        path.write_bytes(data[: keep if isinstance(keep, int) else int(len(data) * keep)])
        return path

    return cut


def _bytes(data: bytes) -> Maker:
    def write(path: Path) -> Path:
        path.write_bytes(data)
        return path

    return write


def _sparse(head: bytes, size: int) -> Maker:
    """``head`` followed by zeros up to ``size`` bytes, without writing the zeros."""

    def write(path: Path) -> Path:
        with open(path, "wb") as f:
            f.write(head)
            f.truncate(size)
        return path

    return write


# -- audio -----------------------------------------------------------------------------
def _mp3(path: Path) -> Path:
    return _ffmpeg(path, "-f", "lavfi", "-i", "sine=f=220:r=16000", "-t", "1", "-f", "mp3")


def _ogg(path: Path) -> Path:
    return _ffmpeg(path, "-f", "lavfi", "-i", "sine=f=220:r=16000", "-t", "1", "-c:a", "flac", "-f", "ogg")


def _silent_video(path: Path) -> Path:
    """An MP4 with pictures and no sound at all."""
    return _ffmpeg(
        path, "-f", "lavfi", "-i", "color=c=gray:s=64x64:r=10", "-t", "1", "-c:v", "mpeg4", "-f", "mp4"
    )


BAD_AUDIO: dict[str, Maker] = {
    "empty.wav": _bytes(b""),
    "header_only.wav": lambda p: wav_bytes(p, 16000, 1, b""),
    "cut_header.wav": _cut(lambda p: wav(p, 1.0), 30),
    "cut_data.wav": lambda p: wav_bytes(p, 16000, 1, _noise(8000), data_size=32000),
    "one_hz.wav": lambda p: lying_wav(p, rate=1),
    "zero_hz.wav": lambda p: wav_bytes(p, 0, 1, _noise(16000)),
    "two_ghz.wav": lambda p: lying_wav(p, rate=2_000_000_000),
    "zero_channels.wav": lambda p: wav_bytes(p, 16000, 0, _noise(16000)),
    "many_channels.wav": lambda p: wav_bytes(p, 16000, 200, _noise(16000)),
    "claims_4gb.wav": lambda p: wav_bytes(p, 16000, 1, _noise(16000), data_size=0xFFFFFFF0),
    "one_sample.wav": lambda p: wav_bytes(p, 16000, 1, _noise(1)),
    "blip_50ms.wav": lambda p: wav_bytes(p, 16000, 1, _noise(800)),
    "three_hours.flac": lambda p: flac_claiming(p, 3),
    "nan_inf.wav": lambda p: float_wav(p, [float("nan"), float("inf"), float("-inf"), 0.5]),
    "full_scale_dc.wav": lambda p: wav_bytes(p, 16000, 1, b"\xff\x7f" * 16000),
    "riff_garbage.wav": _bytes(b"RIFF\xff\xff\xff\xffWAVE" + np.random.default_rng(1).bytes(4000)),
    "cut.mp3": _cut(_mp3, 0.3),
    "id3_garbage.mp3": _bytes(b"ID3\x04\x00\x00\x00\x00\x00\x00" + np.random.default_rng(2).bytes(3000)),
    "cut.ogg": _cut(_ogg, 0.4),
    "no_sound.mp4": _silent_video,
    "png_as.wav": lambda p: png_claiming(p, 64, 64),
    "text_as.wav": _bytes(b"this is not a recording\n" * 20),
    "midi_as.wav": lambda p: midi(p, track(note(60, 480))),
}


# -- images ----------------------------------------------------------------------------
def _pil(mode: str, size: tuple[int, int], fmt: str, **save: object) -> Maker:
    def write(path: Path) -> Path:
        from PIL import Image

        data = np.random.default_rng(3).integers(0, 255, (size[1], size[0], len(mode)), dtype=np.uint8)
        image = Image.fromarray(data[..., 0] if len(mode) == 1 else data, "L" if len(mode) == 1 else "RGB")
        image.convert(mode).save(path, fmt, **save)
        return path

    return write


def _portrait_as(fmt: str, mode: str) -> Maker:
    def write(path: Path) -> Path:
        from PIL import Image

        with Image.open(PORTRAIT) as image:
            image.convert(mode).save(path, fmt)
        return path

    return write


# A BMP header claiming 60000×60000 pixels at 24 bits (10.8 GB), and no pixels.
_BMP_60000_SQUARE = (
    b"BM"
    + struct.pack("<IHHI", 54, 0, 0, 54)
    + struct.pack("<IiiHHIIiiII", 40, 60000, 60000, 1, 24, 0, 0, 0, 0, 0, 0)
)

BAD_IMAGES: dict[str, Maker] = {
    "empty.png": _bytes(b""),
    "huge.png": lambda p: png_claiming(p, 20000, 20000),
    "zero_size.png": lambda p: png_claiming(p, 0, 0),
    "sliver.png": lambda p: png_claiming(p, 1, 40000),
    "cut.png": _cut(lambda p: _portrait_as("PNG", "RGB")(p), 0.5),
    "cut.jpg": _cut(lambda p: _portrait_as("JPEG", "RGB")(p), 0.5),
    "one_pixel.png": _pil("RGB", (1, 1), "PNG"),
    "noise.png": _pil("RGB", (96, 96), "PNG"),
    "cmyk.jpg": _portrait_as("JPEG", "CMYK"),
    "sixteen_bit.png": _portrait_as("PNG", "I;16"),
    "palette.gif": _portrait_as("GIF", "P"),
    "huge.bmp": _bytes(_BMP_60000_SQUARE),
    "wav_as.png": lambda p: wav(p, 0.5),
    "text_as.jpg": _bytes(b"not a picture\n"),
}


# -- MIDI ------------------------------------------------------------------------------
def _vlq(n: int) -> bytes:
    out = [n & 0x7F]
    while n > 0x7F:
        n >>= 7
        out.insert(0, (n & 0x7F) | 0x80)
    return bytes(out)


def note(pitch: int, ticks: int, delta: int = 0) -> bytes:
    return _vlq(delta) + bytes([0x90, pitch, 100]) + _vlq(ticks) + bytes([0x80, pitch, 0])


def tempo(us_per_quarter: int) -> bytes:
    return b"\x00\xff\x51\x03" + us_per_quarter.to_bytes(3, "big")


def track(*events: bytes) -> bytes:
    body = b"".join(events) + b"\x00\xff\x2f\x00"
    return b"MTrk" + struct.pack(">I", len(body)) + body


def midi(path: Path, *tracks: bytes, division: int = 480, n_tracks: int | None = None) -> Path:
    """A Standard MIDI File; ``n_tracks`` may lie about how many tracks follow."""
    count = len(tracks) if n_tracks is None else n_tracks
    path.write_bytes(b"MThd" + struct.pack(">IHHH", 6, 1, count, division) + b"".join(tracks))
    return path


BAD_MIDI: dict[str, Maker] = {
    "empty.mid": _bytes(b""),
    "header_only.mid": lambda p: midi(p),
    "lying_track_count.mid": lambda p: midi(p, track(note(60, 480)), n_tracks=65535),
    "cut_track.mid": _cut(lambda p: midi(p, track(*[note(60 + i % 12, 240) for i in range(50)])), 0.5),
    "ten_hour_note.mid": lambda p: midi(p, track(tempo(0xFFFFFF), note(60, 0x0FFFFFFF))),
    "zero_tempo.mid": lambda p: midi(p, track(tempo(0), *[note(60, 480) for _ in range(4)])),
    "zero_division.mid": lambda p: midi(p, track(note(60, 480)), division=0),
    "no_notes.mid": lambda p: midi(p, track()),
    "note_storm.mid": lambda p: midi(p, track(*[note(36 + i % 60, 1) for i in range(40_000)])),
    "wav_as.mid": lambda p: wav(p, 0.5),
    "text_as.mid": _bytes(b"MThd is what a MIDI file starts with, not this\n"),
}


# -- 3D heads (.glb) -------------------------------------------------------------------
def _glb(document: object, binary: bytes = b"") -> bytes:
    """A .glb container around ``document`` (any JSON value, as a hostile exporter might write)."""
    from tools.face._gltf import pack_glb

    return pack_glb(document, binary)  # type: ignore[arg-type]  # pack_glb only json.dumps it


def _head(targets: list[str], **document: object) -> Maker:
    """A head whose one mesh has a morph target per name (no geometry: the names are what is read)."""
    mesh = {
        "primitives": [{"attributes": {}, "targets": [{} for _ in targets]}],
        "extras": {"targetNames": targets},
    }
    return _bytes(_glb({"asset": {"version": "2.0"}, "meshes": [mesh], "nodes": [{"mesh": 0}], **document}))


BAD_HEADS: dict[str, Maker] = {
    "empty.glb": _bytes(b""),
    "text_as.glb": _bytes(b"glTF is what a head starts with, not this\n"),
    "png_as.glb": lambda p: png_claiming(p, 64, 64),
    "cut.glb": _cut(_head(["jawOpen", "eyeBlinkLeft"] * 40), 0.5),
    "lying_chunk.glb": _bytes(b"glTF" + struct.pack("<III4s", 2, 40, 0xFFFFFFF0, b"JSON") + b"{}" * 10),
    "deep_json.glb": _bytes(b"glTF" + struct.pack("<III4s", 2, 200_020, 200_000, b"JSON") + b"[" * 200_000),
    "meshes_not_objects.glb": _bytes(_glb({"meshes": [1, "two", None, [3]]})),
    "primitives_not_objects.glb": _bytes(_glb({"meshes": [{"primitives": ["x"], "extras": "names"}]})),
    "wrong_types.glb": _head(["jawOpen"], nodes="all", bufferViews={}, accessors=7, animations="none"),
    "buffer_not_object.glb": _head(["jawOpen"], buffers=[5]),
    "external_buffer.glb": _head(["jawOpen"], buffers=[{"uri": "../outside/secret.txt", "byteLength": 10}]),
    "no_arkit_names.glb": _head(["wrinkle", "frown2"]),
    "arkit_head.glb": _head(["blendShape1.jawOpen", "Face_EyeBlinkLeft", "custom"]),
}


# -- text files ------------------------------------------------------------------------
BAD_TEXT_FILES: dict[str, Maker] = {
    "empty.txt": _bytes(b""),
    "nul_inside.txt": _bytes(b"hello\x00world, said the file\n"),
    "latin1.txt": _bytes("café déjà vu, naïve résumé\n".encode("latin-1")),
    "encoded_surrogate.txt": _bytes(b"half an emoji: \xed\xa0\xbd and the rest\n"),
    "bom.txt": _bytes("\ufeffhello with a byte order mark\n".encode()),
    "rtl_marks.txt": _bytes(("\u200f\u202e" * 50).encode()),
    "emoji_only.txt": _bytes(("😀🎉👍🏽🇫🇷" * 20).encode()),
    "zalgo.txt": _bytes(("h\u0336\u0335\u0334e\u0337\u0338llo " * 200).encode()),
    "one_long_word.txt": _bytes(b"a" * 150_000),
    "sparse_300mb.txt": _sparse(b"This is fine, said the file. " * 200, 300_000_000),
    "wav_as.txt": lambda p: wav(p, 0.5),
}

GOOD_AUDIO: Maker = speech_like


def good_portrait(path: Path) -> Path:
    path.write_bytes(PORTRAIT.read_bytes())
    return path
