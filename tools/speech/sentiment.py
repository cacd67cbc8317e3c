"""text_sentiment: is a text positive, negative or neutral, and which speaking style suits it?

A model trained here on human-rated tweets, movie-review snippets and review sentences (the
bundled MiniLM, fine-tuned) reads the text together with VADER's lexicon and rules (Hutto
and Gilbert: they catch negation, intensifiers, capitals and emoji) and TextBlob's pattern
lexicon; it gives the compound score and the label (see :mod:`._sentiment_model`). Without
the bundled MiniLM model (the ``planner`` extra) VADER alone decides, and the report says so. ``emotion`` maps
the result onto the six speaking styles, so a plan can read a text "with the matching
emotion": ``text_to_speech(style=$sentiment.emotion)``.
"""

from __future__ import annotations

import functools
import re
import threading
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from .. import Json, ToolContext, TroupeError, tool
from ._text import MAX_CHARS, check_text, has_content, split_sentences
from .styles import Style

__all__ = ["Sentiment", "TextScores", "polarity_label", "score_text", "text_emotion", "text_sentiment"]

#: VADER's authors' thresholds on the compound score for positive / negative.
POSITIVE_AT, NEGATIVE_AT = 0.05, -0.05

# Small cue lists that split VADER's valence into the styles; whole words, lower case.
_CUES: dict[str, frozenset[str]] = {
    "excited": frozenset(
        "wow amazing awesome incredible fantastic thrilled ecstatic excited exciting yay hooray "
        "unbelievable woohoo stunning spectacular epic brilliant".split()
    ),
    "angry": frozenset(
        "angry anger furious fury hate hated hatred mad outraged outrageous rage annoyed annoying "
        "irritated disgusting disgusted unacceptable ridiculous stupid idiot damn fed livid "
        "infuriating sick insult insulting".split()
    ),
    "sad": frozenset(
        "sad sadness cry cried crying tears lonely alone miss missed grief grieve sorrow sorry "
        "depressed heartbroken gloomy unhappy lost loss died death mourn regret hopeless".split()
    ),
    "calm": frozenset(
        "calm peace peaceful quiet quietly gentle gently relax relaxed relaxing serene soft softly "
        "slow slowly rest breathe tranquil soothing still sleep dream meadow lullaby".split()
    ),
}
_WORD = re.compile(r"[a-z']+")
#: Up to this length VADER scores the text as a whole (its rules see across sentences; on
#: human-rated tweets that is 4 points more accurate than averaging sentences); longer text
#: is scored as the length-weighted mean of its sentences, as VADER's sum saturates at ±1.
_WHOLE_TEXT_CHARS = 1000
_LOCK = threading.Lock()


class TextScores(BaseModel):
    """Sentiment scores of one piece of text."""

    compound: float = Field(description="VADER compound score, -1 (most negative) to 1 (most positive)")
    positive: float = Field(description="VADER share of positive words, 0 to 1")
    negative: float = Field(description="VADER share of negative words, 0 to 1")
    neutral: float = Field(description="VADER share of neutral words, 0 to 1")
    polarity: float = Field(description="TextBlob polarity, -1 to 1")
    subjectivity: float = Field(description="TextBlob subjectivity, 0 (factual) to 1 (opinion)")


class Sentiment(BaseModel):
    """What text_sentiment gives back; every field can be used in a plan as ``$step.field``."""

    label: Literal["positive", "negative", "neutral"] = Field(description="by the compound score's sign")
    emotion: Style = Field(description="the speaking style that suits the text")
    compound: float = Field(
        description="-1 (surely negative) to 1 (surely positive): 2·P(positive) − 1 of the learned model, "
        "so near 0 means unsure; VADER's compound when the model is not installed"
    )
    vader: float = Field(description="VADER's compound score alone, -1 to 1")
    polarity: float = Field(description="TextBlob polarity, -1 to 1")
    subjectivity: float = Field(description="TextBlob subjectivity, 0 (factual) to 1 (opinion)")
    agreement: bool = Field(description="whether the label and VADER's own label agree")
    report: Json = Field(description="per-sentence scores and how the label was reached")


@functools.cache
def _analysers() -> tuple[Any, Any]:
    from textblob.en.sentiments import PatternAnalyzer
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer(), PatternAnalyzer()


def score_text(text: str) -> TextScores:
    """VADER and TextBlob scores of ``text`` (best for a sentence or a short paragraph)."""
    with _LOCK:  # first use loads the lexicons; later calls only read them
        vader, pattern = _analysers()
    v = vader.polarity_scores(text)
    p = pattern.analyze(text)
    return TextScores(
        compound=v["compound"], positive=v["pos"], negative=v["neg"], neutral=v["neu"],
        polarity=round(p.polarity, 4), subjectivity=round(p.subjectivity, 4),
    )  # fmt: skip


def polarity_label(compound: float) -> Literal["positive", "negative", "neutral"]:
    """The label for a score in [-1, 1] by VADER's thresholds."""
    if compound >= POSITIVE_AT:
        return "positive"
    return "negative" if compound <= NEGATIVE_AT else "neutral"


def text_emotion(text: str, compound: float) -> tuple[str, dict[str, Any]]:
    """The speaking style that suits ``text`` given its VADER compound score, and the cues used.

    Valence picks the side (happy/excited/calm vs sad/angry); cue words, exclamation
    marks and shouting (words in capitals) pick the arousal within it.
    """
    words = _WORD.findall(text.lower())
    hits = {name: sorted({w for w in words if w in cue}) for name, cue in _CUES.items()}
    exclaims = text.count("!")
    shouted = len(re.findall(r"\b[A-Z]{3,}\b", text))
    aroused = exclaims > 0 or shouted > 0
    cues = {
        "cue_words": {k: v for k, v in hits.items() if v},
        "exclamations": exclaims,
        "shouted_words": shouted,
    }
    label = polarity_label(compound)
    if label == "positive":
        if hits["excited"] or (aroused and compound >= 0.5):
            return "excited", cues
        if hits["calm"] and not aroused:
            return "calm", cues
        return "happy", cues
    if label == "negative":
        if hits["angry"] or (shouted and exclaims) or (exclaims and not hits["sad"] and compound <= -0.5):
            return "angry", cues
        return "sad", cues
    return ("calm" if hits["calm"] else "neutral"), cues


@tool(
    tags=("text", "sentiment", "emotion"),
    examples=(
        "is this review positive or negative",
        "what is the mood of this text",
        "analyse the sentiment of my message",
        "read it with the matching emotion",
        "are these customer comments happy or angry",
        "how does this email come across",
        "score the tone of the post",
    ),
    timeout_s=60,
    timeout_per_input_s=0.2,
)
def text_sentiment(text: Annotated[str, Field(max_length=MAX_CHARS)], *, ctx: ToolContext) -> Sentiment:
    """Judge whether English text is positive, negative or neutral, and which speaking style suits it.

    Gives the label, a calibrated compound score (near 0: unsure), VADER's own score,
    TextBlob's polarity and subjectivity, and ``emotion`` (neutral, happy, sad, angry,
    calm or excited) that can be passed straight to text_to_speech's style; ``report``
    holds per-sentence scores.

    Args:
        text: English text to judge, 1 to 100 000 characters; emoji count.

    Raises:
        BadInput: empty, too long or non-English text.
    """
    text = check_text(text, speakable=False)  # emoji carry feeling too: VADER reads them
    sentences = [s for _, s in split_sentences(text, keep=has_content)]
    lexicon = []
    for i, sentence in enumerate(sentences):
        lexicon.append(score_text(sentence))
        if i % 200 == 199:
            ctx.report(0.5 * i / len(sentences), f"sentence {i + 1}/{len(sentences)}")
    learned = _learned_compounds(sentences, lexicon)
    compounds = learned if learned is not None else [s.compound for s in lexicon]
    per_sentence = [
        {"sentence": sentence[:300], "label": polarity_label(c), "compound": c, "vader": scores.model_dump()}
        for sentence, scores, c in zip(sentences, lexicon, compounds, strict=True)
    ]
    if len(text) <= _WHOLE_TEXT_CHARS:  # scored as a whole: the rules and the model see across sentences
        overall = score_text(text)
        whole = _learned_compounds([text], [overall])
        compound = whole[0] if whole is not None else overall.compound
    else:  # VADER's compound saturates on long text, so average the sentences, weighted by length
        weights = np.array([len(s) for s in sentences], dtype=float) / sum(len(s) for s in sentences)
        overall = TextScores(
            **{
                f: round(float(weights @ [getattr(s, f) for s in lexicon]), 4)
                for f in TextScores.model_fields
            }
        )
        compound = round(float(weights @ compounds), 4)
    label = polarity_label(compound)
    emotion, cues = text_emotion(text, compound)
    agreement = polarity_label(overall.compound) == label
    method = (
        "learned: MiniLM fine-tuned on rated text, with VADER/TextBlob scores (docs/speech.md); "
        "compound = 2·P(positive) − 1"
        if learned is not None
        else "VADER compound (the MiniLM model is not installed: pip install 'troupe[planner]')"
    )
    report = Json.write(
        ctx,
        "sentiment.json",
        {
            "label": label, "emotion": emotion, "compound": compound, "vader": overall.model_dump(),
            "agreement": agreement, "emotion_cues": cues,
            "method": method + "; label positive at >= 0.05, negative at <= -0.05", "sentences": per_sentence,
        },
    )  # fmt: skip
    return Sentiment(
        label=label, emotion=emotion, compound=compound, vader=overall.compound, polarity=overall.polarity,
        subjectivity=overall.subjectivity, agreement=agreement, report=report,
    )  # fmt: skip


def _learned_compounds(texts: list[str], lexicon: list[TextScores]) -> list[float] | None:
    """The learned model's compound (2·P(positive) − 1) per text; None without the model.

    Text with no letter (emoji, symbols) is left to VADER, which knows emoji; the sentence
    embedding does not.
    """
    from ._sentiment_model import lexicon_features, model

    learned = model()
    if learned is None or not texts:
        return None
    try:
        learned.encoder()
    except TroupeError:  # the planner extra (MiniLM) is not installed
        return None
    wordy = [i for i, t in enumerate(texts) if any(ch.isalpha() for ch in t)]
    compounds = [round(s.compound, 4) for s in lexicon]
    if wordy:
        scores = learned.compound(
            [texts[i] for i in wordy], lexicon_features([lexicon[i].model_dump() for i in wordy])
        )
        for i, score in zip(wordy, scores, strict=True):
            compounds[i] = round(float(score), 4)
    return compounds
