"""text_to_speech's ``kokoro`` backend: Kokoro-82M's ONNX graph run with onnxruntime.

The model folder comes from :mod:`tools._models` (``troupe models pull kokoro-82m`` or ``troupe
models import``): ``onnx/model.onnx`` (inputs ``input_ids`` [1, T] int64 with the pad id 0 at
both ends, ``style`` [1, 256] float32 and ``speed`` [1] float32; output the 24 kHz waveform),
``tokenizer.json`` (the phoneme vocabulary) and ``voices/<name>.bin`` (a float32 table of 510
style vectors of 256, one per phoneme count). No package beyond onnxruntime is needed: the text
becomes Kokoro's symbols through espeak-ng (:mod:`._kokoro_text`).

Timings: exports that also output the predicted duration of every input token (``durations``,
``duration`` or ``pred_dur``; hexgrad's ``KModelForONNX`` export, used by kokoro-onnx's
``model-files-v1.1`` release, calls it ``duration``) give phoneme times straight from the model.
Others (onnx-community's) are force-aligned: the words of the sentence are aligned with the audio
(:func:`tools.speech.align`) and each word's phonemes share its time, vowels counting double.
"""

from __future__ import annotations

import importlib.util
import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._devices import MODELS, device_name
from .._models import Installed, installed, weights_file
from ..errors import BadInput
from ._espeak import espeak_phonemes
from ._kokoro_text import SAMPLE_RATE, aligned, group, phonemize, runs, symbols

__all__ = [
    "BACKEND", "DEFAULT_VOICE", "MODEL", "SAMPLE_RATE", "KokoroResult", "available", "check_voice", "cuda_provider",
    "is_kokoro_name", "model", "phoneme_groups", "prepare", "synthesize", "voices",
]  # fmt: skip

BACKEND = "kokoro"
MODEL = "kokoro-82m"
DEFAULT_VOICE = "af_heart"
#: Most phoneme tokens in one pass: the graph's context is 512, two go to the pads.
MAX_TOKENS = 510
_DURATION_OUTPUTS = ("durations", "duration", "pred_dur")
_VOICE_NAME = re.compile(r"[a-z][fm]_[a-z0-9]+")
_LOCK = threading.Lock()


@dataclass
class KokoroResult:
    """One synthesised sentence: samples and timings relative to its start.

    Attributes:
        audio: float32 mono samples at :data:`SAMPLE_RATE`.
        phonemes: ``(ipa, start_s, end_s)`` per phoneme, stress and length marks merged.
        timings: "model durations" or "forced alignment".
        words: ``(word, start_s, end_s)`` per word of the sentence (forced alignment), or None.
        word_spans: ``(start_s, end_s)`` of each space-separated phoneme group (model
            durations), for matching with the text's words; empty with forced alignment.
    """

    audio: np.ndarray
    phonemes: list[tuple[str, float, float]]
    timings: str
    words: list[tuple[str, float, float]] | None = None
    word_spans: list[tuple[float, float]] = field(default_factory=list)


def available() -> bool:
    """Whether onnxruntime is installed (nothing is imported)."""
    return importlib.util.find_spec("onnxruntime") is not None


def model() -> Installed | None:
    """The installed Kokoro model, or None."""
    return installed(MODEL)


def is_kokoro_name(voice: str) -> bool:
    """Whether ``voice`` is named the way Kokoro names its voices (``af_heart``, ``bm_george``)."""
    return bool(_VOICE_NAME.fullmatch(voice))


def voices(found: Installed) -> list[str]:
    """The voices installed with the model (``voices/<name>.bin``), sorted."""
    return sorted(p.stem for p in (found.path / "voices").glob("*.bin"))


def check_voice(found: Installed, voice: str) -> str:
    """``voice`` if the installed model has it and it speaks English.

    Raises:
        BadInput: an unknown voice (the message lists the installed ones) or a non-English one.
    """
    known = voices(found)
    if voice not in known:
        raise BadInput(f"unknown Kokoro voice {voice!r}; installed voices: {', '.join(known)}")
    if voice[0] not in "ab":
        english = [v for v in known if v[0] in "ab"]
        raise BadInput(
            f"Kokoro voice {voice!r} is not an English voice; text_to_speech reads English: use an "
            f"American (a*) or British (b*) voice: {', '.join(english)}"
        )
    return voice


def prepare(found: Installed, voice: str, requested_device: str) -> str:
    """Load the graph and the voice before anything is written; the device it runs on.

    Raises:
        BadInput: the folder does not hold a Kokoro graph onnxruntime can run, or a broken voice.
    """
    _style_table(found, voice)
    return _load(found, requested_device).device


def synthesize(
    found: Installed, voice: str, sentence: str, speed: float, requested_device: str
) -> KokoroResult:
    """Speak one sentence with ``voice`` at ``speed`` (> 1 is faster).

    Raises:
        BadInput: the folder does not hold a Kokoro graph onnxruntime can run.
    """
    loaded = _load(found, requested_device)
    pack = _style_table(found, voice)
    language = _language(voice)
    tokens = symbols(phonemize(sentence, language), loaded.vocab)
    pieces: list[np.ndarray] = []
    timed: list[tuple[str, float]] = []  # (label, n_samples) per symbol, pads as "^"
    for run in runs(tokens, MAX_TOKENS):
        ids = [loaded.vocab[token] for token, _ in run]
        style = pack[min(max(len(ids) - 1, 0), len(pack) - 1)].reshape(1, -1)
        wave, durations = loaded.run(ids, style, speed)
        pieces.append(wave)
        if durations is None:
            continue
        per_unit = wave.size / max(float(durations.sum()), 1.0)
        labels = ["^", *(label for _, label in run), "^"]
        timed += [(label, float(d) * per_unit) for label, d in zip(labels, durations, strict=True)]
    audio = np.concatenate(pieces) if pieces else np.zeros(0, np.float32)
    if audio.size == 0:  # nothing Kokoro can say ("…" alone): no sound, no timings
        return KokoroResult(
            audio, [], "model durations" if loaded.has_durations else "forced alignment", words=[]
        )
    if loaded.has_durations:
        phonemes, spans = group(timed)
        return KokoroResult(audio, phonemes, "model durations", word_spans=spans)
    words, phonemes = aligned(audio, sentence, language)
    return KokoroResult(audio, phonemes, "forced alignment", words=words)


def phoneme_groups(word: str, voice: str) -> int:
    """How many space-separated phoneme groups espeak makes of one word ("25" gives 2)."""
    return len(espeak_phonemes(word, _language(voice)).split())


def _language(voice: str) -> str:
    """espeak's language for a voice: British for ``b*`` voices (espeak's "en"), else American."""
    return "en" if voice.startswith("b") else "en-us"


# -- the graph ---------------------------------------------------------------------------------


@dataclass
class _Loaded:
    session: Any
    vocab: dict[str, int]
    inputs: dict[str, Any]  # name -> numpy dtype
    duration_output: str | None
    device: str

    @property
    def has_durations(self) -> bool:
        return self.duration_output is not None

    def run(self, ids: list[int], style: np.ndarray, speed: float) -> tuple[np.ndarray, np.ndarray | None]:
        feed = {
            "input_ids": np.array([[0, *ids, 0]], dtype=self.inputs.get("input_ids", np.int64)),
            "style": style.astype(self.inputs.get("style", np.float32)),
            "speed": np.array([speed], dtype=self.inputs.get("speed", np.float32)),
        }
        outputs = [o.name for o in self.session.get_outputs()]
        with _LOCK:
            result = dict(zip(outputs, self.session.run(None, feed), strict=True))
        wave_name = next(n for n in outputs if n != self.duration_output)
        wave = np.asarray(result[wave_name], dtype=np.float32).reshape(-1)
        durations = None
        if self.duration_output:
            durations = np.clip(np.asarray(result[self.duration_output]).reshape(-1), 0, None)
            if durations.size != len(ids) + 2:
                raise BadInput(
                    f"the Kokoro graph gave {durations.size} durations for {len(ids) + 2} tokens; "
                    f"pull it again with `troupe models pull {MODEL}`"
                )
        return wave, durations


def _load(found: Installed, requested_device: str) -> _Loaded:
    providers, dev = _providers(requested_device)
    key = (BACKEND, str(found.path), found.revision, dev)
    weights = found.path / (weights_file(found.entry, found.path) or found.entry.weights[0])
    return MODELS.get(key, lambda: _read(found, weights, providers, dev), lambda _: weights.stat().st_size)


def _read(found: Installed, weights: Path, providers: list[str], dev: str) -> _Loaded:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3  # its warnings about unused initialisers are not Troupe's to print
    try:
        session = ort.InferenceSession(str(weights), options, providers=providers)
    except Exception as e:  # onnxruntime raises its own exception types for a broken file
        raise BadInput(
            f"{weights} is not an ONNX graph onnxruntime can run ({type(e).__name__}); "
            f"pull it again with `troupe models pull {MODEL}`"
        ) from None
    names = {i.name: i.type for i in session.get_inputs()}
    missing = [n for n in ("input_ids", "style", "speed") if n not in names]
    if missing:
        raise BadInput(
            f"{weights} is not a Kokoro graph: it has no input {', '.join(missing)}; "
            f"pull it again with `troupe models pull {MODEL}`"
        )
    types = {"tensor(int64)": np.int64, "tensor(int32)": np.int32, "tensor(float)": np.float32}
    outputs = [o.name for o in session.get_outputs()]
    duration = next((n for n in _DURATION_OUTPUTS if n in outputs), None)
    if "CUDAExecutionProvider" not in session.get_providers():
        dev = "cpu"  # onnxruntime took the CPU: no GPU found at run time
    return _Loaded(
        session, _vocab(found.path), {n: types.get(t, np.float32) for n, t in names.items()}, duration, dev
    )


def cuda_provider() -> bool:
    """Whether this onnxruntime can run on CUDA (``onnxruntime-gpu``)."""
    import onnxruntime as ort

    return "CUDAExecutionProvider" in ort.get_available_providers()


def _providers(requested: str) -> tuple[list[str], str]:
    """onnxruntime's providers for the step's device: CUDA when asked (or auto) and this
    onnxruntime has it, else the CPU."""
    import os

    import onnxruntime as ort

    choice = device_name(requested or "auto")
    if choice == "auto":
        choice = device_name(os.environ.get("TROUPE_DEVICE") or "auto")
    if choice != "cpu" and "CUDAExecutionProvider" in ort.get_available_providers():
        index = int(choice.split(":")[1]) if ":" in choice else 0
        return [("CUDAExecutionProvider", {"device_id": index}), "CPUExecutionProvider"], f"cuda:{index}"
    return ["CPUExecutionProvider"], "cpu"


def _vocab(folder: Path) -> dict[str, int]:
    """Phoneme → id, from ``tokenizer.json`` (onnx-community) or ``config.json`` (hexgrad)."""
    for name, path in (("tokenizer.json", ("model", "vocab")), ("config.json", ("vocab",))):
        try:
            data: Any = json.loads((folder / name).read_text(encoding="utf-8"))
            for key in path:
                data = data[key]
            if isinstance(data, dict) and data:
                return {str(k): int(v) for k, v in data.items() if len(str(k)) == 1}
        except (OSError, ValueError, KeyError, TypeError):
            continue
    raise BadInput(f"{folder} holds no Kokoro vocabulary (tokenizer.json's model.vocab); pull it again")


def _style_table(found: Installed, voice: str) -> np.ndarray:
    path = found.path / "voices" / f"{voice}.bin"
    table = np.fromfile(path, dtype="<f4")
    if table.size == 0 or table.size % 256:
        raise BadInput(f"{path} is not a Kokoro voice (float32 rows of 256); pull the model again")
    return table.reshape(-1, 256)
