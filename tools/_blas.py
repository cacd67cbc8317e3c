"""BLAS on one thread while small matrices are multiplied.

The products the planner and the sentence encoder run are a few hundred rows wide: one
thread does them fastest, and OpenBLAS's idle threads spin afterwards, burning a second
core for nothing (on two cores that doubled the CPU time of a plan). Callers take turns:
OpenBLAS 0.3.31 keeps a limit set by one thread after another thread restores it, so
overlapping limits would leave the process on one thread for good. The turn is the
outermost lock wherever it is taken with another (a plan holds it while it encodes).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

__all__ = ["one_blas_thread"]

_turn = threading.RLock()  # re-entrant: the planner's limit encloses the encoder's


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the body with BLAS limited to one thread, then restore the process's setting
    (a plain run without threadpoolctl)."""
    with _turn:
        controller = _controller()
        if controller is None:
            yield
            return
        limiter = controller.limit(limits=1, user_api="blas")
        try:
            yield
        finally:
            limiter.restore_original_limits()


@cache
def _controller() -> object | None:
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    return ThreadpoolController()  # scans the loaded libraries once, not on every call
