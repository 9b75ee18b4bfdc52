"""The rule false alarms of issue 9, and one real publication error of each rule touched.

The 说明 texts are typed from the real pages (tests/fixtures/real: 长春市信访局 2026 p16–18, 国家信访局 2026
p18–23, 西南大学 2021 p9–12 and 2024 p12–14, 江苏省人民检察院 2018 p23–25); the B03 tables are the
shapes of 湖州市财政局 2026 (表06, a 303 row split over both columns) and 西安市财政局 2026 (表8, the
政府经济分类 list printed beside the 部门 one). Each class of false alarm must give no failed check, and
each real error must still fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import duckdb
import polars as pl
import pytest

from pipelines.extract.types import DocumentMeta, ExtractedDocument, TextBlock
from pipelines.load.warehouse import load_document, writer
from pipelines.normalise.frames import FACT_SCHEMA, TABLE_SCHEMA
from pipelines.normalise.narrative import narrative_figures
from pipelines.validate.engine import collect_checks
from pipelines.validate.rules import load_rules

CHANGCHUN = {
    16: ("2026 年驻京经费 312.00\n1、支付 2026 年驻京房租费 249.8 万元。\n2、报销驻京人员差旅费 26 万元。"),
    17: (
        "第三部分 2026年部门预算情况说明\n一、收支总表情况说明\n2026年预算收入1682.76万元。"
        "其中当年预算1682.76万。2026年\n预算支出1682.76元，其中基本支出预算1208.20万元，占"
        "部门预算总\n支出的71.80%；项目支出预算474.56万元，占部门预算总支出的\n28.20%。2026"
        "年预算比2025年预算增加50.32万元，增长3.08%。主要是\n人员经费的正常增长。\n三、支出"
        "总表情况说明\n2026年支出总计1682.76万元。其中:基本支出合计为1208.20\n万元，项目支"
        "出合计为474.56万元。\n四、财政拨款收支总表情况说明\n2026年财政拨款收入1682.76万元"
        "同比上年增长3.08%。其中当年\n预算1682.76万元。2026年财政拨款支出1682.76万元，其中"
        "基本支出预\n算1208.20万元，占部门预算总支出的71.80%；项目支出预算474.56万\n元，占"
        "部门预算总支出的28.20%。"
    ),
    18: (
        "九、机关运行经费安排使用情况说明\n2026年长春市信访局（本级）系统机关运行经费预算总"
        "计211\n万元， 占基本支出经费的17.46%，其中主要支出为办公费34.82万元，\n其他交通费 "
        "54.08万元，差旅费10万元，培训费3.98万元，印刷费\n1.50万元。"
    ),
}
GJXFJ = {
    18: (
        "三、关于部门支出总表的说明\n2026 年国家信访局支出预算总计 50,616.94 万元，其中，\n"
        "基本支出 11,056.07 万元，占 21.84%；项目支出 39,560.87\n万元，占 78.16%。\n四、关"
        "于财政拨款收支总表的说明\n2026 年国家信访局财政拨款收支总预算 18,728.91 万\n元。收"
        "入全部为一般公共预算拨款，包括：一般公共预算当年拨款收入\n16,474.82 万元、上年结转"
        " 2,254.12 万元；支出包括：一般公\n共服务支出 15,291.3 万元，占 81.65%；教育支出 11"
        "8.01 万\n元，占0.63%；社会保障和就业支出2,208.19万元，占11.79%；\n住房保障支出 1,1"
        "11.44 万元，占 5.93%。"
    ),
    20: (
        "（二）一般公共预算当年拨款结构情况\n按照支出功能分类，2026 年，一般公共服务（类）"
        "支出\n13,144.37 万元，占 79.78%；教育（类）支出 118.01 万元，\n占 0.72%；社会保障"
        "和就业（类）支出 2,156.86 万元，占\n13.09%；住房保障（类）支出 1,055.58 万元，占 6"
        ".41%。"
    ),
    23: (
        "六、关于一般公共预算基本支出表的说明\n国家信访局2026年一般公共预算基本支出9,880.88"
        "万元，其中：\n人员经费7,504.62万元；公用经费2,376.26万元。"
    ),
}
SWU_2021 = {
    9: (
        "三、部门预算情况说明\n（一）收支预算情况说明\n我校 2021 年收支总预算 490,808.40 万"
        "元，其中本年收\n入预算 390,140.45 万元，使用非财政拨款结余 18,953.73\n万元，上年结"
        "转 81,714.17 万元；本年支出预算 415,808.40\n万元，结转下年 75,000.00 万元。"
    ),
    10: (
        "（二）收入预算情况说明\n我校 2021 年收入预算 490,808.40 万元（本年预算收入\n390,14"
        "0.45 万元），其中：一般公共预算拨款收入 216,552.53\n万元，占总收入的 44.12%；事业"
        "收入 124,020.47 万元，占\n总收入的 25.27%;其他收入 49,567.45 万元，占总收入的\n10."
        "10%；使用非财政拨款结余 18,953.78 万元，占总收入的\n3.86%；上年结转 81,714.17 万元"
        "，占总收入的 16.65%。"
    ),
    11: (
        "（三）支出预算情况说明\n我校 2021 年支出预算 490,808.40 万元（本年支出预算\n415,80"
        "8.40 万元），其中：教育支出 398,593.09 万元，占总\n支出的 81.21%；科学技术支出 1,5"
        "12.90 万元，占 0.31%；\n住房保障支出 15,702.41 万元，占 3.2%；结转下年 75,000.00\n"
        "万元，占总支出的 15.28%。"
    ),
    12: (
        "（四）财政拨款支出预算情况说明\n我校 2021 年财政拨款支出预算 216,552.53 万元，其中"
        "\n教育支出预算数为 207,796.18 万元，占本年财政拨款的\n95.96%；科学技术支出预算数为"
        " 1,512.9 万元，占比 0.7%；\n住房改革支出预算数为 7,243.45 万元，占比 3.34%。"
    ),
}
SWU_2024 = {
    13: (
        "（三）支出预算情况说明\n我校 2024 年本年支出预算 486,554.95 万元，其中：教\n育支出"
        " 452,738.18 万元，占 93.05%；科学技术支出 1,989.01\n万元，占 0.41%；社会保障和就业"
        "支出 15,485.07 万元，占\n3.18%；住房保障支出 16,233.19 万元，占 3.34%；其他支出\n1"
        "09.50 万元，占 0.02%。\n（四）财政拨款支出预算情况说明\n我校 2024 年本年财政拨款支"
        "出预算 244,675.66 万元，\n其中教育支出 220,139.76 万元，占 89.97%；科学技术支出"
    ),
    14: (
        "1,723.93 万元，占 0.71%；社会保障和就业支出 15,077.81 万\n元，占 6.16%；住房保障支"
        "出 7,624.66 万元，占 3.12%，其\n他支出 109.50 万元，占 0.04%。"
    ),
}
JS_JCY = {
    23: (
        "一、收支预算总体情况说明\n江苏省人民检察院2018年度收入、支出预算总计21,955.35万元"
        "，与上年相比收、支预算总计各增加3,958.67万元，增长21.95%。"
    ),
    25: (
        "二、收入预算情况说明\n省检察院本年收入预算合计21,955.35万元，其中：一般公共预算收"
        "入21,940.96万元，占99.94%；其他资金14.39万元，占0.06%；"
    ),
}

NARRATIVE_RULES = ("N15", "N15C", "N17", "N17B", "N17C", "N18", "N18B")


def _document(name: str, kind: str) -> ExtractedDocument:
    return ExtractedDocument(f"typed/{name}", name.ljust(64, "0"), "pdf", 0, DocumentMeta(kind, 2026), [])


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    with writer(tmp_path_factory.mktemp("false_alarms") / "w.duckdb") as connection:
        yield connection


def _narrative_failures(con: duckdb.DuckDBPyConnection, name: str, pages: dict[int, str]) -> list[tuple]:
    """Failed checks (rule, row_key, measure) of the narrative rules on a budget whose 说明 is `pages`."""
    doc = _document(name, "budget")
    texts = [TextBlock(text, page=page) for page, text in pages.items()]
    figures = narrative_figures(texts, doc.document_id)
    load_document(
        con, doc, pl.DataFrame(schema=FACT_SCHEMA), pl.DataFrame(schema=TABLE_SCHEMA),
        {"fact_narrative_figure": figures},
    )  # fmt: skip
    rules = [r for r in load_rules() if r.id in NARRATIVE_RULES]
    checks = collect_checks(con, doc.document_id, rules)
    failed = checks.filter(pl.col("slack") < 0)
    return sorted(zip(failed["rule_id"], failed["row_key"], failed["measure"], strict=True))


def test_changchun_shares_growth_and_travel_are_not_findings(con: duckdb.DuckDBPyConnection) -> None:
    """基本支出合计 is the 基本支出; "2026年预算比2025年预算增加" is the whole budget's change, not the
    项目支出's; the 差旅费 of a project (p16) is not the 机关运行经费's (p18, another section)."""
    assert _narrative_failures(con, "jl_cc", CHANGCHUN) == []


def test_changchun_figures_take_the_metric_their_words_name() -> None:
    df = narrative_figures([TextBlock(t, page=p) for p, t in CHANGCHUN.items()], "d")
    basic = df.filter((pl.col("value_printed") == "1208.20万元") & (pl.col("kind") == "amount"))
    assert basic["metric"].unique().to_list() == ["basic_expenditure"]  # 基本支出合计为1208.20万元 too
    project = df.filter(pl.col("metric") == "project_expenditure")
    assert project.filter(pl.col("kind").is_in(["change", "change_pct"])).height == 0
    travel = df.filter(pl.col("metric") == "travel_fee").sort("figure_no")
    assert travel["section_no"].n_unique() == 2


def test_gjxfj_scopes_are_not_mixed(con: duckdb.DuckDBPyConnection) -> None:
    """The 类 of 财政拨款 (with 上年结转, p18) and of 一般公共预算当年拨款 (p20) differ; 一般公共预算基本支出
    is not the department's 基本支出."""
    assert _narrative_failures(con, "gjxfj", GJXFJ) == []
    df = narrative_figures([TextBlock(t, page=p) for p, t in GJXFJ.items()], "d")
    basic = df.filter(pl.col("value_printed") == "9,880.88万元")
    assert basic["metric"].to_list() == ["gpb_basic_expenditure"]


def test_swu_2024_classes_of_two_sections(con: duckdb.DuckDBPyConnection) -> None:
    assert _narrative_failures(con, "swu_2024", SWU_2024) == []


def test_swu_2021_only_the_real_error_is_left(con: duckdb.DuckDBPyConnection) -> None:
    """本年支出预算 415,808.40 is not the 支出预算 490,808.40; 住房改革支出预算数 is an item, not the total;
    but 使用非财政拨款结余 18,953.73 (p9) against 18,953.78 (p10) is a publication error."""
    assert _narrative_failures(con, "swu_2021", SWU_2021) == [("N17B", "use_of_nonfiscal_surplus", "actual")]
    df = narrative_figures([TextBlock(t, page=p) for p, t in SWU_2021.items()], "d")
    item = df.filter(pl.col("value_printed") == "7,243.45万元")
    assert item.height == 0  # a 款 amount whose code the sentence does not resolve: left out
    own_year = df.filter(pl.col("subject").str.starts_with("本年") & (pl.col("kind") == "amount"))
    assert sorted(own_year["value_printed"].unique()) == ["390,140.45万元", "415,808.40万元"]


def test_jiangsu_procuratorate_growth_and_share_still_fail(con: duckdb.DuckDBPyConnection) -> None:
    """3,958.67 / 17,996.68 is 22.00 %, printed 21.95 %; 21,940.96 / 21,955.35 is 99.93 %, printed 99.94 %."""
    failures = _narrative_failures(con, "js_jcy", JS_JCY)
    assert ("N15", "total_income_expenditure", "prior_year") in failures
    assert ("N18", "gpb_income", "total_income") in failures


# ---------------------------------------------------------------------------------------------
# R09b: 合计 人员经费 = 301 + 303, 公用经费 = the other classes, on one list that follows that split
# ---------------------------------------------------------------------------------------------

B03Row = tuple[str | None, str | None, str, str, str, str]  # econ, gov econ, label, total, personnel, public


def _b03_failures(con: duckdb.DuckDBPyConnection, name: str, rows: list[B03Row]) -> tuple[int, int]:
    """(checks, failed checks) of R09b on a budget whose B03 prints `rows`."""
    doc = _document(name, "budget")
    records = [
        dict.fromkeys(FACT_SCHEMA)
        | {
            "document_id": doc.document_id, "table_code": "B03", "table_title": "一般公共预算基本支出表",
            "econ_code": econ, "gov_econ_code": gov, "line_label": label, "measure": measure,
            "amount": Decimal(amount) * 10000, "is_blank": False, "unit_printed": "万元",
            "value_printed": amount,
            "row_no": i + 1, "page": 1,
        }
        for i, (econ, gov, label, *amounts) in enumerate(rows)
        for measure, amount in zip(("total", "personnel", "public_operating"), amounts, strict=True)
    ]  # fmt: skip
    load_document(con, doc, pl.DataFrame(records, schema=FACT_SCHEMA), pl.DataFrame(schema=TABLE_SCHEMA))
    checks = collect_checks(con, doc.document_id, [r for r in load_rules() if r.id == "R09b"])
    return checks.height, checks.filter(pl.col("slack") < 0).height


def test_r09b_a_class_row_split_over_both_columns_states_its_own_split(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """湖州 表06: 303 prints 300.20 人员经费 and 14.90 公用经费 (其他对个人和家庭的补助); 合计 follows it."""
    rows: list[B03Row] = [
        (None, None, "合计", "5571.66", "4945.00", "626.66"),
        ("301", None, "工资福利支出", "4644.80", "4644.80", "0"),
        ("302", None, "商品和服务支出", "592.76", "0", "592.76"),
        ("303", None, "对个人和家庭的补助", "315.10", "300.20", "14.90"),
        ("310", None, "资本性支出", "19.00", "0", "19.00"),
    ]
    assert _b03_failures(con, "b03_split", rows) == (0, 0)


def test_r09b_a_government_economic_list_beside_decides_the_split(con: duckdb.DuckDBPyConnection) -> None:
    """西安 表8: 30239 其他交通费用 paid as 50101 is 人员经费; each code is printed once per 政府经济 code."""
    rows: list[B03Row] = [
        (None, None, "合计", "300.00", "150.00", "150.00"),
        ("301", None, "工资福利支出", "100.00", "100.00", "0"),
        ("30101", "50101", "基本工资", "80.00", "80.00", "0"),
        ("30101", "50501", "基本工资", "20.00", "20.00", "0"),
        ("302", None, "商品和服务支出", "200.00", "50.00", "150.00"),
        ("30239", "50101", "其他交通费用", "50.00", "50.00", "0"),
        ("30201", "50201", "办公费", "150.00", "0", "150.00"),
    ]
    assert _b03_failures(con, "b03_two_lists", rows) == (0, 0)


def test_r09b_still_fails_where_one_list_does_not_add_up(con: duckdb.DuckDBPyConnection) -> None:
    """One list, every class in one column, 合计 公用经费 not the 302 class (seed 002 E-3's shape)."""
    rows: list[B03Row] = [
        (None, None, "合计", "1014.50", "807.37", "207.13"),
        ("301", None, "工资福利支出", "725.33", "725.33", "0"),
        ("302", None, "商品和服务支出", "189.20", "0", "189.20"),
        ("303", None, "对个人和家庭的补助", "82.04", "82.04", "0"),
    ]
    assert _b03_failures(con, "b03_wrong", rows) == (2, 1)
