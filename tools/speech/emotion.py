"""speech_emotion: the emotion of a spoken recording, from how it sounds and what it says.

Method (a transparent two-axis model, not a trained classifier):

* Arousal (-1 calm … 1 aroused) from acoustics: loudness, brightness (energy above 1 kHz,
  which rises with vocal effort), pitch level against a typical level for the speaker's
  register, pitch spread and syllable rate (transcript syllables per second of speech). Each feature is turned into a z-score
  against a typical value, weighted, summed and squashed with tanh.
* Valence (-1 negative … 1 positive): VADER's compound score of the transcript
  (pocketsphinx, or the transcript given).
* Each of the six labels is a point in (valence, arousal); the scores are a softmax of
  the negative squared distances to those points.

Limits: loudness depends on recording gain, pitch level on the speaker; the centres were
set on ordinary read speech, not fitted to an emotion corpus; irony and mixed feelings
are beyond a lexicon.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Annotated

from pydantic import BaseModel, Field

from .. import Audio, Json, ToolContext, tool
from .._limits import Limits
from .._media import iter_audio_blocks
from ..errors import BadInput
from ._audio import SILENCE_DBFS, check_audio_file, peak_dbfs, probe_duration_s, to_pcm16
from ._prosody import FeatureTracker, ProsodyFeatures, count_syllables
from ._sphinx import SAMPLE_RATE
from ._text import MAX_CHARS, check_text
from .recognition import MAX_S, Recogniser
from .sentiment import score_text
from .styles import STYLES, Style

__all__ = ["SpeechEmotion", "arousal_of", "speech_emotion"]

# feature: (typical value, spread, weight); weights sum to 1
_AROUSAL_MODEL: dict[str, tuple[float, float, float]] = {
    "loudness_db": (-28.0, 5.0, 0.25),
    "brightness_db": (-16.0, 4.0, 0.25),
    "pitch_level_st": (0.0, 3.0, 0.2),
    "syllable_rate": (5.5, 1.0, 0.2),
    "pitch_range_st": (3.0, 1.5, 0.1),
}
#: Typical speaking pitch of low (male) and high (female, child) voices, in Hz; the register
#: is guessed from the median pitch (below or above 160 Hz).
_LOW_VOICE_HZ, _HIGH_VOICE_HZ, _REGISTER_SPLIT_HZ = 100.0, 200.0, 160.0

#: Where each label sits in (valence, arousal).
_PROTOTYPES: dict[str, tuple[float, float]] = {
    "neutral": (0.0, 0.0),
    "happy": (0.5, 0.3),
    "excited": (0.3, 0.75),
    "calm": (0.2, -0.5),
    "sad": (-0.4, -0.5),
    "angry": (-0.45, 0.7),
}
_TEMPERATURE = 0.08


class SpeechEmotion(BaseModel):
    """What speech_emotion gives back; every field can be used in a plan as ``$step.field``."""

    label: Style
    confidence: float
    arousal: float
    valence: float
    scores: dict[str, float]
    features: dict[str, float]
    transcript: str
    report: Json


def arousal_of(features: ProsodyFeatures) -> tuple[float, dict[str, float]]:
    """Arousal in [-1, 1] and each feature's weighted contribution to it."""
    reference = _HIGH_VOICE_HZ if features.pitch_hz > _REGISTER_SPLIT_HZ else _LOW_VOICE_HZ
    values = features.as_dict()
    values["pitch_level_st"] = 12 * math.log2(features.pitch_hz / reference) if features.pitch_hz > 0 else 0.0
    contributions = {}
    for name, (centre, spread, weight) in _AROUSAL_MODEL.items():
        z = max(-2.5, min(2.5, (values[name] - centre) / spread))  # one odd feature cannot dominate
        contributions[name] = round(weight * z, 4)
    return math.tanh(sum(contributions.values())), contributions


def _label_scores(valence: float, arousal: float) -> dict[str, float]:
    logits = {
        name: -((valence - v) ** 2 + (arousal - a) ** 2) / _TEMPERATURE
        for name, (v, a) in _PROTOTYPES.items()
    }
    top = max(logits.values())
    exp = {name: math.exp(x - top) for name, x in logits.items()}
    total = sum(exp.values())
    return {name: round(exp[name] / total, 4) for name in STYLES}


@tool(
    tags=("speech", "emotion"),
    examples=(
        "how does the speaker feel in this recording",
        "detect the emotion in this voice",
        "is this person angry or calm",
        "animate my face with the emotion of this speech",
        "does she sound upset in this voicemail",
        "how stressed does the caller sound",
        "what mood is his voice in",
    ),
    timeout_s=60,
    timeout_per_input_s=1.0,
)
def speech_emotion(
    audio: Annotated[Audio, Limits(min_s=0.25, max_s=MAX_S)],
    transcript: Annotated[str, Field(max_length=MAX_CHARS)] | None = None,
    *,
    ctx: ToolContext,
) -> SpeechEmotion:
    """Tell the emotion of English speech (neutral, happy, sad, angry, calm or excited) from voice and words.

    Acoustic arousal (loudness, vocal effort, pitch, speaking rate) is fused with the
    valence of what is said; ``label`` can feed talking_face or co_speech_gesture, and
    ``features`` and ``report`` expose every measurement.

    Args:
        audio: the speech recording: wav, mp3, flac, ogg or a video's sound.
        transcript: what is said, if known (skips speech recognition); English, up to 100 000
            characters.

    Raises:
        BadInput: the file is empty, unreadable, not audio or silent, or the transcript is not English.
    """
    path = check_audio_file(audio.path)
    if transcript is not None and transcript.strip():
        transcript = check_text(transcript, what="transcript")
    recogniser = None if transcript else Recogniser()
    tracker = FeatureTracker()
    total_s = probe_duration_s(path) or audio.duration_s
    peak, heard_s = float("-inf"), 0.0
    ctx.report(0.0, "listening")
    for block in iter_audio_blocks(path, SAMPLE_RATE, 10.0):
        peak = max(peak, peak_dbfs(block))
        tracker.add(block)
        if recogniser is not None:
            recogniser.feed(to_pcm16(block))
        heard_s += block.size / SAMPLE_RATE
        ctx.report(min(heard_s / total_s, 0.99) if total_s else 0.5, f"{heard_s:.0f} s analysed")
    features = tracker.features()
    if peak < SILENCE_DBFS:
        raise BadInput(f"{path.name} is silent (peak {peak:.0f} dBFS) — give a recording with audible speech")
    if features is None:
        raise BadInput(
            f"{path.name} holds too little sound to judge (under 0.1 s of speech) — give a longer recording"
        )
    if recogniser is not None:
        recogniser.finish()
        transcript = " ".join(s["text"] for s in recogniser.segments)
    if transcript:  # syllables said per second of speech beat counting loudness peaks
        features = replace(features, syllable_rate=count_syllables(transcript) / features.active_s)
    valence = score_text(transcript).compound if transcript else 0.0
    arousal, contributions = arousal_of(features)
    scores = _label_scores(valence, arousal)
    label = max(scores, key=scores.__getitem__)
    report = Json.write(
        ctx,
        "speech_emotion.json",
        {
            "label": label,
            "scores": scores,
            "arousal": round(arousal, 4),
            "valence": round(valence, 4),
            "features": features.as_dict(),
            "arousal_contributions": contributions,
            "transcript": transcript,
            "method": "arousal from acoustic features (z-scored, weighted, tanh) + valence from VADER on "
            "the transcript; label = nearest of six (valence, arousal) prototypes (softmax)",
            "prototypes": _PROTOTYPES,
        },
    )
    return SpeechEmotion(
        label=label,
        confidence=scores[label],
        arousal=round(arousal, 4),
        valence=round(valence, 4),
        scores=scores,
        features=features.as_dict(),
        transcript=transcript or "",
        report=report,
    )
