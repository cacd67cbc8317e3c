#!/usr/bin/env bash
# The neural backends on a CUDA GPU, in one run of under 5 minutes.
#
# For a session lent a GPU machine: it gets a copy of this repository and no network. So this
# script cannot pull real weights; it builds the tests' tiny random MusicGen (and -melody), Whisper, HTDemucs and Kokoro and
# checks the plumbing on CUDA: device choice (auto → cuda), fp16 loading, the shared model
# cache, generation, word alignment and overlap-added separation on the GPU, then prints benchmarks/models.py --tiny's
# figures for the CPU and CUDA side by side. Real speed needs real weights (troupe models pull).
#
# Needs a Python with the project and a CUDA build of torch (the CPU wheel in constraints.txt
# sees no GPU): PYTHON=/path/to/python benchmarks/gpu_check.sh (default: .venv/bin/python).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
[ -x "$PY" ] || PY="$(command -v python3)"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
unset TROUPE_DEVICE

"$PY" - <<'PY'
import sys
import torch
if not torch.cuda.is_available():
    sys.exit(f"gpu_check: torch {torch.__version__} sees no CUDA GPU; run it where one is, with a CUDA torch")
from tools._devices import device
print(f"torch {torch.__version__}, {torch.cuda.get_device_name(0)}; device('auto') = {device('auto')}")
assert device("auto").startswith("cuda"), "auto should pick the GPU"
PY

echo "== tiny-model tests on CUDA (auto picks the GPU) =="
timeout 200 "$PY" -m pytest -q -p no:cacheprovider \
    tests/models/test_devices.py tests/models/test_whisper.py tests/models/test_musicgen.py \
    tests/models/test_musicgen_melody.py \
    tests/models/test_htdemucs.py tests/models/test_kokoro.py || status=$?

echo "== benchmarks/models.py --tiny (CPU and CUDA) =="
timeout 90 "$PY" benchmarks/models.py --tiny --repeat 2
exit "${status:-0}"
