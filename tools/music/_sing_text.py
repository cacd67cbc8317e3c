"""Lyrics to syllables: phrases, words, syllables with stress, and their spoken timings.

Each phrase is spoken once by the Piper voice (the same voice text_to_speech uses); Piper's
phoneme alignment gives every phoneme its time, and espeak's stress marks (which Piper's
phonemiser writes) say which syllables are stressed. The CMU pronouncing dictionary shipped
with pocketsphinx decides how many syllables each word has (one per vowel), which settles the
cases where espeak's vowel symbols run together ("fire" is ``faɪɚ``: one run, two syllables).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

import numpy as np

from tools.errors import BadInput

__all__ = ["MAX_LYRICS_CHARS", "MAX_SYLLABLES", "Phrase", "Syllable", "read_lyrics"]

#: Longest lyrics sung in one call (a long song's worth of words).
MAX_LYRICS_CHARS = 2000
#: Most syllables sung in one call (about three minutes at a moderate tempo).
MAX_SYLLABLES = 400

_PHRASE_END = re.compile(r"[\n,;:.!?…—]+")
_VOWELS = frozenset("aeiouyæɑɒɔəɛɜɪʊʌɐɚɝᵻøœɘɵɤʏ")
_CMU_VOWELS = frozenset(
    "AA AE AH AO AW AY EH ER EY IH IY OW OY UH UW".split()
)  # fmt: skip
_MODIFIERS = frozenset("ːˑ̩̯̃ʰʲʷ")
_STRESS = "ˈ"
# Two-consonant clusters that can start an English syllable (maximal onset principle).
_ONSETS = {
    *(f"s{c}" for c in "ptkmnlw"),
    *(f"{c}{glide}" for c in ("p", "b", "t", "d", "k", "ɡ", "g", "f", "θ", "ʃ") for glide in "ɹlwj"),
}


@dataclass
class Syllable:
    """One sung syllable and where it lies in its phrase's spoken audio (seconds).

    ``start_s``..``vowel_s`` is the onset (consonants before the vowel), ``vowel_s``..``coda_s``
    the vowel, ``coda_s``..``end_s`` the coda (and any pause Piper left after the word).
    """

    word: str
    word_index: int
    phrase: int
    stressed: bool
    phonemes: list[tuple[str, float, float]]
    start_s: float
    vowel_s: float
    coda_s: float
    end_s: float

    @property
    def text(self) -> str:
        return "".join(p for p, _, _ in self.phonemes)


@dataclass
class Phrase:
    """A stretch of lyrics sung in one breath: its spoken audio and its syllables."""

    text: str
    audio: np.ndarray
    sample_rate: int
    syllables: list[Syllable] = field(default_factory=list)


def read_lyrics(lyrics: str, voice: str = "joe") -> list[Phrase]:
    """Cut the lyrics into phrases, speak each one and find its syllables.

    Raises:
        BadInput: empty, too long, not English, or nothing pronounceable.
    """
    from tools.speech._sphinx import decoder
    from tools.speech._text import check_text, tokens

    text = check_text(lyrics, what="lyrics")
    if len(text) > MAX_LYRICS_CHARS:
        raise BadInput(
            f"the lyrics have {len(text):,} characters; sing takes at most {MAX_LYRICS_CHARS:,} "
            "per call — sing the song verse by verse and join the parts with audio_mix"
        )
    pieces = [p.strip() for p in _PHRASE_END.split(text)]
    pieces = [p for p in pieces if any(ch.isalpha() for ch in p)]
    if not pieces:
        raise BadInput("the lyrics have no words to sing (only digits or symbols) — give English words")
    dictionary = decoder(lm=False)
    words = [t.word.lower() for p in pieces for t in tokens(p)]
    known = [w for w in words if dictionary.lookup_word(w) is not None]
    if len(words) >= 2 and len(known) < 0.5 * len(words):
        raise BadInput(
            f"only {len(known)} of the {len(words)} words are English words the voice knows "
            f"(unknown: {', '.join(sorted(set(words) - set(known))[:6])}) — sing supports English "
            "lyrics only; translate them first"
        )
    phrases = []
    word_index = 0
    for i, piece in enumerate(pieces):
        phrase = _speak(piece, i, word_index, voice, dictionary)
        word_index += len({s.word_index for s in phrase.syllables})
        if phrase.syllables:
            phrases.append(phrase)
    n = sum(len(p.syllables) for p in phrases)
    if n == 0:
        raise BadInput("the lyrics have no pronounceable words — give English words to sing")
    if n > MAX_SYLLABLES:
        raise BadInput(
            f"the lyrics have {n} syllables; sing takes at most {MAX_SYLLABLES} per call — "
            "sing the song verse by verse"
        )
    return phrases


def _speak(text: str, phrase: int, first_word: int, voice: str, dictionary: object) -> Phrase:
    """Piper's audio for one phrase, with its syllables."""
    from piper import SynthesisConfig

    from tools.speech._piper import load_voice
    from tools.speech._text import tokens

    piper_voice = load_voice(voice)
    sr = piper_voice.config.sample_rate
    # No generator noise: the same lyrics sing the same every time (Piper draws its noise from a
    # generator whose state depends on everything spoken before in the process).
    config = SynthesisConfig(length_scale=1.0, noise_scale=0.0, noise_w_scale=0.0)
    audio, symbols = [], []
    for chunk in piper_voice.synthesize(text, syn_config=config, include_alignments=True):
        audio.append(chunk.audio_float_array)
        symbols += [(a.phoneme, int(a.num_samples)) for a in chunk.phoneme_alignments or []]
        symbols.append((" ", 0))
    samples = np.concatenate(audio) if audio else np.zeros(0, np.float32)
    groups = _word_groups(symbols, sr)
    labels = [t.word for t in tokens(text)]
    result = Phrase(text, samples.astype(np.float32), sr)
    for k, group in enumerate(groups):
        label = (
            labels[k] if len(groups) == len(labels) else (labels[min(k, len(labels) - 1)] if labels else "")
        )
        n_cmu = _cmu_syllables(dictionary, label.lower())
        for syllable in _syllabify(group, n_cmu):
            phones, stressed = syllable
            result.syllables.append(_make_syllable(label, first_word + k, phrase, stressed, phones))
    _extend_codas(result.syllables, samples.size / sr)
    return result


def _word_groups(symbols: list[tuple[str, int]], sr: int) -> list[list[tuple[str, float, float, bool]]]:
    """Piper's symbols as words of ``(ipa, start_s, end_s, stressed)`` phonemes.

    A stress mark's time goes to the phoneme after it and marks it stressed; length and other
    modifiers join the phoneme before; spaces and punctuation end a word.
    """
    words: list[list[list]] = []
    word: list[list] = []
    t, pending_s, stress = 0.0, 0.0, False
    for symbol, n in symbols:
        duration = n / sr
        if symbol == _STRESS or symbol == "ˌ":
            pending_s += duration
            stress = stress or symbol == _STRESS
        elif symbol in _MODIFIERS and word:
            word[-1][0] += symbol
            word[-1][2] = t + duration
        elif not symbol.strip() or not (symbol.isalpha() or symbol in _VOWELS):
            if word:
                words.append(word)
                word = []
            pending_s, stress = 0.0, False
        else:
            word.append([symbol, t - pending_s, t + duration, stress])
            pending_s, stress = 0.0, False
        t += duration
    if word:
        words.append(word)
    return [[(p[0], p[1], p[2], p[3]) for p in w] for w in words]


def _cmu_syllables(dictionary: object, word: str) -> int | None:
    """Vowel count of the word's first CMU pronunciation, or None when the word is unknown."""
    phones = dictionary.lookup_word(word) if word else None  # type: ignore[attr-defined]
    if not phones:
        return None
    return sum(p in _CMU_VOWELS for p in phones.split())


def _is_vowel(ipa: str) -> bool:
    return ipa[0] in _VOWELS or "̩" in ipa  # a syllabic consonant (n̩) is a nucleus too


def _syllabify(
    phones: list[tuple[str, float, float, bool]], n_cmu: int | None
) -> list[tuple[list[tuple[str, float, float]], bool]]:
    """Cut one word's phonemes into syllables: ``(phonemes, stressed)`` each."""
    nuclei: list[list[int]] = []  # runs of vowel phoneme indices
    for i, (ipa, *_) in enumerate(phones):
        if _is_vowel(ipa):
            if nuclei and nuclei[-1][-1] == i - 1:
                nuclei[-1].append(i)
            else:
                nuclei.append([i])
    if not nuclei:  # "hmm", "shh": the longest sound carries the note
        longest = max(range(len(phones)), key=lambda i: phones[i][2] - phones[i][1])
        nuclei = [[longest]]
    if n_cmu:
        nuclei = _match_count(nuclei, phones, n_cmu)
    # Maximal onset: the consonants between two vowels go to the second, as far as English allows.
    bounds = [0]
    for prev, nxt in itertools.pairwise(nuclei):
        gap = list(range(prev[-1] + 1, nxt[0]))
        onset = 0
        if gap:
            onset = 1
            if len(gap) >= 2 and phones[gap[-2]][0][0] + phones[gap[-1]][0][0] in _ONSETS:
                onset = 2
        bounds.append(nxt[0] - onset)
    bounds.append(len(phones))
    word_stressed = any(p[3] for p in phones)
    out = []
    for k in range(len(nuclei)):
        part = phones[bounds[k] : bounds[k + 1]]
        stressed = any(p[3] for p in part) or (len(nuclei) == 1 and word_stressed)
        out.append(([(p[0], p[1], p[2]) for p in part], stressed))
    return out


def _match_count(nuclei: list[list[int]], phones: list, n: int) -> list[list[int]]:
    """Split or merge vowel runs until there are ``n`` (the dictionary's syllable count)."""
    nuclei = [list(r) for r in nuclei]
    while len(nuclei) < n:
        runs = [k for k, r in enumerate(nuclei) if len(r) >= 2]
        if not runs:
            break
        k = max(runs, key=lambda k: len(nuclei[k]))
        run = nuclei[k]
        cut = next((j for j in range(1, len(run)) if phones[run[j]][0][0] in "əɚɐ"), len(run) - 1)
        nuclei[k : k + 1] = [run[:cut], run[cut:]]
    while len(nuclei) > n >= 1:
        k = min(range(len(nuclei) - 1), key=lambda k: nuclei[k + 1][0] - nuclei[k][-1])
        nuclei[k : k + 2] = [nuclei[k] + nuclei[k + 1]]
    return nuclei


def _make_syllable(word: str, word_index: int, phrase: int, stressed: bool, phones: list) -> Syllable:
    vowels = [i for i, (ipa, _, _) in enumerate(phones) if _is_vowel(ipa)]
    if not vowels:
        longest = max(range(len(phones)), key=lambda i: phones[i][2] - phones[i][1])
        vowels = [longest]
    first, last = vowels[0], vowels[-1]
    return Syllable(
        word=word, word_index=word_index, phrase=phrase, stressed=stressed, phonemes=phones,
        start_s=phones[0][1], vowel_s=phones[first][1], coda_s=phones[last][2], end_s=phones[-1][2],
    )  # fmt: skip


def _extend_codas(syllables: list[Syllable], total_s: float) -> None:
    """Let the phrase's last sound ring out a little. The pauses Piper leaves between words
    belong to no syllable: sung legato, one word runs into the next."""
    if syllables:
        syllables[-1].end_s = min(total_s, syllables[-1].end_s + 0.03)
