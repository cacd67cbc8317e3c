"""Make a folder really read-only in tests, even when they run as root.

``chmod`` does not stop root, so as root the folder is made immutable (``chattr +i``),
which stops root as well; where neither works the test is skipped.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest


def make_read_only(path: Path) -> None:
    """Forbid creating, renaming and removing entries in the folder ``path``."""
    if os.geteuid() != 0:
        path.chmod(0o555)
        return
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot make a folder read-only for root here: {done.stderr.strip()}")


def make_writable(path: Path) -> None:
    """Undo :func:`make_read_only` (harmless on a folder that was never made read-only)."""
    if not path.exists():
        return
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(path)], capture_output=True)
    else:
        path.chmod(0o755)
