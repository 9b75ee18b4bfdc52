"""The catalog of standard tables: how a title is recognised and what its columns and lines mean.

This is the one place to look when a document prints a table under a new name or a new column
header. Everything here is data (DOMAIN.md §2); the extractor and normaliser only interpret it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Measure:
    """A column of the vocabulary (`dim_measure`) and the header paths that mean it in one table."""

    measure: str
    label_zh: str
    patterns: tuple[str, ...]  # regexes searched in the normalised header path ("本年支出/合计")

    def matches(self, header_path: str) -> bool:
        return any(re.search(p, header_path) for p in self.patterns)


@dataclass(frozen=True)
class TableSpec:
    """One standard table: canonical id, the titles it is printed under, and its columns."""

    code: str
    slug: str
    title_zh: str
    aliases: tuple[str, ...]
    doc_kind: str
    measures: tuple[Measure, ...]
    # measure ids in 栏次 order (1, 2, …) where the template numbers its columns; per panel side for
    # two-panel tables the numbers continue (D01: 1 income, 2 expenditure)
    column_order: tuple[str, ...] = ()
    panel_names: tuple[str, ...] = ()  # names for side-by-side panels (D01: income, expenditure)
    # 人员经费合计-style rows: the measure's patterns match the row label, not a column header
    footer_totals: tuple[Measure, ...] = ()
    line_keys: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)  # panel → (regex, key)

    @property
    def names(self) -> tuple[str, ...]:
        return (self.title_zh, *self.aliases)

    def measure_for(self, header_path: str) -> Measure | None:
        for m in self.measures:
            if m.matches(header_path):
                return m
        return None


def _m(measure: str, label_zh: str, *patterns: str) -> Measure:
    return Measure(measure, label_zh, patterns or (re.escape(label_zh),))


FINAL_AMOUNT = _m("final_amount", "决算数", "决算数$", "金额$", "决算数/\\d*$")

_D05_MEASURES = (
    _m("opening_total", "年初结转和结余/合计", "年初.*合计$", "^年初结转和结余$"),
    _m("opening_basic_carryover", "年初结转和结余/基本支出结转", "年初.*基本支出结转$"),
    _m("opening_project_carryover_surplus", "年初结转和结余/项目支出结转和结余", "年初.*项目支出结转和结余$"),
    _m("income_total", "本年收入/合计", "本年收入/合计$", "^本年收入$"),
    _m("income_basic", "本年收入/基本支出", "本年收入/基本支出$"),
    _m("income_project", "本年收入/项目支出", "本年收入/项目支出$"),
    _m("expenditure_total", "本年支出/合计", "本年支出/合计$", "^本年支出$", "^合计$", "^本年支出合计$"),
    _m("expenditure_basic", "本年支出/基本支出", "本年支出/基本支出$", "^基本支出$"),
    _m("expenditure_project", "本年支出/项目支出", "本年支出/项目支出$", "^项目支出$"),
    _m("closing_total", "年末结转和结余/合计", "年末.*合计$", "^年末结转和结余$"),
    _m("closing_basic_carryover", "年末结转和结余/基本支出结转", "年末.*基本支出结转$"),
    _m("closing_project_carryover", "年末结转和结余/项目支出结转", "年末.*项目支出结转$"),
    _m("closing_project_surplus", "年末结转和结余/项目支出结余", "年末.*项目支出结余$"),
    _m("closing_project_carryover_surplus", "年末结转和结余/项目支出结转和结余", "年末.*项目支出结转和结余$"),
)
_D05_ORDER = tuple(m.measure for m in _D05_MEASURES[:13])

_D08_MEASURES = (
    _m("opening_total", "年初结转和结余/合计", "年初.*合计$", "^年初结转和结余$"),
    _m("opening_carryover", "年初结转和结余/结转", "年初.*/结转$"),
    _m("opening_surplus", "年初结转和结余/结余", "年初.*/结余$"),
    _m("income", "本年收入", "^本年收入$"),
    _m("expenditure", "本年支出", "^本年支出$"),
    _m("closing_total", "年末结转和结余/合计", "年末.*合计$", "^年末结转和结余$"),
    _m("closing_carryover", "年末结转和结余/结转", "年末.*/结转$"),
    _m("closing_surplus", "年末结转和结余/结余", "年末.*/结余$"),
    _m("expenditure_total", "本年支出/合计", "本年支出/合计$"),
    _m("expenditure_basic", "本年支出/基本支出", "本年支出/基本支出$", "^基本支出$"),
    _m("expenditure_project", "本年支出/项目支出", "本年支出/项目支出$", "^项目支出$"),
)

# The 三公 table of the central/Sichuan/Shanghai templates: 预算数 and 决算数 for six parts.
_THREE_PUBLIC_PARTS = (
    ("vehicle_total", "公务用车购置及运行(维护)?费/小计", "公务用车购置及运行维护费/小计"),
    ("vehicle_purchase", "公务用车购置费", "公务用车购置费"),
    ("vehicle_operation", "公务用车运行(维护)?费", "公务用车运行维护费"),
    ("outbound_travel", "因公出国\\(境\\)费", "因公出国（境）费"),
    ("reception_total", "公务接待费", "公务接待费"),
    ("total", "合计", "合计"),
)
_THREE_PUBLIC_MEASURES = tuple(
    _m(f"{basis}_{part}", f"{label}/{basis_zh}", f"{pattern}.*/{basis_zh}$")
    for part, pattern, label in _THREE_PUBLIC_PARTS
    for basis, basis_zh in (("budget", "预算数"), ("final", "决算数"))
)

_INCOME_LINES = (
    ("一般公共预算财政拨款(收入)?$", "gpb_appropriation_income"),
    ("政府性基金预算财政拨款(收入)?$", "gf_appropriation_income"),
    ("国有资本经营预算财政拨款(收入)?$", "soe_appropriation_income"),
    ("上级补助收入$", "superior_subsidy_income"),
    ("事业收入$", "business_income"),
    ("经营收入$", "operating_income"),
    ("附属单位上缴收入$", "affiliated_remittance_income"),
    ("其他收入$", "other_income"),
    ("本年收入合计$", "total_current_income"),
    ("使用非财政拨款结余", "use_of_nonfiscal_surplus"),
    ("年初.*结转和结余$", "opening_carryover_surplus"),
    ("^总计$", "grand_total_income"),
)
_EXPENDITURE_LINES = (
    ("本年支出合计$", "total_current_expenditure"),
    ("结余分配$", "surplus_distribution"),
    ("年末.*结转和结余$", "closing_carryover_surplus"),
    ("^总计$", "grand_total_expenditure"),
)

_D09_LINES = (
    ("三公.*经费支出$", "three_public_section"),
    ("^支出合计$", "three_public_total"),
    ("因公出国\\(境\\)费(用)?$", "outbound_travel"),
    ("公务用车购置及运行(维护)?费$", "vehicle_total"),
    ("公务用车购置费$", "vehicle_purchase"),
    ("公务用车运行(维护)?费$", "vehicle_operation"),
    ("公务接待费$", "reception_total"),
    ("^国内接待费$", "reception_domestic"),
    ("其中:外事接待费$", "reception_domestic_foreign_affairs"),
    ("国\\(境\\)外接待费$", "reception_overseas"),
    ("相关统计数$", "statistics_section"),
    ("因公出国\\(境\\)团组数", "outbound_groups"),
    ("因公出国\\(境\\)人次", "outbound_persons"),
    ("公务用车购置数", "vehicles_purchased"),
    ("公务用车保有量", "vehicle_fleet"),
    ("^国内公务接待批次", "reception_domestic_batches"),
    ("外事接待批次", "reception_fa_batches"),
    ("^国内公务接待人次", "reception_domestic_persons"),
    ("外事接待人次", "reception_fa_persons"),
    ("国\\(境\\)外公务接待批次", "reception_overseas_batches"),
    ("国\\(境\\)外公务接待人次", "reception_overseas_persons"),
    ("^会议费$", "meeting_fee"),
    ("^培训费$", "training_fee"),
    ("^差旅费$", "travel_fee"),
    ("^机关运行经费$", "agency_operating_cost"),
    ("^行政单位$", "agency_operating_cost_admin"),
    ("参照公务员法管理事业单位$", "agency_operating_cost_civil_servant_mgmt"),
    ("资产信息$", "assets_section"),
    ("车辆数合计", "vehicles_total"),
    ("副部\\(省\\)级及以上领导用车$", "vehicles_ministerial"),
    ("主要(领导干部|负责人)用车$", "vehicles_principal_leader"),
    ("机要通信用车$", "vehicles_confidential"),
    ("应急保障用车$", "vehicles_emergency"),
    ("执法执勤用车$", "vehicles_law_enforcement"),
    ("特种专业技术用车$", "vehicles_special_technical"),
    ("离退休干部用车$", "vehicles_retired_cadres"),
    ("^其他用车$", "vehicles_other"),
    ("单价100万元\\(含\\)以上设备", "equipment_over_1m"),
    ("政府采购支出信息$", "procurement_section"),
    ("政府采购支出合计$", "procurement_total"),
    ("^货物$", "procurement_goods"),
    ("^工程$", "procurement_works"),
    ("^服务$", "procurement_services"),
    ("授予中小企业合同金额$", "procurement_sme"),
    ("授予小微企业合同金额$", "procurement_small_micro"),
)

FINAL_ACCOUNT_TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "D01",
        "income_expenditure_summary",
        "收入支出决算表",
        ("收入支出决算总表", "部门收支决算总表"),
        "final_account",
        (FINAL_AMOUNT,),
        column_order=("final_amount", "final_amount"),
        panel_names=("income", "expenditure"),
        line_keys={"income": _INCOME_LINES, "expenditure": _EXPENDITURE_LINES},
    ),
    TableSpec(
        "D02",
        "income_by_function",
        "收入决算表",
        (),
        "final_account",
        (
            _m("total_income", "本年收入合计"),
            _m("fiscal_appropriation_income", "财政拨款收入"),
            _m("superior_subsidy_income", "上级补助收入"),
            _m("business_income", "事业收入"),
            _m("operating_income", "经营收入"),
            _m("affiliated_remittance_income", "附属单位上缴收入"),
            _m("other_income", "其他收入"),
        ),
        column_order=(
            "total_income",
            "fiscal_appropriation_income",
            "superior_subsidy_income",
            "business_income",
            "operating_income",
            "affiliated_remittance_income",
            "other_income",
        ),
    ),
    TableSpec(
        "D03",
        "expenditure_by_function",
        "支出决算表",
        (),
        "final_account",
        (
            _m("total_expenditure", "本年支出合计"),
            _m("basic_expenditure", "基本支出"),
            _m("project_expenditure", "项目支出"),
            _m("remittance_to_superior", "上缴上级支出"),
            _m("operating_expenditure", "经营支出"),
            _m("subsidy_to_affiliates", "对附属单位补助支出"),
        ),
        column_order=(
            "total_expenditure",
            "basic_expenditure",
            "project_expenditure",
            "remittance_to_superior",
            "operating_expenditure",
            "subsidy_to_affiliates",
        ),
    ),
    TableSpec(
        "D04",
        "fiscal_appropriation_summary",
        "财政拨款收入支出决算表",
        ("财政拨款收入支出决算总表",),
        "final_account",
        (
            FINAL_AMOUNT,
            _m("total", "合计", "合计$"),
            _m("gpb", "一般公共预算财政拨款", "一般公共预算"),
            _m("gf", "政府性基金预算财政拨款", "政府性基金"),
            _m("soe", "国有资本经营预算财政拨款", "国有资本经营"),
        ),
        column_order=("final_amount", "total", "gpb", "gf", "soe"),
        panel_names=("income", "expenditure"),
        line_keys={
            "income": (
                ("年初.*结转和结余$", "opening_carryover_surplus"),
                ("一般公共预算财政拨款$", "gpb_appropriation"),
                ("政府性基金预算财政拨款$", "gf_appropriation"),
                ("国有资本经营预算财政拨款$", "soe_appropriation"),
                ("本年收入合计$", "total_current_income"),
                ("^总计$", "grand_total_income"),
            ),
            "expenditure": (
                ("年末.*结转和结余$", "closing_carryover_surplus"),
                ("一般公共预算财政拨款$", "gpb"),
                ("政府性基金预算财政拨款$", "gf"),
                ("国有资本经营预算财政拨款$", "soe"),
                ("本年支出合计$", "total_current_expenditure"),
                ("^总计$", "grand_total_expenditure"),
            ),
        },
    ),
    TableSpec(
        "D05",
        "gpb_appropriation",
        "一般公共预算财政拨款收入支出决算表",
        ("一般公共预算财政拨款支出决算表",),
        "final_account",
        _D05_MEASURES,
        column_order=_D05_ORDER,
    ),
    TableSpec(
        "D06",
        "gpb_basic_expenditure_detail",
        "一般公共预算财政拨款基本支出决算明细表",
        ("一般公共预算财政拨款基本支出决算表",),
        "final_account",
        (FINAL_AMOUNT,),
        footer_totals=(
            _m("personnel_total", "人员经费合计", "^人员经费合计$"),
            _m("public_operating_total", "公用经费合计", "^公用经费合计$"),
        ),
    ),
    TableSpec(
        "D07",
        "gf_appropriation",
        "政府性基金预算财政拨款收入支出决算表",
        ("政府性基金预算财政拨款支出决算表",),
        "final_account",
        _D05_MEASURES,
        column_order=_D05_ORDER,
    ),
    TableSpec(
        "D08",
        "soe_appropriation",
        "国有资本经营预算财政拨款收入支出决算表",
        ("国有资本经营预算财政拨款支出决算表",),
        "final_account",
        _D08_MEASURES,
        column_order=tuple(m.measure for m in _D08_MEASURES[:8]),
    ),
    TableSpec(
        "D09",
        "agency_operation_info",
        "机构运行信息决算表",
        ('财政拨款"三公"经费支出决算表', '"三公"经费支出决算表'),
        "final_account",
        (FINAL_AMOUNT, *_THREE_PUBLIC_MEASURES),
        line_keys={"": _D09_LINES},
    ),
)

CATALOG: dict[str, TableSpec] = {t.code: t for t in FINAL_ACCOUNT_TABLES}

# ---------------------------------------------------------------------------------------------
# Title recognition
# ---------------------------------------------------------------------------------------------

_QUOTES = str.maketrans({"“": '"', "”": '"', "「": '"', "」": '"', "＂": '"', "'": '"', "‘": '"', "’": '"'})
_MARKUP = re.compile(r"<[^>]+>|\*\*|^#+\s*|\[bookmark:[^\]]*\]")
# numbering printed before or after a title: 01表, 表一, 附件1, 附表2, 公开01表, 一、 …
_NUMBERING = (
    r"(公开)?\d{1,2}\s*表|表\s*[一二三四五六七八九十\d]+|附(件|表)\s*[一二三四五六七八九十\d]+[:：、.]?"
    r"|[一二三四五六七八九十]+、|\d{1,2}[、.]"
)
_LEADING = re.compile(rf"^({_NUMBERING})\s*")
_TRAILING = re.compile(rf"\s*(\(?({_NUMBERING})\)?|\(\d{{4}}年度?\))$")
_SENTENCE = re.compile(r"[，。；：:,;]")


def clean_label(text: str) -> str:
    """A label as printed, with markup and whitespace removed but its characters kept (for display)."""
    return re.sub(r"\s+", "", _MARKUP.sub("", text))


def normalise_text(text: str) -> str:
    """NFKC, unified quotes, markup stripped, all whitespace removed: the form every match uses."""
    text = _MARKUP.sub("", text)
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return re.sub(r"\s+", "", text)


_ALIASES: list[tuple[str, str]] = sorted(
    ((normalise_text(name), spec.code) for spec in FINAL_ACCOUNT_TABLES for name in spec.names),
    key=lambda pair: -len(pair[0]),
)


def title_to_table_code(line: str) -> str | None:
    """Given one printed line, return the catalog id if the line is a standard table's title.

    The line may carry the department name, the year and numbering (01表, 附件1, 公开01表) around
    the table name; a sentence that merely mentions a table (it has punctuation) is not a title.
    """
    text = normalise_text(line)
    if not text or len(text) > 80:
        return None
    for _ in range(2):
        text = _LEADING.sub("", text)
        text = _TRAILING.sub("", text)
    for alias, code in _ALIASES:
        if text.endswith(alias):
            prefix = text[: -len(alias)]
            if _SENTENCE.search(prefix) or prefix.endswith(("说明", "的")):
                return None
            return code
    return None


def strip_numbering(label: str) -> str:
    """Remove list numbering (一、 （一） 1. （1）) from a row label so it can be matched by name."""
    return re.sub(r"^(\d+\.|\(\d+\)|[一二三四五六七八九十]+、|\([一二三四五六七八九十]+\))\s*", "", label)


# fund lines that repeat under 年初/年末结转和结余 and take that section as a prefix (D04)
_SECTIONED_KEYS = {"gpb", "gf", "soe", "gpb_appropriation", "gf_appropriation", "soe_appropriation"}


def line_key_for(spec: TableSpec, panel: str, label: str, section: str | None) -> str | None:
    """Canonical key of a labelled line (D01/D04/D09), taking the enclosing section into account."""
    patterns = spec.line_keys.get(panel) or spec.line_keys.get("")
    if not patterns or not label:
        return None
    text = strip_numbering(normalise_text(label))
    for pattern, key in patterns:
        if re.search(pattern, text):
            if section and key in _SECTIONED_KEYS:
                return f"{section}_{key.removesuffix('_appropriation')}"
            return key
    return None


def all_measures() -> list[Measure]:
    """Every measure of the catalog once, for `dim_measure`."""
    seen: dict[str, Measure] = {}
    for spec in FINAL_ACCOUNT_TABLES:
        for m in (*spec.measures, *spec.footer_totals):
            seen.setdefault(m.measure, m)
    return list(seen.values())
