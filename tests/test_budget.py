"""The page and file time budgets (`budget`): a deadline holds even when its first alarm is lost."""

from __future__ import annotations

import time

import pytest

from pipelines.budget import Budget, BudgetExceeded, Limits


def _spin(until: float) -> None:
    while time.process_time() < until:
        pass


def test_a_deadline_whose_alarm_was_lost_is_raised_again() -> None:
    """The alarm raises into whatever runs when it fires. Landed in a `__del__`, a weakref or gc
    callback, the exception is printed and dropped by Python (seen in the suite: in hypothesis's gc
    callback), and the page must not then run on without a deadline: the alarm comes again."""
    budget = Budget(Limits(page_seconds=0.2, file_seconds=60))
    lost = 0
    with pytest.raises(BudgetExceeded, match="page 1"), budget.page(1):
        give_up = time.process_time() + 5
        while time.process_time() < give_up:
            try:
                _spin(give_up)
            except BudgetExceeded:
                lost += 1
                if lost == 2:
                    raise
    assert lost == 2


def test_a_deadline_not_reached_leaves_no_alarm_behind() -> None:
    """The page ends in time: no alarm is armed after it, and the work after it is not interrupted."""
    budget = Budget(Limits(page_seconds=0.3, file_seconds=60))
    with budget.page(1):
        _spin(time.process_time() + 0.05)
    _spin(time.process_time() + 0.6)  # past where the page's deadline was: nothing raises
