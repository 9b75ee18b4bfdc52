"""A helper process's view of its owner (`lifetime`): running, killed and reaped, killed and not reaped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines.lifetime import alive


def test_a_running_process_is_alive_and_a_reaped_one_is_not() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert alive(os.getpid()) and alive(child.pid)
    finally:
        child.kill()
        child.wait()
    assert not alive(child.pid)


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="a zombie is told apart through /proc")
def test_a_killed_owner_not_yet_reaped_is_gone() -> None:
    """A killed process stays a zombie until its parent waits for it: its helpers must not wait too."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    os.kill(child.pid, signal.SIGKILL)
    try:
        deadline = time.monotonic() + 10
        while alive(child.pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not alive(child.pid)
        assert Path(f"/proc/{child.pid}").exists()  # still there, unreaped
    finally:
        child.wait()
