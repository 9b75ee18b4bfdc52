"""A table in doubt is read again engine by engine, cheapest first, until a reading is sound: camelot
(a second or two a page, and its import of pandas and OpenCV) is asked only when no pdfplumber
reading clears the doubt."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pipelines.extract.document import extract_document
from pipelines.extract.regions import candidate_pages
from pipelines.normalise.document import normalise_document

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real"


def _asked(monkeypatch: pytest.MonkeyPatch, name: str) -> list[tuple[str, str]]:
    """(table title, engine) of every re-reading asked for while the document is normalised."""
    asked: list[tuple[str, str]] = []

    def spy(path: Path, table: Any, engine: str, *rest: Any) -> Any:
        asked.append((table.title or "", engine))
        return candidate_pages(path, table, engine, *rest)

    monkeypatch.setattr("pipelines.normalise.coverage.candidate_pages", spy)
    normalise_document(extract_document(REAL / name))
    return asked


def test_camelot_is_not_asked_once_a_pdfplumber_reading_is_sound(monkeypatch: pytest.MonkeyPatch) -> None:
    """Xi'an's 政府采购 table (a ruled grid whose lattice reading leaves numbers out) is sound as
    pdfplumber reads its words: the re-reading stops there."""
    asked = _asked(monkeypatch, "sn_xa_czj_2026_yusuan.pdf")
    assert [e for t, e in asked if "政府采购" in t] == ["pdfplumber-words"]
    assert not any(e.startswith("camelot") for _, e in asked)


def test_camelot_is_still_asked_when_no_pdfplumber_reading_clears_the_doubt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked = _asked(monkeypatch, "sn_xa_ajj_2019_yusuan.pdf")
    engines = [e for t, e in asked if t.endswith("财政拨款收支总表")]
    assert engines == ["pdfplumber-words", "pdfplumber-edges", "camelot-lattice", "camelot-stream"]
