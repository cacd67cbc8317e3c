"""The espeak-ng fallback voice, driven through ``libespeak-ng`` with ctypes.

The library (Debian package ``espeak-ng``) synthesises in-process and reports an event
for every word and phoneme with its position in the audio, which is where the timings
come from. espeak keeps global state, so every call holds one process-wide lock.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import threading
from dataclasses import dataclass

import numpy as np

from ..errors import ToolError

__all__ = ["EspeakResult", "espeak_available", "espeak_phonemes", "espeak_synthesize"]

_LOCK = threading.Lock()
#: The voice espeak has loaded, and whether voice changes since the last synthesis left events
#: queued. Each change queues one, which only the next synthesis drains, into an event list of
#: fixed size: voices switched back and forth between two syntheses (British and American
#: phonemes for Kokoro, American ones for alignment) crowded out that synthesis' first words.
_loaded_voice: list[str | None] = [None]
_stale_events = [False]

# espeak_ng/speak_lib.h
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_PHONEME_EVENTS = 0x0001
_INITIALIZE_PHONEME_IPA = 0x0002
_INITIALIZE_DONT_EXIT = 0x8000
_CHARS_UTF8 = 1
_EVENT_LIST_TERMINATED, _EVENT_WORD, _EVENT_END, _EVENT_PHONEME = 0, 1, 5, 7
_RATE, _VOLUME, _PITCH, _RANGE = 1, 2, 3, 4
_PHONEMES_IPA = 0x02


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


_SynthCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


@dataclass
class EspeakResult:
    """One synthesised piece of text.

    Attributes:
        audio: float32 mono samples in [-1, 1].
        sample_rate: in Hz.
        words: ``(char_start, char_end, start_s, end_s)`` per spoken word, character
            offsets into the text given.
        phonemes: ``(ipa, start_s, end_s)`` per phoneme, pauses left out.
    """

    audio: np.ndarray
    sample_rate: int
    words: list[tuple[int, int, float, float]]
    phonemes: list[tuple[str, float, float]]


@functools.cache
def _library() -> tuple[ctypes.CDLL, int] | None:
    name = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return None
    lib.espeak_Initialize.restype = ctypes.c_int
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_SetSynthCallback.argtypes = [_SynthCallback]
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
    lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_char_p), ctypes.c_int, ctypes.c_int]
    lib.espeak_Synth.argtypes = [
        ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
        ctypes.c_uint, ctypes.POINTER(ctypes.c_uint), ctypes.c_void_p,
    ]  # fmt: skip
    options = _INITIALIZE_PHONEME_EVENTS | _INITIALIZE_PHONEME_IPA | _INITIALIZE_DONT_EXIT
    sample_rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 200, None, options)
    if sample_rate <= 0:
        return None
    return lib, sample_rate


def _set_voice(lib: ctypes.CDLL, voice: str) -> None:
    """Load ``voice`` unless it is loaded already (call with the lock held).

    Raises:
        ToolError: espeak-ng has no such voice (without one, TextToPhonemes crashes).
    """
    if _loaded_voice[0] == voice:
        return
    _loaded_voice[0] = None
    if lib.espeak_SetVoiceByName(voice.encode()) != 0:
        raise ToolError(f"espeak-ng has no voice {voice!r}")
    _loaded_voice[0] = voice
    _stale_events[0] = True


def espeak_available() -> bool:
    """Whether ``libespeak-ng`` can be loaded and initialised."""
    with _LOCK:
        return _library() is not None


def espeak_phonemes(text: str, voice: str = "en-us") -> str:
    """The IPA phonemes espeak-ng reads ``text`` as, words separated by spaces.

    Raises:
        ToolError: libespeak-ng is not installed, or has no voice called ``voice``.
    """
    pieces = []
    with _LOCK:
        loaded = _library()
        if loaded is None:
            raise ToolError("phonemising needs libespeak-ng — install it with `apt install espeak-ng`")
        lib, _ = loaded
        _set_voice(lib, voice)
        buffer = ctypes.create_string_buffer(text.encode("utf-8"))
        pointer = ctypes.c_char_p(ctypes.addressof(buffer))
        while pointer.value:  # one clause per call; espeak moves the pointer on, to NULL at the end
            pieces.append(lib.espeak_TextToPhonemes(ctypes.byref(pointer), _CHARS_UTF8, _PHONEMES_IPA) or b"")
    return " ".join(p.decode("utf-8", "replace").strip() for p in pieces).strip()


def espeak_synthesize(
    text: str, *, voice: str = "en-us", rate_wpm: int = 175, pitch: int = 50, pitch_range: int = 50,
    volume: int = 100,
) -> EspeakResult:  # fmt: skip
    """Speak ``text`` with espeak-ng.

    Args:
        text: what to say.
        voice: espeak voice name.
        rate_wpm: speaking rate in words per minute, 80 to 450.
        pitch: base pitch, 0 to 100 (50 is the voice's normal).
        pitch_range: pitch variation, 0 (monotone) to 100 (50 is normal).
        volume: amplitude, 0 to 200 (100 is normal).

    Raises:
        ToolError: libespeak-ng is not installed or synthesis failed.
    """
    data = text.encode("utf-8")
    chunks: list[np.ndarray] = []
    events: list[tuple[int, int, int, int, str]] = []

    def on_audio(wav: ctypes.POINTER(ctypes.c_short), n_samples: int, event_p: ctypes.POINTER(_Event)) -> int:
        if n_samples > 0:
            chunks.append(np.ctypeslib.as_array(wav, shape=(n_samples,)).copy())
        i = 0
        while event_p[i].type != _EVENT_LIST_TERMINATED:
            e = event_p[i]
            ipa = e.id.string.decode("utf-8", "replace") if e.type == _EVENT_PHONEME else ""
            events.append((e.type, e.text_position, e.length, e.audio_position, ipa))
            i += 1
        return 0  # 0 = go on

    with _LOCK:
        loaded = _library()
        if loaded is None:
            raise ToolError("the espeak voice needs libespeak-ng — install it with `apt install espeak-ng`")
        lib, sample_rate = loaded
        callback = _SynthCallback(on_audio)  # kept alive for the duration of the call
        lib.espeak_SetSynthCallback(callback)
        _set_voice(lib, voice)
        if _stale_events[0]:  # a silent synthesis drains the queued events
            lib.espeak_Synth(b" ", 2, 0, 1, 0, _CHARS_UTF8, None, None)
            chunks.clear()
            events.clear()
            _stale_events[0] = False
        for param, value in ((_RATE, rate_wpm), (_PITCH, pitch), (_RANGE, pitch_range), (_VOLUME, volume)):
            lib.espeak_SetParameter(param, int(value), 0)
        status = lib.espeak_Synth(data, len(data) + 1, 0, 1, 0, _CHARS_UTF8, None, None)
        if status != 0:
            raise ToolError(f"espeak-ng failed to synthesise (status {status})")
    audio = np.concatenate(chunks).astype(np.float32) / 32768.0 if chunks else np.zeros(0, np.float32)
    words, phonemes = _timings(events, data, audio.size / sample_rate)
    return EspeakResult(audio, sample_rate, words, phonemes)


def _timings(
    events: list[tuple[int, int, int, int, str]], data: bytes, total_s: float
) -> tuple[list[tuple[int, int, float, float]], list[tuple[str, float, float]]]:
    """Turn espeak's event list into word spans and phoneme intervals, in seconds.

    A phoneme lasts until the next phoneme or word event; a word ends where its last
    phoneme ends. espeak gives text positions as 1-based byte offsets into the UTF-8 text.
    """
    marks = sorted(
        (pos / 1000.0, kind, text_pos, length, ipa)
        for kind, text_pos, length, pos, ipa in events
        if kind in (_EVENT_WORD, _EVENT_PHONEME, _EVENT_END)
    )
    phonemes: list[tuple[str, float, float]] = []
    words: list[list] = []
    for i, (t, kind, text_pos, length, ipa) in enumerate(marks):
        t_next = marks[i + 1][0] if i + 1 < len(marks) else total_s
        if kind == _EVENT_WORD:
            start = len(data[: max(text_pos - 1, 0)].decode("utf-8", "ignore"))
            end = start + len(data[max(text_pos - 1, 0) : text_pos - 1 + length].decode("utf-8", "ignore"))
            words.append([start, end, t, t])
        elif kind == _EVENT_PHONEME and ipa.strip() and not ipa.startswith("_") and t_next > t:
            phonemes.append((ipa, t, t_next))
            if words:
                words[-1][3] = t_next
    return [tuple(w) for w in words if w[3] > w[2]], phonemes
