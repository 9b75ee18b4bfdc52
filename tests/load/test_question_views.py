"""Views for the questions analysts ask, on bundled documents: figures typed from the printed pages.

- seed000 (data/samples): 重庆市潼南区人民政府办公室 2024 决算, a text export (line numbers below);
- seed 002 (tests/fixtures/seeds): its 2025 budget, whose 项目支出明细表 lists 14 projects (万元);
- sh_putuo_zfb_2025_bumen_yusuan.pdf: 上海市普陀区人民政府办公室 2025 budget (万元 / 元 per table);
- govbc_tmp_dept_budget.pdf: 上海市普陀区司法局 2026 budget.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from pipelines.load.warehouse import writer
from tests.conftest import SAMPLES, SEED000, SEEDS, ingest

SEED002 = SEEDS / "002_6e511b73bd73a431.txt"
ZFB_2025 = SAMPLES / "sh_putuo_zfb_2025_bumen_yusuan.pdf"
SFJ_2026 = SAMPLES / "govbc_tmp_dept_budget.pdf"
D = Decimal


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("views") / "w.duckdb"
    with writer(path) as w:
        for source in (SEED000, SEED002, ZFB_2025, SFJ_2026):
            ingest(w, source)
    with duckdb.connect(str(path), read_only=True) as c:
        yield c


def test_three_public_budget_and_final_account_alike(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        """
        select department, basis, figure_year, three_public_total, outbound_travel, vehicle_total,
               vehicle_operation, reception_total, agency_operating_cost, meeting_fee, training_fee
        from v_three_public order by department  -- byte order: 人 < 司 < 重
        """
    ).fetchall()
    assert rows == [
        # 政府办 2025 budget, p.20: 合计 867.50, 出国 839.00, 接待 28.50, vehicles blank, 机关运行 213.28
        ("上海市普陀区人民政府办公室", "budget", 2025, D("8675000.00"), D("8390000.00"), None, None,
         D("285000.00"), D("2132800.00"), None, None),
        # 司法局 2026 budget, p.21 (万元): 合计 10.81, 出国 0, 接待 0.83, 车 9.98 (运行 9.98), 机关运行 217.83
        ("上海市普陀区司法局", "budget", 2026, D("108100.00"), D("0.00"), D("99800.00"), D("99800.00"),
         D("8300.00"), D("2178300.00"), None, None),
        # 潼南 2024 决算, 机构运行信息表 L465-487 (元)
        ("重庆市潼南区人民政府办公室", "final", 2024, D("465326.00"), D("0.00"), D("360000.00"),
         D("360000.00"), D("105326.00"), D("1876083.12"), D("114816.50"), D("6468.00")),
    ]  # fmt: skip


def test_three_public_per_department_and_year(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        """
        select department, fiscal_year, budget, final, budget_source
        from v_three_public_by_year where item = 'total' order by department, fiscal_year
        """
    ).fetchall()
    assert rows == [
        ("上海市普陀区人民政府办公室", 2025, D("8675000.00"), None, "budget"),
        ("上海市普陀区司法局", 2026, D("108100.00"), None, "budget"),
        ("重庆市潼南区人民政府办公室", 2024, None, D("465326.00"), None),
    ]


def test_personnel_public_and_project_shares(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        """
        select department, spending_table, expenditure_total, basic_expenditure, project_expenditure,
               basic_pct, project_pct, split_table, personnel_expenditure, public_operating_expenditure,
               split_covers_basic, personnel_pct_of_basic, personnel_pct, public_operating_pct
        from v_expenditure_shares
        where department = '上海市普陀区人民政府办公室'
           or department = '重庆市潼南区人民政府办公室' and doc_kind = 'final_account'
        order by department
        """
    ).fetchall()
    assert rows == [
        # 政府办 2025 budget: 部门支出总表 合计 p.12, 一般公共预算基本支出表 合计 p.19 (元)
        ("上海市普陀区人民政府办公室", "B08", D("91016775.35"), D("24606775.35"), D("66410000.00"),
         D("27.04"), D("72.96"), "B03", D("22473997.81"), D("2132777.54"), True, D("91.33"),
         D("24.69"), D("2.34")),
        # 潼南 2024: 支出决算表 合计 L288; 人员/公用经费合计 L427; the narrative (L77) says 74.7% / 25.3%
        ("重庆市潼南区人民政府办公室", "D03", D("19890539.51"), D("14859110.71"), D("5031428.80"),
         D("74.70"), D("25.30"), "D06", D("12424566.81"), D("2434543.90"), True, D("83.62"),
         D("62.46"), D("12.24")),
    ]  # fmt: skip


def test_top_projects(con: duckdb.DuckDBPyConnection) -> None:
    # seed 002 项目支出明细表 (L693-870, 万元): 14 projects, 合计 1,205.00; the three largest are
    # 数字化城市运行维护和治理专项 300.00, 巨灾保险 220.00 and 金融产业发展补助 200.00
    rows = con.execute(
        """
        select rank, project_code, project_name, total, pct_of_listed
        from v_top_projects where department = '重庆市潼南区人民政府办公室' and rank <= 3 order by rank
        """
    ).fetchall()
    assert rows == [
        (1, "50015225T000004992878", "数字化城市运行维护和治理专项", D("3000000.00"), D("24.90")),
        (2, "50015225T000004992901", "巨灾保险", D("2200000.00"), D("18.26")),
        (3, "50015225T000004992916", "金融产业发展补助", D("2000000.00"), D("16.60")),
    ]
    assert con.execute("select count(*) from v_top_projects where fiscal_year = 2025").fetchone() == (14,)


def test_concepts_join_budget_and_final_account_names(con: duckdb.DuckDBPyConnection) -> None:
    """Budget `personnel` and final-account `personnel_total` are one concept, as are the totals."""
    rows = con.execute(
        """
        select concept, list(distinct measure order by measure)
        from fact_line_item
        where concept in ('personnel_expenditure', 'basic_expenditure', 'expenditure_total')
          and table_code in ('B02', 'B03', 'B08', 'D03', 'D05', 'D06')
        group by concept order by concept
        """
    ).fetchall()
    assert dict(rows) == {
        "basic_expenditure": ["basic", "basic_expenditure", "expenditure_basic", "final_amount", "total"],
        "expenditure_total": ["expenditure_total", "prior_year_budget", "total", "total_expenditure"],
        "personnel_expenditure": ["personnel", "personnel_total"],
    }


def test_every_readme_example_of_the_views_runs_and_returns_rows(con: duckdb.DuckDBPyConnection) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Views for analysts") : readme.index("## Layout")]
    queries = re.findall(r"```sql\n(.*?)```", section, re.S)
    assert len(queries) == 5
    for query in queries:
        assert con.execute(query).fetchall(), query


def test_performance_money_lines_share_the_concepts(con: duckdb.DuckDBPyConnection) -> None:
    """seed000 部门整体绩效自评表 (L500-502): 年度总金额 executed 19,890,539.51, the 支出决算表's 合计."""
    whole = con.execute(
        """
        select p.line_key, p.concept, p.executed from fact_performance_budget as p
        join dim_document as d using (document_id)
        where d.department = '重庆市潼南区人民政府办公室' and d.doc_kind = 'final_account'
          and p.table_code = 'PS1' order by p.line_order
        """
    ).fetchall()
    assert whole == [
        ("total", "expenditure_total", D("19890539.51")),
        ("fiscal", "fiscal_appropriation_income", D("19890539.51")),
        ("gpb", "gpb_income", D("19890539.51")),
    ]
    first_project = con.execute(
        """
        select p.concept, p.initial_budget from fact_performance_budget as p
        join dim_document as d using (document_id)
        where d.doc_kind = 'final_account' and p.table_code = 'PS2' and p.line_key = 'total'
        order by p.table_no limit 1
        """
    ).fetchone()
    assert first_project == ("project_expenditure", D("560000.00"))  # L532 年度总金额 年初预算数


MONEY = ("amount", "total", "budget", "final", "budget_total", "final_total", "expenditure_total",
         "three_public_total")  # fmt: skip
ANALYST_VIEWS = (
    "v_three_public", "v_three_public_by_year", "v_department_three_public", "v_expenditure_shares",
    "v_top_projects", "v_function_by_year", "v_budget_vs_final", "v_expenditure_by_function",
    "v_three_public_budget_vs_final", "v_spending_shares", "v_project_ranking",
)  # fmt: skip


def test_analyst_views_carry_the_canonical_department_and_decimals(con: duckdb.DuckDBPyConnection) -> None:
    """Every analyst view has department_id; money and ratios are DECIMAL, never a float."""
    for view in ANALYST_VIEWS:
        types = dict(con.execute(f"select column_name, column_type from (describe {view})").fetchall())
        assert "department_id" in types, view
        floats = {c: t for c, t in types.items() if t in ("DOUBLE", "FLOAT", "REAL")}
        assert not floats, (view, floats)
        money = {c: t for c, t in types.items() if c in MONEY}
        assert set(money.values()) <= {"DECIMAL(18,2)", "DECIMAL(38,2)"}, (view, money)
        pct = {c: t for c, t in types.items() if c.endswith("_pct")}
        assert set(pct.values()) <= {"DECIMAL(9,2)"}, (view, pct)


def test_superseded_views_are_aliases_of_the_one_view_per_question(con: duckdb.DuckDBPyConnection) -> None:
    pairs = [
        ("select department_id, fiscal_year, item, budget, final, execution_pct "
         "from v_three_public_budget_vs_final",
         "select department_id, fiscal_year, item, budget, final, execution_pct from v_three_public_by_year"),
        ("select document_id, personnel, public_operating, personnel_share_of_basic_pct "
         "from v_spending_shares",
         "select document_id, personnel_expenditure, public_operating_expenditure, personnel_pct_of_basic "
         "from v_expenditure_shares"),
        ("select document_id, project_name, total, rank_in_document from v_project_ranking",
         "select document_id, project_name, total, rank from v_top_projects"),
    ]  # fmt: skip
    for alias, view in pairs:
        assert sorted(con.execute(alias).fetchall(), key=str) == sorted(con.execute(view).fetchall(), key=str)
        assert con.execute(alias).fetchall()


def test_the_summaries_hold_what_the_facts_sum_to(con: duckdb.DuckDBPyConnection) -> None:
    """agg_document_function, written at load, against a sum over fact_line_item made now."""
    direct = con.execute(
        """
        select f.document_id, f.table_code, f.func_code, m.basis,
            sum(f.amount) filter (where f.concept = 'expenditure_total'),
            sum(f.amount) filter (where f.concept = 'basic_expenditure'),
            sum(f.amount) filter (where f.concept = 'project_expenditure')
        from fact_line_item as f left join dim_measure as m using (measure)
        where f.table_code in ('B02', 'B08', 'D03') and f.func_code is not null
          and f.concept in ('expenditure_total', 'basic_expenditure', 'project_expenditure')
          and coalesce(f.unit_printed, '') <> '%'
        group by all order by all
        """
    ).fetchall()
    kept = con.execute(
        "select document_id, table_code, func_code, basis, total, basic, project from agg_document_function "
        "order by all"
    ).fetchall()
    assert kept == direct and len(kept) > 100


def test_an_older_warehouse_gets_its_summaries_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with writer(path) as w:
        ingest(w, SEED000)
        (before,) = w.execute("select count(*) from agg_document_function").fetchone() or (0,)
        for table in ("agg_document_function", "agg_document_total", "agg_document_three_public"):
            w.execute(f"delete from {table}")  # as a warehouse made before the summaries
        w.execute("delete from meta_summary")
    with writer(path) as w:
        assert w.execute("select count(*) from agg_document_function").fetchone() == (before,)
        assert before > 0
        row = w.execute("select three_public_total from v_three_public").fetchone()
        assert row == (D("465326.00"),)


def test_summaries_written_at_load_equal_a_rewrite_of_every_document(tmp_path: Path) -> None:
    """Loading writes a document's 三公 summary only when its totals hold the 三公 total (seed000
    prints one, seed002's budget none); a rewrite of all documents runs every query for all."""
    from pipelines.load import summary

    tables = ("agg_document_function", "agg_document_total", "agg_document_three_public")
    with writer(tmp_path / "w.duckdb") as w:
        for source in (SEED000, SEED002):
            ingest(w, source)
        loaded = {t: w.execute(f"select * from {t} order by all").fetchall() for t in tables}
        per_document = w.execute(
            "select d.source_path, count(a.document_id) from dim_document as d "
            "left join agg_document_three_public as a using (document_id) group by all order by all"
        ).fetchall()
        summary.rewrite(w)
        rewritten = {t: w.execute(f"select * from {t} order by all").fetchall() for t in tables}
    assert [(Path(p).name, n) for p, n in per_document] == [(SEED000.name, 1), (SEED002.name, 0)]
    assert loaded == rewritten and all(loaded.values())


def test_a_table_printed_again_gives_its_first_printing_whatever_the_insert_order(tmp_path: Path) -> None:
    """A table printed once per project restarts `row_no` on each page: the summaries take the earliest
    page's line (total and label), not whichever row DuckDB meets first; the rows are inserted last page
    first, the order a row_no-only pick followed."""
    from pipelines.load import summary

    insert = (
        "insert into fact_line_item (document_id, table_code, table_title, row_no, func_code, line_label, "
        "line_key, measure, amount, is_blank, unit_printed, value_printed, page, concept) "
        "values ('d', ?, 't', 5, ?, ?, ?, 'amount', ?, false, '元', ?, ?, 'expenditure_total')"
    )
    with writer(tmp_path / "w.duckdb") as w:
        for page, amount in ((35, "35.00"), (33, "33.00"), (31, "31.00")):
            w.execute(insert, ["B12", None, "合计", "expenditure_total", D(amount), amount, page])
            w.execute(insert, ["B02", "2010101", f"行政运行 p{page}", None, D(amount), amount, page])
        summary.refresh(w, "d")
        total = w.execute("select amount from agg_document_total where document_id = 'd'").fetchall()
        label = w.execute("select line_label from agg_document_function where document_id = 'd'").fetchall()
    assert total == [(D("31.00"),)]
    assert label == [("行政运行 p31",)]
