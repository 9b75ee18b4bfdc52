"""The performance findings of docs/domain.md §4 come out of the five seeds with their numbers, and the
checks DOMAIN says pass do pass.

Each seed is ingested end to end (extract → normalise → load) into a scratch warehouse and validated
with the P rules (expectations/rules/performance.yaml) through the GX suite.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal as D

import duckdb
import polars as pl
import pytest

from pipelines.load.warehouse import writer
from pipelines.validate.engine import evaluate_document
from pipelines.validate.rules import load_rules
from tests.conftest import SEEDS, ingest

SEED_FILES = {
    "000": "000_5bede25103574bf3.txt",
    "001": "001_8a99ebaca312e0ad.txt",
    "002": "002_6e511b73bd73a431.txt",
    "003": "003_5006032ceb30bda5.txt",
    "004": "004_c2b4d63b8c9ccf28.txt",
}
P_RULES = [r for r in load_rules() if r.family == "P"]


@dataclass
class Seed:
    document_id: str
    results: pl.DataFrame  # one row per check, with `passed`

    def checks(self, rule_id: str, row_key: str | None = None) -> pl.DataFrame:
        out = self.results.filter(pl.col("rule_id") == rule_id)
        return out if row_key is None else out.filter(pl.col("row_key") == row_key)

    def one(self, rule_id: str, row_key: str) -> dict[str, object]:
        rows = self.checks(rule_id, row_key)
        assert rows.height == 1, (rule_id, row_key, rows.to_dicts())
        return rows.row(0, named=True)

    def failed(self) -> set[tuple[str, str]]:
        failed = self.results.filter(~pl.col("passed"))
        return set(zip(failed["rule_id"], failed["row_key"], strict=True))


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    path = tmp_path_factory.mktemp("performance") / "warehouse.duckdb"
    with writer(path) as con:
        for name in SEED_FILES.values():
            ingest(con, SEEDS / name)
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def seeds(warehouse: duckdb.DuckDBPyConnection) -> dict[str, Seed]:
    ids = dict(warehouse.execute("select source_path, document_id from dim_document").fetchall())
    out: dict[str, Seed] = {}
    for seed, name in SEED_FILES.items():
        document_id = next(i for path, i in ids.items() if path.endswith(name))
        out[seed] = Seed(document_id, evaluate_document(warehouse, document_id, P_RULES).results)
    return out


def _numbers(check: dict[str, object]) -> tuple[object, object, object]:
    """Where and what: expected, actual, line of the seed."""
    return check["expected"], check["actual"], check["line_no"]


def _outcome(check: dict[str, object]) -> tuple[object, object, object]:
    return check["expected"], check["actual"], check["passed"]


# --- seed 000: 重庆 潼南区政府办 2024 决算, 整体 + 10 二级项目绩效自评表 (元) ---------------------------


def test_000_w2_narrative_counts_11_projects_for_10_tables(seeds: dict[str, Seed]) -> None:
    count = seeds["000"].one("P08b", "evaluated_projects")
    assert _numbers(count) == (D(10), D(11), 161)
    assert not count["passed"] and count["unit"] == "count"
    # … while the money agrees: Σ 全年执行数 of the 10 tables = 503.14 万元 = 支出决算表 项目支出
    funds = seeds["000"].one("P08b", "evaluated_project_funds")
    assert _outcome(funds) == (D("5031428.80"), D("5031400.00"), True)
    total = seeds["000"].one("P08", "Σ 全年执行数")
    assert _outcome(total) == (D("5031428.80"), D("5031428.80"), True)


def test_000_w3_whole_table_does_not_count_execution_rate(seeds: dict[str, Seed]) -> None:
    s = seeds["000"]
    whole = s.one("P04b", "#1")
    assert whole["table_code"] == "PS1" and _numbers(whole) == (D(100), D(110), 490)
    assert not whole["passed"]
    # each table on its own passes P04/P05; the ten project tables count 90 + 10 = 100
    assert s.checks("P04").height == 11 and s.checks("P04")["passed"].all()
    assert s.checks("P05").height == 11 and s.checks("P05")["passed"].all()
    projects = s.checks("P04").filter(pl.col("table_code") == "PS2")
    assert projects.height == 10
    assert projects["note"].str.contains("Σ指标权重 90.00 + 执行率权重 10.00", literal=True).all()
    assert s.checks("P04b").filter(pl.col("table_code") == "PS2")["passed"].all()


def test_000_everything_else_passes(seeds: dict[str, Seed]) -> None:
    s = seeds["000"]
    assert s.failed() == {("P08b", "evaluated_projects"), ("P04b", "#1")}
    # 执行率 of 11 tables × (财政拨款, 一般公共预算) lines, 执行率得分, 资金 block sums, indicator scores
    assert s.checks("P02").height == 22
    assert s.checks("P03").height == 11
    assert s.checks("P01").height == 66
    assert s.checks("P06").height == 280  # 140 indicator rows: score and 得分系数
    # 整体自评 ↔ 决算 tables: 全年执行数 19 890 539.51 = 本年支出合计; 基本/项目支出 = 支出决算表 合计
    p07 = {r["row_key"] + "/" + r["measure"]: r for r in s.checks("P07").iter_rows(named=True)}
    assert p07["#1 年度总金额/executed"]["expected"] == D("19890539.51")
    assert p07["#1 基本支出/actual_value"]["expected"] == D("14859110.71")
    assert p07["#1 项目支出/actual_value"]["expected"] == D("5031428.80")
    # 年初预算数 17 573 249.31 元 vs 1989.05 − 231.73 = 1757.32 万元 stated in the narrative
    initial = p07["#1 一般公共预算/initial_budget"]
    assert _outcome(initial) == (D("17573200"), D("17573249.31"), True)


# --- seed 001: 遂宁 安居区 区委绩效办 2024 决算, 四川 整体 + 2 项目自评表 (万元) ----------------------------


def test_001_w5_rate_score_is_not_rate_times_weight(seeds: dict[str, Seed]) -> None:
    check = seeds["001"].one("P03", "#2 总额")
    assert _numbers(check) == (D("10.00"), D("8.50"), 521) and not check["passed"]
    assert seeds["001"].one("P03", "#3 总额")["passed"]
    # the total 98.5 = 90 + 8.5 is consistent (P05)
    total = seeds["001"].one("P05", "#2")
    assert _outcome(total) == (D("98.50"), D("98.50"), True)


def test_001_w4_recurring_category_adds_the_one_off_project(seeds: dict[str, Seed]) -> None:
    recurring = seeds["001"].one("P08c", "category recurring")
    assert _numbers(recurring) == (D("407300"), D("414700"), 186)  # 40.73 vs 41.47 万元
    assert recurring["difference"] == D("7400") and not recurring["passed"]
    one_off = seeds["001"].one("P08c", "category one_off")
    assert _outcome(one_off) == (D("7400"), D("7400"), True)


def test_001_w6_group_points_disagree_with_their_indicators(seeds: dict[str, Seed]) -> None:
    s = seeds["001"]
    got = {r["row_key"]: _outcome(r) for r in s.checks("P09").iter_rows(named=True)}
    assert got == {
        # group: (Σ of its members, points printed, passed)
        "#1 履职效能": (D(10), D(19), False),
        "#1 预算管理": (D(31), D(21), False),
        "#1 项目执行": (D(15), D(12), False),
        "#1 目标实现": (D(17), D(11), False),
        "#1 总体绩效": (D(55), D(65), False),
        "#1 资产管理": (D(9), D(9), True),
        "#1 采购管理": (D(6), D(6), True),
        "#1 项目决策": (D(12), D(12), True),
        "#1 项目绩效": (D(35), D(35), True),
    }
    assert "Σ三级 = 56" in str(s.one("P09", "#1 总体绩效")["note"])
    # Σ 三级 指标分值 = 100 and Σ 自评得分 = 合计 98.6 hold
    assert s.one("P04", "#1")["actual"] == D(100) and s.one("P04", "#1")["passed"]
    whole = s.one("P05", "#1")
    assert _outcome(whole) == (D("98.60"), D("98.60"), True)
    assert s.checks("P09b")["passed"].all()


def test_001_nothing_else_fails(seeds: dict[str, Seed]) -> None:
    failed = seeds["001"].failed()
    assert failed == {
        ("P03", "#2 总额"),
        ("P08c", "category recurring"),
        *(("P09", f"#1 {g}") for g in ("履职效能", "预算管理", "项目执行", "目标实现", "总体绩效")),
    }
    assert seeds["001"].checks("P02")["passed"].all() and seeds["001"].checks("P02").height == 8


# --- seed 002: 潼南区政府办（本级）2025 预算, 附件11 + 14 项目绩效目标表 (万元) ---------------------------


def test_002_w8_whole_targets_weigh_92(seeds: dict[str, Seed]) -> None:
    check = seeds["002"].one("P11", "#1")
    assert _numbers(check) == (D(100), D(92), 883) and not check["passed"]
    assert seeds["002"].failed() == {("P11", "#1")}
    # cost indicators stay within each project's 资金总额; 5 套 × 4 万元 = 20 万元
    assert seeds["002"].checks("P12").height == 11
    restated = seeds["002"].one("P12b", "#10 每套保障住房经费")
    assert _outcome(restated) == (D(200000), D(200000), True)


# --- seed 003: 广元 昭化区政府办 2023 决算, 11 财政项目支出绩效自评表 (万元) ----------------------------


def test_003_all_execution_rates_and_the_project_count_pass(seeds: dict[str, Seed]) -> None:
    s = seeds["003"]
    assert s.failed() == set()
    assert s.checks("P02").height == 77  # 11 tables × 7 资金 lines
    # I-15: 60 / 60.79 = 98.700 % printed 98.71 % passes only through the interval test
    tight = s.one("P02", "#8 年度资金总额")
    assert (tight["actual"], tight["passed"]) == (D("98.71"), True)
    count = s.one("P08b", "evaluated_projects")
    assert _outcome(count) == (D(11), D(11), True)


# --- seed 004: 南岸区政府办 2024 预算, 表十 + 4 表十一 (万元) -------------------------------------------


def test_004_w12_last_project_table_weighs_90_with_its_final_line(
    seeds: dict[str, Seed], warehouse: duckdb.DuckDBPyConnection
) -> None:
    s = seeds["004"]
    assert s.failed() == set()
    p10 = {r["row_key"]: (r["expected"], r["actual"]) for r in s.checks("P10").iter_rows(named=True)}
    assert p10 == {f"#{n}": (D(90), D(90)) for n in (2, 3, 4, 5)}
    # DOMAIN W-12 reads 40 + 20 + 10 = 70: the file's last line (398, no trailing newline) carries the
    # fourth indicator, 平台接通率 20
    last = warehouse.execute(
        "select level3, weight, line_no from fact_performance_indicator "
        "where document_id = ? and table_no = 5 order by row_no desc limit 1",
        [s.document_id],
    ).fetchone()
    assert last == ("平台接通率", D(20), 398)
    assert s.one("P11", "#1")["actual"] == D(100)
