"""music_separate: split a mix into vocals/accompaniment and harmonic/percussive stems, offline.

The default backend is signal processing, no model: REPET-SIM (Rafii & Pardo 2012) for the
vocals — accompaniment repeats, so each frame's spectrum is replaced by the median of its
most similar frames, and what does not repeat is the voice — and median-filter HPSS
(Fitzgerald 2010) for harmonic/percussive. Masks are computed on the mono mix and applied
to every channel, so stereo stays stereo and each pair of stems sums back to the input.

The ``htdemucs`` backend (:mod:`._htdemucs`) runs Meta's Hybrid Transformer Demucs from a
checkpoint installed with ``troupe models pull htdemucs``: vocals, drums, bass and other (and
guitar and piano with ``htdemucs_6s``). Its pairs are derived so the same four fields mean the
same to a plan: accompaniment is the mix without the vocals, percussive the drums, harmonic the
mix without the drums.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel

from tools import Audio, BadInput, ToolContext, tool
from tools._limits import Limits
from tools._media import audio_info, write_wav
from tools._models import Installed

from . import _htdemucs
from ._signal import load_music

__all__ = ["BACKENDS", "Backend", "Stems", "music_separate", "separate_dsp"]

_SR = 44100
_N_FFT = 2048
_HOP = 512
_BLOCK_S = 60.0  # REPET-SIM compares frames within blocks, bounding time and memory
_MAX_S = 20 * 60


class Stems(BaseModel):
    """Stems of one recording; each pair (vocals + accompaniment, harmonic + percussive) sums to it.

    ``drums``, ``bass`` and ``other`` come from the htdemucs backend (their sum with ``vocals``
    is the recording), ``guitar`` and ``piano`` from its 6-stem model too.
    """

    vocals: Audio
    accompaniment: Audio
    harmonic: Audio
    percussive: Audio
    drums: Audio | None = None
    bass: Audio | None = None
    other: Audio | None = None
    guitar: Audio | None = None
    piano: Audio | None = None


Separator = Callable[[np.ndarray, int, ToolContext], dict[str, np.ndarray]]
Backend = Literal["auto", "dsp", "htdemucs"]


def _models_behind(args: dict) -> dict[str, str | None]:
    """For the cache key: the HTDemucs model (and its revision) the call's backend could load."""
    if args.get("backend", "auto") == "dsp":
        return {}
    model = _htdemucs.best_model()
    return {"htdemucs": f"{model.entry.name}@{model.revision}" if model else None}


def _runs_htdemucs(args: dict) -> bool:
    """For schedulers (``gpu_when``): whether the call runs HTDemucs, which uses the step's GPU."""
    return _choose(args.get("backend", "auto"))[0] is not None


@tool(
    tags=("music", "separation"),
    examples=(
        "remove the vocals from this song",
        "separate the voice from the music",
        "make a karaoke version of this track",
        "split the drums from the rest",
        "give me the acapella and the instrumental of this song",
        "pull the stems out of my bounce",
        "isolate the singer from the band",
    ),
    timeout_s=60,
    timeout_per_input_s=3.0,
    cache_extra=_models_behind,
    gpu_when=_runs_htdemucs,
)
def music_separate(
    audio: Annotated[Audio, Limits(min_s=0.1, max_s=_MAX_S)],
    backend: Backend = "auto",
    *,
    ctx: ToolContext,
) -> Stems:
    """Separate a song into vocals and accompaniment, and into harmonic and percussive parts.

    Args:
        audio: the mixed recording (wav, mp3, flac, ogg…).
        backend: 'dsp' (REPET-SIM vocals and median-filter HPSS, no model, runs anywhere),
            'htdemucs' (Meta's Hybrid Transformer Demucs: also drums, bass and other, and
            guitar and piano with htdemucs_6s; needs `troupe models pull htdemucs`) or 'auto':
            htdemucs when a model is installed, else dsp.

    Returns:
        Stems with ``vocals``, ``accompaniment``, ``harmonic`` and ``percussive`` WAV files at
        44.1 kHz, with the input's channel count (and ``drums``, ``bass``, ``other`` with
        htdemucs); each one's meta says which ``backend`` and ``model`` made it.
    """
    model, note = _choose(backend)
    ctx.report(0.0, "decoding")
    y = load_music(audio, sr=_SR, mono=False, max_s=_MAX_S)  # (n, 2)
    channels = y.T if not np.allclose(y[:, 0], y[:, 1]) else y[:, :1].T
    if model is not None:
        stems, meta = _separate_htdemucs(model, channels, ctx)
    else:
        stems = BACKENDS["dsp"](channels, _SR, ctx)
        meta = {"backend": "dsp", "model": None, **({"backend_note": note} if note else {})}
    ctx.report(0.95, "writing stems")
    written = {
        name: audio_info(write_wav(ctx.output_path(f"{name}.wav"), signal.T, _SR), stem=name, **meta)
        for name, signal in stems.items()
    }
    return Stems(**written)


def _choose(backend: str) -> tuple[Installed | None, str | None]:
    """The HTDemucs model to run (None: dsp) and, when ``auto`` fell back, why.

    Raises:
        BadInput: backend='htdemucs' without the libraries or an installed model.
    """
    if backend == "dsp":
        return None, None
    model = _htdemucs.best_model()
    if backend == "htdemucs":
        if not _htdemucs.available():
            raise BadInput(
                "backend='htdemucs' needs torch and demucs-infer: pip install -c constraints.txt "
                "'troupe[htdemucs]' (or use backend='dsp')"
            )
        if model is None:
            raise BadInput(
                "backend='htdemucs' needs an HTDemucs model: run `troupe models pull htdemucs` "
                "(or `troupe models import htdemucs FOLDER`), or use backend='dsp'"
            )
        return model, None
    if model is None:
        return None, "no HTDemucs model is installed (`troupe models pull htdemucs`); separated with dsp"
    if not _htdemucs.available():
        return None, "htdemucs needs demucs-infer (pip install 'troupe[htdemucs]'); separated with dsp"
    return model, None


def _separate_htdemucs(
    model: Installed, channels: np.ndarray, ctx: ToolContext
) -> tuple[dict[str, np.ndarray], dict]:
    """The htdemucs path: the model's stems, and the four pairs derived from them."""
    done = _htdemucs.separate(model, channels, _SR, ctx)
    mix, stems = channels.astype(np.float32), done.stems
    meta = {
        "backend": _htdemucs.BACKEND, "model": model.entry.name, "model_revision": model.revision,
        "licence": model.entry.licence, "device": done.device, "sources": done.sources,
        "segment_s": round(done.segment_s, 3), "overlap": _htdemucs.OVERLAP,
        # What the model's stems missed, relative to the mix; added to `other` so they sum back.
        "residual_db": done.residual_db, "residual_in": "other",
        **({"device_note": done.device_note} if done.device_note else {}),
    }  # fmt: skip
    derived = {
        "accompaniment": mix - stems["vocals"],
        "harmonic": mix - stems["drums"],
        "percussive": stems["drums"],
    }
    every = {"vocals": stems["vocals"], **derived, **{k: v for k, v in stems.items() if k != "vocals"}}
    # A stem may pass full scale (a loud mix, stems in opposite phase); its 16-bit file clips it.
    if clipped := [name for name, signal in every.items() if float(np.max(np.abs(signal))) > 1.0]:
        meta["clipped"] = clipped
    return every, meta


def separate_dsp(channels: np.ndarray, sr: int, ctx: ToolContext | None = None) -> dict[str, np.ndarray]:
    """REPET-SIM and HPSS stems of ``channels`` (shape ``(c, n)``), each of the same shape."""
    import librosa

    n = channels.shape[1]
    specs = librosa.stft(channels, n_fft=_N_FFT, hop_length=_HOP)  # (c, freq, frames)
    magnitude = np.abs(specs).mean(axis=0)
    if ctx:
        ctx.report(0.2, "vocals")
    vocal_mask = _repet_sim_mask(magnitude, sr, ctx)
    if ctx:
        ctx.report(0.7, "harmonic/percussive")
    harmonic_mask, percussive_mask = librosa.decompose.hpss(magnitude, mask=True, margin=1.0)

    def invert(mask: np.ndarray) -> np.ndarray:
        return librosa.istft(specs * mask, hop_length=_HOP, n_fft=_N_FFT, length=n)

    return {
        "vocals": invert(vocal_mask),
        "accompaniment": invert(1.0 - vocal_mask),
        "harmonic": invert(harmonic_mask),
        "percussive": invert(percussive_mask),
    }


def _repet_sim_mask(magnitude: np.ndarray, sr: int, ctx: ToolContext | None) -> np.ndarray:
    """Soft vocal mask: energy above the nearest-neighbour median model of the repeating part."""
    import librosa

    block = int(_BLOCK_S * sr / _HOP)
    repeating = np.empty_like(magnitude)
    for start in range(0, magnitude.shape[1], block):
        part = magnitude[:, start : start + block]
        if part.shape[1] < 16:  # too short to find repeats: treat it as accompaniment
            repeating[:, start : start + block] = part
            continue
        # Frames are compared on a 64-band log-mel summary (fast, and timbre is what repeats);
        # similar frames must lie at least 2 s apart, so a held note is not its own repeat.
        features = librosa.power_to_db(librosa.feature.melspectrogram(S=part**2, sr=sr, n_mels=64))
        width = max(1, min(int(2.0 * sr / _HOP), part.shape[1] // 4))
        similar = librosa.segment.recurrence_matrix(
            features,
            k=min(20, part.shape[1] // 4),
            width=width,
            metric="cosine",
            sparse=True,
            mode="affinity",
        )
        filtered = librosa.decompose.nn_filter(part, rec=similar, aggregate=np.median)
        repeating[:, start : start + block] = np.minimum(part, filtered)
        if ctx:
            ctx.report(0.2 + 0.5 * (start + block) / magnitude.shape[1], "vocals")
    vocal = magnitude - repeating
    # Wiener-style masks (power ratios) sound smoother than hard ones; they sum to one.
    return vocal**2 / (vocal**2 + repeating**2 + 1e-10)


BACKENDS: dict[str, Separator] = {"dsp": separate_dsp}
