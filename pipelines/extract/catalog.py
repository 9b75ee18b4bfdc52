"""The catalog of standard tables: how a title is recognised and what its columns and lines mean.

This is the one place to look when a document prints a table under a new name or a new column
header. Everything here is data (DOMAIN.md §2); the extractor and normaliser only interpret it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yaml

from pipelines import REFERENCE_DIR


@dataclass(frozen=True)
class Measure:
    """A column of the vocabulary (`dim_measure`) and the header paths that mean it in one table."""

    measure: str
    label_zh: str
    patterns: tuple[str, ...]  # regexes searched in the normalised header path ("本年支出/合计")

    def matches(self, header_path: str) -> bool:
        return any(re.search(p, header_path) for p in self.patterns)


@dataclass(frozen=True)
class TextPanel:
    """One panel of a table as a plain-text export prints it (cells separated by spaces).

    Such exports lose the grid: wrapped header words and dropped empty cells leave only the order
    of things. The template's key columns and its value columns, in printed order, are data here;
    a value column counts when its header word (regex) occurs in the table's header text.
    """

    keys: tuple[str, ...]
    columns: tuple[tuple[str, str], ...]  # (header regex, measure id) in printed order


@dataclass(frozen=True)
class TableSpec:
    """One standard table: canonical id, the titles it is printed under, and its columns."""

    code: str
    slug: str
    title_zh: str
    aliases: tuple[str, ...]  # kept empty: the printed names live in reference/table_titles.yaml
    doc_kind: str
    measures: tuple[Measure, ...]
    # measure ids in 栏次 order (1, 2, …) where the template numbers its columns; per panel side for
    # two-panel tables the numbers continue (D01: 1 income, 2 expenditure)
    column_order: tuple[str, ...] = ()
    panel_names: tuple[str, ...] = ()  # names for side-by-side panels (D01: income, expenditure)
    # 人员经费合计-style rows: the measure's patterns match the row label, not a column header
    footer_totals: tuple[Measure, ...] = ()
    line_keys: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)  # panel → (regex, key)
    # summary lines named after a 支出功能分类 类 ("八、社会保障和就业支出") get that 类 code (D01, B01 …)
    class_lines: bool = False
    # label → amount fields of a form-like table (绩效目标表): the amount is the next cell to the right
    form_fields: tuple[Measure, ...] = ()
    # column identities (total = Σ parts) used to place the values of a row whose empty cells the
    # source dropped (PDF text exports print only the non-empty cells, DOMAIN §6.5)
    identities: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # economic class → the one component column its rows fill (B03: 301/303 人员经费, 302/310 公用经费)
    class_columns: dict[str, str] = field(default_factory=dict)
    # the Chongqing template's columns as its plain-text exports print them (seed 002)
    text_layout: tuple[TextPanel, ...] = ()
    generic: bool = False  # a table the catalog does not know, loaded under its canonical title

    @property
    def names(self) -> tuple[str, ...]:
        return table_names(self.code) if not self.generic else (self.title_zh,)

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
    ("^(政府采购)?货物(支出)?$", "procurement_goods"),
    ("^(政府采购)?工程(支出)?$", "procurement_works"),
    ("^(政府采购)?服务(支出)?$", "procurement_services"),
    ("授予中小企业合同金额$", "procurement_sme"),
    ("授予小微企业合同金额$", "procurement_small_micro"),
)

FINAL_ACCOUNT_TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "D01",
        "income_expenditure_summary",
        "收入支出决算表",
        (),
        "final_account",
        (FINAL_AMOUNT,),
        column_order=("final_amount", "final_amount"),
        panel_names=("income", "expenditure"),
        line_keys={"income": _INCOME_LINES, "expenditure": _EXPENDITURE_LINES},
        class_lines=True,
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
        (),
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
        class_lines=True,
    ),
    TableSpec(
        "D05",
        "gpb_appropriation",
        "一般公共预算财政拨款收入支出决算表",
        (),
        "final_account",
        _D05_MEASURES,
        column_order=_D05_ORDER,
    ),
    TableSpec(
        "D06",
        "gpb_basic_expenditure_detail",
        "一般公共预算财政拨款基本支出决算明细表",
        (),
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
        (),
        "final_account",
        _D05_MEASURES,
        column_order=_D05_ORDER,
    ),
    TableSpec(
        "D08",
        "soe_appropriation",
        "国有资本经营预算财政拨款收入支出决算表",
        (),
        "final_account",
        _D08_MEASURES,
        column_order=tuple(m.measure for m in _D08_MEASURES[:8]),
    ),
    TableSpec(
        "D09",
        "agency_operation_info",
        "机构运行信息决算表",
        (),
        "final_account",
        (FINAL_AMOUNT, *_THREE_PUBLIC_MEASURES),
        line_keys={"": _D09_LINES},
    ),
)

# ---------------------------------------------------------------------------------------------
# 预算 (budget) tables, DOMAIN.md §2.2. Column headers are matched after headers.py rewrites printed
# years relative to the table's latest year ("2024年预算数" beside "2025年预算数" → 上年预算数 and
# 本年预算数), so a column of the previous year's figures gets its own `prior_year_*` measure.
# Measures are listed in the order the Chongqing template prints its columns (used to place the
# values of text exports that drop empty cells).
# ---------------------------------------------------------------------------------------------

BUDGET_AMOUNT = _m("budget_amount", "预算数", "预算数$", "金额$", "^预算$")
_TOTAL = _m("total", "合计", "总计$", "合计$", "金额$")
_BASIC = _m("basic", "基本支出", "基本支出(/(小计|合计))?$")
_PROJECT = _m("project", "项目支出", "项目支出$", "专项业务经费(支出)?$")
_PERSONNEL = _m("personnel", "人员经费", "人员经费(支出)?$", "人员支出$")
_PUBLIC_OPERATING = _m("public_operating", "公用经费", "公用经费(支出)?$", "公用支出$")
_RESERVE = _m("reserve", "单位预留机动经费", "单位预留机动经费$")
_CARRYOVER_NEXT = _m("carryover_to_next_year", "结转下年", "结转下年(资金)?$")

# the income-source columns of 部门收入总表 and 政府采购预算明细表, in the Chongqing order
_INCOME_SOURCES = (
    _m("gpb_income", "一般公共预算拨款收入", "一般公共预算(拨款收入|拨款|资金)$"),
    _m("gf_income", "政府性基金预算拨款收入", "政府性基金(预算)?(拨款收入|拨款|资金)?$"),
    _m("soe_income", "国有资本经营预算拨款收入", "国有资本经营(预算)?(拨款收入|拨款|资金)?$"),
    _m("special_account_income", "财政专户管理资金收入", "财政专户管理(资金)?(收入)?$"),
    _m("fiscal_appropriation_income", "财政拨款收入", "财政拨款(收入)?$"),
    _m("business_income", "事业收入", "(^|/)事业收入$"),
    _m("superior_subsidy_income", "上级补助收入", "上级补助收入$"),
    _m("affiliated_remittance_income", "附属单位上缴收入", "附属单位上缴收入$"),
    _m("institution_operating_income", "事业单位经营收入", "事业单位经营收入$"),
    _m("other_income", "其他收入", "其他收入$"),
)

_FUND_LINES = (
    ("一般公共预算(拨款|资金)?(收入)?$", "gpb"),
    ("政府性基金(预算)?(拨款|资金)?(收入)?$", "gf"),
    ("国有资本经营(预算)?(拨款|资金)?(收入)?$", "soe"),
)
_BUDGET_USE_LINES = (  # 支出用途 lines of the Jiangsu summary tables
    ("^基本支出$", "basic"),
    ("^项目支出$", "project"),
    ("单位预留机动经费$", "reserve"),
)

# 三公 budget columns: (measure, header regex, label); the previous year's block gets prior_year_*
_THREE_PUBLIC_BUDGET_PARTS = (
    ("total", '(("三公"经费[^/]*|预算数)/(合计|总计|小计)|"三公"经费(合计|总计))$', '"三公"经费合计'),
    ("outbound_travel_research", "科研因公出国\\(境\\)(经)?费(用)?$", "科研因公出国（境）费"),
    ("outbound_travel", "因公出国\\(境\\)(经)?费(用)?(/小计)?$", "因公出国（境）费"),
    ("vehicle_total", "公务用车购置及运行(维护)?费(/小计)?$", "公务用车购置及运行费"),
    ("vehicle_purchase", "购置(经)?(费)?$", "公务用车购置费"),
    ("vehicle_operation", "(/|车)运行(维护)?费$", "公务用车运行维护费"),
    ("reception_total", "公务接待费$", "公务接待费"),
)
_THREE_PUBLIC_BUDGET_MEASURES = (
    *(  # a block of last year's carry-over spent this year (长春: 当年预算 | 上年结转结余)
        _m(f"carryover_{part}", f"上年结转结余{label}", f"^上年结转(结余)?/.*{pattern}")
        for part, pattern, label in _THREE_PUBLIC_BUDGET_PARTS
    ),
    *(
        _m(f"prior_year_{part}", f"上年{label}", f"^上年.*{pattern}")
        for part, pattern, label in _THREE_PUBLIC_BUDGET_PARTS
    ),
    *(_m(part, label, pattern) for part, pattern, label in _THREE_PUBLIC_BUDGET_PARTS),
    _m("meeting_fee", "会议费", "会议费$"),
    _m("training_fee", "培训费", "培训费$"),
    _m("agency_operating_cost", "机关运行经费", "机关运行经费(预算数?)?$"),
    _m("total_incl_meeting_training", "合计（含会议费、培训费）", "^(合计|总计)$"),
)

_PROJECT_DETAIL_MEASURES = (
    _m("total", "合计", "^合计$"),
    _m("specific_subtotal", "年初特定目标/小计", "年初特定目标/小计$"),
    _m("specific_personnel", "年初特定目标/人员性项目", "人员性项目$"),
    _m("specific_general", "年初特定目标/一般性项目", "一般性项目$"),
    _m("specific_livelihood", "年初特定目标/民生配套项目", "民生配套项目$"),
    _m("superior_subtotal", "上级专项/小计", "上级专项/小计$"),
    _m("superior_advance", "上级专项/提前下达专项", "提前下达专项$"),
    _m("carryover_project", "结转项目", "结转项目$"),
    _m("municipal_special", "市级专项", "市级专项$"),
)

# header words of the Chongqing text exports (seed 002), in printed column order
_INCOME_SOURCE_TEXT_COLUMNS = (
    ("一般公共预算", "gpb_income"),
    ("政府性基金", "gf_income"),
    ("国有资本经营", "soe_income"),
    ("财政专户", "special_account_income"),
    ("事业收入", "business_income"),
    ("上级补助", "superior_subsidy_income"),
    ("附属单位", "affiliated_remittance_income"),
    ("事业单位经营", "institution_operating_income"),
    ("其他收入", "other_income"),
)
_THREE_PUBLIC_TEXT_PARTS = (
    ("总计|合计", "total"),
    ("因公出国", "outbound_travel"),
    ("购置及运行", "vehicle_total"),
    ("公务用车购置", "vehicle_purchase"),
    ("运行(维护)?费", "vehicle_operation"),
    ("公务接待", "reception_total"),
)
_THREE_PUBLIC_TEXT_COLUMNS = (  # the previous year's block prints left of this year's
    *((f"上年.*{word}", f"prior_year_{measure}") for word, measure in _THREE_PUBLIC_TEXT_PARTS),
    *_THREE_PUBLIC_TEXT_PARTS,
)

BUDGET_TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "B01",
        "fiscal_appropriation_summary_budget",
        "财政拨款收支总表",
        (),
        "budget",
        (
            BUDGET_AMOUNT,
            _m("total", "合计", "合计$", "总计$"),
            _m("gpb", "一般公共预算", "一般公共预算$"),
            _m("gf", "政府性基金预算", "政府性基金(预算)?$"),
            _m("soe", "国有资本经营预算", "国有资本经营(预算)?$"),
        ),
        panel_names=("income", "expenditure"),
        line_keys={
            "income": (
                ("^本年收入(合计)?$", "current_income"),
                *_FUND_LINES,
                ("上年(结转|结余)", "prior_carryover"),
                ("^收入(合计|总计)$", "income_total"),
            ),
            "expenditure": (
                ("^本年支出(合计)?$", "current_expenditure"),
                ("结转下年", "carryover_to_next_year"),
                ("^支出(合计|总计)$", "expenditure_total"),
                *_BUDGET_USE_LINES,
            ),
        },
        class_lines=True,
        identities=(("total", ("gpb", "gf", "soe")),),
        text_layout=(
            TextPanel(("项目",), (("预算数", "budget_amount"),)),
            TextPanel(
                ("支出科目",),
                (
                    ("合计|总计", "total"),
                    ("一般公共预算", "gpb"),
                    ("政府性基金", "gf"),
                    ("国有资本经营", "soe"),
                ),
            ),
        ),
    ),
    TableSpec(
        "B02",
        "gpb_expenditure_budget",
        "一般公共预算财政拨款支出预算表",
        (),
        "budget",
        (
            _m("prior_year_budget", "上年预算数", "^上年[^/]*预算数$"),
            _TOTAL,
            _BASIC,
            _PROJECT,
            _PERSONNEL,
            _PUBLIC_OPERATING,
        ),
        identities=(("total", ("basic", "project")),),
        text_layout=(
            TextPanel(
                ("科目编码", "科目名称"),
                (
                    ("上年预算数", "prior_year_budget"),
                    ("总计|合计", "total"),
                    ("基本支出", "basic"),
                    ("项目支出", "project"),
                ),
            ),
        ),
    ),
    TableSpec(
        "B03",
        "gpb_basic_expenditure_budget",
        "一般公共预算财政拨款基本支出预算表",
        (),
        "budget",
        (_TOTAL, _PERSONNEL, _PUBLIC_OPERATING),
        identities=(("total", ("personnel", "public_operating")),),
        class_columns={
            "301": "personnel",
            "303": "personnel",
            "302": "public_operating",
            "307": "public_operating",
            "309": "public_operating",
            "310": "public_operating",
            "399": "public_operating",
        },
        text_layout=(
            TextPanel(
                ("科目编码", "科目名称"),
                (("总计|合计", "total"), ("人员经费", "personnel"), ("公用经费", "public_operating")),
            ),
        ),
    ),
    TableSpec(
        "B04",
        "three_public_budget",
        '一般公共预算"三公"经费支出表',
        (),
        "budget",
        _THREE_PUBLIC_BUDGET_MEASURES,
        identities=(
            ("total", ("outbound_travel", "vehicle_total", "reception_total")),
            ("vehicle_total", ("vehicle_purchase", "vehicle_operation")),
            (
                "prior_year_total",
                ("prior_year_outbound_travel", "prior_year_vehicle_total", "prior_year_reception_total"),
            ),
            ("prior_year_vehicle_total", ("prior_year_vehicle_purchase", "prior_year_vehicle_operation")),
        ),
        text_layout=(TextPanel(("部门编码", "部门名称"), _THREE_PUBLIC_TEXT_COLUMNS),),
    ),
    TableSpec(
        "B05",
        "gf_expenditure_budget",
        "政府性基金预算支出表",
        (),
        "budget",
        (_TOTAL, _BASIC, _PROJECT),
        identities=(("total", ("basic", "project")),),
        text_layout=(
            TextPanel(
                ("科目编码", "科目名称"),
                (("总计|合计", "total"), ("基本支出", "basic"), ("项目支出", "project")),
            ),
        ),
    ),
    TableSpec(
        "B06",
        "dept_income_expenditure_summary",
        "部门收支总表",
        (),
        "budget",
        (BUDGET_AMOUNT, _TOTAL, _BASIC, _PERSONNEL, _PUBLIC_OPERATING, _PROJECT),
        panel_names=("income", "expenditure", "expenditure_use"),
        line_keys={
            "income": (
                ("^财政拨款(收入)?$", "fiscal_appropriation_income"),
                ("一般公共预算(拨款收入|拨款|资金)?$", "gpb_income"),
                ("政府性基金(预算)?(拨款收入|拨款|资金)?$", "gf_income"),
                ("国有资本经营(预算)?(拨款收入|拨款|资金)?$", "soe_income"),
                ("财政专户管理资金(收入)?$", "special_account_income"),
                ("^事业收入(资金)?$", "business_income"),
                ("上级补助收入(资金)?$", "superior_subsidy_income"),
                ("附属单位上缴收入(资金)?$", "affiliated_remittance_income"),
                ("事业单位经营收入(资金)?$", "institution_operating_income"),
                ("^其他收入(资金)?$", "other_income"),
                ("^其他资金$", "other_funds_income"),
                ("(本年|当年)收入(合计|小计)$", "total_current_income"),
                ("上年(结转|结余)", "prior_carryover"),
                ("使用非财政拨款结余", "use_of_nonfiscal_surplus"),
                ("^(收入)?(总计|合计)$", "grand_total_income"),
            ),
            "expenditure": (
                ("(本年|当年)支出(合计|小计)$", "total_current_expenditure"),
                ("结转下年", "carryover_to_next_year"),
                ("^(支出)?(总计|合计)$", "grand_total_expenditure"),
                *_BUDGET_USE_LINES,
            ),
            "expenditure_use": _BUDGET_USE_LINES,
        },
        class_lines=True,
        identities=(("total", ("personnel", "public_operating", "project")),),
        text_layout=(
            TextPanel(("项目",), (("预算数", "budget_amount"),)),
            TextPanel(("支出科目",), (("预算数", "budget_amount"),)),
        ),
    ),
    TableSpec(
        "B07",
        "dept_income_budget",
        "部门收入总表",
        (),
        "budget",
        (
            _TOTAL,
            *_INCOME_SOURCES,
            _m("prior_carryover", "上年结转", "上年结转(资金)?$"),
        ),
        line_keys={
            "": (  # the Jiangsu 收入预算总表 is a list of income lines (group | line | 金额)
                ("^收入总计$", "grand_total_income"),
                ("一般公共预算资金小计$", "gpb_income"),
                ("公共财政拨款\\(补助\\)资金$", "gpb_appropriation"),
                ("^专项收入$", "gpb_special_income"),
                ("政府性基金小计$", "gf_income"),
                ("财政专户管理资金小计$", "special_account_income"),
                ("专户管理教育收费$", "special_account_education_fees"),
                ("其他非税收入$", "special_account_other_nontax_income"),
                ("其他资金小计$", "other_funds_income"),
                ("^事业收入$", "business_income"),
                ("^经营收入$", "operating_income"),
                ("^其他收入$", "other_income"),
                ("债务资金", "debt_income"),
                ("上年结转和结余资金小计$", "prior_carryover_surplus"),
                ("动用上年结转和结余资金$", "use_of_prior_carryover_surplus"),
            )
        },
        identities=(
            (
                "total",
                tuple(m.measure for m in _INCOME_SOURCES if m.measure != "fiscal_appropriation_income"),
            ),
        ),
        text_layout=(
            TextPanel(("科目编码", "科目名称"), (("总计|合计", "total"), *_INCOME_SOURCE_TEXT_COLUMNS)),
        ),
    ),
    TableSpec(
        "B08",
        "dept_expenditure_budget",
        "部门支出总表",
        (),
        "budget",
        (
            _TOTAL,
            _BASIC,
            _PROJECT,
            _RESERVE,
            _CARRYOVER_NEXT,
            _m("remittance_to_superior", "上缴上级支出", "上缴上级支出$"),
            _m("institution_operating_expenditure", "事业单位经营支出", "事业单位经营支出$"),
            _m("subsidy_to_subordinates", "对下级单位补助支出", "对(附属|下级)单位补助支出$"),
        ),
        identities=(("total", ("basic", "project")),),
        text_layout=(
            TextPanel(
                ("科目编码", "科目名称"),
                (("总计|合计", "total"), ("基本支出", "basic"), ("项目支出", "project")),
            ),
        ),
    ),
    TableSpec(
        "B09",
        "gov_procurement_budget",
        "政府采购预算明细表",
        (),
        "budget",
        (
            _TOTAL,
            _m("prior_carryover_surplus", "上年结转结余资金", "上年结转(结余资金)?$"),
            *_INCOME_SOURCES,
        ),
        line_keys={
            "": (
                ("^(合计|总计)$", "total"),
                ("^货物(类|A)?$", "goods"),
                ("^工程(类|B)?$", "works"),
                ("^服务(类|C)?$", "services"),
            )
        },
        text_layout=(
            TextPanel(
                ("项目",),
                (
                    ("总计|合计", "total"),
                    ("上年结转", "prior_carryover_surplus"),
                    *_INCOME_SOURCE_TEXT_COLUMNS,
                ),
            ),
        ),
    ),
    TableSpec(
        "B10",
        "project_expenditure_detail",
        "项目支出明细表",
        (),
        "budget",
        _PROJECT_DETAIL_MEASURES,
        identities=(
            ("total", ("specific_subtotal", "superior_subtotal", "carryover_project", "municipal_special")),
            ("specific_subtotal", ("specific_personnel", "specific_general", "specific_livelihood")),
            ("superior_subtotal", ("superior_advance",)),
        ),
        text_layout=(
            TextPanel(
                ("序号", "预算单位", "科目编码", "科目名称", "项目名称"),
                (
                    ("合计", "total"),
                    ("年初特定目标", "specific_subtotal"),
                    ("人员性", "specific_personnel"),
                    ("一般性项目", "specific_general"),
                    ("民生配套", "specific_livelihood"),
                    ("上级专项", "superior_subtotal"),
                    ("提前下达", "superior_advance"),
                    ("结转项目", "carryover_project"),
                    ("市级专项", "municipal_special"),
                ),
            ),
        ),
    ),
    TableSpec(
        "B11",
        "whole_performance_targets",
        "整体绩效目标表",
        (),
        "budget",
        (),
        form_fields=(_m("dept_budget_total", "部门支出预算数", "^部门支出预算(数|总额)?$"),),
    ),
    TableSpec(
        "B12",
        "project_performance_targets",
        "项目绩效目标表",
        (),
        "budget",
        (),
        form_fields=(
            _m("fund_total", "资金总额", "^资金总额(\\(万元\\)|\\(元\\))?$", "^当年预算$", "^项目资金总额$"),
            _m("fund_fiscal", "其中：财政资金", "^其中:财政资金$"),
            _m("fund_other", "其他资金", "^其他资金$"),
            _m("annual_fund_total", "年度资金申请总额", "^年度资金申请总额$"),
            _m("annual_fiscal", "其中：当年财政拨款", "^其中:当年财政拨款$"),
            _m("annual_prior_carryover", "上年结转资金", "^上年结转资金$"),
            _m("annual_other", "其他资金（年度）", "^其他资金$"),
        ),
    ),
    TableSpec(
        "B13",
        "soe_expenditure_budget",
        "国有资本经营预算支出表",
        (),
        "budget",
        (_TOTAL, _BASIC, _PROJECT),
        identities=(("total", ("basic", "project")),),
    ),
    TableSpec(
        "B14",
        "fiscal_expenditure_budget",
        "财政拨款支出预算表",
        (),
        "budget",
        (_TOTAL, _BASIC, _PROJECT),
        identities=(("total", ("basic", "project")),),
    ),
    TableSpec(
        "B15",
        "fiscal_basic_expenditure_budget",
        "财政拨款基本支出预算表",
        (),
        "budget",
        (_TOTAL, _PERSONNEL, _PUBLIC_OPERATING),
        identities=(("total", ("personnel", "public_operating")),),
    ),
    TableSpec(
        "B16",
        "agency_operating_cost_budget",
        "一般公共预算机关运行经费支出预算表",
        (),
        "budget",
        (_m("total", "机关运行经费支出", "机关运行经费支出$", "金额$", "合计$"),),
    ),
)

# Tables other provinces print that the Chongqing template has no code for (Shenzhen, Yantai, Xi'an …).
OTHER_BUDGET_TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "B17",
        "basic_expenditure_budget",
        "基本支出表",
        (),
        "budget",
        (_TOTAL, _PERSONNEL, _PUBLIC_OPERATING, *_INCOME_SOURCES),
        identities=(("total", ("personnel", "public_operating")),),
    ),
    TableSpec(
        "B18",
        "gpb_expenditure_by_econ_budget",
        "一般公共预算支出表(经济)",
        (),
        "budget",
        (_TOTAL, _BASIC, _PROJECT, _PERSONNEL, _PUBLIC_OPERATING),
        identities=(("total", ("basic", "project")), ("total", ("personnel", "public_operating", "project"))),
    ),
    TableSpec(
        "B19",
        "gpb_basic_by_function_budget",
        "一般公共预算基本支出表(功能)",
        (),
        "budget",
        (_TOTAL, _PERSONNEL, _PUBLIC_OPERATING),
        identities=(("total", ("personnel", "public_operating")),),
    ),
)

ALL_TABLES: tuple[TableSpec, ...] = (*FINAL_ACCOUNT_TABLES, *BUDGET_TABLES, *OTHER_BUDGET_TABLES)
CATALOG: dict[str, TableSpec] = {t.code: t for t in ALL_TABLES}


# forms printed once per project or department (绩效目标表): never joined across pages by title
FORM_TABLES = frozenset({"B11", "B12"})


def is_catalogued(code: str) -> bool:
    return code in CATALOG


@lru_cache(maxsize=256)
def spec_for(code: str, doc_kind: str | None = None) -> TableSpec:
    """The catalog entry of a table, or a generic one for a table the catalog does not know.

    A generic table keeps its canonical title as its code; it has no measures of its own, so each
    value column becomes a measure named by its printed header path (normalise/frames.py).
    """
    if code in CATALOG:
        return CATALOG[code]
    return TableSpec(code, "generic", code, (), doc_kind or "other", (), generic=True)


# ---------------------------------------------------------------------------------------------
# Title recognition
# ---------------------------------------------------------------------------------------------

_QUOTES = str.maketrans({"“": '"', "”": '"', "「": '"', "」": '"', "＂": '"', "'": '"', "‘": '"', "’": '"'})
_MARKUP = re.compile(r"<[^>]+>|\*\*|^#+\s*|\[bookmark:[^\]]*\]")
_SENTENCE = re.compile(r"[，。；：:,;]")


def clean_label(text: str) -> str:
    """A label as printed, with markup and whitespace removed but its characters kept (for display)."""
    return re.sub(r"\s+", "", _MARKUP.sub("", text))


def normalise_text(text: str) -> str:
    """NFKC, unified quotes, markup stripped, all whitespace removed: the form every match uses."""
    text = _MARKUP.sub("", text)
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return re.sub(r"\s+", "", text)


@lru_cache(maxsize=1)
def title_catalog() -> dict[str, Any]:
    """reference/table_titles.yaml, read once: printed names, qualifier words and signatures."""
    with (REFERENCE_DIR / "table_titles.yaml").open(encoding="utf-8") as f:
        data = yaml.safe_load(f)
    if not isinstance(data, dict):
        raise ValueError("table_titles.yaml: a mapping with 'titles' is required")
    return data


@lru_cache(maxsize=1)
def _title_data() -> dict[str, list[str]]:
    """The printed names of each catalogued table (reference/table_titles.yaml), validated on load."""
    titles = title_catalog().get("titles")
    if not isinstance(titles, dict):
        raise ValueError("table_titles.yaml: a 'titles' mapping of table code → names is required")
    unknown = sorted(set(titles) - set(CATALOG))
    if unknown:
        raise ValueError(f"table_titles.yaml: codes not in the catalog: {', '.join(unknown)}")
    out: dict[str, list[str]] = {}
    for code, names in titles.items():
        if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
            raise ValueError(f"table_titles.yaml: {code} needs a list of non-empty names")
        out[code] = names
    return out


@lru_cache(maxsize=1)
def _qualifiers() -> tuple[str, ...]:
    """Words that, printed right before a catalogued name, make another table (table_titles.yaml)."""
    words = title_catalog().get("qualifiers", [])
    if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
        raise ValueError("table_titles.yaml: 'qualifiers' must be a list of words")
    return tuple(words)


def table_names(code: str) -> tuple[str, ...]:
    """Every name the table is printed under: its catalog title first, then the aliases of the data file."""
    spec = CATALOG[code]
    return (spec.title_zh, *(n for n in _title_data().get(code, []) if n != spec.title_zh))


# Numbering printed before or after a title, in every form seen: 公开表1, 部门公开表 1, 预算01表, 01表,
# 表一, 表 1, 表14-2, 附表2, 附件1, (预算表 1), 一、 … (spaces are gone after normalise_text).
_NUM = r"(\d{1,2}(-\d{1,2})?|[一二三四五六七八九十]+)"
_NUMBERING_WORDS = rf"(部门)?(公开|预算|收支)?(附)?表{_NUM}|(公开|预算)?\d{{1,2}}表|附件{_NUM}"
_TITLE_LEADING = re.compile(
    rf"^(({_NUMBERING_WORDS})[:、.-]?|[一二三四五六七八九十]+、|\d{{1,2}}[、.]|\({_NUM}\))"
)
_TITLE_TRAILING = re.compile(rf"(\(({_NUMBERING_WORDS})\)|({_NUMBERING_WORDS})|\(\d{{4}}年度?\)|-\d{{1,2}})$")
# everything up to a printed year ("湖州市财政局2026年市级部门…"): department and year prefixes
_YEAR_PREFIX = re.compile(r"^.*?\d{4}年度?")
# qualifiers that name the classification a table is arranged by; any other parenthesis is dropped
_ARRANGED_BY = (
    (re.compile(r"\(按?(支出)?功能(分类)?(科目)?\)"), "(功能)"),
    (re.compile(r"\(按?(支出)?经济(分类)?(科目)?\)"), "(经济)"),
)
_PARENTHESIS = re.compile(r"\((?!功能\)|经济\))[^()]*\)")
# scope words before the table's own name: 市级部门收支预算总表, 部门综合预算收入总表, 本年一般公共预算…
_SCOPE_PREFIX = re.compile(r"^(本年度?|当年|(省|市|区|县)级|本级|部门|单位|综合预算|部门综合预算)+")
# one wording for each: 收支总体情况表 → 收支总表, 一般公共预算支出情况表 → 一般公共预算支出表,
# 收支预算总表 → 收支总表, 支出预算表 → 支出表 (预算 is the document's kind, not the table's name)
_WORDING = (
    (re.compile(r"总体情况表$"), "总表"),
    (re.compile(r"情况表$"), "表"),
    (re.compile(r"表预算表$"), "表"),
    (re.compile(r"预算总表$"), "总表"),
    (re.compile(r"预算(明细)?表$"), "表"),
    (re.compile(r"明细表$"), "表"),
    (re.compile(r"支出预算"), "支出"),
)


def canonical_title(text: str) -> str:
    """The name of a table as printed, reduced to the form the catalog's names are compared in.

    Numbering, years, the department and scope words before the name, and parenthetical remarks
    go; wording that provinces vary without changing the table (总体情况表, 预算总表) is unified.
    """
    t = normalise_text(text)
    for _ in range(3):
        before = t
        t = _TITLE_LEADING.sub("", t)
        t = _TITLE_TRAILING.sub("", t)
        t = t.strip(":：、.-")
        if t == before:
            break
    if (m := _YEAR_PREFIX.match(t)) and t[m.end() :].endswith("表"):
        t = t[m.end() :]
    for pattern, repl in _ARRANGED_BY:
        t = pattern.sub(repl, t)
    t = _PARENTHESIS.sub("", t)
    arranged = next((q for q in ("(功能)", "(经济)") if q in t), "")
    t = _SCOPE_PREFIX.sub("", t.replace(arranged, ""))
    for pattern, repl in _WORDING:
        t = pattern.sub(repl, t)
    return t + arranged


@lru_cache(maxsize=1)
def _alias_index() -> list[tuple[str, tuple[str, ...]]]:
    """Every canonical name → the tables printed under it, longest name first.

    A name can belong to a budget and a final-account table alike ('"三公"经费支出表').
    """
    index: dict[str, list[str]] = {}
    for spec in ALL_TABLES:
        for name in table_names(spec.code):
            exact = name.startswith("=")  # a short name ("支出表") that must be the whole title
            key = ("=" if exact else "") + canonical_title(name.removeprefix("="))
            codes = index.setdefault(key, [])
            if spec.code not in codes:
                codes.append(spec.code)
    return sorted(
        ((a, tuple(c)) for a, c in index.items() if a.strip("=")), key=lambda pair: -len(pair[0].strip("="))
    )


# the end of an organisation's name, printed before a short table name ("西南大学" + "支出表")
_ORGANISATION = re.compile(
    r"(大学|学院|学校|医院|局|厅|院|委员会|委|办公室|办事处|中心|部|所|站|馆|会|政府|集团|公司)$"
)


def title_to_table_code(line: str, doc_kind: str | None = None, department: str | None = None) -> str | None:
    """Given one printed line, return the catalog id if the line is a standard table's title.

    The line may carry the department name, the year and numbering (01表, 附件1, 公开01表) around
    the table name; a sentence that merely mentions a table (it has punctuation) is not a title.
    When a name is shared by a budget and a final-account table, the word 预算/决算 in the line
    decides, then the kind of the document (`doc_kind`), then the catalog order. The document's
    `department`, when known, is taken off the front ("西南大学收入预算表" is its 收入表).
    """
    text = normalise_text(line)
    if not text or len(text) > 80:
        return None
    name = canonical_title(text)
    if department:
        name = canonical_title(name.removeprefix(normalise_text(department)))
    # a table arranged by function is the catalog's table of that name (支出表(功能) = 支出表)
    for candidate in dict.fromkeys((name, name.removesuffix("(功能)"))):
        for alias, codes in _alias_index():
            if alias.startswith("="):
                prefix = candidate.removesuffix(alias[1:])
                if prefix != candidate and prefix and _ORGANISATION.search(prefix):
                    return _choose(codes, text, doc_kind)
                continue
            if candidate.endswith(alias):
                prefix = candidate[: -len(alias)]
                if _SENTENCE.search(prefix) or prefix.endswith(("说明", "的")):
                    return None
                if alias.startswith(("收", "支")) and prefix.endswith(_qualifiers()):
                    continue  # 政府性基金 + 收支总表: another table than the 收支总表
                return _choose(codes, text, doc_kind)
    return None


def is_title_like(line: str) -> bool:
    """A line that reads like the title of some table, catalogued or not: short, unpunctuated, ends in 表.

    Such a line opens a table only where a unit line or a grid follows it (a table of contents lists
    titles too); an uncatalogued one is loaded generically under its canonical title.
    """
    text = normalise_text(line)
    name = canonical_title(text)
    name = name.removesuffix("(功能)").removesuffix("(经济)")
    if not (2 <= len(name) <= 40) or not name.endswith("表") or _SENTENCE.search(name):
        return False
    return not re.match(r"^(第[一二三四五六七八九十]+部分|目录|附表?$)", text) and not name.endswith(
        ("说明表", "部门预算表", "部门决算表", "公开表", "预算公开表", "决算公开表")
    )


def _choose(codes: tuple[str, ...], text: str, doc_kind: str | None) -> str:
    if len(codes) == 1:
        return codes[0]
    word = "final_account" if "决算" in text else "budget" if "预算" in text else None
    for kind in (word, doc_kind):
        chosen = [c for c in codes if CATALOG[c].doc_kind == kind]
        if kind and chosen:
            return chosen[0]
    return codes[0]


def titles_in(
    lines: list[str], doc_kind: str | None = None, *, generic: bool = False
) -> list[tuple[int, int, str]]:
    """(first line, line count, code) of each table title among consecutive printed lines.

    A title may wrap onto a second line ("公开09表：一般公共预算"三公"经费、会议费、培训费" /
    "支出预算表"); the pair is taken only when neither line is a title on its own. With `generic`,
    a title the catalog does not know gets its canonical title as code, and a line that prints
    only a table number ("表5", with the title missing from the text layer) gets UNTITLED_CODE,
    unless a title follows within two lines.
    """
    found: list[tuple[int, int, str]] = []
    i = 0
    while i < len(lines):
        code = title_code(lines[i], doc_kind, generic=generic)
        if code:
            found.append((i, 1, code))
            i += 1
            continue
        if i + 1 < len(lines) and _may_wrap(lines[i], lines[i + 1]):
            code = title_to_table_code(lines[i] + lines[i + 1], doc_kind)
            if code and not title_to_table_code(lines[i + 1], doc_kind):
                found.append((i, 2, code))
                i += 2
                continue
        if generic and is_table_number(lines[i]):
            following = lines[i + 1 : i + 3]
            # the number printed just under a title (标题 / 06表 / 单位：元) is that title's
            after_title = bool(found) and found[-1][0] + found[-1][1] + 2 > i
            if not after_title and not any(
                title_to_table_code(f, doc_kind) or is_title_like(f) for f in following
            ):
                found.append((i, 1, UNTITLED_CODE))
        i += 1
    return found


def title_code(line: str, doc_kind: str | None = None, *, generic: bool = False) -> str | None:
    """The code one printed line opens a table under: the catalog's, or with `generic` the canonical
    title of a title-like line the catalog does not know. Every reader asks this one question."""
    return title_to_table_code(line, doc_kind) or (_generic_code(line) if generic else None)


UNTITLED_CODE = "未命名表"
_TABLE_NUMBER = re.compile(rf"^({_NUMBERING_WORDS})$")


def is_table_number(line: str) -> bool:
    """A line that prints only a table's number: 表5, 公开表10, 部门公开表1, 附表14, 表14-1."""
    return bool(_TABLE_NUMBER.match(normalise_text(line)))


# performance forms extract/performance.py reads (its `_TITLE`): indicator grids, not amount tables
_PERFORMANCE_FORM = re.compile(r"绩效目标(填报)?表|绩效自评表")


def _generic_code(line: str) -> str | None:
    """The code of an uncatalogued table: its canonical title. A performance form (绩效目标表,
    绩效自评表) is left to extract/performance.py, not loaded generically as well."""
    if not is_title_like(line):
        return None
    name = canonical_title(line)
    return None if _PERFORMANCE_FORM.search(normalise_text(line)) else name


def _may_wrap(first: str, second: str) -> bool:
    """A wrapped title: a short unpunctuated continuation that ends like a table name (…表)."""
    a, b = normalise_text(first), normalise_text(second)
    return bool(a) and 0 < len(b) <= 12 and b.endswith("表") and not _SENTENCE.search(b)


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
    for spec in ALL_TABLES:
        for m in (*spec.measures, *spec.footer_totals, *spec.form_fields):
            seen.setdefault(m.measure, m)
    return list(seen.values())
