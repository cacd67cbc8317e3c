"""Device choice and the shared model cache: the budget releases the least recently used first."""

from __future__ import annotations

import pytest

from tools import BadInput
from tools._devices import ModelCache, device, device_name, memory_budget_bytes, on_device

MB = 2**20


class Fake:
    """A stand-in for a loaded model whose size is known."""

    def __init__(self, name: str, size_bytes: int) -> None:
        self.name, self.size_bytes = name, size_bytes


def cache_of(budget_bytes: int) -> tuple[ModelCache, list[str]]:
    loads: list[str] = []
    return ModelCache(lambda: budget_bytes), loads


def get(cache: ModelCache, loads: list[str], name: str, size_mb: int) -> Fake:
    def load() -> Fake:
        loads.append(name)
        return Fake(name, size_mb * MB)

    return cache.get(name, load, lambda f: f.size_bytes)


def test_the_least_recently_used_model_is_released_first() -> None:
    cache, loads = cache_of(100 * MB)
    get(cache, loads, "a", 40)
    get(cache, loads, "b", 40)
    get(cache, loads, "a", 40)  # a is used again: b is now the oldest
    get(cache, loads, "c", 40)  # 120 MB > 100 MB: b goes
    assert cache.keys() == ["a", "c"] and loads == ["a", "b", "c"]
    assert cache.used_bytes() == 80 * MB
    get(cache, loads, "b", 40)  # loaded again; a is now the oldest
    assert cache.keys() == ["c", "b"] and loads == ["a", "b", "c", "b"]


def test_a_model_larger_than_the_budget_is_kept_alone() -> None:
    cache, loads = cache_of(100 * MB)
    get(cache, loads, "a", 30)
    big = get(cache, loads, "big", 150)
    assert cache.keys() == ["big"] and big.size_bytes == 150 * MB
    assert get(cache, loads, "big", 150) is big and loads == ["a", "big"]  # reused, not reloaded


def test_release_drops_the_matching_models() -> None:
    cache, loads = cache_of(1000 * MB)
    for name in ("x-cuda", "y-cpu", "z-cuda"):
        get(cache, loads, name, 1)
    cache.release(lambda key: str(key).endswith("cuda"))
    assert cache.keys() == ["y-cpu"]


def test_the_budget_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TROUPE_MODEL_MEMORY_GB", raising=False)
    assert memory_budget_bytes() == 8 * 2**30
    monkeypatch.setenv("TROUPE_MODEL_MEMORY_GB", "0.5")
    assert memory_budget_bytes() == 2**29
    for bad in ("lots", "0", "-2"):
        monkeypatch.setenv("TROUPE_MODEL_MEMORY_GB", bad)
        with pytest.raises(BadInput, match=r"TROUPE_MODEL_MEMORY_GB=.*gigabytes above 0"):
            memory_budget_bytes()


def test_auto_is_the_cpu_on_a_machine_without_a_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU; auto picks it (benchmarks/gpu_check.sh covers that)")
    monkeypatch.delenv("TROUPE_DEVICE", raising=False)
    assert device("auto") == device(None) == device("cpu") == "cpu"
    monkeypatch.setenv("TROUPE_DEVICE", "cpu")
    assert device("auto") == "cpu"
    with pytest.raises(BadInput, match=r"torch sees no CUDA GPU; use 'cpu' or 'auto'"):
        device("cuda")
    monkeypatch.setenv("TROUPE_DEVICE", "cuda")  # the variable is obeyed, and so refused here
    with pytest.raises(BadInput, match=r"no CUDA GPU"):
        device("auto")
    assert device("cpu") == "cpu"  # an explicit device wins over the variable


def test_unknown_devices_are_refused_with_the_choices(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(BadInput, match=r"unknown device 'tpu'; choose one of auto, cpu, cuda"):
        device("tpu")
    monkeypatch.setenv("TROUPE_DEVICE", "gpu")
    with pytest.raises(BadInput, match=r"TROUPE_DEVICE='gpu' is not a device"):
        device("auto")


def test_on_device_runs_the_step_where_it_was_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TROUPE_DEVICE", raising=False)
    assert on_device("cpu", lambda dev: f"ran on {dev}") == ("ran on cpu", "cpu", None)


def test_cuda_out_of_memory_runs_the_step_again_on_the_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    from tools import _devices

    monkeypatch.setattr(_devices, "_cuda_available", lambda: True)  # a GPU that is full
    cache = ModelCache(lambda: 1000 * MB)
    monkeypatch.setattr(_devices, "MODELS", cache)
    for key in (("whisper", "m", "cuda"), ("whisper", "m", "cpu")):
        cache.get(key, lambda: Fake("m", MB), lambda f: f.size_bytes)
    tried: list[str] = []

    def work(dev: str) -> str:
        tried.append(dev)
        if dev == "cuda":
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return "words"

    result, dev, note = on_device("auto", work)
    assert (result, dev, tried) == ("words", "cpu", ["cuda", "cpu"])
    assert note == "cuda ran out of memory; this step ran on the CPU"
    assert cache.keys() == [("whisper", "m", "cpu")]  # the GPU's models were let go


def test_troupe_run_refuses_an_unknown_device_before_planning() -> None:
    from tests.agent.clirun import troupe

    out = troupe("run", "transcribe this", "--device", "tpu")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "argument --device: unknown device 'tpu'; choose one of auto, cpu, cuda (or cuda:N)" in out.stderr
    assert device_name(" CUDA:1 ") == "cuda:1" and device_name("Auto") == "auto"
