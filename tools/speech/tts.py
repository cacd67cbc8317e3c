"""text_to_speech: speak text with Piper (neural, default), espeak-ng (fast fallback) or Kokoro.

Kokoro-82M (:mod:`._kokoro`) is a neural backend whose model the user installs with ``troupe
models pull kokoro-82m``; it runs when asked for (``backend="kokoro"``, or a Kokoro voice such as
``af_heart``; :mod:`._voices` chooses). Text is spoken sentence by sentence and each sentence is
appended to the WAV file as soon as it exists, so memory stays bounded and progress is reported as
it goes. The output carries word and phoneme timings (``meta["words"]``, ``meta["phonemes"]``)
for lip sync.
"""

from __future__ import annotations

import re
import wave
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Annotated

import numpy as np
from pydantic import Field

from .. import Audio, ToolContext, tool
from .._media import audio_info
from . import _kokoro
from ._text import MAX_CHARS, Token, check_text, split_sentences, tokens
from ._voices import VOICES, Backend, Choice, choose, models_behind, runs_on_gpu
from .styles import Prosody, Style, prosody_for

__all__ = ["VOICES", "Backend", "text_to_speech"]

_PIPER_SR = 22050

#: A first sentence longer than this is spoken in two pieces, for a quicker first audio.
_FIRST_PIECE_CHARS = 60
_CLAUSE_END = re.compile(r"[,;:]\s+")

#: Peak level of a neutral sentence, in dBFS; styles add their gain to it.
_NEUTRAL_PEAK_DB = -3.0


@dataclass
class _Spoken:
    """One sentence, ready to write: samples plus timings relative to its start."""

    audio: np.ndarray
    words: list[tuple[str, float, float]]
    phonemes: list[tuple[str, float, float]]


@tool(
    tags=("speech", "tts", "voice"),
    examples=(
        "read this sentence aloud",
        "say 'hello' in a calm voice",
        "turn my poem into speech",
        "narrate this text with an excited voice",
        "make a voice-over for this script",
        "have a robot voice announce the next stop",
        "record the welcome message for the phone line",
        "read the story out slowly for the kids",
        "speak the line in a sad tone",
    ),
    timeout_s=60,
    timeout_per_input_s=1.0,
    cache_extra=models_behind,
    gpu_when=runs_on_gpu,
)
def text_to_speech(
    text: Annotated[str, Field(max_length=MAX_CHARS)],
    voice: str | None = None,
    style: Style = "neutral",
    speed: Annotated[float, Field(ge=0.25, le=4.0)] = 1.0,
    backend: Backend = "auto",
    *,
    ctx: ToolContext,
) -> Audio:
    """Speak English text aloud with a neural voice, with word and phoneme timings for lip sync.

    The result is a mono WAV (22.05 kHz; 24 kHz with Kokoro); ``meta["words"]`` and
    ``meta["phonemes"]`` hold ``{"word"|"phoneme", "start_s", "end_s"}`` entries (espeak IPA
    phonemes); ``meta["backend"]``, ``meta["model"]`` and ``meta["voice"]`` say what spoke.

    Args:
        text: what to say: English plain text, 1 to 100 000 characters.
        voice: 'joe' (Piper neural US English male, the default), 'espeak' (espeak-ng, robotic,
            fastest) or, once `troupe models pull kokoro-82m` installed it, a Kokoro voice:
            'af_heart' (US female, Kokoro's default), 'af_bella', 'am_michael', 'am_adam',
            'bf_emma', 'bm_george' and others (a/b: US/UK English, f/m: female/male).
        style: speaking style: neutral, happy, sad, angry, calm or excited; sets rate, pitch,
            expressiveness, loudness and vocal effort (see tools.speech.styles).
        speed: speaking-rate multiplier on top of the style's, 0.25 to 4 (1 = normal).
        backend: 'piper' (Piper's joe voice, or espeak; always there), 'kokoro' (Kokoro-82M,
            28 English voices; needs `troupe models pull kokoro-82m`) or 'auto': Kokoro when a
            Kokoro voice is asked for and installed, else Piper.

    Raises:
        BadInput: empty, too long or non-English text, an unknown voice, or backend='kokoro'
            without the model.
    """
    text = check_text(text)
    choice = choose(backend, voice)
    prosody = prosody_for(style)
    sr = _kokoro.SAMPLE_RATE if choice.engine == "kokoro" else _PIPER_SR
    timings: set[str] = set()
    extra: dict = {"model": None}
    if choice.engine == "kokoro":
        extra["device"] = _kokoro.prepare(choice.model, choice.voice, ctx.device)

        def speak(sentence: str, prosody: Prosody, speed: float, sr: int) -> _Spoken:
            spoken, how = _speak_kokoro(choice, sentence, prosody, speed, ctx.device)
            timings.add(how)
            return spoken
    else:
        speak = _speak_piper if choice.engine == "piper" else _speak_espeak

    path = ctx.output_path("speech.wav")
    words: list[dict] = []
    phonemes: list[dict] = []
    sentences = _pieces(text)
    t0 = 0.0
    ctx.report(0.0, f"speaking {len(sentences)} sentence(s) with {choice.engine}")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sr)
        for i, (offset, sentence, pause_after) in enumerate(sentences):
            spoken = speak(sentence, prosody, speed, sr)
            words += [_entry("word", w, t0 + a, t0 + b) for w, a, b in spoken.words]
            phonemes += [_entry("phoneme", p, t0 + a, t0 + b) for p, a, b in spoken.phonemes]
            pause = np.zeros(int(prosody.pause_s / speed * sr) if pause_after else 0, np.float32)
            block = np.concatenate([spoken.audio, pause])
            out.writeframes((np.clip(block, -1, 1) * 32767).round().astype("<i2").tobytes())
            t0 += block.size / sr
            ctx.report((offset + len(sentence)) / len(text), f"sentence {i + 1}/{len(sentences)}")
    if choice.model is not None:
        extra |= {
            "model": choice.model.entry.name, "model_revision": choice.model.revision,
            "licence": choice.model.entry.licence, "timings": " and ".join(sorted(timings)),
        }  # fmt: skip
    if choice.note:
        extra["backend_note"] = choice.note
    return audio_info(
        path,
        words=words,
        phonemes=phonemes,
        phoneme_set="espeak-ipa",
        text=text,
        voice=choice.voice,
        backend=choice.engine,
        style=style,
        speed=speed,
        prosody=prosody.as_dict(),
        **extra,
    )


def _pieces(text: str) -> list[tuple[int, str, bool]]:
    """``(char_offset, piece, pause_after)`` to speak in order: the sentences, with the first
    cut at its first clause boundary (comma, semicolon, colon) when it is long, so the first
    audio comes sooner. The voice pauses at the comma itself, so no pause is added there."""
    pieces = [(offset, sentence, True) for offset, sentence in split_sentences(text)]
    offset, first, _ = pieces[0]
    if len(first) > _FIRST_PIECE_CHARS:
        cut = next((m for m in _CLAUSE_END.finditer(first) if 20 <= m.start() <= len(first) - 20), None)
        if cut is not None:
            pieces[:1] = [
                (offset, first[: cut.start() + 1], False),
                (offset + cut.end(), first[cut.end() :], True),
            ]
    last_offset, last, _ = pieces[-1]
    pieces[-1] = (last_offset, last, False)
    return pieces


def _entry(kind: str, label: str, start_s: float, end_s: float) -> dict:
    return {kind: label, "start_s": round(start_s, 4), "end_s": round(end_s, 4)}


# -- Piper -------------------------------------------------------------------------------------


def _speak_piper(sentence: str, prosody: Prosody, speed: float, sr: int) -> _Spoken:
    """Piper has no pitch control, so pitch is shifted by resampling; the phoneme
    durations are stretched by the same ratio first, so rate and timings are unchanged."""
    from scipy.signal import resample_poly

    from ._piper import load_voice, piper_synthesize

    ratio = 2.0 ** (prosody.pitch_st / 12.0)  # > 1 raises the pitch
    result = piper_synthesize(
        sentence,
        length_scale=ratio / (prosody.rate * speed),
        noise_scale=0.667 * prosody.variation,
        noise_w_scale=0.8 * prosody.variation,
    )
    if result.sample_rate != sr:
        raise RuntimeError(f"voice sample rate {result.sample_rate} Hz, expected {sr} Hz")
    audio = result.audio
    scale = 1.0
    if abs(ratio - 1.0) > 1e-3:
        step = Fraction(1.0 / ratio).limit_denominator(60)
        audio = resample_poly(audio, step.numerator, step.denominator).astype(np.float32)
        scale = step.numerator / step.denominator
    voice = load_voice()
    words = _match_words(tokens(sentence), result.word_spans, lambda w: _count_groups(voice, w))
    return _Spoken(
        audio=_shape(audio, prosody),
        words=[(w, a * scale, b * scale) for w, a, b in words],
        phonemes=[(p, a * scale, b * scale) for p, a, b in result.phonemes],
    )


def _count_groups(voice: object, word: str) -> int:
    """How many space-separated phoneme groups espeak makes of one word ("25" gives 2)."""
    symbols = "".join("".join(s) + " " for s in voice.phonemize(word))  # type: ignore[attr-defined]
    cleaned = "".join(ch if ch.isalpha() or ch in "ːˈˌ" else " " for ch in symbols)
    return len(cleaned.split())


def _match_words(
    toks: list[Token], spans: list[tuple[float, float]], count: Callable[[str], int]
) -> list[tuple[str, float, float]]:
    """Give each text word the time of the phoneme groups it became.

    When the per-word group counts add up to the groups heard, the match is exact;
    otherwise (context-dependent reading) groups are shared out in proportion.
    """
    if not toks or not spans:
        return []
    counts = [max(count(t.word), 1) for t in toks]
    if sum(counts) != len(spans):
        edges = np.round(np.cumsum([0, *counts]) * len(spans) / sum(counts)).astype(int)
        counts = [int(n) for n in np.diff(edges)]
    matched, i = [], 0
    for tok, n in zip(toks, counts, strict=True):
        group = spans[min(i, len(spans) - 1) : min(i + max(n, 1), len(spans))]
        matched.append((tok.word, group[0][0], group[-1][1]))
        i += n
    return matched


# -- Kokoro ------------------------------------------------------------------------------------


def _speak_kokoro(
    choice: Choice, sentence: str, prosody: Prosody, speed: float, device: str
) -> tuple[_Spoken, str]:
    """Kokoro has a speed input but no pitch control, so pitch is shifted by resampling, as
    for Piper: the model speaks slower by the same ratio first, so rate and timings hold."""
    from scipy.signal import resample_poly

    ratio = 2.0 ** (prosody.pitch_st / 12.0)  # > 1 raises the pitch
    result = _kokoro.synthesize(choice.model, choice.voice, sentence, prosody.rate * speed / ratio, device)
    words = result.words
    if words is None:
        words = _match_words(
            tokens(sentence), result.word_spans, lambda w: _kokoro.phoneme_groups(w, choice.voice)
        )
    audio, scale = result.audio, 1.0
    if abs(ratio - 1.0) > 1e-3 and audio.size:
        step = Fraction(1.0 / ratio).limit_denominator(60)
        audio = resample_poly(audio, step.numerator, step.denominator).astype(np.float32)
        scale = step.numerator / step.denominator
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    audio = audio / peak if peak > 1e-6 else audio
    spoken = _Spoken(
        audio=_shape(audio, prosody),
        words=[(w, a * scale, b * scale) for w, a, b in words],
        phonemes=[(p, a * scale, b * scale) for p, a, b in result.phonemes],
    )
    return spoken, result.timings


# -- espeak-ng ---------------------------------------------------------------------------------


def _speak_espeak(sentence: str, prosody: Prosody, speed: float, sr: int) -> _Spoken:
    from scipy.signal import resample_poly

    from ._espeak import espeak_synthesize

    result = espeak_synthesize(
        sentence,
        rate_wpm=int(np.clip(175 * prosody.rate * speed, 80, 450)),
        pitch=int(np.clip(50 + 5 * prosody.pitch_st, 0, 100)),
        pitch_range=int(np.clip(50 * prosody.variation, 0, 100)),
    )
    audio = result.audio
    if result.sample_rate != sr:
        audio = resample_poly(audio, sr, result.sample_rate).astype(np.float32)
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    audio = audio / peak if peak > 1e-6 else audio
    toks = tokens(sentence)
    words: list[tuple[str, float, float]] = []
    for char_start, _, start_s, end_s in result.words:
        tok = next((t for t in toks if t.start <= char_start < t.end), None)
        if tok is None:
            continue
        if words and words[-1][0] == tok.word and words[-1][2] <= start_s + 1e-6:
            words[-1] = (tok.word, words[-1][1], end_s)  # one text word read as several
        else:
            words.append((tok.word, start_s, end_s))
    return _Spoken(audio=_shape(audio, prosody), words=words, phonemes=result.phonemes)


# -- shaping -----------------------------------------------------------------------------------


def _shape(audio: np.ndarray, prosody: Prosody) -> np.ndarray:
    """Apply vocal effort (spectral tilt) and loudness to peak-normalised audio."""
    if audio.size == 0:
        return audio
    if prosody.effort:
        high = np.diff(audio, prepend=audio[:1])  # first difference: +6 dB/octave
        audio = audio + prosody.effort * high
    peak = float(np.max(np.abs(audio)))
    target = 10.0 ** ((_NEUTRAL_PEAK_DB + prosody.gain_db) / 20.0)
    return (audio * (target / peak if peak > 1e-6 else 0.0)).astype(np.float32)
