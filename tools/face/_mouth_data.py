"""Training data for the audio-to-mouth model: TTS sentences, their viseme targets, augmentations.

Used only by ``tools.face.train_mouth`` (never at run time). Sentences are random word
sequences drawn from pocketsphinx's CMU pronouncing dictionary (BSD licence; ships with the
``speech`` extra) mixed with common English function words, so that every sound and most
sound pairs of English occur; no benchmark text is read. Each is spoken by the Piper voice
(every speaking style, random speed and rhythm noise) or by espeak-ng (several of its voice
variants, rates and pitches), whose phoneme timings give a viseme class per 10 ms frame.

Augmentations push the synthetic voices toward real ones, rooms and channels: a new voice
by the WORLD vocoder (pyworld: pitch moved independently of the formants, up to an octave
and more, so the male Piper voice also speaks at female and child pitch; the spectral
envelope warped for a longer or shorter vocal tract; sometimes whispered), pitch and
formant shift by resampling, random EQ, synthetic reverb, noise at 5–35 dB SNR, an 8 kHz
telephone band with μ-law, level changes and clipping, and silence around the speech.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterator
from fractions import Fraction

import numpy as np

from ._mouth_model import FRAME_RATE, SR
from ._visemes import viseme_for

__all__ = ["augment", "frame_targets", "sentences", "speak"]

#: Word gaps shorter than this are co-articulated speech, not silence: each side keeps its shape.
_GAP_SILENCE_S = 0.06
_FUNCTION_WORDS = (
    "the a an of and to in is it that was he she for on are with as I his they be at one have "
    "this from or had by not but what all were we when your can said there use each which do "
    "how their if will up other about out many then them these so some her would make like him "
    "into time has look two more write go see number no way could people my than first water "
    "been call who oil its now find long down day did get come made may part over new sound take "
    "only little work know place year live me back give most very after thing our just name good "
    "sentence man think say great where help through much before line right too mean old any "
    "same tell boy follow came want show also around form three small set put end does another "
    "well large must big even such because turn here why ask went men read need land different "
    "home us move try kind hand picture again change off play spell air away animal house point "
    "page letter mother answer found study still learn should America world"
).split()
_ESPEAK_VOICES = ("en-us", "en-us+f2", "en-us+m3", "en-us+f4", "en", "en-us+m7")


def _dictionary_words() -> list[str]:
    import pocketsphinx

    pattern = os.path.join(os.path.dirname(pocketsphinx.__file__), "model", "en-us", "cmudict-en-us.dict")
    words = []
    with open(glob.glob(pattern)[0], encoding="utf-8") as f:
        for line in f:
            word = line.split(" ", 1)[0]
            if word.isalpha() and word.isascii() and 2 <= len(word) <= 11:
                words.append(word)
    return words


def sentences(n: int, seed: int) -> Iterator[str]:
    """``n`` random sentences of 4–16 words, half function words, some with a comma."""
    rng = np.random.default_rng(seed)
    vocabulary = _dictionary_words()
    for _ in range(n):
        words = []
        for _ in range(int(rng.integers(4, 17))):
            pool = _FUNCTION_WORDS if rng.random() < 0.5 else vocabulary
            words.append(str(pool[int(rng.integers(len(pool)))]))
        if len(words) > 6 and rng.random() < 0.4:
            words[int(rng.integers(2, len(words) - 2))] += ","
        words[0] = words[0].capitalize()
        yield " ".join(words) + str(rng.choice([".", ".", "?", "!"]))


def speak(
    text: str, rng: np.random.Generator, use_espeak: bool
) -> tuple[np.ndarray, list[tuple[str, float, float]]]:
    """16 kHz mono samples and ``(phoneme, start_s, end_s)`` timings of ``text``."""
    from scipy.signal import resample_poly

    if use_espeak:
        from tools.speech._espeak import espeak_synthesize

        result = espeak_synthesize(
            text, voice=str(rng.choice(_ESPEAK_VOICES)), rate_wpm=int(rng.integers(110, 280)),
            pitch=int(rng.integers(15, 90)), pitch_range=int(rng.integers(20, 90)),
        )  # fmt: skip
        audio, sr, phonemes = result.audio, result.sample_rate, result.phonemes
    else:
        from tools.speech.styles import STYLES, prosody_for
        from tools.speech.tts import _speak_piper

        style = str(rng.choice(STYLES))
        spoken = _speak_piper(text, prosody_for(style), float(rng.uniform(0.7, 1.4)), 22050)
        audio, sr, phonemes = spoken.audio, 22050, spoken.phonemes
    audio = resample_poly(audio, SR // 50, sr // 50).astype(np.float32) if sr != SR else audio
    return audio, [(str(p), float(a), float(b)) for p, a, b in phonemes]


def frame_targets(phonemes: list[tuple[str, float, float]], n_frames: int) -> np.ndarray:
    """The viseme class (index into ``CLASSES``) of each 10 ms frame; 0 is silence.

    Short gaps between phonemes (word boundaries in running speech) are split between
    their neighbours; gaps of :data:`_GAP_SILENCE_S` or more are silence.
    """
    from ._mouth_model import CLASSES

    index = {name: i for i, name in enumerate(CLASSES)}
    targets = np.zeros(n_frames, dtype=np.int64)
    times = np.arange(n_frames) / FRAME_RATE
    spans = sorted(phonemes, key=lambda p: p[1])
    for i, (phoneme, start, end) in enumerate(spans):
        if i + 1 < len(spans) and 0 < spans[i + 1][1] - end < _GAP_SILENCE_S:
            end = (end + spans[i + 1][1]) / 2
        if i > 0 and 0 < start - spans[i - 1][2] < _GAP_SILENCE_S:
            start = (start + spans[i - 1][2]) / 2
        lo, hi = np.searchsorted(times, [start, end])
        targets[lo:hi] = index[viseme_for(phoneme).name]
    return targets


def augment(
    audio: np.ndarray, phonemes: list[tuple[str, float, float]], rng: np.random.Generator
) -> tuple[np.ndarray, list[tuple[str, float, float]]]:
    """A randomly degraded copy of ``audio`` (16 kHz) and its phoneme timings, moved to match."""
    from scipy.signal import fftconvolve, lfilter, resample_poly

    y = audio.astype(np.float64)
    if rng.random() < 0.7:
        y = _revoice(y, rng)
    if rng.random() < 0.5:  # pitch and formants up or down together (and tempo with them)
        factor = Fraction(float(rng.uniform(0.82, 1.22))).limit_denominator(40)
        y = resample_poly(y, factor.denominator, factor.numerator)
        phonemes = [(p, a / float(factor), b / float(factor)) for p, a, b in phonemes]
    lead_s, tail_s = float(rng.uniform(0.0, 0.8)), float(rng.uniform(0.0, 0.8))
    y = np.concatenate([np.zeros(int(lead_s * SR)), y, np.zeros(int(tail_s * SR))])
    phonemes = [(p, a + lead_s, b + lead_s) for p, a, b in phonemes]
    if rng.random() < 0.8:  # EQ: a tilt and a few peaking filters
        tilt = float(rng.uniform(-0.6, 0.6))
        y = y + tilt * np.diff(y, prepend=y[:1])
        for _ in range(int(rng.integers(1, 4))):
            y = lfilter(*_peaking(float(rng.uniform(150, 6000)), float(rng.uniform(-10, 10)), 1.0), y)
    if rng.random() < 0.5:  # a room: exponentially decaying noise after the direct sound
        rt60 = float(rng.uniform(0.15, 0.8))
        t = np.arange(int(rt60 * SR)) / SR
        ir = rng.standard_normal(t.size) * np.exp(-6.9 * t / rt60) * float(rng.uniform(0.05, 0.4))
        ir[0] = 1.0
        y = fftconvolve(y, ir)[: y.size]
    peak = np.max(np.abs(y)) + 1e-9
    y = y / peak * 0.5
    if rng.random() < 0.7:  # noise: white, pink-ish or brown-ish at 5–35 dB SNR
        noise = rng.standard_normal(y.size)
        colour = rng.integers(3)
        if colour:
            noise = lfilter([1.0], [1.0, -(0.7 if colour == 1 else 0.98)], noise)
        speech_rms = np.sqrt(np.mean(y[np.abs(y) > 0.01] ** 2)) if (np.abs(y) > 0.01).any() else 0.1
        snr_db = float(rng.uniform(5, 35))
        y = y + noise / (np.sqrt(np.mean(noise**2)) + 1e-12) * speech_rms * 10 ** (-snr_db / 20)
    if rng.random() < 0.3:  # telephone: 8 kHz band and 8-bit μ-law
        narrow = resample_poly(y, 1, 2)
        mu = 255.0
        coded = np.sign(narrow) * np.log1p(mu * np.minimum(np.abs(narrow), 1.0)) / np.log1p(mu)
        coded = np.round(coded * 127) / 127
        narrow = np.sign(coded) * ((1 + mu) ** np.abs(coded) - 1) / mu
        y = resample_poly(narrow, 2, 1)[: y.size]
    y = y * 10 ** (float(rng.uniform(-35, 6)) / 20)
    if rng.random() < 0.1:  # shouting into a cheap microphone
        y = np.clip(y * 4, -0.5, 0.5)
    return np.clip(y, -1, 1).astype(np.float32), phonemes


def _revoice(y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Another speaker: WORLD analysis, F0 scaled by 0.75–2.2, the spectral envelope's
    frequency axis by 0.85–1.25 (vocal tract length), 10 % of the time whispered."""
    import pyworld

    f0, time_axis = pyworld.dio(y, SR, frame_period=5.0)
    f0 = pyworld.stonemask(y, f0, time_axis, SR)
    envelope = pyworld.cheaptrick(y, f0, time_axis, SR)
    aperiodicity = pyworld.d4c(y, f0, time_axis, SR)
    f0 = f0 * float(np.exp(rng.uniform(np.log(0.75), np.log(2.2))))
    warp = float(rng.uniform(0.85, 1.25))
    bins = np.arange(envelope.shape[1])
    source = np.clip(bins / warp, 0, bins[-1])  # output bin k reads the input at k / warp
    envelope = np.stack([np.interp(source, bins, row) for row in envelope])
    if rng.random() < 0.1:  # whisper: no voicing, all noise
        f0 = np.zeros_like(f0)
        aperiodicity = np.ones_like(aperiodicity)
    out = pyworld.synthesize(f0, np.ascontiguousarray(envelope), aperiodicity, SR, frame_period=5.0)
    out = out[: y.size] if out.size >= y.size else np.pad(out, (0, y.size - out.size))
    return out * (np.max(np.abs(y)) / (np.max(np.abs(out)) + 1e-9))


def _peaking(freq_hz: float, gain_db: float, q: float) -> tuple[np.ndarray, np.ndarray]:
    """RBJ peaking-EQ biquad coefficients ``(b, a)`` at 16 kHz."""
    a_gain = 10 ** (gain_db / 40)
    w = 2 * np.pi * freq_hz / SR
    alpha = np.sin(w) / (2 * q)
    b = np.array([1 + alpha * a_gain, -2 * np.cos(w), 1 - alpha * a_gain])
    a = np.array([1 + alpha / a_gain, -2 * np.cos(w), 1 - alpha / a_gain])
    return b / a[0], a / a[0]
