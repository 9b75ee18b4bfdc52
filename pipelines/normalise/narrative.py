"""Figures the 说明 (narrative) states → `fact_narrative_figure` rows, for the narrative rules (N01–N22).

The narrative restates the tables in sentences ("支出合计1989.05万元，与2023年度相比，减少333.36万元，
下降14.4%"). Each figure is kept with the metric it is about, so a rule can compare it with the table
cell that should say the same, or with the other figures of its statement.

How a document is read:
1. Prose only: table rows (tab/pipe cells, runs of bare numbers, indicator rows with ≥/＝) are dropped,
   and so are bare page numbers. Markup ([bookmark: …], **, #, <b>) is stripped, text is NFKC'd, quotes
   and spaces are removed (a space between two digits is kept), so "1989.05 万元" reads "1989.05万元".
2. Paragraphs: wrapped lines are joined; a new paragraph starts at a heading or a numbered item
   ("一、", "（三）", "1、") and, in text exports, after a line that ends a sentence.
3. Figures: special phrases first (实物量 counts, 绩效 counts, YoY/vs-budget changes, 占Y%, 完成预算X%,
   "(包含…)" compositions, itemised 经济分类 lists), then every remaining "X万元/元". An amount's
   subject is the nearest label before it in its clause, provided only filler words ("支出", "决算为",
   "共计", …) stand between; an amount with no label ("全年预算为52.00万元", "共计支出6万元") takes the
   subject of the paragraph's current statement. A figure whose subject is unclear is left out.

Metrics (the names the N rules join on):
- totals: total_income_expenditure (收、支总计), fiscal_total (财政拨款收、支总计), total_income,
  total_expenditure, fiscal_expenditure (budgets: 财政拨款支出预算)
- income lines: fiscal_appropriation_income, superior_subsidy_income, business_income, operating_income,
  affiliated_remittance_income, other_income, use_of_nonfiscal_surplus, opening_carryover_surplus
- expenditure: basic_expenditure, project_expenditure, operating_expenditure, surplus_distribution,
  closing_carryover_surplus
- 一般公共预算财政拨款: gpb_income, gpb_expenditure, gpb_opening, gpb_closing, gpb_basic_expenditure,
  personnel_expenditure (人员经费), public_operating_expenditure (公用经费/日常公用经费);
  财政拨款 (all funds): fiscal_basic_expenditure (财政拨款基本支出), and the carry-over outside a
  一般公共预算 paragraph: fiscal_opening, fiscal_closing
- other funds: gf_income, gf_expenditure (政府性基金), soe_expenditure (国有资本经营)
- function_class (qualifier = 类 code), function_item (qualifier = 项 code, or 款 code for a 类/款
  chain, when it resolves, else NULL), econ_item (qualifier = economic code; itemised lists, kind component)
- 三公: three_public_total, outbound_travel, vehicle_total, vehicle_purchase, vehicle_operation,
  reception_total, reception_domestic (国内公务接待支出), reception_foreign_affairs (外事接待支出);
  counts outbound_groups, outbound_persons, vehicles_purchased, vehicle_fleet, reception_batches,
  reception_persons (国内公务接待), reception_fa_batches, reception_fa_persons (外事接待),
  reception_overseas_batches, reception_overseas_persons (国（境）外接待); derived
  reception_per_person (元), vehicle_operation_per_vehicle, vehicle_purchase_per_vehicle
- meeting_fee, training_fee, travel_fee, agency_operating_cost (机关运行经费), procurement_total,
  procurement_goods, procurement_works, procurement_services, procurement_sme, procurement_small_micro
- assets (counts): vehicles_total (共有车辆), vehicles_ministerial, vehicles_principal_leader,
  vehicles_confidential, vehicles_emergency, vehicles_law_enforcement, vehicles_special_technical,
  vehicles_retired_cadres, vehicles_other, equipment_over_1m
- performance: evaluated_projects, evaluated_project_funds (绩效自评), project_category_projects and
  project_category_funds (qualifier recurring | one_off: "常年项目…涉及预算总金额"); budgets:
  target_project_funds, target_projects ("绩效目标管理，涉及…财政拨款X万元", "编报绩效目标的项目N个…")

Kinds: amount | count | share | change | change_pct | rate | component. `basis`: for change/change_pct
prior_year | budget; for an amount or rate that is a budget figure budget | budget_initial (年初预算),
prior_year for a prior-year figure ("与2022年度952.74万元相比"), NULL for the actual; for share the
metric of the base total; for component the parent metric.
`value_printed` and `sentence` are the normalised text (NFKC, no spaces), not the raw characters.
`section_no` counts the headings (一、 / （二） / 1、) read so far: a section of the 说明 explains one table
or one fund scope, so a part restated in another section may be another scope's figure (rule N17B).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

import polars as pl

from pipelines.extract.types import TextBlock
from pipelines.vocab.codes import economic_codes, functional_codes
from pipelines.vocab.numbers import CENT, UNIT_FACTORS, fit_decimal_rows

NARRATIVE_SCHEMA: dict[str, pl.DataType] = {
    "document_id": pl.String(),
    "figure_no": pl.Int32(),
    "statement_no": pl.Int32(),
    "metric": pl.String(),
    "qualifier": pl.String(),
    "subject": pl.String(),
    "kind": pl.String(),
    "basis": pl.String(),
    "ref_year": pl.Int32(),
    "direction": pl.String(),
    "value": pl.Decimal(18, 2),
    "percent": pl.Decimal(9, 4),
    "signed_percent": pl.Decimal(9, 4),
    "decimals": pl.Int32(),
    "unit_printed": pl.String(),
    "value_printed": pl.String(),
    "sentence": pl.String(),
    "page": pl.Int32(),
    "line_no": pl.Int32(),
    "section_no": pl.Int32(),
}

# ---------------------------------------------------------------------------------------------
# Vocabulary: printed label → metric (normalised form: NFKC, no spaces/quotes, ASCII brackets)
# ---------------------------------------------------------------------------------------------

_LABELS: dict[str, str] = {
    "收支总计": "total_income_expenditure",
    "收、支总计": "total_income_expenditure",
    "收入、支出总计": "total_income_expenditure",
    "收入支出总计": "total_income_expenditure",
    "收、支": "total_income_expenditure",
    "收入、支出预算总计": "total_income_expenditure",
    "收、支预算总计": "total_income_expenditure",
    "收支预算总计": "total_income_expenditure",
    "财政拨款收支总计": "fiscal_total",
    "财政拨款收、支总计": "fiscal_total",
    "财政拨款收入、支出总计": "fiscal_total",
    "财政拨款收入支出总计": "fiscal_total",
    "财政拨款收、支": "fiscal_total",
    "财政拨款收支": "fiscal_total",
    "收入合计": "total_income",
    "本年收入合计": "total_income",
    "支出合计": "total_expenditure",
    "本年支出合计": "total_expenditure",
    "财政拨款收入": "fiscal_appropriation_income",
    "上级补助收入": "superior_subsidy_income",
    "事业收入": "business_income",
    "经营收入": "operating_income",
    "附属单位上缴收入": "affiliated_remittance_income",
    "其他收入": "other_income",
    "其他资金收入": "other_income",
    "使用非财政拨款结余": "use_of_nonfiscal_surplus",
    "使用非财政拨款结余(含专用结余)": "use_of_nonfiscal_surplus",
    "年初结转和结余": "opening_carryover_surplus",
    "年初结转结余": "opening_carryover_surplus",
    "基本支出": "basic_expenditure",
    "项目支出": "project_expenditure",
    "经营支出": "operating_expenditure",
    "结余分配": "surplus_distribution",
    "年末结转和结余": "closing_carryover_surplus",
    "年末结转结余": "closing_carryover_surplus",
    "一般公共预算财政拨款收入": "gpb_income",
    "一般公共预算拨款收入": "gpb_income",
    "一般公共预算收入": "gpb_income",
    "一般公共预算财政拨款支出": "gpb_expenditure",
    "一般公共预算支出": "gpb_expenditure",
    "一般公共预算拨款支出": "gpb_expenditure",
    "一般公共预算财政拨款基本支出": "gpb_basic_expenditure",
    "一般公共预算基本支出": "gpb_basic_expenditure",
    "一般公共预算拨款基本支出": "gpb_basic_expenditure",
    "财政拨款基本支出": "fiscal_basic_expenditure",
    "年初一般公共预算财政拨款结转和结余": "gpb_opening",
    "年末一般公共预算财政拨款结转和结余": "gpb_closing",
    "年初财政拨款结转和结余": "fiscal_opening",  # gpb_opening inside a 一般公共预算 paragraph
    "年末财政拨款结转和结余": "fiscal_closing",
    "人员经费": "personnel_expenditure",
    "公用经费": "public_operating_expenditure",
    "日常公用经费": "public_operating_expenditure",
    "政府性基金预算收入": "gf_income",
    "政府性基金预算拨款支出": "gf_expenditure",
    "政府性基金预算财政拨款支出": "gf_expenditure",
    "政府性基金预算支出": "gf_expenditure",
    "政府性基金拨款支出": "gf_expenditure",
    "政府性基金支出": "gf_expenditure",
    "政府性基金收入": "gf_income",
    "国有资本经营预算拨款支出": "soe_expenditure",
    "国有资本经营预算财政拨款支出": "soe_expenditure",
    "三公经费": "three_public_total",
    "因公出国(境)费": "outbound_travel",
    "因公出国(境)费用": "outbound_travel",
    "因公出国(境)经费": "outbound_travel",
    "公务用车购置及运行维护费": "vehicle_total",
    "公务用车购置及运行费": "vehicle_total",
    "公务用车购置费": "vehicle_purchase",
    "公务用车购置支出": "vehicle_purchase",
    "公务用车运行维护费": "vehicle_operation",
    "公务用车运行费": "vehicle_operation",
    "公务接待费": "reception_total",
    "国内公务接待支出": "reception_domestic",
    "国内公务接待费": "reception_domestic",
    "国内接待费": "reception_domestic",
    "外事接待支出": "reception_foreign_affairs",
    "外事接待费": "reception_foreign_affairs",
    "人均接待费": "reception_per_person",
    "车均维护费": "vehicle_operation_per_vehicle",
    "车均运行维护费": "vehicle_operation_per_vehicle",
    "车均购置费": "vehicle_purchase_per_vehicle",
    "会议费": "meeting_fee",
    "培训费": "training_fee",
    "差旅费": "travel_fee",
    "机关运行经费": "agency_operating_cost",
    "运行经费": "agency_operating_cost",
    "政府采购": "procurement_total",
    "政府采购支出总额": "procurement_total",
    "政府采购预算总额": "procurement_total",
    "政府采购金额": "procurement_total",
    "政府采购货物支出": "procurement_goods",
    "政府采购货物预算": "procurement_goods",
    "货物采购金额": "procurement_goods",
    "政府采购工程支出": "procurement_works",
    "政府采购工程预算": "procurement_works",
    "工程采购金额": "procurement_works",
    "政府采购服务支出": "procurement_services",
    "政府采购服务预算": "procurement_services",
    "服务采购金额": "procurement_services",
    "货物类政府采购": "procurement_goods",
    "工程类政府采购": "procurement_works",
    "服务类政府采购": "procurement_services",
    "授予中小企业合同金额": "procurement_sme",
    "授予小微企业合同金额": "procurement_small_micro",
}

# "基本支出合计为1208.20万元" is the 基本支出, not the 支出合计: every 支出 / 收入 label + 合计 names its own
# metric (the longest label wins where two end at the same place)
_LABELS.update(
    {f"{label}合计": metric for label, metric in list(_LABELS.items()) if label.endswith(("支出", "收入"))}
)

# labels that name a funding source or a whole budget: the subject only when no other label is there
# ("三公经费财政拨款支出预算为…" is about 三公; "一般公共预算拨款政府采购…" about 政府采购)
_WEAK_LABELS: dict[str, str] = {
    "收入预算": "total_income",
    "支出预算": "total_expenditure",
    # 本年 names this year's figure, without the carry-over a budget's 收入预算 / 支出预算 may include
    # ("收入预算490,808.40万元（本年预算收入390,140.45万元）"): another subject, so another statement
    "本年收入预算": "total_income",
    "本年支出预算": "total_expenditure",
    "本年预算收入": "total_income",
    "本年预算支出": "total_expenditure",
    "一般公共预算拨款": "gpb_income",
    "财政拨款支出": "fiscal_expenditure",
    "财政拨款支出预算": "fiscal_expenditure",
}

# a weak label right after one of these names a source's line, not the whole ("其他资金收入预算")
_FUND_WORD = re.compile(r"(?:资金|基金|其他|专户|收入|支出|经费|结转)$")
# totals that, right after a 类/款 chain, are that class's total ("检察（款）：2018年预算支出合计X万元")
_GENERIC_TOTALS = {"支出合计", "本年支出合计", "收入合计", "本年收入合计"}

# counted things ("N辆", "N台(套)") and the label before the number
_COUNT_LABELS: dict[str, str] = {
    "共有车辆": "vehicles_total",
    "共有公务用车": "vehicle_fleet",
    "公务车保有量": "vehicle_fleet",
    "公务用车保有量": "vehicle_fleet",
    "公务用车购置": "vehicles_purchased",
    "购置公务用车": "vehicles_purchased",
    "购置车辆": "vehicles_purchased",
    "副部(省)级及以上领导用车": "vehicles_ministerial",
    "部级领导干部用车": "vehicles_ministerial",
    "主要领导干部用车": "vehicles_principal_leader",
    "主要负责人用车": "vehicles_principal_leader",
    "机要通信用车": "vehicles_confidential",
    "应急保障用车": "vehicles_emergency",
    "执法执勤用车": "vehicles_law_enforcement",
    "执勤执法用车": "vehicles_law_enforcement",
    "特种专业技术用车": "vehicles_special_technical",
    "离退休干部用车": "vehicles_retired_cadres",
    "其他用车": "vehicles_other",
}

_VEHICLE_KINDS = {m for m in _COUNT_LABELS.values() if m.startswith("vehicles_")} - {
    "vehicles_total",
    "vehicles_purchased",
}
_INCOME_METRICS = {
    "fiscal_appropriation_income",
    "gpb_income",
    "gf_income",
    "superior_subsidy_income",
    "business_income",
    "operating_income",
    "affiliated_remittance_income",
    "other_income",
    "total_income",
}
_INCOME_LINES = {
    "fiscal_appropriation_income",
    "gpb_income",
    "superior_subsidy_income",
    "business_income",
    "operating_income",
    "affiliated_remittance_income",
    "other_income",
    "total_income",
}
_EXPENDITURE_PARTS = {
    "basic_expenditure",
    "project_expenditure",
    "operating_expenditure",
    "gpb_expenditure",
    "gf_expenditure",
    "soe_expenditure",
    "function_class",
    "total_expenditure",
}
_THREE_PUBLIC_PARTS = {
    "outbound_travel",
    "vehicle_total",
    "vehicle_purchase",
    "vehicle_operation",
    "reception_total",
}
# totals an itemised 经济分类 list ("人员经费X万元，主要包括：基本工资a万元、…") may break down
_ECON_PARENTS = {
    "personnel_expenditure",
    "public_operating_expenditure",
    "gpb_basic_expenditure",
    "fiscal_basic_expenditure",
    "basic_expenditure",
}
_PROCUREMENT_PARTS = {
    "procurement_goods",
    "procurement_works",
    "procurement_services",
    "procurement_sme",
    "procurement_small_micro",
}


def _default_share_basis(metric: str) -> str | None:
    """The total a share "占Y%" is of, when the sentence does not name it."""
    if metric in _INCOME_LINES - {"total_income"}:
        return "total_income"
    if metric == "function_class":
        return "gpb_expenditure"
    if metric in _EXPENDITURE_PARTS - {"total_expenditure"}:
        return "total_expenditure"
    if metric in _THREE_PUBLIC_PARTS:
        return "three_public_total"
    if metric in _PROCUREMENT_PARTS:
        return "procurement_total"
    if metric in {"personnel_expenditure", "public_operating_expenditure"}:
        return "gpb_basic_expenditure"
    return None


# ---------------------------------------------------------------------------------------------
# Regular expressions over normalised text
# ---------------------------------------------------------------------------------------------

_NUM = r"(?<![\d.,])(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?"
_MONEY = r"(?:亿元|万元|元)"
_DIR = r"(?:增加|减少|增长|下降|上升|降低|提高)"
_INCREASE = {"增加", "增长", "上升", "提高"}
_FLAT_WORDS = r"(?:无增减|持平|无变化|没有变化)"

_COMPARE = re.compile(
    r"(?:与|较|比)(?:(?P<year>\d{4})年度?(?:(?P<prev>" + _NUM + r")(?P<prev_unit>" + _MONEY + r"))?"
    r"|上一?年度?|去年|(?P<budget>(?:年初|全年)?预算))"
    r"(?:支出数|决算数|预算数|数|同期)?(?:相比|相较)?,?"
)
_CHANGE = re.compile(
    r"(?P<dir>" + _DIR + r")了?(?P<num>" + _NUM + r")(?P<unit>" + _MONEY + r")"
    r"(?:[,、]?(?P<dir2>" + _DIR + r")了?(?P<pct>" + _NUM + r")%)?"
)
_PCT_CHANGE = re.compile(r"(?P<dir>" + _DIR + r")了?(?P<pct>" + _NUM + r")%")
_FLAT = re.compile(r"(?P<flat>" + _FLAT_WORDS + r")")
_SHARE = re.compile(r"占(?P<base>[^,;。%\d]{0,20}?)的?(?P<pct>" + _NUM + r")%")
_RATE = re.compile(r"完成(?P<b>全年|年初)?预算数?的?(?P<pct>" + _NUM + r")%")
_AMOUNT = re.compile(r"(?P<num>" + _NUM + r")(?P<unit>" + _MONEY + r")")
_COUNT = re.compile(r"(?P<num>(?<![\d.,])\d+)(?P<unit>辆|台\(套\)|台)")
# a price threshold, not a figure: "单价100万元（含）以上设备"
_THRESHOLD = re.compile(r"单价" + _NUM + _MONEY + r"(?:\(含\))?以[上下]")
_CHAIN = re.compile(
    r"(?P<c>[^,;:。、()]+?)\(类\)"
    r"(?P<k>(?:[^,;:。、()]|\([^()类款项]{1,3}\))+?)\(款\)"
    r"(?P<x>(?:[^,;:。、()]|\([^()类款项]{1,3}\))+?)\(项\)"
)
# a 类/款 chain without its 项 ("公共安全支出（类）检察（款）：2018年预算支出合计…")
_CHAIN_KUAN = re.compile(r"(?P<c>[^,;:。、()]+?)\(类\)(?P<k>(?:[^,;:。、()]|\([^()类款项]{1,3}\))+?)\(款\)")
# the same chain printed "一般公共服务支出-政府办公厅（室）及相关机构事务-行政运行"科目 (Shanghai budgets)
_DASH_CHAIN = re.compile(
    r"(?P<c>[^,;:。、()\-]+?)-(?P<k>(?:[^,;:。、()\-]|\([^()]{1,3}\))+?)-"
    r"(?P<x>(?:[^,;:。、()\-]|\([^()]{1,3}\))+?)(?=科目)"
)
_COMPOSITION = re.compile(r"\((?:包含|其中|包括|含)[:]?")
_ITEM_LIST = re.compile(r"主要包括[:]?")
_LIST_END = re.compile(r"[;。!?]")
_PERSONS = r"(?P<p>\d+)人(?:次)?"
_MONEY_GROUP = r"(?P<x>" + _NUM + r")(?P<u>" + _MONEY + r")"


@dataclass(frozen=True)
class _Part:
    """One figure of a fixed phrase: the regex group holding it and what it is (unit None = money)."""

    group: str
    metric: str
    unit: str | None = None
    qualifier: str | None = None


# fixed phrases read as a whole before labels are looked at: 实物量, equipment, 绩效 counts
_PHRASES: tuple[tuple[re.Pattern[str], tuple[_Part, ...]], ...] = (
    (
        re.compile(r"因公出国\(境\)(?:共计)?(?P<g>\d+)个团组,?" + _PERSONS),
        (_Part("g", "outbound_groups", "个"), _Part("p", "outbound_persons", "人")),
    ),
    (
        re.compile(r"因公出国\(境\)团组(?P<g>\d+)[个次],?出国\(境\)" + _PERSONS),
        (_Part("g", "outbound_groups", "个"), _Part("p", "outbound_persons", "人")),
    ),
    (
        re.compile(r"国内公务接待(?P<b>\d+)批次,?" + _PERSONS),
        (_Part("b", "reception_batches", "批次"), _Part("p", "reception_persons", "人")),
    ),
    (
        re.compile(r"(?<!国\(境\))外事接待(?P<b>\d+)批次,?" + _PERSONS),
        (_Part("b", "reception_fa_batches", "批次"), _Part("p", "reception_fa_persons", "人")),
    ),
    (
        re.compile(r"国\(境\)外公务接待(?P<b>\d+)批次,?" + _PERSONS),
        (_Part("b", "reception_overseas_batches", "批次"), _Part("p", "reception_overseas_persons", "人")),
    ),
    (
        re.compile(
            r"(?<!购置)单价100万元(?:\(含\))?以上(?:专用)?设备(?:\(不含车辆\))?(?P<n>\d+)台(?:\(套\))?"
        ),
        (_Part("n", "equipment_over_1m", "台(套)"),),
    ),
    (
        re.compile(r"常年项目绩效分析。?该类项目总数(?P<n>\d+)个,涉及预算总金额" + _MONEY_GROUP),
        (
            _Part("n", "project_category_projects", "个", "recurring"),
            _Part("x", "project_category_funds", None, "recurring"),
        ),
    ),
    (
        re.compile(
            r"(?:阶段\(一次性\)|一次性|阶段性?)项目绩效分析。?该类项目总数(?P<n>\d+)个,涉及预算总金额"
            + _MONEY_GROUP
        ),
        (
            _Part("n", "project_category_projects", "个", "one_off"),
            _Part("x", "project_category_funds", None, "one_off"),
        ),
    ),
    (
        re.compile(r"对(?P<n>\d+)个项目开展了?(?:绩效)?(?:自评|评价)[^。]*?涉及资金" + _MONEY_GROUP),
        (_Part("n", "evaluated_projects", "个"), _Part("x", "evaluated_project_funds")),
    ),
    (
        re.compile(r"对(?P<n>\d+)个项目开展了?(?:绩效)?(?:自评|评价)"),
        (_Part("n", "evaluated_projects", "个"),),
    ),
    (
        re.compile(r"绩效自评的(?:\d{4}年度?)?项目(?P<n>\d+)个,涉及(?:预算)?(?:金额|资金)" + _MONEY_GROUP),
        (_Part("n", "evaluated_projects", "个"), _Part("x", "evaluated_project_funds")),
    ),
    (
        re.compile(r"编报绩效目标的项目共?(?P<n>\d+)个,涉及(?:项目)?预算资金" + _MONEY_GROUP),
        (_Part("n", "target_projects", "个"), _Part("x", "target_project_funds")),
    ),
    (
        re.compile(r"绩效目标管理,涉及(?:一般公共预算)?(?:当年)?(?:财政拨款)?" + _MONEY_GROUP),
        (_Part("x", "target_project_funds"),),
    ),
)

# words that may stand between a label and its number ("支出决算为", "均为", "(类)" …)
_FILLER = re.compile(
    r"^(?:均为|均|各|为|是|共计|合计|总计|总额|总金额|金额|支出|收入|决算数?|预算数?|年初|全年|财政拨款|"
    r"达到|达|约|累计|实际|安排|执行|当年|本年度?|数|共|有|保有量|科目|:|\d{4}年度?)*$"
)
_PAREN = re.compile(r"\([^()]*\)")
_LEVEL_MARK = re.compile(r"\((?:类|款|项)\)")
# what may precede a 类 name in a class list ("(1)", "其中:", "主要用于以下方面:")
_CLASS_PREFIX = re.compile(
    r"^(?:[、,:;]|其中|主要用于以下方面|主要用于|\(?\d{1,2}\)|\d{1,2}[、.]|[一二三四五六七八九十]+、|"
    r"\([一二三四五六七八九十]+\)|\d{4}年度?)*$"
)
# an unlabelled amount takes the statement's subject only after words like these
_INHERIT = re.compile(r"^:?(?:(?:支出)?(?:(?:全年|年初)?预算数?|决算数?)为|共计(?:支出)?)$")
_HARD_STOP = re.compile(r"[,;。!?]")
# a comparison of the budget (or final account) as a whole, not of the statement's subject
_WHOLE_BUDGET = re.compile(r"^\d{4}年度?(?:部门)?(?:预算|决算)数?$")
_SENTENCE_END = "。!?"
_HEADING = re.compile(
    r"^(?:第[一二三四五六七八九十\d]+部分|[一二三四五六七八九十]+[、.]|[(][一二三四五六七八九十\d]{1,3}[)]"
    r"|\d{1,2}[、.](?!\d))"
)

_MARKUP = re.compile(r"\[bookmark:[^\]]*\]|<[^>]+>|\*\*|^\s*#+\s*")
_QUOTES = "\"'“”‘’「」『』"
_PAGE_NUMBER = re.compile(r"^\s*[-—–]?\s*\d{1,3}\s*[-—–]?\s*$")
_SEPARATOR_ROW = re.compile(r"^[\s|:\-\t]+$")
_BARE_NUMBER = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?$")
_UNIT_START = re.compile(
    r"^(?:亿元|万元|元|%|年|月|日|个|辆|人|批次|次|台|套|项|名|期|件|家|户|分|天|份|条|篇|余|万|亩)"
)
_OPERATORS = {"=", "＝", "≥", "≤", ">", "<", "≧", "≦"}


# ---------------------------------------------------------------------------------------------
# Reference lookups
# ---------------------------------------------------------------------------------------------


def _norm(text: str) -> str:
    """NFKC, no whitespace, no quotes: the form labels and names are compared in."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if not ch.isspace() and ch not in _QUOTES)


def _loose(name: str) -> str:
    """A name compared loosely inside one parent (5.4: "…缴费" = "…缴费支出", a missing 及)."""
    name = re.sub(r"\((类|款|项)\)", "", _norm(name)).replace("及", "")
    return name.removesuffix("支出")


_KUAN_ALIASES = {_loose("行政事业单位离退休"): "20805"}


@lru_cache(maxsize=1)
def _class_labels() -> dict[str, str]:
    """类 names (and "name(类)" without the trailing 支出) → 类 code."""
    labels: dict[str, str] = {}
    for entry in functional_codes().values():
        if entry.level != "类":
            continue
        name = _norm(entry.name)
        labels[name] = entry.code
        labels[f"{name.removesuffix('支出')}(类)"] = entry.code
    return labels


@lru_cache(maxsize=1)
def _econ_by_name() -> dict[str, str]:
    # the 部门支出经济分类 (3xx) the 说明 speaks in; the 政府预算 list (5xx) reuses some of its names
    names = {_norm(e.name): e.code for e in economic_codes().values() if e.code.startswith("3")}
    names.update({"其他交通费": "30239", "维修费": "30213", "因公出国(境)费": "30212"})
    return names


@lru_cache(maxsize=1)
def _item_stems() -> frozenset[str]:
    """Functional 款 / 项 names without their trailing 支出: "住房改革" of 住房改革支出 (22102)."""
    return frozenset(
        stem
        for e in functional_codes().values()
        if e.level != "类" and len(stem := _norm(e.name).removesuffix("支出")) >= 2
    )


def _names_item(prefix: str) -> bool:
    """Whether a weak label ("支出预算") follows a 款 / 项 name: "住房改革支出预算数为7,243.45万元" is that
    item's amount, not the budget's total."""
    return any(prefix.endswith(stem) for stem in _item_stems())


def _is_class_name(name: str) -> bool:
    return any(_loose(e.name) == _loose(name) for e in functional_codes().values() if e.level == "类")


def resolve_function_chain(class_name: str, kuan_name: str, xiang_name: str | None = None) -> str | None:
    """The 7-digit code of a "类 / 款 / 项" name chain (5-digit without a 项), resolved top-down
    (DOMAIN 5.4 step 5)."""
    codes = functional_codes().values()
    classes = [e for e in codes if e.level == "类" and _loose(e.name) == _loose(class_name)]
    if len(classes) != 1:
        return None
    kuan_key = _loose(kuan_name)
    kuans = [e for e in codes if e.parent_code == classes[0].code and _loose(e.name) == kuan_key]
    if not kuans and _KUAN_ALIASES.get(kuan_key, "").startswith(classes[0].code):
        kuans = [e for e in codes if e.code == _KUAN_ALIASES[kuan_key]]
    if len(kuans) != 1 or xiang_name is None:
        return kuans[0].code if len(kuans) == 1 else None
    items = [e for e in codes if e.parent_code == kuans[0].code and _loose(e.name) == _loose(xiang_name)]
    return items[0].code if len(items) == 1 else None


# ---------------------------------------------------------------------------------------------
# Text → paragraphs with provenance
# ---------------------------------------------------------------------------------------------


@dataclass
class _Paragraph:
    """Normalised prose with, for every character, the page and line it was printed on."""

    text: str = ""
    section: int = 0  # the heading it follows (一、 / （二） / 1、 …): one section states one scope
    pages: list[int | None] = field(default_factory=list)
    lines: list[int | None] = field(default_factory=list)

    def add(self, text: str, page: int | None, line_no: int | None) -> None:
        self.text += text
        self.pages.extend([page] * len(text))
        self.lines.extend([line_no] * len(text))


def _clean(line: str) -> str:
    """Markup stripped, NFKC, quotes and spaces removed (one space kept between two digits)."""
    text = unicodedata.normalize("NFKC", _MARKUP.sub("", line))
    text = "".join(ch for ch in text if ch not in _QUOTES)
    return re.sub(r"\s+", lambda m: " " if _between_digits(text, m) else "", text).strip()


def _between_digits(text: str, m: re.Match[str]) -> bool:
    return m.start() > 0 and m.end() < len(text) and text[m.start() - 1].isdigit() and text[m.end()].isdigit()


def _is_table_row(line: str) -> bool:
    """A row of a table rather than prose: delimited cells, ≥2 bare numbers, or an indicator row."""
    if "\t" in line or _SEPARATOR_ROW.match(line):
        return True
    stripped = line.strip()
    if stripped.startswith("|") and stripped.count("|") >= 3:
        return True
    tokens = unicodedata.normalize("NFKC", stripped).split()
    if any(t in _OPERATORS for t in tokens):
        return True
    bare = 0
    for i, token in enumerate(tokens):
        if _BARE_NUMBER.match(token):
            following = tokens[i + 1] if i + 1 < len(tokens) else ""
            if not _UNIT_START.match(following):
                bare += 1
    return bare >= 2


def _paragraphs(texts: list[TextBlock]) -> list[_Paragraph]:
    """Join wrapped lines into paragraphs, dropping table rows and page numbers."""
    lines: list[tuple[str, int | None, int | None]] = []
    for block in texts:
        for raw in block.text.split("\n") if block.page is not None else [block.text]:
            lines.append((raw, block.page, block.line_no))
    kinds = [
        "blank" if not raw.strip() else "table" if _is_table_row(raw) else "prose" for raw, _, _ in lines
    ]
    _absorb_table_fragments(kinds)

    paragraphs: list[_Paragraph] = []
    current = _Paragraph()
    current_heading = False
    section = 0

    def close() -> None:
        nonlocal current, current_heading
        if current.text:
            paragraphs.append(current)
        current, current_heading = _Paragraph(), False

    for (raw, page, line_no), kind in zip(lines, kinds, strict=True):
        if kind == "table":
            close()
            continue
        if kind == "blank" or _PAGE_NUMBER.match(raw):
            if kind == "blank" and page is None and current.text and current.text[-1] in "。;:!?":
                close()
            continue
        is_markdown_heading = raw.lstrip().startswith("#")
        text = _clean(raw)
        if not text:
            continue
        heading = bool(_HEADING.match(text)) or is_markdown_heading
        starts_new = heading or current_heading
        ends_sentence = bool(current.text) and current.text[-1] in "。;:!?"
        if starts_new or (page is None and ends_sentence):
            close()
        section += heading
        current.section = section
        current.add(text, page, line_no)
        current_heading = is_markdown_heading
    close()
    return paragraphs


def _absorb_table_fragments(kinds: list[str]) -> None:
    """A short run of prose lines between two table rows is a wrapped cell (DOCX table dumps)."""
    rows = [i for i, k in enumerate(kinds) if k != "blank"]
    i = 0
    while i < len(rows):
        if kinds[rows[i]] != "prose":
            i += 1
            continue
        j = i
        while j < len(rows) and kinds[rows[j]] == "prose":
            j += 1
        if i > 0 and j < len(rows) and j - i <= 3 and kinds[rows[i - 1]] == kinds[rows[j]] == "table":
            for k in range(i, j):
                kinds[rows[k]] = "table"
        i = j


# ---------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Subject:
    metric: str
    qualifier: str | None
    text: str


@dataclass
class _Event:
    """Something found in a paragraph, before the statement it belongs to is decided."""

    start: int
    end: int
    kind: str  # amount | count | change | flat | pct_change | share | rate | chain | prior | phrase | skip
    match: re.Match[str]
    subject: _Subject | None = None
    basis: str | None = None
    ref_year: int | None = None
    parts: tuple[_Part, ...] = ()  # phrase: its figures
    component_of: int | None = None  # index of the parent amount event (composition lists)
    econ: bool = False  # a component named by an economic classification item
    label: str = ""  # a component's name as printed before it


@dataclass(frozen=True)
class _Figure:
    """What a row says, apart from the subject and statement it belongs to."""

    kind: str
    printed: str
    value: Decimal | None = None
    percent: Decimal | None = None
    decimals: int | None = None
    unit: str | None = None
    basis: str | None = None
    ref_year: int | None = None
    direction: str | None = None


@dataclass(frozen=True)
class _Row:
    statement: int
    subject: _Subject
    pos: int
    figure: _Figure


def _to_decimal(num: str) -> Decimal:
    return Decimal(num.replace(",", ""))


def _decimals(num: str) -> int:
    return len(num.split(".")[1]) if "." in num else 0


def _money(num: str, unit: str) -> Decimal:
    value = _to_decimal(num) * UNIT_FACTORS[unit]
    # beyond quantize's precision: kept unrounded, and dropped before the frame (fit_decimal_rows)
    return value.quantize(CENT) if value.adjusted() < 20 else value


def _amount(kind: str, num: str, unit: str, basis: str | None = None, ref_year: int | None = None) -> _Figure:
    return _Figure(kind, num + unit, _money(num, unit), None, _decimals(num), unit, basis, ref_year)


def _find_label(
    window: str, labels: dict[str, str], *, class_labels: bool = False
) -> tuple[int, str, str] | None:
    """The rightmost label in `window` (longest on a tie) if only filler follows: (start, label, metric)."""
    best: tuple[int, int, str] | None = None  # end, length, label
    for label in labels:
        pos = window.rfind(label)
        if pos >= 0 and (best is None or (pos + len(label), len(label)) > best[:2]):
            best = (pos + len(label), len(label), label)
    if best is None:
        return None
    end, length, label = best
    gap = _PAREN.sub("", window[end:])
    if not _FILLER.match(gap) or (labels[label] in _INCOME_METRICS and "支出" in gap):
        return None  # "一般公共预算拨款支出…" is not an income
    if not class_labels and _LEVEL_MARK.search(window[end:]):
        return None  # "差旅费（款）支出200万元": an economic classification line, not the 三公/会议 figure
    start = end - length
    if class_labels and not _CLASS_PREFIX.match(window[:start]):
        return None
    return start, label, labels[label]


def _sentence_bounds(text: str, pos: int) -> tuple[int, int]:
    start = max(text.rfind(ch, 0, pos) for ch in _SENTENCE_END) + 1
    ends = [i for i in (text.find(ch, pos) for ch in _SENTENCE_END) if i >= 0]
    return start, (min(ends) + 1 if ends else len(text))


def _clause_start(text: str, pos: int, floor: int) -> int:
    """Where the clause holding `pos` starts (after the last , ; 。 ! ?), but not before `floor`."""
    cut = floor
    for m in _HARD_STOP.finditer(text, floor, pos):
        cut = m.end()
    return cut


class _Reader:
    """Reads one paragraph's figures in order, tracking the statement the paragraph is about."""

    def __init__(self, text: str, last_statement: int) -> None:
        self.text = text
        self.events: list[_Event] = []
        self.taken = [False] * len(text)
        self.last_statement = last_statement
        self.rows: list[_Row] = []
        self.gpb_paragraph = "一般公共预算" in text
        self.last_count: tuple[int, str] | None = None  # sentence and metric of the last count read

    # -- finding: every pattern claims its characters, the more specific ones first -------------

    def _free(self, m: re.Match[str]) -> bool:
        return not any(self.taken[m.start() : m.end()])

    def _take(self, event: _Event) -> None:
        for i in range(event.start, event.end):
            self.taken[i] = True
        self.events.append(event)

    def find(self) -> None:
        t = self.text
        for pattern, parts in _PHRASES:
            for m in pattern.finditer(t):
                if self._free(m):
                    self._take(_Event(m.start(), m.end(), "phrase", m, parts=parts))
        for m in _THRESHOLD.finditer(t):
            if self._free(m):
                self._take(_Event(m.start(), m.end(), "skip", m))
        for m in _CHAIN.finditer(t):
            if self._free(m):
                self._chain(m)
        for m in _CHAIN_KUAN.finditer(t):
            if self._free(m):
                self._chain(m)
        for m in _DASH_CHAIN.finditer(t):
            if self._free(m) and _is_class_name(re.sub(r"^\d{1,2}[、.]", "", m["c"])):
                self._chain(m)
        for pattern, kind in ((_CHANGE, "change"), (_PCT_CHANGE, "pct_change"), (_FLAT, "flat")):
            for m in pattern.finditer(t):
                if self._free(m):
                    self._change(m, kind)
        for m in _SHARE.finditer(t):
            if self._free(m):
                self._take(_Event(m.start(), m.end(), "share", m))
        for m in _RATE.finditer(t):
            if self._free(m):
                basis = "budget_initial" if m["b"] == "年初" else "budget"
                self._take(_Event(m.start(), m.end(), "rate", m, basis=basis))
        for pattern, kind in ((_COUNT, "count"), (_AMOUNT, "amount")):
            for m in pattern.finditer(t):
                if self._free(m):
                    self._take(_Event(m.start(), m.end(), kind, m))
        self.events.sort(key=lambda e: e.start)
        self._mark_lists()

    def _chain(self, m: re.Match[str]) -> None:
        class_name = re.sub(r"^(?:\d{1,2}[、.]|\(\d{1,2}\))", "", m["c"])
        code = resolve_function_chain(class_name, m["k"], m.groupdict().get("x"))
        start = m.end("c") - len(class_name)
        subject = _Subject("function_item", code, self.text[start : m.end()])
        self._take(_Event(start, m.end(), "chain", m, subject=subject))

    def _compare_before(self, pos: int) -> re.Match[str] | None:
        """The comparison phrase ("与2023年度相比", "较年初预算数") nearest before `pos` in its sentence."""
        found = None
        for m in _COMPARE.finditer(self.text, _sentence_bounds(self.text, pos)[0], pos):
            found = m
        return found

    def _change(self, m: re.Match[str], kind: str) -> None:
        cmp = self._compare_before(m.start())
        if cmp is None:
            return  # "增加3人", "减少了开支": not a comparison
        if kind == "flat":
            between = self.text[cmp.end() : m.start()]
            if _HARD_STOP.search(between) or len(between) > 15:
                return
        year = cmp["year"] or self._adjacent_year(cmp)
        event = _Event(m.start(), m.end(), kind, m, basis="budget" if cmp["budget"] else "prior_year")
        event.ref_year = int(year) if year else None
        event.subject = self._change_subject(cmp, m.start())
        if cmp["prev"] and self._free(cmp):
            self._take(_Event(cmp.start(), cmp.end(), "prior", cmp, ref_year=event.ref_year))
        self._take(event)

    def _adjacent_year(self, cmp: re.Match[str]) -> str | None:
        """The year of a comparison phrase just before this one ("比2024年较去年增加")."""
        for m in _COMPARE.finditer(self.text, max(0, cmp.start() - 12), cmp.start()):
            if m.end() == cmp.start() and m["year"]:
                return m["year"]
        return None

    def _change_subject(self, cmp: re.Match[str], verb: int) -> _Subject | None:
        """The subject printed around a comparison: "收、支与…相比", "…相比，财政拨款收、支总计各减少"."""
        t = self.text
        segments = [t[_clause_start(t, verb, cmp.end()) : verb]]
        if not _HARD_STOP.search(t, cmp.end(), verb):  # the comparison opens the verb's clause
            segments.append(
                t[_clause_start(t, cmp.start(), _sentence_bounds(t, cmp.start())[0]) : cmp.start()]
            )
        for i, seg in enumerate(segments):
            labelled = self._labelled(seg)
            if labelled:
                return labelled[0]
            bare = re.sub(r"决算数?|数", "", seg)
            if bare in {"收入", "支出"}:
                return _Subject(f"bare:{bare}", None, seg)
            if i == 1 and _WHOLE_BUDGET.match(seg):
                return _Subject("whole", None, seg)  # "2026年预算比2025年预算增加…": no metric of its own
        return None

    def _labelled(self, window: str) -> tuple[_Subject, int] | None:
        """The subject a label in `window` names, and where the label ends."""
        found = _find_label(window, _LABELS)
        if found:
            metric = found[2]
            if metric in {"fiscal_opening", "fiscal_closing"} and self.gpb_paragraph:
                metric = metric.replace("fiscal_", "gpb_")
            return _Subject(metric, None, found[1].rstrip(":")), found[0] + len(found[1])
        found = _find_label(window, _class_labels(), class_labels=True)
        if found:
            return _Subject("function_class", found[2], found[1]), found[0] + len(found[1])
        found = _find_label(window, _WEAK_LABELS)
        if (
            found
            and not _FUND_WORD.search(window[: found[0]])
            and not (found[1].startswith("支出") and _names_item(window[: found[0]]))
        ):
            return _Subject(found[2], None, found[1]), found[0] + len(found[1])
        return None

    def _mark_lists(self) -> None:
        """Amounts inside "(包含…)" after an amount, or in "主要包括:" after 人员经费/公用经费."""
        t = self.text
        amounts = [i for i, e in enumerate(self.events) if e.kind == "amount"]
        for idx in amounts:
            m = _COMPOSITION.match(t, self.events[idx].end)
            if m:
                close = t.find(")", m.end())
                self._components(idx, m.end(), close if close >= 0 else len(t), econ=False)
        for m in _ITEM_LIST.finditer(t):
            stop = _LIST_END.search(t, m.end())
            parents = [i for i in amounts if self.events[i].end <= m.start()]
            if parents:
                self._components(parents[-1], m.end(), stop.start() if stop else len(t), econ=True)

    def _components(self, parent: int, start: int, end: int, *, econ: bool) -> None:
        """Mark the amounts printed in [start, end) as parts of the parent amount, named by what precedes
        each; an itemised 经济分类 list with a name not in the list is dropped whole (its sum would be
        short)."""
        items = [
            (i, e)
            for i, e in enumerate(self.events)
            if e.kind == "amount" and start <= e.start < end and e.component_of is None
        ]
        for i, e in items:
            before = self.text[self.events[i - 1].end if i else start : e.start]
            e.label = re.sub(r"^\((?:包含|其中|包括|含):?", "", re.split(r"[,;。、:]", before)[-1])
            e.component_of, e.econ = parent, econ
        if econ and any(e.label not in _econ_by_name() for _, e in items):
            for _, e in items:
                e.kind = "skip"

    # -- reading: decide each figure's subject and statement, in order -------------------------

    def read(self) -> list[_Row]:
        head: tuple[_Subject, int] | None = None  # the statement the paragraph is on
        bases_of: dict[int, set[str | None]] = {}  # statement → bases of the amounts it has
        parent_of: dict[int, tuple[_Subject, int]] = {}  # amount event → its subject and statement
        prev_end = 0
        for idx, e in enumerate(self.events):
            if e.kind == "phrase":
                self._phrase(e)
            elif e.kind == "chain" and e.subject is not None:
                head = (e.subject, self._new_statement())
                bases_of[head[1]] = set()
            elif e.kind == "count":
                self._count(e, prev_end)
            elif e.kind == "amount" and e.component_of is not None:
                if e.component_of in parent_of:
                    self._component(e, *parent_of[e.component_of])
            elif e.kind == "amount":
                after_chain = idx > 0 and self.events[idx - 1].kind == "chain"
                head = self._amount(e, head, bases_of, prev_end, after_chain)
                if head is not None:
                    parent_of[idx] = head
            elif e.kind in {"change", "pct_change", "flat"}:
                prior = self.events[idx - 1] if idx and self.events[idx - 1].kind == "prior" else None
                head = self._changes(e, prior, head, bases_of)
            elif e.kind in {"share", "rate"} and head is not None:
                self._ratio(e, head)
            prev_end = e.end
        return self.rows

    def _new_statement(self) -> int:
        self.last_statement += 1
        return self.last_statement

    def _emit(self, statement: int, subject: _Subject, pos: int, figure: _Figure) -> None:
        self.rows.append(_Row(statement, subject, pos, figure))

    def _amount(
        self,
        e: _Event,
        head: tuple[_Subject, int] | None,
        bases_of: dict[int, set[str | None]],
        prev_end: int,
        after_chain: bool,
    ) -> tuple[_Subject, int] | None:
        """An amount: its own label, the name chain just before it, or the statement's subject after
        "预算为/决算为/共计"."""
        t = self.text
        window = t[_clause_start(t, e.start, prev_end) : e.start]
        labelled = self._labelled(window)
        if after_chain and labelled and labelled[0].text in _GENERIC_TOTALS and head is not None:
            labelled = head[0], labelled[1]
        basis = self._amount_basis(window[labelled[1] :] if labelled else window, e.start)
        if labelled:
            subject = labelled[0]
        elif head is not None and (
            _INHERIT.match(_PAREN.sub("", window)) or (after_chain and _FILLER.match(window))
        ):
            subject = head[0]
        else:
            return None  # unclear subject: left out, and the statement ends here
        same = head is not None and (head[0].metric, head[0].qualifier) == (subject.metric, subject.qualifier)
        if head is None or not same or basis in bases_of[head[1]]:
            head = (subject, self._new_statement())
            bases_of[head[1]] = set()
        bases_of[head[1]].add(basis)
        year = self._compared_year(window, e.start)
        figure = _amount("amount", e.match["num"], e.match["unit"], "prior_year" if year else basis, year)
        self._emit(head[1], subject, e.start, figure)
        return head

    def _compared_year(self, window: str, pos: int) -> int | None:
        """The year an amount is of when the sentence compares with that year before it: "与2016年度
        相比（2016年度部门支出预算安排为8,648.07万元）" states the prior-year figure."""
        years = set(re.findall(r"(\d{4})年", _COMPARE.sub("", window)))
        s_start = _sentence_bounds(self.text, pos)[0]
        for m in _COMPARE.finditer(self.text, s_start, pos):
            if m["year"] in years:
                return int(m["year"])
        return None

    def _amount_basis(self, words: str, pos: int) -> str | None:
        """A budget figure set against the actual ("预算为19.3万元，支出决算为11.57万元").

        `words` is what stands between the label and the number (or the whole clause when the amount
        has no label of its own); a budget document's own figures are not "budget" figures.
        """
        s_start, s_end = _sentence_bounds(self.text, pos)
        if "决算" not in self.text[s_start:s_end]:
            return None
        if "年初预算" in words:
            return "budget_initial"
        return "budget" if "预算" in words else None

    def _component(self, e: _Event, parent: _Subject, statement: int) -> None:
        subject = _Subject(parent.metric, None, e.label)
        if e.econ:
            if parent.metric not in _ECON_PARENTS:
                return
            subject = _Subject("econ_item", _econ_by_name()[e.label], e.label)
        figure = _amount("component", e.match["num"], e.match["unit"], basis=parent.metric)
        self._emit(statement, subject, e.start, figure)

    def _count(self, e: _Event, prev_end: int) -> None:
        window = self.text[_clause_start(self.text, e.start, prev_end) : e.start]
        found = _find_label(window, _COUNT_LABELS)
        sentence = _sentence_bounds(self.text, e.start)[0]
        if found and found[2] in _VEHICLE_KINDS and self.last_count == (sentence, "vehicles_purchased"):
            return  # "安排购置车辆0辆，其中：…用车0辆": what is bought, not the fleet
        if found:
            self.last_count = (sentence, found[2])
            num, unit = e.match["num"], e.match["unit"]
            figure = _Figure("count", num + unit, Decimal(num), decimals=0, unit=unit)
            self._emit(self._new_statement(), _Subject(found[2], None, found[1]), e.start, figure)

    def _phrase(self, e: _Event) -> None:
        statement = self._new_statement()
        m = e.match
        for part in e.parts:
            num = m[part.group]
            if part.unit is None:
                figure = _amount("amount", num, m["u"])
            else:
                figure = _Figure("count", num + part.unit, Decimal(num), decimals=0, unit=part.unit)
            self._emit(
                statement, _Subject(part.metric, part.qualifier, m.group(0)), m.start(part.group), figure
            )

    def _changes(
        self,
        e: _Event,
        prior: _Event | None,
        head: tuple[_Subject, int] | None,
        bases_of: dict[int, set[str | None]],
    ) -> tuple[_Subject, int] | None:
        """A change (and its percentage) on the subject it names, else on the current statement."""
        subject = e.subject
        if subject is not None and subject.metric == "whole":
            return head  # the whole budget changed: not a figure of the current statement
        if subject is not None and subject.metric.startswith("bare:"):
            subject = self._bare_subject(subject, head)
        if subject is None:
            if head is None:
                return None
            subject, statement = head
        elif head is not None and (head[0].metric, head[0].qualifier) == (subject.metric, subject.qualifier):
            statement = head[1]
        else:
            head = (subject, self._new_statement())
            statement = head[1]
            bases_of[statement] = set()
        m, basis, year = e.match, e.basis, e.ref_year
        if prior is not None:
            figure = _amount("amount", prior.match["prev"], prior.match["prev_unit"], "prior_year", year)
            self._emit(statement, subject, prior.match.start("prev"), figure)
        if e.kind == "flat":
            figure = _Figure(
                "change", m["flat"], Decimal("0.00"), basis=basis, ref_year=year, direction="flat"
            )
            self._emit(statement, subject, e.start, figure)
            return head
        direction = "increase" if m["dir"] in _INCREASE else "decrease"
        if e.kind == "change":
            delta = _money(m["num"], m["unit"])
            figure = _Figure(
                "change",
                m["dir"] + m["num"] + m["unit"],
                delta if direction == "increase" else -delta,
                None,
                _decimals(m["num"]),
                m["unit"],
                basis,
                year,
                direction,
            )
            self._emit(statement, subject, e.start, figure)
        if m["pct"]:
            word = m["dir2"] if e.kind == "change" else m["dir"]
            figure = _Figure(
                "change_pct",
                word + m["pct"] + "%",
                None,
                _to_decimal(m["pct"]),
                _decimals(m["pct"]),
                "%",
                basis,
                year,
                "increase" if word in _INCREASE else "decrease",
            )
            self._emit(statement, subject, m.start("pct"), figure)
        return head

    def _bare_subject(self, bare: _Subject, head: tuple[_Subject, int] | None) -> _Subject | None:
        """ "收入较去年增加" / "支出较去年增加": the total, when the paragraph is on income / expenditure."""
        if head is None:
            return None
        if bare.metric == "bare:收入" and head[0].metric in _INCOME_LINES:
            return _Subject("total_income", None, bare.text)
        if bare.metric == "bare:支出" and head[0].metric in _EXPENDITURE_PARTS:
            return _Subject("total_expenditure", None, bare.text)
        return None

    def _ratio(self, e: _Event, head: tuple[_Subject, int]) -> None:
        """ "占Y%" (share of a total) or "完成预算的X%" (rate) of the current statement's subject."""
        subject, statement = head
        pct = e.match["pct"]
        basis = e.basis
        if e.kind == "share":
            named = _find_label(e.match["base"], _LABELS) if e.match["base"] else None
            basis = named[2] if named else _default_share_basis(subject.metric)
        figure = _Figure(e.kind, e.match.group(0), None, _to_decimal(pct), _decimals(pct), "%", basis)
        self._emit(statement, subject, e.start, figure)


def _signed(f: _Figure) -> Decimal | None:
    """The percentage with the sign its verb gives (增长/增加 +, 减少/下降 −): year-on-year analysis
    reads one column; `percent` stays as printed for the N rules."""
    if f.percent is None or f.kind != "change_pct" or f.direction != "decrease":
        return f.percent
    return -f.percent


def narrative_figures(texts: list[TextBlock], document_id: str) -> pl.DataFrame:
    """Every figure the narrative states, one row each, in document order (see module docstring)."""
    records: list[dict[str, object]] = []
    statements: dict[int, int] = {}  # reader's statement → 1, 2, 3 … in order of first figure
    last = 0
    for para in _paragraphs(texts):
        reader = _Reader(para.text, last)
        reader.find()
        rows = sorted(reader.read(), key=lambda r: r.pos)
        last = reader.last_statement
        for row in rows:
            s_start, s_end = _sentence_bounds(para.text, row.pos)
            f = row.figure
            records.append(
                {
                    "document_id": document_id,
                    "figure_no": len(records) + 1,
                    "statement_no": statements.setdefault(row.statement, len(statements) + 1),
                    "metric": row.subject.metric,
                    "qualifier": row.subject.qualifier,
                    "subject": row.subject.text or None,
                    "kind": f.kind,
                    "basis": f.basis,
                    "ref_year": f.ref_year,
                    "direction": f.direction,
                    "value": f.value,
                    "percent": f.percent,
                    "signed_percent": _signed(f),
                    "decimals": f.decimals,
                    "unit_printed": f.unit,
                    "value_printed": f.printed,
                    "sentence": para.text[s_start:s_end],
                    "page": para.pages[row.pos],
                    "line_no": para.lines[row.pos],
                    "section_no": para.section,
                }
            )
    records, _ = fit_decimal_rows(records, NARRATIVE_SCHEMA)  # a 40-digit "figure" is not one
    return pl.DataFrame(records, schema=NARRATIVE_SCHEMA)
