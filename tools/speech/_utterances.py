"""Cut a stream of 16 kHz speech into utterances at its pauses, none longer than a window.

pocketsphinx's voice activity detector (``Endpointer``) finds where speech starts and stops;
an utterance that goes on past ``max_s`` is cut there and the next one starts where it was
cut. The Whisper backend recognises each utterance in one 30-second window, so long
recordings stream with bounded memory, words are rarely cut in two, and long silences (on
which Whisper invents text) are never shown to the model.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ._sphinx import SAMPLE_RATE

__all__ = ["Utterance", "UtteranceCutter"]

#: (start in seconds from the beginning of the stream, 16-bit PCM bytes)
Utterance = tuple[float, bytes]


class UtteranceCutter:
    """Feed it PCM blocks; it hands back the utterances completed so far."""

    def __init__(self, max_s: float) -> None:
        from pocketsphinx import Endpointer

        self._endpointer = Endpointer(sample_rate=SAMPLE_RATE)
        self._max_bytes = int(max_s * SAMPLE_RATE) * 2
        self._pending = b""
        self._start_s: float | None = None
        self._speech = bytearray()
        self._cut_at_s = 0.0

    def feed(self, pcm: bytes) -> Iterator[Utterance]:
        frame_bytes = self._endpointer.frame_bytes
        data = self._pending + pcm
        n_full = len(data) // frame_bytes * frame_bytes
        self._pending = data[n_full:]
        for i in range(0, n_full, frame_bytes):
            was_in_speech = self._endpointer.in_speech
            yield from self._handle(self._endpointer.process(data[i : i + frame_bytes]), was_in_speech)

    def finish(self) -> Iterator[Utterance]:
        if self._pending:  # end_stream wants at least one sample
            was_in_speech = self._endpointer.in_speech
            speech = self._endpointer.end_stream(self._pending)
            self._pending = b""
            yield from self._handle(speech, was_in_speech)
        if self._start_s is not None:
            yield self._end()

    def _handle(self, speech: bytes | None, was_in_speech: bool) -> Iterator[Utterance]:
        if speech is None:
            return
        if self._start_s is None:
            # after a forced cut the speech goes on, so the new utterance starts where the last ended
            self._start_s = self._endpointer.speech_start if not was_in_speech else self._cut_at_s
        self._speech += speech
        if not self._endpointer.in_speech or len(self._speech) >= self._max_bytes:
            yield self._end()

    def _end(self) -> Utterance:
        start_s = self._start_s or 0.0
        pcm = bytes(self._speech)
        self._start_s, self._speech = None, bytearray()
        self._cut_at_s = start_s + len(pcm) / 2 / SAMPLE_RATE
        return start_s, pcm


def pcm_to_float(pcm: bytes) -> np.ndarray:
    """16-bit PCM bytes as float32 samples in [-1, 1]."""
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
