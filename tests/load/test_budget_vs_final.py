"""v_budget_vs_final: plan and outcome of one department and year, side by side by function code."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from pipelines.load.warehouse import writer
from tests.conftest import SEED000, SEEDS, ingest

SEED002 = SEEDS / "002_6e511b73bd73a431.txt"


def test_final_account_beside_the_budget_of_its_year(tmp_path: Path) -> None:
    # seed 000: the 2024 决算 of 潼南区政府办; seed 002: its 2025 budget (本级), which prints the 2024
    # budget beside 2025's (002 L257: "2010301 行政运行 708.00 750.20 750.20", 万元)
    warehouse = tmp_path / "w.duckdb"
    with writer(warehouse) as con:
        for source in (SEED000, SEED002):
            ingest(con, source)
        rows = con.execute(
            """
            select fiscal_year, func_code, budget_total, final_total, difference, budget_table
            from v_budget_vs_final where department = '重庆市潼南区人民政府办公室' and func_code = '2010301'
            order by fiscal_year
            """
        ).fetchall()
    plan_2024, outcome_2024 = Decimal("7080000.00"), Decimal("7171195.84")
    assert rows == [
        (2024, "2010301", plan_2024, outcome_2024, Decimal("91195.84"), "B02 上年预算数"),
        (2025, "2010301", Decimal("7502000.00"), None, None, "B08"),
    ]
