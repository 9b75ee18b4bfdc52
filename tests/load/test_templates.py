"""Blank disclosure templates: recognised, kept for the record, never analysed or counted."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.extract.template import template_reason
from pipelines.extract.types import DocumentMeta, ExtractedDocument
from pipelines.load.warehouse import writer
from pipelines.report.html import write_report
from tests.conftest import SEED000, TEMPLATE_PDF, ingest


def _doc(department: str | None, title: str | None = None) -> ExtractedDocument:
    return ExtractedDocument(
        "x.pdf", "0" * 64, "pdf", 1, DocumentMeta(department=department, title=title), []
    )


def test_placeholder_names_are_templates_and_real_names_are_not() -> None:
    assert template_reason(_doc("上海市XX局"))
    assert template_reason(_doc(None, "XX单位2024年部门预算"))
    assert template_reason(_doc("××区××局"))
    assert template_reason(_doc("重庆市潼南区人民政府办公室")) is None
    assert template_reason(_doc("XXL Sports 有限公司")) is None  # Latin letters, not a placeholder


def test_bundled_template_is_kept_but_excluded(warehouse: Path, tmp_path: Path) -> None:
    with writer(warehouse) as con:
        template_id = ingest(con, TEMPLATE_PDF)
        seed_id = ingest(con, SEED000)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        status, error, current = con.execute(
            "select status, error, is_current from dim_document where document_id = ?", [template_id]
        ).fetchall()[0]
        assert status == "template" and "上海市XX局" in error and "every cell blank" in error and current
        assert con.execute(
            "select count(*) from v_expenditure_by_function where document_id = ?", [template_id]
        ).fetchone() == (0,)
        assert con.execute(
            "select count(*) from v_three_public where document_id = ?", [template_id]
        ).fetchone() == (0,)
        assert con.execute(
            "select status from v_document_quality where document_id = ?", [template_id]
        ).fetchone() == ("template",)
        assert (
            con.execute(
                "select count(*) from v_expenditure_by_function where document_id = ?", [seed_id]
            ).fetchone()[0]
            > 0
        )
    files = write_report(warehouse, tmp_path / "reports")
    assert [d.document_id for d in files.report.documents] == [seed_id]  # not among the counted documents
    assert [t.document_id for t in files.report.templates] == [template_id]
    html = files.latest.read_text("utf-8")
    assert "Blank templates" in html and "template_bumen_juesuan.pdf" in html
