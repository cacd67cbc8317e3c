"""tools._blas: BLAS runs on one thread inside the limit, and the process keeps its own
setting afterwards, however the callers' threads interleave."""

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from tools._blas import one_blas_thread

threadpoolctl = pytest.importorskip("threadpoolctl")


def _blas_threads() -> list[int]:
    """Every loaded BLAS library's thread count."""
    return [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]


def _limited_threads() -> list[int]:
    """The thread counts of the BLAS libraries the limit covers: those loaded when it was
    first taken, NumPy's among them (one loaded later, such as torch's, is not the planner's)."""
    from tools._blas import _controller

    return [lib.num_threads for lib in _controller().lib_controllers if lib.user_api == "blas"]


def test_the_limit_holds_inside_and_nested_and_is_undone_after():
    before = _blas_threads()
    with one_blas_thread():
        assert _limited_threads() and set(_limited_threads()) == {1}
        with one_blas_thread():  # the planner's limit encloses the encoder's
            assert set(_limited_threads()) == {1}
        assert set(_limited_threads()) == {1}
    assert _blas_threads() == before


def test_a_limit_taken_in_one_thread_and_overlapped_by_another_leaves_the_setting_alone():
    """OpenBLAS keeps a limit one thread set when another thread restores it, so the
    threads take turns rather than share one limit."""
    before = _blas_threads()
    worker_done = threading.Event()

    def work() -> None:
        with one_blas_thread():
            np.ones((64, 64)) @ np.ones((64, 64))
        worker_done.set()

    with one_blas_thread():
        worker = threading.Thread(target=work)
        worker.start()
        assert not worker_done.wait(0.1)  # it waits for this thread's turn to end
    worker.join(5)
    assert worker_done.is_set() and _blas_threads() == before


def test_limits_from_a_pool_of_threads_leave_the_setting_alone():
    before = _blas_threads()

    def work(i: int) -> float:
        with one_blas_thread():
            return float((np.ones((64, 64)) @ np.ones((64, 64)))[0, 0])

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(work, range(8))) == [64.0] * 8
    assert _blas_threads() == before
