"""An operator's shell is no friend of a long-running stack: `python -m devstack` started by
hand under `nohup` or `setsid` must outlive the shell that started it (only `make dev` ties the
stack to its parent, see devstack/__main__.py)."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest

from test_lifecycle import ROOT, _port_is_free, _processes_mentioning


def _wait_for(path, text: str, seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        output = path.read_text() if path.exists() else ""
        if text in output:
            return output
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never appeared:\n{output}")


@pytest.mark.parametrize("launcher", ["setsid", "nohup"])
def test_a_stack_started_by_hand_outlives_its_shell(tmp_path, launcher):
    log = tmp_path / "devstack.log"
    environment = {key: value for key, value in os.environ.items()
                   if key != "DEVSTACK_STOP_WITH_PARENT"}
    # The shell starts the stack in the background and exits at once.
    subprocess.run(
        ["bash", "-c", f"{launcher} '{sys.executable}' -m devstack --port 0 "
                       f"--state-dir '{tmp_path}' > '{log}' 2>&1 &"],
        cwd=ROOT, env=environment, check=True, timeout=10,
    )
    try:
        output = _wait_for(log, "Ctrl-C to stop.")
        port = int(re.search(r"https://127\.0\.0\.1:(\d+)/", output)[1])
        time.sleep(2)  # long after its shell is gone
        assert "stopping..." not in log.read_text()
        assert _processes_mentioning(str(tmp_path)) and not _port_is_free(port)
    finally:
        for pid in _processes_mentioning(str(tmp_path)):
            os.kill(pid, signal.SIGTERM)
    _wait_for(log, "stopping...")
