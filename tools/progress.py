"""A progress bar on stderr without a dependency: redrawn in place on a terminal, a plain line
every few seconds otherwise (CI logs, `| tee`), so a long migration always shows it is alive."""
from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    WIDTH = 30
    LOG_EVERY_S = 5.0

    def __init__(self, total: int, label: str, stream: TextIO | None = None):
        self.total = max(total, 0)
        self.label = label
        self.stream = stream or sys.stderr
        self.done = 0
        self.started = time.monotonic()
        self._last_line = float("-inf")  # the first item is logged at once: the run has started
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def advance(self, note: str = "") -> None:
        self.done += 1
        now = time.monotonic()
        if self._tty:
            self.stream.write("\r" + self._line(now, note)[:120].ljust(120))
            self.stream.flush()
        elif now - self._last_line >= self.LOG_EVERY_S or self.done == self.total:
            self._last_line = now
            self.stream.write(self._line(now, note) + "\n")

    def close(self) -> None:
        if self._tty:
            self.stream.write("\n")
        self.stream.flush()

    def _line(self, now: float, note: str) -> str:
        fraction = self.done / self.total if self.total else 1.0
        filled = int(self.WIDTH * fraction)
        rate = self.done / max(now - self.started, 1e-6)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        return f"{self.label} [{bar}] {self.done}/{self.total} {rate:.0f}/s {note}".rstrip()
