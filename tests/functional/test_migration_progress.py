"""The migration's progress display: redrawn in place on a terminal, plain lines in logs."""
from __future__ import annotations

import io

from tools.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_one_line_redrawn_in_place():
    screen = Terminal()
    progress = Progress(4, "migrating", screen)
    for n in range(4):
        progress.advance(f"news news-{n}: created")
    progress.close()
    frames = screen.getvalue().split("\r")[1:]
    assert len(frames) == 4 and screen.getvalue().endswith("\n")
    assert "[###############---------------] 2/4" in frames[1]
    assert "4/4" in frames[-1] and "news-3: created" in frames[-1]


def test_a_log_gets_a_line_every_few_seconds_and_the_last_one(monkeypatch):
    log = io.StringIO()
    clock = iter([0.0, 0.1, 0.2, 6.0, 6.1])  # start, then one reading per item
    monkeypatch.setattr("tools.progress.time.monotonic", lambda: next(clock))
    progress = Progress(4, "migrating", log)
    for n in range(4):
        progress.advance()
    lines = log.getvalue().splitlines()
    assert [line.split("] ")[1].split()[0] for line in lines] == ["1/4", "3/4", "4/4"]
    assert "\r" not in log.getvalue()
