"""Helper processes leave when the process they work for is gone.

The extraction workers and GX's process wait on their pool's task queue, which never ends for them
when the process that made the pool is killed outright (SIGKILL, the kernel's out-of-memory killer,
a scheduler's timeout): each holds the queue's writing end itself. A worker forked from a
forkserver also keeps that server alive (each child holds the server's liveness pipe), and the
server the resource tracker. Seen: every killed ingest left its forkserver, a worker and the
resource tracker running for good. Each helper therefore watches its owner and leaves with it.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

WATCH_SECONDS = 1.0  # how often a helper looks for its owner


def alive(pid: int) -> bool:
    """The process `pid` runs (a zombie, killed and not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):  # gone, or its number now another user's process
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:  # no /proc here (or gone meanwhile: the next look says so)
        return True
    return stat[stat.rindex(")") + 2 :].split()[0] != "Z"


def leave_with(owner: int) -> None:
    """End this process (at once, as a killed owner left nothing to report to) when `owner` is gone,
    or when this process's parent is (a forkserver ended by its own owner's death)."""
    parent = os.getppid()

    def watch() -> None:
        while alive(owner) and os.getppid() == parent:
            time.sleep(WATCH_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="leave-with-owner", daemon=True).start()
