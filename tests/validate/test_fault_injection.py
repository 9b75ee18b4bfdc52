"""Change one printed figure of a clean document at a time; the matching rule must fail, naming the
row and the line (text export) or page (PDF) where the figure is printed."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from pipelines.load.warehouse import writer
from pipelines.validate.engine import Evaluation, evaluate_document
from tests.conftest import SEED000, SHGZB_PDF, ingest
from tests.render import render, seed_table


def _evaluate(source: Path, warehouse: Path) -> Evaluation:
    with writer(warehouse) as con:
        return evaluate_document(con, ingest(con, source))


def _errors(evaluation: Evaluation) -> pl.DataFrame:
    return evaluation.results.filter(~pl.col("passed") & (pl.col("severity") == "error"))


@pytest.mark.parametrize("source", [SEED000, SHGZB_PDF], ids=["seed000", "shgzb_pdf"])
def test_clean_documents_have_no_error_finding(source: Path, tmp_path: Path) -> None:
    evaluation = _evaluate(source, tmp_path / "w.duckdb")
    assert evaluation.results.height > 300
    assert _errors(evaluation).to_dicts() == []


# (what is changed, line of seed 000, printed text, planted text, rule that must fail, its row_key)
FAULTS = [
    (
        "项 amount",
        291,
        "7,171,195.84\t7,171,195.84\t0.00",
        "7,171,195.84\t7,171,295.84\t0.00",
        "R01",
        "2010301",
    ),
    ("合计", 288, "19,890,539.51\t14,859,110.71", "19,890,639.51\t14,859,110.71", "H03", "合计"),
    ("code name", 291, "行政运行", "事业运行", "C01", "2010301"),
    ("narrative total", 71, "收、支总计均为1989.05万元", "收、支总计均为1989.15万元", "N01", None),
]


@pytest.mark.parametrize(
    ("what", "line", "printed", "planted", "rule_id", "row_key"), FAULTS, ids=[f[0] for f in FAULTS]
)
def test_planted_figure_fails_its_rule_at_its_line(
    tmp_path: Path, what: str, line: int, printed: str, planted: str, rule_id: str, row_key: str | None
) -> None:
    lines = SEED000.read_text(encoding="utf-8").splitlines()
    assert printed in lines[line - 1], f"seed 000 line {line} no longer prints {printed!r}"
    lines[line - 1] = lines[line - 1].replace(printed, planted, 1)
    source = tmp_path / "seed000_planted.txt"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")

    failed = _evaluate(source, tmp_path / "w.duckdb").results.filter(~pl.col("passed"))
    mine = failed.filter(pl.col("rule_id") == rule_id)
    assert mine.height > 0, (
        f"{rule_id} did not catch the planted {what}; failed: {failed['rule_id'].to_list()}"
    )
    if row_key is not None:
        mine = mine.filter(pl.col("row_key") == row_key)
    assert line in mine["line_no"].to_list(), mine.to_dicts()


def test_planted_figure_in_a_pdf_points_to_its_page(tmp_path: Path) -> None:
    # seed 000's 支出决算表 drawn as a PDF, with the 本年支出合计 of 2010301 raised by 100 元
    table = seed_table(SEED000, 279, 286, 307, 2)
    row = next(r for r in table.body if r[0] == "2010301")
    row[4] = "7,171,295.84"
    pdf = render(table, tmp_path / "planted.pdf", ruled=True)
    results = _evaluate(pdf, tmp_path / "w.duckdb").results
    failed = results.filter(~pl.col("passed") & (pl.col("rule_id") == "R01"))
    assert failed.select("row_key", "page", "expected", "actual", "difference").to_dicts() == [
        {
            "row_key": "2010301",
            "page": 1,
            "expected": Decimal("7171195.84"),  # 基本 + 项目 + … as printed
            "actual": Decimal("7171295.84"),  # 本年支出合计 as planted
            "difference": Decimal("100.00"),
        }
    ]
    assert failed["row_no"][0] is not None
