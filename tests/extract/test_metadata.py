"""Metadata read from the document's text: kind, year, region, department, scope (issue 9 §5).

The expected values were typed from each document's cover, title and table pages (rendered and
read), not from the extractor's output nor from the file names, which are often wrong
(`sn_xa_ajj_2019` is 西安市安全生产监督管理局, `cn_gjxfj` is 国家信访局).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from pipelines import REFERENCE_DIR
from pipelines.extract.document import extract_document
from pipelines.extract.metadata import detect_metadata, region_of
from pipelines.extract.pdf import read_page_texts
from pipelines.extract.types import DocumentMeta
from tests.conftest import PROJECT, SEEDS

REAL = PROJECT / "tests" / "fixtures" / "real"
SAMPLES = PROJECT / "data" / "samples"
FIELDS = ("doc_kind", "fiscal_year", "province", "city", "county", "department", "scope", "admin_level")

SH, PT = "上海市", "普陀区"
# file → (kind, year, province, city, county, department, scope, admin level), from the cover
EXPECTED: dict[str, tuple] = {
    # "国家信访局 2026 年度部门预算": a central department, no region
    "cn_gjxfj_2026_yusuan.pdf": ("budget", 2026, None, None, None, "国家信访局", "部门", "中央"),
    # "2026 年深圳市财政局（本级）部门预" / "算": the title runs onto a second line
    "gd_sz_czj_2026_yusuan.pdf": ("budget", 2026, "广东省", "深圳市", None, "深圳市财政局", "本级", "市级"),
    # "上海市普陀区2026年区级部门预算" / "预算主管部门：上海市普陀区司法局"
    "govbc_tmp_dept_budget.pdf": ("budget", 2026, SH, None, PT, "上海市普陀区司法局", "部门", "县级"),
    # ". 长春市信访局（本级）" / "2026年度部门预算公开" (a stray dot before the name)
    "jl_cc_xfj_2026_yusuan.pdf": ("budget", 2026, "吉林省", "长春市", None, "长春市信访局", "本级", "市级"),
    # "2018 年度江苏省高级" / "人民法院预算公开"; 部门 from "第一部分 部门概况"
    "js_sheng_gjfy_2018_yusuan.pdf": (
        "budget",
        2018,
        "江苏省",
        None,
        None,
        "江苏省高级人民法院",
        "部门",
        "省级",
    ),
    "js_sheng_jcy_2018_yusuan.pdf": (
        "budget",
        2018,
        "江苏省",
        None,
        None,
        "江苏省人民检察院",
        "部门",
        "省级",
    ),
    "js_sheng_rdcwh_2019_yusuan.pdf": (
        "budget",
        2019,
        "江苏省",
        None,
        None,
        "江苏省人大常委会办公厅",
        "部门",
        "省级",
    ),
    # tables only: "部门：中共江苏省委办公厅" above each table, no year printed anywhere
    "js_sheng_swbgt_2019_yusuan_tables.pdf": (
        "budget",
        None,
        "江苏省",
        None,
        None,
        "中共江苏省委办公厅",
        "部门",
        "省级",
    ),
    # the narrative half of the same publication: its cover says "江苏省委办公厅"
    "js_sheng_swbgt_2019_yusuan_text.pdf": (
        "budget",
        2019,
        "江苏省",
        None,
        None,
        "江苏省委办公厅",
        "部门",
        "省级",
    ),
    # a page number "1" above "江苏省政协办公厅 2017 年度部门预算"
    "js_sheng_zxbgt_2017_yusuan.pdf": (
        "budget",
        2017,
        "江苏省",
        None,
        None,
        "江苏省政协办公厅",
        "部门",
        "省级",
    ),
    "sd_yt_czj_2026_yusuan.pdf": ("budget", 2026, "山东省", "烟台市", None, "烟台市财政局", "部门", "市级"),
    "sh_putuo_shehuifuliyuan_2024_danwei_yusuan.pdf": (
        "budget",
        2024,
        SH,
        None,
        PT,
        "上海市普陀区社会福利院",
        "单位",
        "县级",
    ),
    # "中共上海市普陀区委" / "社会工作部 2024 年度" / "部门决算"
    "sh_putuo_shgzb_2024_juesuan.pdf": (
        "final_account",
        2024,
        SH,
        None,
        PT,
        "中共上海市普陀区委社会工作部",
        "部门",
        "县级",
    ),
    "sh_putuo_sww_2025_bumen_yusuan.pdf": (
        "budget",
        2025,
        SH,
        None,
        PT,
        "上海市普陀区商务委员会",
        "部门",
        "县级",
    ),
    "sh_putuo_wanli_jiedao_2023_yusuan.pdf": (
        "budget",
        2023,
        SH,
        None,
        PT,
        "上海市普陀区人民政府万里街道办事处",
        "部门",
        "县级",
    ),
    "sh_putuo_wanli_jiedao_2024_yusuan.pdf": (
        "budget",
        2024,
        SH,
        None,
        PT,
        "上海市普陀区人民政府万里街道办事处",
        "部门",
        "县级",
    ),
    "sh_putuo_zfb_2025_bumen_yusuan.pdf": (
        "budget",
        2025,
        SH,
        None,
        PT,
        "上海市普陀区人民政府办公室",
        "部门",
        "县级",
    ),
    # "附件2" / "2019年部门综合预算公开报表" / "部门名称：西安市安全生产监督管理局"
    "sn_xa_ajj_2019_yusuan.pdf": (
        "budget",
        2019,
        "陕西省",
        "西安市",
        None,
        "西安市安全生产监督管理局",
        "部门",
        "市级",
    ),
    "sn_xa_czj_2026_yusuan.pdf": ("budget", 2026, "陕西省", "西安市", None, "西安市财政局", "汇总", "市级"),
    # a page number "1" above "西南大学" / "2021 年度部门预算"; directly under 教育部: central
    "swu_2021_yusuan.pdf": ("budget", 2021, None, None, None, "西南大学", "部门", "中央"),
    "swu_2024_yusuan.pdf": ("budget", 2024, None, None, None, "西南大学", "部门", "中央"),
    # the blank template "上海市 XX 局 / 2024 年度部门决算": the name is a placeholder
    "template_bumen_juesuan.pdf": ("final_account", 2024, SH, None, None, None, "部门", None),
    "zj_huzhou_czj_2026_yusuan.pdf": (
        "budget",
        2026,
        "浙江省",
        "湖州市",
        None,
        "湖州市财政局",
        "部门",
        "市级",
    ),
    # a scan ("2023年度长沙市公安局交通警察支队专项资金绩效评价结果" on the image): no text to read
    "hn_cs_jjzd_scan_other.pdf": (None, None, None, None, None, None, None, None),
}
SEED_EXPECTED: dict[str, tuple] = {
    # "# 重庆市潼南区人民政府办公室 2024 年度决算说明"; "二、部门决算收支情况说明"
    "000": ("final_account", 2024, "重庆市", None, "潼南区", "重庆市潼南区人民政府办公室", "部门", "县级"),
    # no title: "第二部分 2024年度部门决算情况说明" and the 自评表's "主管部门" cell
    "001": (
        "final_account",
        2024,
        "四川省",
        "遂宁市",
        "安居区",
        "中共遂宁市安居区委目标绩效管理办公室",
        "部门",
        "县级",
    ),
    "002": ("budget", 2025, "重庆市", None, "潼南区", "重庆市潼南区人民政府办公室", "本级", "县级"),
    # "2023年度" / "广元市昭化区人民政府" / "办公室单位决算"
    "003": (
        "final_account",
        2023,
        "四川省",
        "广元市",
        "昭化区",
        "广元市昭化区人民政府办公室",
        "单位",
        "县级",
    ),
    "004": ("budget", 2024, "重庆市", None, "南岸区", "重庆市南岸区人民政府办公室", "部门", "县级"),
}


def _fields(meta: DocumentMeta) -> tuple:
    return tuple(getattr(meta, f) for f in FIELDS)


def pdf_metadata(path: Path) -> DocumentMeta:
    """What extract_document reads, without the table finder: the cover is the first two pages,
    the body every page, the table codes those of the titles on the pages."""
    pages = read_page_texts(path)
    codes = [code for p in pages for code in p.title_codes()]
    head = [ln for p in pages[:2] for ln in p.lines]
    return detect_metadata(head, codes, [ln for p in pages for ln in p.lines])


@pytest.mark.slow  # reads a real PDF: full suite only
@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if "scan" not in n))
def test_real_pdf_metadata(name: str) -> None:
    meta = pdf_metadata(REAL / name)
    assert dict(zip(FIELDS, _fields(meta), strict=True)) == dict(zip(FIELDS, EXPECTED[name], strict=True))


def test_every_real_pdf_and_sample_has_expected_values() -> None:
    """A new file in fixtures/real or data/samples must get its typed expectation here."""
    assert {p.name for p in REAL.glob("*.pdf")} == set(EXPECTED)
    assert {p.name for p in SAMPLES.glob("*.pdf")} <= set(EXPECTED)


@pytest.mark.parametrize("seed", sorted(SEED_EXPECTED))
def test_seed_metadata(seed: str) -> None:
    (path,) = SEEDS.glob(f"{seed}_*.txt")
    meta = extract_document(path).meta
    assert dict(zip(FIELDS, _fields(meta), strict=True)) == dict(
        zip(FIELDS, SEED_EXPECTED[seed], strict=True)
    )
    assert meta.notes == []


@pytest.mark.slow  # reads a real PDF: full suite only
def test_tables_only_file_says_why_the_year_is_missing() -> None:
    doc = extract_document(REAL / "js_sheng_swbgt_2019_yusuan_tables.pdf")
    assert _fields(doc.meta) == EXPECTED["js_sheng_swbgt_2019_yusuan_tables.pdf"]
    assert doc.meta.notes == ["fiscal_year: no year in the title or the part headings"]


def test_scanned_file_has_no_metadata_and_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    """With OCR switched off a scan has no text to read metadata from (with OCR: test_ocr.py)."""
    monkeypatch.setenv("YUJUESUAN_OCR", "0")
    doc = extract_document(REAL / "hn_cs_jjzd_scan_other.pdf")
    assert doc.status == "failed"
    assert _fields(doc.meta) == EXPECTED["hn_cs_jjzd_scan_other.pdf"]
    assert doc.meta.notes == ["metadata: not read, the file's text is unreadable (scanned)"]


@pytest.mark.slow  # reads a real PDF: full suite only
def test_central_and_placeholder_notes() -> None:
    central = pdf_metadata(REAL / "swu_2024_yusuan.pdf")
    assert central.notes == ["region: a central (中央) department has no province, city or county"]
    template = pdf_metadata(REAL / "template_bumen_juesuan.pdf")
    assert template.notes == ["department: '上海市XX局' is a template placeholder"]


# --- cover shapes that gave fragments before (issue 9: `-1-松坪县公安局`, `局`, `第二部分`, …) -----------


@pytest.mark.parametrize(
    ("lines", "department", "region"),
    [
        (["-1-", "松坪县公安局", "2024年度部门决算"], "松坪县公安局", (None, None, "松坪县")),
        (["-1-松坪县公安局2024年度部门决算"], "松坪县公安局", (None, None, "松坪县")),
        (["— 2 —", "松坪县公", "安局", "2024年部门预算"], "松坪县公安局", (None, None, "松坪县")),
        (
            ["重", "庆市桐坪区农业农村委员会", "2024年度部门决算"],
            "重庆市桐坪区农业农村委员会",
            ("重庆市", None, "桐坪区"),
        ),
        (["1", "西南大学", "2021 年度部门预算", "2021 年 4 月"], "西南大学", (None, None, None)),
        (
            [". 长春市信访局（本级）", "2026年度部门预算公开", "初审：徐 宁"],
            "长春市信访局",
            ("吉林省", "长春市", None),
        ),
        (
            ["附件2", "2019年部门综合预算公开报表", " 部门名称：西安市安全生产监督管理局"],
            "西安市安全生产监督管理局",
            ("陕西省", "西安市", None),
        ),
        (["1江苏省政协办公厅 2017 年度部门预算", "目 录"], "江苏省政协办公厅", ("江苏省", None, None)),
        (["恩施州民政局", "2024年部门预算"], "恩施州民政局", ("湖北省", "恩施土家族苗族自治州", None)),
        (
            ["2024年度", "济南市市中区教育局", "部门决算"],
            "济南市市中区教育局",
            ("山东省", "济南市", "市中区"),
        ),
        (["二〇二四年度部门决算", "松坪县公安局", "二〇二五年九月"], "松坪县公安局", (None, None, "松坪县")),
    ],
)
def test_cover_fragments_are_not_names(lines: list[str], department: str, region: tuple) -> None:
    meta = detect_metadata(lines)
    assert meta.department == department and meta.fiscal_year in (2017, 2019, 2021, 2024, 2026)
    assert (meta.province, meta.city, meta.county) == region


def test_a_part_heading_is_never_a_department() -> None:
    meta = detect_metadata(["第二部分 2024年度部门决算情况说明", "一、收入支出决算总体情况说明"])
    assert (meta.doc_kind, meta.fiscal_year, meta.department) == ("final_account", 2024, None)
    assert "department: no department name in the title or a 部门名称/预算单位 line" in meta.notes


def test_the_most_frequent_labelled_department_of_the_table_pages() -> None:
    body = ["部门名称：深圳市财政局（本级） 单位：万元"] * 3 + [
        "部门名称：深圳市财政局机关服务中心 单位：万元"
    ]
    meta = detect_metadata(["2026年部门预算"], ["B01"], body)
    assert (meta.department, meta.scope, meta.city) == ("深圳市财政局", "本级", "深圳市")


def test_a_short_label_does_not_replace_the_title() -> None:
    """Seed 000 prints "部门：政府办" under every table: the title's full name stays."""
    body = ["重庆市潼南区人民政府办公室 2024 年度决算说明"] + ["部门：政府办"] * 9
    assert detect_metadata(body[:1], [], body).department == "重庆市潼南区人民政府办公室"
    # nor does a subordinate unit whose tables outnumber the department's
    body = ["深圳市财政局2026年部门预算"] + ["单位名称：深圳市财政局机关服务中心 单位：万元"] * 5
    assert detect_metadata(body[:1], [], body).department == "深圳市财政局"
    # but the tables' full name completes the cover's short one
    body = ["江苏省委办公厅2019年度部门预算公开"] + ["部门：中共江苏省委办公厅 单位：万元"] * 2
    assert detect_metadata(body[:1], [], body).department == "中共江苏省委办公厅"


def test_performance_evaluation_is_not_a_budget() -> None:
    meta = detect_metadata(["2023年度长沙市公安局交通警察支队", "专项资金绩效评价结果"])
    assert (meta.doc_kind, meta.fiscal_year, meta.department) == (
        "performance",
        2023,
        "长沙市公安局交通警察支队",
    )
    assert detect_metadata(["XX区财政局2024年部门预算项目支出绩效自评报告"]).doc_kind == "performance"
    assert detect_metadata(["XX区财政局2024年部门预算公开"]).doc_kind == "budget"


@pytest.mark.parametrize(
    ("name", "region"),
    [
        ("中共遂宁市安居区委目标绩效管理办公室", ("四川省", "遂宁市", "安居区")),
        ("上海市浦东新区财政局", ("上海市", None, "浦东新区")),
        ("内蒙古自治区呼和浩特市赛罕区农牧局", ("内蒙古自治区", "呼和浩特市", "赛罕区")),
        ("重庆市石柱土家族自治县水利局", ("重庆市", None, "石柱土家族自治县")),
        ("海南省琼海市财政局", ("海南省", None, "琼海市")),
        ("西安市城市管理和综合执法局", ("陕西省", "西安市", None)),
        ("西安市公安局高新区分局", ("陕西省", "西安市", None)),
        ("湖州市南太湖新区管理委员会", ("浙江省", "湖州市", None)),  # a zone, not a county
        ("国家信访局", (None, None, None)),
    ],
)
def test_region_of(name: str, region: tuple) -> None:
    assert region_of(name) == region


def test_gazetteer_has_every_province_and_prefecture() -> None:
    with (REFERENCE_DIR / "china_regions.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    levels = [r["level"] for r in rows]
    assert (levels.count("省级"), levels.count("地级")) == (34, 333)
    assert len({r["name"] for r in rows}) == len(rows)
    provinces = {r["name"] for r in rows if r["level"] == "省级"}
    assert all(r["province"] in provinces for r in rows)
