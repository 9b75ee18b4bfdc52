"""The narrative vocabulary: printed label → metric, and the groups of metrics a statement breaks into."""

from __future__ import annotations

import re

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
