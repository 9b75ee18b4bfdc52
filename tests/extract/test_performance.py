"""Performance tables (绩效目标表 / 绩效自评表) of seeds 000–004 and of PDFs.

Expected values are typed from reading the seed files (tests/fixtures/seeds, line numbers as in
docs/domain.md), never from running the reader. Each layout gets its counts of indicator rows per table
and a sample of rows checked field by field.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from pipelines.catalog import performance_title_code
from pipelines.extract.document import extract_document
from pipelines.load.warehouse import load_document, writer
from pipelines.normalise.document import normalise_document
from pipelines.normalise.performance import performance_frames, split_value
from tests.conftest import PROJECT, SAMPLES
from tests.render import PROJECT_TARGETS, render

SEEDS = PROJECT / "tests" / "fixtures" / "seeds"
D = Decimal


@cache
def frames(seed: str) -> dict[str, pl.DataFrame]:
    (path,) = SEEDS.glob(f"{seed}_*.txt")
    return performance_frames(extract_document(path))


def one(frame: pl.DataFrame, **where: Any) -> dict[str, Any]:
    rows = frame.filter(*(pl.col(k) == v for k, v in where.items())).to_dicts()
    assert len(rows) == 1, f"{len(rows)} rows for {where}"
    return rows[0]


# (table_code, indicator rows) of every performance table, in print order
TABLES = {
    # 部门整体绩效自评表 L512–520; 10 二级项目绩效自评表 (L544–555, L579–594, L619–629, L653–668,
    # L692–703, L728–744, L768–783, L807–810, L834–855, L879–886): 131 rows, 140 with the 整体 table
    "000": [("PS1", 9), *(("PS2", n) for n in (12, 15, 11, 16, 11, 17, 16, 4, 21, 8))],
    # 整体: 28 三级 rows L217–477 (扣分项 included); projects L583–679 and L821–857
    "001": [("PS1", 28), ("PS2", 9), ("PS2", 4)],
    # 附件11 L912–926; 附件12 -1 … -14
    "002": [("B11", 10), *(("B12", n) for n in (6, 11, 16, 11, 17, 16, 8, 18, 4, 8, 7, 12, 8, 14))],
    # 11 财政项目支出绩效自评表 from L114 to L1904
    "003": [("PS2", n) for n in (14, 6, 16, 18, 18, 6, 6, 6, 6, 4, 6)],
    # 表十 L303–312; four 表十一 (the last runs to L398, the file's final line)
    "004": [("B11", 9), ("B12", 4), ("B12", 12), ("B12", 3), ("B12", 4)],
}


@pytest.mark.parametrize("seed", sorted(TABLES))
def test_every_indicator_row_of_every_table(seed: str) -> None:
    f = frames(seed)
    heads = f["doc_performance_table"].sort("table_no")
    assert list(zip(heads["table_code"], heads["n_indicators"], strict=True)) == TABLES[seed]
    per_table = f["fact_performance_indicator"].group_by("table_no").len().sort("table_no")
    assert per_table["len"].to_list() == [n for _, n in TABLES[seed]]
    assert f["fact_performance_indicator"]["level3"].null_count() == 0


INDICATORS: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    # --- seed 000, tab-separated (PS-CQ layout) ---
    (
        "000",
        {"line_no": 519},
        dict(
            table_code="PS1",
            table_no=1,
            project_code="50015200024P000105",
            project_name="政府办整体自评",
            level1=None,
            level2=None,
            level3="基本支出",
            unit="元",
            operator="=",
            operator_printed="=",
            target_value=D("14859110.71"),
            target_text="14,859,110.71",
            actual_value=D("14859110.71"),
            deviation_pct=D(0),
            score_coeff_pct=D(100),
            weight=D(12),
            score=D(12),
            is_core=True,
            note=None,
        ),
    ),
    (
        "000",
        {"line_no": 516},
        dict(
            level3="服务企业满意度",
            unit=None,
            operator="定性",
            target_value=None,
            target_text="满意",
            actual_value=D(1),
            actual_text="1",
            weight=D(12),
            score=D(12),
            is_core=True,
        ),
    ),
    (  # the orphan row above a Markdown separator, its empty 说明 cell dropped
        "000",
        {"line_no": 594},
        dict(
            table_code="PS2",
            table_no=3,
            project_code="50015224T000004234143",
            project_name="区政府办调研政研专项（常年性项目）",
            level3="咨询专家购买服务及购买决策参考资料等支出",
            unit="万元",
            operator="=",
            target_value=D(5),
            actual_value=D(5),
            weight=D(5),
            score=D(5),
            is_core=False,
            note=None,
        ),
    ),
    (
        "000",
        {"line_no": 733},
        dict(
            table_no=7,
            project_code="50015224T000004234208",
            level3="网站安全事故数",
            unit="次",
            operator="≤",
            target_value=D(4),
            actual_value=D(4),
            weight=D(5),
            score=D(5),
            is_core=True,
        ),
    ),
    (  # after a blank line inside the table
        "000",
        {"line_no": 849},
        dict(
            table_no=10,
            project_code="50015225T000004722652",
            project_name="数字化城市运行和治理专项",
            level3="改造 4 个接入行业部门应用系统、推进视联网点位建设",
            unit="万元/年",
            operator="=",
            target_value=D(150),
            actual_value=D(150),
            weight=D(2),
            score=D(2),
            is_core=False,
        ),
    ),
    # --- seed 001, DOCX one cell per line (PS-SN layout) ---
    (
        "001",
        {"line_no": 217},
        dict(
            table_code="PS1",
            table_no=1,
            project_code=None,
            level1="总体绩效",
            level1_points=D(65),
            level2="履职效能",
            level2_points=D(19),
            level3="督查、督办、督导次数",
            weight=D(10),
            score=D(10),
            operator=None,
            target_text=None,
        ),
    ),
    (  # vertically merged: groups carried down, the shared 指标分值 not repeated
        "001",
        {"line_no": 228},
        dict(level1="总体绩效", level2="履职效能", level3="区委区府领导指示事项", weight=None, score=None),
    ),
    (
        "001",
        {"line_no": 292},
        dict(level1="总体绩效", level2="预算管理", level3="严控一般性支出", weight=D(6), score=D("5.6")),
    ),
    (
        "001",
        {"line_no": 437},
        dict(level1="扣分项", level2="财务管理", level3="财务管理制度", weight=None, weight_printed="-"),
    ),
    (
        "001",
        {"line_no": 583},
        dict(
            table_code="PS2",
            table_no=2,
            project_code="51090422T000000280419",
            project_name="目标绩效督查营商管理经费",
            level1="产出指标",
            level2="数量指标",
            level3="月度、季度、年度目标考核",
            operator="≥",
            target_value=D(12),
            unit="次",
            actual_value=D(12),
            actual_text="≥12",
            weight=D(10),
            score=D(10),
        ),
    ),
    (
        "001",
        {"line_no": 679},
        dict(
            level1="满意度指标",
            level2="服务对象满意度指标",
            level3="满意度",
            operator="定性",
            target_value=None,
            target_text="较满意",
            unit="%",
            actual_text="较满意",
            weight=D(10),
            score=D(10),
        ),
    ),
    (
        "001",
        {"line_no": 821},
        dict(
            table_no=3,
            project_code="51090424T000011818958",
            project_name="信创项目资金",
            level1="产出指标",
            level2="数量指标",
            level3="采购数量",
            operator="=",
            operator_printed="＝",
            target_value=D(1),
            unit="台",
            actual_value=D(1),
            weight=D(30),
            score=D(30),
        ),
    ),
    # --- seed 002, PDF text: rows wrapped over lines, target before operator ---
    (
        "002",
        {"line_no": 912},
        dict(
            table_code="B11",
            table_no=1,
            level3="开展督查次数",
            weight=D(9),
            weight_printed="9%",
            unit="次",
            operator="≥",
            target_value=D(70),
            target_text="70",
        ),
    ),
    (
        "002",
        {"line_no": 913},
        dict(
            level3="服务企业满意度",
            weight=D(5),
            unit=None,
            operator="定性",
            operator_printed=None,
            target_value=None,
            target_text="满意",
        ),
    ),
    (
        "002",
        {"line_no": 924},
        dict(level3="基本支出", weight=D(29), unit="万元", operator="=", target_value=D("1013.51")),
    ),
    (
        "002",
        {"line_no": 970},
        dict(
            table_code="B12",
            table_no=2,
            project_code="50015222T000000125711",
            project_name="区政府办政府会议专项",
            level1="产出指标",
            level2="数量指标",
            level3="区政府全体会议、区长办公会、专题会",
            target_value=D(168),
            operator="≥",
            unit="次",
            weight=None,
            actual_value=None,
        ),
    ),
    (
        "002",
        {"line_no": 974},
        dict(
            level2="成本指标",
            level3="会议系统维护",
            operator="=",
            operator_printed="＝",
            target_value=D(85000),
            unit="元",
        ),
    ),
    (  # 优良中 / 低差 / 定性 on three lines
        "002",
        {"line_no": 978},
        dict(
            level1="效益指标",
            level2="社会效益指标",
            level3="推进各项工作开展",
            operator="定性",
            target_text="优良中低差",
            target_value=None,
        ),
    ),
    (  # the name wraps around the target line (L1099–1104)
        "002",
        {"line_no": 1099},
        dict(
            table_no=4,
            level1="产出指标",
            level2="时效指标",
            level3="督促部门、镇街按照中央、国务院和市委、市政府有关工作和区委、区政府明确的既定目标、时间节点抓好工作贯彻落实。",
            operator="定性",
            target_text="完成",
        ),
    ),
    (
        "002",
        {"line_no": 1258},
        dict(
            level3="政府网站内容安全云检测（12 次*0.83万/次）", operator="=", target_value=D(10), unit="万元"
        ),
    ),
    (
        "002",
        {"line_no": 1328},
        dict(level2="时效指标", level3="重大突发事件调度时限", operator="定性", target_text="立即响应"),
    ),
    (  # 满意度指标 / 满意度指标 / 服务对象满意度指标 网上办结率 100 ＝ %
        "002",
        {"line_no": 1341},
        dict(
            level1="满意度指标",
            level2="服务对象满意度指标",
            level3="网上办结率",
            operator="=",
            target_value=D(100),
            unit="%",
        ),
    ),
    (
        "002",
        {"line_no": 1698},
        dict(
            level2="成本指标",
            level3="编制《调研文集》",
            operator="≥",
            target_value=D(1000),
            unit="元/户（套）",
        ),
    ),
    (  # the document's last row: the page debris after it ("40", the unit name) is not its name
        "002",
        {"line_no": 1772},
        dict(
            table_no=15,
            project_code="50015225T000005004660",
            project_name="招商外事专项",
            level3="满意度",
            target_value=D(90),
            unit="%",
        ),
    ),
    # --- seed 003, DOCX one cell per line (PS-GY layout: operator, value and unit in one cell) ---
    (
        "003",
        {"line_no": 196},
        dict(
            table_code="PS2",
            table_no=1,
            project_code=None,
            project_name="重点工作督导调研及乡村振兴帮扶经费",
            level1="产出指标",
            level1_inferred=False,
            level2="数量指标",
            level3="乡村振兴帮扶及调研",
            operator="≥",
            target_value=D(600),
            target_text="≥600次",
            unit="次",
            actual_value=D(655),
            actual_text="655次",
            weight=None,
            score=None,
            note="无",
        ),
    ),
    (  # an extra empty cell after the name
        "003",
        {"line_no": 212},
        dict(
            level2="数量指标",
            level3="重点项目建设监督审查个数",
            operator="≥",
            target_value=D(56),
            unit="个",
            actual_value=D(56),
            note="无",
        ),
    ),
    (  # "社会效益" / "指标" continued over two lines
        "003",
        {"line_no": 269},
        dict(
            level1="效益指标",
            level2="社会效益指标",
            level3="推动我区产业高质量发展",
            operator="定性",
            target_value=None,
            target_text="定性优",
            actual_text="优",
            unit=None,
        ),
    ),
    (  # 一级指标 not printed for the table's first group
        "003",
        {"line_no": 397},
        dict(
            table_no=2,
            project_name="2023年会议费",
            level1="产出指标",
            level1_inferred=True,
            level2="数量指标",
            level3="开展会议次数",
            operator="≥",
            target_value=D(600),
            actual_value=D(677),
            unit="次",
        ),
    ),
    (
        "003",
        {"line_no": 421},
        dict(
            level1="产出指标",
            level2="成本指标",
            level3="会议费",
            operator="≤",
            target_value=D("20.58"),
            unit="万元",
            actual_value=D("19.08"),
            actual_text="19.08万元",
        ),
    ),
    (
        "003",
        {"line_no": 563},
        dict(level3="非法集资发生率", operator="≤", target_value=D(98), unit="%", actual_value=D(0)),
    ),
    # --- seed 004, TSV (budget targets with weights and 是否核心) ---
    (
        "004",
        {"line_no": 310},
        dict(
            table_code="B11",
            table_no=1,
            level3="政务信息工作",
            weight=D(10),
            unit="条",
            operator="≥",
            target_value=D(500),
        ),
    ),
    (  # the orphan row that lost its leading label cell
        "004",
        {"line_no": 332},
        dict(
            table_code="B12",
            table_no=2,
            project_name="政务信息专项",
            level3='"民呼我为“系统使用培训记录条数',
            weight=D(10),
            operator="≥",
            target_value=D(40),
            unit="条",
            is_core=False,
        ),
    ),
    (
        "004",
        {"line_no": 359},
        dict(
            table_no=3,
            project_name="政府政务专项",
            level3="市政府值班视频系统正常运转率",
            weight=D(12),
            operator="=",
            target_value=D(100),
            unit="%",
            is_core=True,
        ),
    ),
    (
        "004",
        {"line_no": 398},
        dict(
            table_no=5,
            project_name="综合信息平台专项",
            level3="平台接通率",
            weight=D(20),
            operator="≥",
            target_value=D(98),
            unit="%",
            is_core=False,
        ),
    ),
]


@pytest.mark.parametrize(("seed", "where", "expected"), INDICATORS)
def test_indicator_rows_field_by_field(seed: str, where: dict[str, Any], expected: dict[str, Any]) -> None:
    row = one(frames(seed)["fact_performance_indicator"], **where)
    assert {k: row[k] for k in expected} == expected


FUNDS: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    (  # no unit printed: 元
        "000",
        {"line_no": 501},
        dict(
            table_code="PS1",
            line_key="fiscal",
            line_label="其中：财政拨款",
            initial_budget=D("17573249.31"),
            adjusted_budget=D("19890539.51"),
            executed=D("19890539.51"),
            execution_rate=D(100),
            rate_weight=D(10),
            rate_score=D(10),
            unit_printed=None,
        ),
    ),
    (
        "000",
        {"line_no": 795},
        dict(
            table_no=9,
            project_code="50015224T000004484492",
            line_key="total",
            initial_budget=D(0),
            adjusted_budget=D(500000),
            executed=D(500000),
            execution_rate=None,
        ),
    ),
    (  # 年度预算数（万元）
        "001",
        {"line_no": 521},
        dict(
            table_no=2,
            line_key="total",
            line_label="总额",
            initial_budget=D(500000),
            adjusted_budget=D(407300),
            executed=D(407300),
            execution_rate=D(100),
            rate_weight=D(10),
            rate_score=D("8.5"),
            unit_printed="万元",
        ),
    ),
    (
        "001",
        {"line_no": 561},
        dict(line_key="other", initial_budget=None, executed=None, rate_weight=None, weight_printed="/"),
    ),
    (
        "002",
        {"line_no": 886},
        dict(
            table_code="B11",
            line_key="total",
            line_label="部门支出预算数",
            initial_budget=D(22185100),
            executed=None,
            unit_printed="万元",
        ),
    ),
    (
        "002",
        {"line_no": 1435},
        dict(
            table_code="B12",
            table_no=9,
            project_code="50015225T000004992878",
            line_key="total",
            initial_budget=D(3000000),
        ),
    ),
    (
        "003",
        {"line_no": 332},
        dict(
            table_no=2,
            line_key="total",
            line_label="年度资金总额",
            initial_budget=D(205800),
            adjusted_budget=D(205800),
            executed=D(190800),
            execution_rate=D("92.71"),
            unit_printed="万元",
        ),
    ),
    (
        "003",
        {"line_no": 346},
        dict(table_no=2, line_key="gpb", line_label="1.一般公共预算", executed=D(190800)),
    ),
    (
        "004",
        {"line_no": 300},
        dict(table_code="B11", line_key="total", initial_budget=D(16648000), unit_printed="万元"),
    ),
    (
        "004",
        {"line_no": 323},
        dict(
            table_code="B12",
            table_no=2,
            project_name="政务信息专项",
            line_label="当年预算",
            initial_budget=D(43200),
        ),
    ),
]


@pytest.mark.parametrize(("seed", "where", "expected"), FUNDS)
def test_money_block_field_by_field(seed: str, where: dict[str, Any], expected: dict[str, Any]) -> None:
    row = one(frames(seed)["fact_performance_budget"], **where)
    assert {k: row[k] for k in expected} == expected


def test_money_lines_per_table() -> None:
    # 000: 3 lines per table; 001: 5 per project table; 003: 7 per table; budgets: one amount each
    assert frames("000")["fact_performance_budget"].height == 11 * 3
    assert frames("001")["fact_performance_budget"].height == 2 * 5
    assert frames("003")["fact_performance_budget"].height == 11 * 7
    assert frames("002")["fact_performance_budget"].height == 15
    assert frames("004")["fact_performance_budget"].height == 5


def test_table_heads() -> None:
    heads = frames("000")["doc_performance_table"]
    assert heads["total_score"].to_list() == [D(100)] * 11
    assert one(heads, table_no=1)["supervising_dept"] == "312-政府办"
    sn = frames("001")["doc_performance_table"]
    assert sn["total_score"].to_list() == [D("98.6"), D("98.5"), D(100)]  # the 合计 rows
    assert one(sn, table_no=2)["implementing_unit"] == "中共遂宁市安居区委目标绩效管理办公室"
    budget = one(frames("002")["doc_performance_table"], table_no=1)
    assert (budget["table_kind"], budget["dept_name"], budget["line_no"]) == (
        "targets_whole",
        "重庆市潼南区人民政府办公室（本级）",
        883,
    )
    assert one(frames("003")["doc_performance_table"], table_no=11)["line_no"] == 1774


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("# 2024 年度部门整体绩效自评表", "PS1"),
        ("## 2024 年度二级项目绩效自评表", "PS2"),
        (" \t部门整体支出绩效自评表", "PS1"),
        ("\t部门预算项目支出绩效自评表（2024年度）", "PS2"),
        ("重庆市潼南区人民政府办公室(本级)预算整体绩效目标表", "B11"),
        (" 重庆市潼南区人民政府办公室 2025 年预算项目绩效目标表-14", "B12"),
        ("2024年重庆市南岸区人民政府办公室项目绩效目标表（一级项目）", "B12"),
        ("详见单位的项目绩效目标表", None),  # sh_putuo_zfb_2025 p.22: a pointer, not a title
        ("附表：1.部门整体支出绩效自评表", None),
        ("以填报目标自评表形式开展自评 113 项", None),
    ],
)
def test_titles(line: str, code: str | None) -> None:
    assert performance_title_code(line) == code


@pytest.mark.parametrize(
    ("printed", "split"),
    [
        ("≥600次", ("≥", D(600), "次")),
        ("定性优", ("定性", None, "优")),
        ("=1年", ("=", D(1), "年")),
        ("≤60.7864万元", ("≤", D("60.7864"), "万元")),
        ("98%", (None, D(98), "%")),
        ("14,859,110.71", (None, D("14859110.71"), "")),
        ("按要求适时完成", (None, None, "按要求适时完成")),
    ],
)
def test_split_value(printed: str, split: tuple[str | None, Decimal | None, str]) -> None:
    assert split_value(printed) == split


@pytest.mark.slow  # reads a real PDF: full suite only
def test_pdf_project_targets_over_two_pages(tmp_path: Path) -> None:
    """A ruled 项目绩效目标表 drawn from seed 002's 附件12-2 (L985–1042), its rows split over two pages."""
    pdf = render(PROJECT_TARGETS, tmp_path / "b12.pdf", ruled=True, split_after=2)
    f = performance_frames(extract_document(pdf))
    rows = f["fact_performance_indicator"].sort("row_no")
    assert rows.select("level1", "level2", "level3", "operator", "target_text", "unit", "page").rows() == [
        ("产出指标", "数量指标", "接待港澳、外国政商代表团", "≥", "6", "次", 1),
        ("产出指标", "质量指标", "外事活动", "定性", "完成", None, 1),
        ("满意度指标", "服务对象满意度指标", "满意度", "≥", "90", "%", 2),
        ("成本指标", "经济成本指标", "印制海外领事保护、文明出境游等外事宣传资料", "≥", "5", "万元", 2),
    ]
    assert set(rows["project_code"]) == {"50015224T000004234154"}
    fund = one(f["fact_performance_budget"], line_key="total")
    assert (fund["initial_budget"], fund["page"]) == (D(200000), 1)


@pytest.mark.slow  # reads a real PDF: full suite only
def test_budget_pdf_that_only_points_at_the_targets() -> None:
    """sh_putuo_zfb_2025 says "详见单位的项目绩效目标表" (p.22) but prints no such table."""
    f = performance_frames(extract_document(SAMPLES / "sh_putuo_zfb_2025_bumen_yusuan.pdf"))
    assert all(frame.height == 0 for frame in f.values())


@pytest.mark.slow  # reads a real PDF: full suite only
def test_loaded_into_the_warehouse(warehouse: Path) -> None:
    (path,) = SEEDS.glob("004_*.txt")
    doc = extract_document(path)
    result = normalise_document(doc)
    with writer(warehouse) as con:
        load_document(con, doc, result.facts, result.tables, result.extras)
        counts = con.execute(
            """
            select table_no, count(*), sum(weight) from fact_performance_indicator
            where document_id = ? group by table_no order by table_no
            """,
            [doc.document_id],
        ).fetchall()
        budget = con.execute(
            "select sum(initial_budget) from fact_performance_budget where table_code = 'B12'"
        ).fetchone()
        heads = con.execute("select count(*) from doc_performance_table").fetchone()
    # weights: 表十 12×5 + 10×4 = 100 (P11); 表十一 10+30+40+10, 6×8+10×3+12, 40+30+20, 40+20+10+20 = 90 (P10)
    assert counts == [(1, 9, D(100)), (2, 4, D(90)), (3, 12, D(90)), (4, 3, D(90)), (5, 4, D(90))]
    assert budget == (D("2903600.00"),)  # 4.32 + 126.00 + 118.04 + 42.00 万元 = 290.36 万元 (X28)
    assert heads == (5,)
