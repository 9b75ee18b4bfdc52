"""Scale-free geometry (issue 14): a real budget scaled to 10,000 pt pages gives the same facts.

Tolerances in absolute points (pdfplumber's 3 pt snap and join) split a scaled page's ruling into
extra rows and columns: 2,062 facts instead of 908 before they were made relative to the page size.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from pypdf import PdfWriter

from pipelines.extract.document import extract_document
from pipelines.normalise.document import normalise_document
from tests.conftest import PROJECT

WANLI = PROJECT / "tests" / "fixtures" / "pdfs" / "sh_putuo_wanli_jiedao_2024_yusuan.pdf"
KEY = ("table_code", "func_code", "econ_code", "line_label", "measure", "amount", "is_blank", "page")


def _facts(path: Path) -> Counter[tuple[object, ...]]:
    n = normalise_document(extract_document(path), reread=False)
    return Counter(tuple(r[k] for k in KEY) for r in n.facts.iter_rows(named=True))


def test_a_budget_scaled_to_10000_pt_pages_gives_the_same_facts(tmp_path: Path) -> None:
    scaled = PdfWriter(clone_from=WANLI)
    for page in scaled.pages:
        page.scale_by(10_000 / float(page.mediabox.height))
    out = tmp_path / "scaled.pdf"
    scaled.write(out)
    original, large = _facts(WANLI), _facts(out)
    assert sum(original.values()) == 908
    assert large == original
