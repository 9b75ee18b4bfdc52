"""Limits on one file's work: pages, cells, seconds per page and per file.

A pathological file (a page of 200,000 drawn rectangles, a 10-million-cell workbook) must not
stall the nightly run. The limits are read from the environment (README, "Limits"); the extract
stage asks `current()` for them. Time is enforced two ways: a page or file deadline interrupts
pure-Python work through SIGPROF when the stage runs on the main thread (Dagster's in-process and
multiprocess executors both do, and so do the extraction worker processes), and `check()` is called
between pages everywhere else.

Budgets count the process's CPU seconds, not the wall clock: on a machine shared with other work
(two workers on two cores, a neighbour's job) a page waits for the CPU without doing more work, and
a wall-clock budget turned such pages into `too_slow` at random. What runs away is computation, and
that is what the CPU clock measures.
"""

from __future__ import annotations

import contextvars
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from pipelines.errors import ReaderError


@dataclass(frozen=True)
class Limits:
    """Configurable bounds; defaults keep a 1,000-page PDF in and a stalled page out."""

    max_pages: int = 2000
    max_cells: int = 2_000_000  # workbook cells with a value, over all sheets
    page_seconds: float = 60.0
    file_seconds: float = 900.0

    @classmethod
    def from_env(cls) -> Limits:
        env = os.environ.get
        return cls(
            max_pages=int(env("YUJUESUAN_MAX_PAGES", cls.max_pages)),
            max_cells=int(env("YUJUESUAN_MAX_CELLS", cls.max_cells)),
            page_seconds=float(env("YUJUESUAN_PAGE_SECONDS", cls.page_seconds)),
            file_seconds=float(env("YUJUESUAN_FILE_SECONDS", cls.file_seconds)),
        )


class BudgetExceeded(ReaderError):
    """The page's or the file's time ran out; `scope` is "page" or "file"."""

    def __init__(self, scope: str, seconds: float, page: int | None = None) -> None:
        where = f"page {page} " if page is not None else ""
        super().__init__(f"{where}took more than {seconds:g} s (the {scope} time budget)")
        self.scope = scope
        self.seconds = seconds
        self.page = page


@dataclass
class Budget:
    """One file's clock: started when the guard starts the file."""

    limits: Limits = field(default_factory=Limits.from_env)
    started: float = field(default_factory=time.process_time)

    @property
    def deadline(self) -> float:
        return self.started + self.limits.file_seconds

    @contextmanager
    def whole_file(self) -> Iterator[None]:
        with _deadline(self.deadline, BudgetExceeded("file", self.limits.file_seconds)) as entry:
            self._entry = entry
            yield

    def spent(self) -> None:
        """The reader stopped at the file's deadline: what it kept may still be turned into rows."""
        entry = getattr(self, "_entry", None)
        if entry is not None and entry in _stack:
            _stack.remove(entry)
            _arm()
        self._spent = True

    def check(self, page: int | None = None) -> None:
        """Raise when the file's time is spent (called between pages)."""
        if getattr(self, "_spent", False) or _clock() >= self.deadline:
            raise BudgetExceeded("file", self.limits.file_seconds, page)

    @contextmanager
    def page(self, number: int, factor: float = 1.0) -> Iterator[None]:
        """Run one page's work under the page budget (and the file's, whichever ends first);
        `factor` widens it for work known to be slower (OCR of a scanned page)."""
        self.check(number)
        seconds = self.limits.page_seconds * factor
        page_end = _clock() + seconds
        if page_end < self.deadline:
            exc = BudgetExceeded("page", seconds, number)
            with _deadline(page_end, exc):
                yield
        else:
            with _deadline(self.deadline, BudgetExceeded("file", self.limits.file_seconds, number)):
                yield


def exceeded(exc: BaseException) -> BudgetExceeded | None:
    """The budget overrun behind an exception a library wrapped (pdfplumber re-raises as its own)."""
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        if isinstance(e, BudgetExceeded):
            return e
        seen.add(id(e))
        e = e.__cause__ or e.__context__
    return None


_current: contextvars.ContextVar[Budget | None] = contextvars.ContextVar("yujuesuan_budget", default=None)


def current() -> Budget:
    """The budget of the file being read, or a fresh one (a reader called outside the guard)."""
    return _current.get() or Budget()


@contextmanager
def active(budget: Budget) -> Iterator[Budget]:
    token = _current.set(budget)
    try:
        with budget.whole_file():
            yield budget
    finally:
        _current.reset(token)


def _clock() -> float:
    return time.process_time()


# Nested deadlines on the main thread share one CPU-time interval timer: the earliest pending one is armed.
_TIMER = signal.ITIMER_PROF
_SIGNAL = signal.SIGPROF
_stack: list[tuple[float, BaseException]] = []
# An alarm's exception is raised into whatever runs when it fires; in a `__del__`, a weakref or gc
# callback Python prints it and drops it, and the deadline was then never raised again (seen in the
# suite: in hypothesis's gc callback). The timer is set to fire again this much CPU later before the
# exception is raised; leaving the deadline's block sets it as it should be (`_deadline`). Long
# enough for the cleanup an exception runs on its way out, so that it is not interrupted.
RAISE_AGAIN_SECONDS = 1.0


def _on_alarm(signum: int, frame: object) -> None:
    now = _clock()
    due = [(end, exc) for end, exc in _stack if end <= now + 0.001]
    if due:
        signal.setitimer(_TIMER, RAISE_AGAIN_SECONDS)
        raise min(due, key=lambda d: d[0])[1]
    _arm()


def _arm() -> None:
    if not _stack:
        signal.setitimer(_TIMER, 0)
        return
    left = min(end for end, _ in _stack) - _clock()
    signal.setitimer(_TIMER, max(left, 0.001))


@contextmanager
def _deadline(end: float, exc: BaseException) -> Iterator[tuple[float, BaseException] | None]:
    usable = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    if not usable:
        yield None
        return
    previous = signal.signal(_SIGNAL, _on_alarm)
    entry = (end, exc)
    _stack.append(entry)
    _arm()
    try:
        yield entry
    finally:
        if entry in _stack:
            _stack.remove(entry)
        _arm()
        if not _stack:
            signal.signal(_SIGNAL, previous)
