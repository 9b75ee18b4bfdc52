"""Acceptance on real budgets typed by people reading the pages: every cell back, nothing invented.

Six documents from five provinces and the centre (长春, 深圳, 湖州, 烟台, 国家信访局, 西南大学); a newly
typed document joins this test as soon as its files are committed.

The typed files (tests/fixtures/expected/real/<stem>.csv and <stem>_toc.csv) are scored by
tests/scorecard.py; `python -m tests.scorecard --details STEM` shows what is missing.
"""

from __future__ import annotations

import pytest

from tests.scorecard import format_details, score_document, typed_stems


@pytest.mark.parametrize("stem", typed_stems())
def test_every_typed_cell_and_table_comes_back(stem: str) -> None:
    _, result = score_document(stem)
    details = "\n".join([result.summary(), *format_details(result)])
    assert result.typed > 0
    assert [t.table_no for t in result.listed if t.found == "missing"] == [], details
    assert result.missing == [], details
    assert result.unexpected == [], details
