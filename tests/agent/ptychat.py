"""Drive a command in a pseudo-terminal, as a person at a terminal would (pexpect-like).

pexpect is not installed in this environment; Python's own :mod:`pty` gives the child a real
controlling terminal, so line editing, EOF (Ctrl-D) and Ctrl-C reach it as they would in use.
"""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import struct
import time
from collections.abc import Sequence

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[()][0-9A-B]|\r")


class PtyProcess:
    """A child process on a pseudo-terminal; :meth:`expect` waits for text on its screen."""

    def __init__(self, argv: Sequence[str], env: dict[str, str], cwd: str, columns: int = 250):
        pid, fd = pty.fork()
        if pid == 0:  # the child: exec at once
            os.chdir(cwd)
            os.execvpe(argv[0], list(argv), env)
        import fcntl
        import termios

        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
        self.pid, self.fd = pid, fd
        self.seen = ""  # everything read so far, escape codes removed
        self.pos = 0  # where the next expect starts looking
        self.status: int | None = None

    def read(self, timeout_s: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout_s)
        if not ready:
            return False
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # the child closed the terminal
            return False
        self.seen += _ANSI.sub("", data.decode("utf-8", "replace"))
        return bool(data)

    def expect(self, pattern: str, timeout_s: float = 60.0) -> re.Match[str]:
        """Wait until ``pattern`` (a regex) appears after the last match; AssertionError on timeout."""
        deadline = time.monotonic() + timeout_s
        regex = re.compile(pattern)
        while True:
            match = regex.search(self.seen, self.pos)
            if match:
                self.pos = match.end()
                return match
            left = deadline - time.monotonic()
            if left <= 0 or (not self.read(min(left, 0.5)) and self.exited()):
                match = regex.search(self.seen, self.pos)
                if match:
                    self.pos = match.end()
                    return match
                raise AssertionError(f"{pattern!r} did not appear; the screen after the last match:\n"
                                     + self.seen[self.pos:])  # fmt: skip

    def send(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def sendline(self, text: str) -> None:
        self.send(text + "\r")

    def interrupt(self) -> None:
        """Ctrl-C, as typed: the terminal sends SIGINT to the foreground process."""
        self.send("\x03")

    def exited(self) -> bool:
        if self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
        return self.status is not None

    def wait(self, timeout_s: float = 30.0) -> int:
        """The exit code, once the child has exited (its screen read to the end)."""
        deadline = time.monotonic() + timeout_s
        while not self.exited():
            self.read(0.1)
            if time.monotonic() > deadline:
                raise AssertionError("the process did not exit; the screen:\n" + self.seen[self.pos :])
        while self.read(0.1):
            pass
        return self.status

    def close(self) -> None:
        if not self.exited():
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        os.close(self.fd)
