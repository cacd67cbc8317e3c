"""transcribe: speech to text with word timings — pocketsphinx (English, built in) or Whisper.

Audio of any format and length is decoded by ffmpeg and streamed in blocks; a voice
activity detector cuts it into utterances at pauses and each utterance is recognised on
its own, so memory stays bounded for recordings of hours. The ``whisper`` backend
(:mod:`._whisper`) needs a model fetched with ``troupe models pull whisper-small``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from .. import Audio, Text, ToolContext, tool
from .._limits import Limits
from .._media import iter_audio_blocks
from .._models import Installed
from ..errors import BadInput
from . import _whisper
from ._audio import SILENCE_DBFS, check_audio_file, peak_dbfs, probe_duration_s, to_pcm16
from ._sphinx import FRAMES_PER_S, SAMPLE_RATE, clean_word, decoder, is_filler

__all__ = ["MAX_S", "Backend", "Recogniser", "transcribe"]

#: An utterance is cut here even without a pause, to bound memory and search time.
_MAX_UTTERANCE_S = 30.0
_BLOCK_S = 10.0
#: Longest recording transcribed in one call.
MAX_S = 2 * 3600
_ENGLISH = ("en", "en-us", "en_us", "english")

Backend = Literal["auto", "pocketsphinx", "whisper"]


def _models_behind(args: dict) -> dict[str, str | None]:
    """For the cache key: the Whisper model (and its revision) the call's backend could load."""
    if args.get("backend", "auto") == "pocketsphinx":
        return {}
    model = _whisper.best_model()
    return {"whisper": f"{model.entry.name}@{model.revision}" if model else None}


def _runs_whisper(args: dict) -> bool:
    """For schedulers (``gpu_when``): whether the call runs Whisper, which uses the step's GPU."""
    return _choose(args.get("backend", "auto"), args.get("language", "auto"))[0] is not None


@tool(
    tags=("speech", "asr"),
    examples=(
        "transcribe this recording",
        "what does the speaker say in this audio",
        "write down the words of this voice memo",
        "speech to text with word timings",
        "what are they saying in this clip",
        "get me a transcript of the interview",
        "type out the lecture recording",
    ),
    timeout_s=60,
    timeout_per_input_s=1.0,
    cache_extra=_models_behind,
    gpu_when=_runs_whisper,
)
def transcribe(
    audio: Annotated[Audio, Limits(min_s=0.1, max_s=MAX_S)],
    language: str = "auto",
    backend: Backend = "auto",
    *,
    ctx: ToolContext,
) -> Text:
    """Write down the words spoken in a recording, with the time of each word.

    Returns a text file; ``meta["words"]`` holds ``{"word", "start_s", "end_s"}`` per word,
    ``meta["segments"]`` the utterances between pauses, and ``meta["language"]``,
    ``meta["backend"]`` and ``meta["model"]`` say what was heard and what heard it.

    Args:
        audio: the recording: wav, mp3, flac, ogg or a video's sound; mono or stereo (long
            files are streamed).
        language: 'auto' (Whisper detects it; pocketsphinx assumes English) or an ISO 639-1
            code such as 'en', 'fr', 'de' (or the English name, 'french').
        backend: 'pocketsphinx' (US English, built in), 'whisper' (OpenAI's Whisper, 99
            languages; needs `troupe models pull whisper-small`) or 'auto': Whisper when a
            model is installed, else pocketsphinx.

    Raises:
        BadInput: a language the backend does not know, backend='whisper' without a model,
            or the file is empty, unreadable, not audio or silent.
    """
    model, note = _choose(backend, language)
    path = check_audio_file(audio.path)
    total_s = probe_duration_s(path) or audio.duration_s
    if model is not None:
        return _transcribe_whisper(model, path, language, total_s, ctx)
    recogniser = Recogniser()
    peak = float("-inf")
    heard_s = 0.0
    ctx.report(0.0, "listening")
    for block in iter_audio_blocks(path, SAMPLE_RATE, _BLOCK_S):
        peak = max(peak, peak_dbfs(block))
        recogniser.feed(to_pcm16(block))
        heard_s += block.size / SAMPLE_RATE
        if total_s:
            ctx.report(min(heard_s / total_s, 0.99), f"{heard_s / 60:.1f} of {total_s / 60:.1f} min")
        else:
            ctx.check_cancelled()
    recogniser.finish()
    _check_heard(path.name, peak)
    words, segments = recogniser.words, recogniser.segments
    text = " ".join(s["text"] for s in segments)
    ctx.report(1.0, f"{len(words)} words")
    extra = {"backend_note": note} if note else {}
    return Text.write(
        ctx, "transcript.txt", text + "\n", words=words, segments=segments, language="en",
        duration_s=round(heard_s, 3), backend="pocketsphinx", model=None, **extra,
    )  # fmt: skip


def _choose(backend: str, language: str) -> tuple[Installed | None, str | None]:
    """The Whisper model to run (None: pocketsphinx) and, when ``auto`` fell back, why.

    Raises:
        BadInput: backend='whisper' without the libraries or a model; a language pocketsphinx
            cannot hear when it is the one that would run.
    """
    english = language.strip().lower() in (*_ENGLISH, "auto")
    if backend != "pocketsphinx":
        model = _whisper.best_model()
        if backend == "whisper":
            if not _whisper.available():
                raise BadInput(
                    "backend='whisper' needs torch and transformers: pip install -c constraints.txt "
                    "'troupe[whisper]' (or use backend='pocketsphinx')"
                )
            if model is None:
                raise BadInput(
                    "backend='whisper' needs a Whisper model: run `troupe models pull whisper-small` "
                    "(or `troupe models import whisper-small FOLDER`), or use backend='pocketsphinx'"
                )
        if model is not None and _whisper.available():
            _whisper.check_language(model, language)
            return model, None
    if not english:
        raise BadInput(
            f"transcribe has no model for language {language!r} here: pocketsphinx hears only English "
            "('en'); run `troupe models pull whisper-small` for 99 languages, or give English speech"
        )
    auto = language.strip().lower() == "auto"
    return None, "pocketsphinx hears only English; language 'auto' was taken as English" if auto else None


def _transcribe_whisper(
    model: Installed, path: Path, language: str, total_s: float | None, ctx: ToolContext
) -> Text:
    heard = _whisper.transcribe(model, path, _whisper.check_language(model, language), total_s, ctx)
    _check_heard(path.name, heard.peak_dbfs)
    text = " ".join(s["text"] for s in heard.segments)
    ctx.report(1.0, f"{len(heard.words)} words")
    extra = {"device_note": heard.device_note} if heard.device_note else {}
    return Text.write(
        ctx, "transcript.txt", text + "\n", words=heard.words, segments=heard.segments,
        language=heard.language, duration_s=round(heard.heard_s, 3), backend=_whisper.BACKEND,
        model=model.entry.name, model_revision=model.revision, licence=model.entry.licence,
        device=heard.device, **extra,
    )  # fmt: skip


def _check_heard(name: str, peak: float) -> None:
    if peak < SILENCE_DBFS:
        raise BadInput(
            f"{name} is silent (peak level {peak:.0f} dBFS) — give a recording with audible speech"
        )


class Recogniser:
    """Feeds PCM to a voice activity detector and recognises each utterance it finds."""

    def __init__(self) -> None:
        from pocketsphinx import Endpointer

        self._endpointer = Endpointer(sample_rate=SAMPLE_RATE)
        self._decoder = decoder(lm=True)
        self._pending = b""
        self._utt_start_s: float | None = None
        self._utt_bytes = 0
        self._cut_at_s = 0.0
        self.words: list[dict] = []
        self.segments: list[dict] = []

    def feed(self, pcm: bytes) -> None:
        frame_bytes = self._endpointer.frame_bytes
        data = self._pending + pcm
        n_full = len(data) // frame_bytes * frame_bytes
        self._pending = data[n_full:]
        for i in range(0, n_full, frame_bytes):
            was_in_speech = self._endpointer.in_speech
            speech = self._endpointer.process(data[i : i + frame_bytes])
            self._handle(speech, was_in_speech)

    def finish(self) -> None:
        if self._pending:  # end_stream wants at least one sample
            was_in_speech = self._endpointer.in_speech
            speech = self._endpointer.end_stream(self._pending)
            self._pending = b""
            self._handle(speech, was_in_speech)
        if self._utt_start_s is not None:
            self._end_utterance()

    def _handle(self, speech: bytes | None, was_in_speech: bool) -> None:
        if speech is None:
            return
        if self._utt_start_s is None:
            self._decoder.start_utt()
            # after a forced cut the speech goes on, so the new utterance starts where the last ended
            self._utt_start_s = self._endpointer.speech_start if not was_in_speech else self._cut_at_s
            self._utt_bytes = 0
        self._decoder.process_raw(speech, False, False)
        self._utt_bytes += len(speech)
        too_long = self._utt_bytes / 2 / SAMPLE_RATE >= _MAX_UTTERANCE_S
        if not self._endpointer.in_speech or too_long:
            self._end_utterance()

    def _end_utterance(self) -> None:
        self._decoder.end_utt()
        start_s = self._utt_start_s or 0.0
        self._utt_start_s = None
        self._cut_at_s = start_s + self._utt_bytes / 2 / SAMPLE_RATE
        words = [
            {
                "word": clean_word(seg.word),
                "start_s": round(start_s + seg.start_frame / FRAMES_PER_S, 3),
                "end_s": round(start_s + (seg.end_frame + 1) / FRAMES_PER_S, 3),
            }
            for seg in self._decoder.seg() or ()  # None when nothing was recognised
            if not is_filler(seg.word)
        ]
        if words:
            self.words += words
            text = " ".join(w["word"] for w in words)
            self.segments.append({"text": text, "start_s": words[0]["start_s"], "end_s": words[-1]["end_s"]})
