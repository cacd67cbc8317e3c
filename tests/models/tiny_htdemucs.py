"""A tiny random HTDemucs in demucs' own checkpoint format, built offline (no download).

The architecture is the published one (``demucs_infer.htdemucs.HTDemucs``: a 4-level time and
frequency U-Net over a 4096-point STFT with a cross-domain transformer at the bottom) at a
fraction of the width: 4 channels at the top instead of 48, one transformer layer instead of
five, and a 2-second segment instead of 7.8 s so a few seconds of audio cross several segments.
It is saved the way demucs saves a model — ``torch.save`` of ``{"klass", "args", "kwargs",
"state", "training_args"}``, weights in float16, the class pickled under demucs' own name
``demucs.htdemucs.HTDemucs`` — into a folder named like the published file. Its weights are
random, so its stems are noise; the tests check the plumbing, not the separation.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from tools._torch_env import without_broken_torchaudio

FOUR = ("drums", "bass", "other", "vocals")
SIX = (*FOUR, "guitar", "piano")
SEGMENT_S = 2.0


def build(folder: Path, weights: str = "955717e8-8726e21a.th", sources: tuple[str, ...] = FOUR) -> Path:
    """Write the tiny model's checkpoint as ``folder/weights``."""
    import torch

    with without_broken_torchaudio():
        from demucs_infer.htdemucs import HTDemucs

    torch.manual_seed(0)
    model = HTDemucs(
        list(sources), channels=4, depth=4, nfft=4096, t_layers=1, t_heads=2, dconv_comp=4,
        segment=Fraction(SEGMENT_S), samplerate=44100,
    )  # fmt: skip
    args, kwargs = model._init_args_kwargs  # recorded by demucs' capture_init, as upstream
    package = {
        "klass": HTDemucs, "args": args, "kwargs": kwargs,
        "state": {k: v.half() for k, v in model.state_dict().items()}, "training_args": {},
    }  # fmt: skip
    path = folder / weights
    path.parent.mkdir(parents=True, exist_ok=True)
    own = HTDemucs.__module__
    HTDemucs.__module__ = "demucs.htdemucs"  # demucs_infer aliases this name to itself
    try:
        torch.save(package, path)
    finally:
        HTDemucs.__module__ = own
    return folder
