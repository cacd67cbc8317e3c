"""audio_mix on the showcase pipeline: speech over generated soft piano, ducked and normalised.

Speech comes from text_to_speech (espeak-ng when the speech tools are not installed), music
from music_generate("soft piano"). For several loudness targets the script measures the
result's integrated loudness (BS.1770) and sample peak, and the ducking depth actually
applied to the music: in 0.25 s windows the output is fitted as a * voice + b * music by
least squares, and the depth is b outside speech over b under speech, in dB. The mix keeps
the whole music (length="longest") so that there is music after the voice to measure.
Targets: peak <= -1 dBFS, loudness within 1 LU of the target.

    .venv/bin/python benchmarks/music_mix.py
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from tools import Audio, ToolContext, get_spec
from tools._media import audio_info, load_audio
from tools.music import audio_mix, music_generate
from tools.music._signal import integrated_lufs

TEXT = "Hello! I am Troupe, and I can speak, sing and dance for you."


def speech(ctx: ToolContext) -> Audio:
    try:
        from tools.speech import text_to_speech

        return get_spec(text_to_speech).invoke({"text": TEXT}, ctx)
    except Exception as e:  # the speech family is another package; fall back to espeak-ng
        print(f"(text_to_speech unavailable: {e}; using espeak-ng)")
        path = Path(tempfile.mkdtemp()) / "speech.wav"
        subprocess.run(["espeak-ng", "-w", str(path), TEXT], check=True)
        return audio_info(path)


def ducking_depth_db(out: np.ndarray, voice: np.ndarray, music: np.ndarray, sr: int) -> float:
    """Music gain outside speech over music gain under speech, in dB."""
    win = int(0.25 * sr)
    n = len(out)
    voice, music = (np.pad(x, (0, max(0, n - len(x))))[:n] for x in (voice, music))
    gains, speaking = [], []
    for start in range(0, len(out) - win, win):
        seg = slice(start, start + win)
        basis = np.stack([voice[seg], music[seg]], axis=1)
        (_, b), *_ = np.linalg.lstsq(basis, out[seg], rcond=None)
        gains.append(b)
        speaking.append(np.sqrt(np.mean(voice[seg] ** 2)) > 0.01)
    gains, speaking = np.abs(np.array(gains)), np.array(speaking)
    return float(20 * np.log10(np.median(gains[~speaking]) / np.median(gains[speaking])))


def main() -> None:
    ctx = ToolContext.temporary(step_id="bench")
    voice = speech(ctx)
    music = (
        get_spec(music_generate)
        .invoke({"description": "soft piano", "duration": voice.duration_s + 5}, ctx)
        .audio
    )
    print(f"speech {voice.duration_s:.1f} s, music {music.duration_s:.1f} s")
    for target in (-23.0, -16.0, -14.0):
        for duck in (False, True):
            t0 = time.perf_counter()
            out = get_spec(audio_mix).invoke(
                {"tracks": [voice, music], "duck": duck, "target_lufs": target, "length": "longest"},
                ToolContext.temporary(),
            )
            elapsed = time.perf_counter() - t0
            sr = out.sample_rate
            y = load_audio(out.path, sr, mono=False)
            lufs = integrated_lufs(y, sr)
            peak = 20 * np.log10(np.max(np.abs(y)))
            line = (
                f"target {target:6.1f} LUFS duck={duck!s:5}: loudness {lufs:6.2f} LUFS "
                f"(off by {abs(lufs - target):.2f} LU), peak {peak:5.2f} dBFS, {elapsed:.2f} s"
            )
            if duck:
                mono_out = y.mean(axis=1)
                depth = ducking_depth_db(mono_out, load_audio(voice.path, sr), load_audio(music.path, sr), sr)
                line += f", measured ducking {depth:.1f} dB (asked 12)"
            print(line)
    print(f"speech timing meta kept: {'words' in out.meta and out.meta['words'] == voice.meta.get('words')}")


if __name__ == "__main__":
    main()
