"""Performance-table rows → frames for fact_performance_indicator, fact_performance_budget and
doc_performance_table.

Indicator values stay in the unit the row prints (次, %, 万元/年 …): they are targets, not amounts
of the document's money, and the unit is kept beside them. The money block (年初预算数, 全年预算数,
全年执行数) is converted to 元 through `parse_amount`, like every other amount.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

import polars as pl

from pipelines.catalog import normalise_text
from pipelines.extract.types import ExtractedDocument, FundRow, IndicatorRow, PerformanceTable
from pipelines.vocab.numbers import fit_decimal_rows, parse_amount

MONEY = pl.Decimal(18, 2)
VALUE = pl.Decimal(24, 6)
SCORE = pl.Decimal(9, 2)
PERCENT = pl.Decimal(9, 4)

TABLE_KINDS = {
    "B11": "targets_whole",
    "B12": "targets_project",
    "PS1": "selfeval_whole",
    "PS2": "selfeval_project",
}

INDICATOR_SCHEMA: dict[str, pl.DataType] = {
    "document_id": pl.String(),
    "table_code": pl.String(),
    "table_no": pl.Int32(),
    "table_title": pl.String(),
    "row_no": pl.Int32(),
    "project_code": pl.String(),
    "project_name": pl.String(),
    "level1": pl.String(),
    "level1_points": SCORE,
    "level1_inferred": pl.Boolean(),
    "level2": pl.String(),
    "level2_points": SCORE,
    "level3": pl.String(),
    "operator": pl.String(),
    "operator_printed": pl.String(),
    "target_value": VALUE,
    "target_text": pl.String(),
    "actual_value": VALUE,
    "actual_text": pl.String(),
    "unit": pl.String(),
    "weight": SCORE,
    "weight_printed": pl.String(),
    "score": SCORE,
    "score_printed": pl.String(),
    "deviation_pct": PERCENT,
    "score_coeff_pct": PERCENT,
    "is_core": pl.Boolean(),
    "note": pl.String(),
    "row_printed": pl.String(),
    "page": pl.Int32(),
    "line_no": pl.Int32(),
}

BUDGET_SCHEMA: dict[str, pl.DataType] = {
    "document_id": pl.String(),
    "table_code": pl.String(),
    "table_no": pl.Int32(),
    "project_code": pl.String(),
    "project_name": pl.String(),
    "line_order": pl.Int32(),
    "line_label": pl.String(),
    "line_key": pl.String(),
    "initial_budget": MONEY,
    "adjusted_budget": MONEY,
    "executed": MONEY,
    "execution_rate": PERCENT,
    "rate_weight": SCORE,
    "rate_score": SCORE,
    "unit_printed": pl.String(),
    "initial_printed": pl.String(),
    "adjusted_printed": pl.String(),
    "executed_printed": pl.String(),
    "rate_printed": pl.String(),
    "weight_printed": pl.String(),
    "score_printed": pl.String(),
    "note": pl.String(),
    "row_printed": pl.String(),
    "page": pl.Int32(),
    "line_no": pl.Int32(),
}

TABLE_SCHEMA: dict[str, pl.DataType] = {
    "document_id": pl.String(),
    "table_code": pl.String(),
    "table_no": pl.Int32(),
    "table_title": pl.String(),
    "table_kind": pl.String(),
    "layout": pl.String(),
    "project_code": pl.String(),
    "project_name": pl.String(),
    "dept_name": pl.String(),
    "supervising_dept": pl.String(),
    "implementing_unit": pl.String(),
    "total_score": SCORE,
    "total_score_printed": pl.String(),
    "unit_printed": pl.String(),
    "annual_goal": pl.String(),
    "n_indicators": pl.Int32(),
    "n_fund_lines": pl.Int32(),
    "page": pl.Int32(),
    "line_no": pl.Int32(),
}

OPERATORS = {
    "≥": "≥",
    ">=": "≥",
    "≤": "≤",
    "<=": "≤",
    "=": "=",
    "==": "=",
    ">": ">",
    "<": "<",
    "定性": "定性",
}
_SPLIT = re.compile(r"^(?P<op>≥|≤|>=|<=|==|=|>|<|定性)?\s*(?P<num>-?\d[\d,]*(?:\.\d+)?)?\s*(?P<rest>.*)$")
_POINTS = re.compile(r"^(?P<name>.*?)\s*[（(]\s*(?P<points>\d+(?:\.\d+)?)\s*分\s*[）)]$")
_PROJECT_CODE = re.compile(r"^\d{6,}[A-Z]\d{6,}$")
_CODE_NAME = re.compile(r"^(?P<code>[0-9A-Z][0-9A-Z ]{8,40}?)\s*[-－—–]\s*(?P<name>.+)$")
_NONE_UNITS = {"", "无", "/", "-", "—"}

# level-2 indicator → its level-1 group, for rows whose 一级 cell was left on another page (003 L397)
LEVEL1_OF: dict[str, str] = {
    "数量指标": "产出指标",
    "质量指标": "产出指标",
    "时效指标": "产出指标",
    "经济效益指标": "效益指标",
    "社会效益指标": "效益指标",
    "生态效益指标": "效益指标",
    "可持续影响指标": "效益指标",
    "可持续发展指标": "效益指标",
    "服务对象满意度指标": "满意度指标",
    "满意度指标": "满意度指标",
    "经济成本指标": "成本指标",
    "社会成本指标": "成本指标",
    "生态环境成本指标": "成本指标",
}

_FUND_KEYS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), k)
    for p, k in [
        (r"一般公共预算", "gpb"),
        (r"政府性基金", "gf"),
        (r"国有资本经营", "soe"),
        (r"社保基金|社会保险基金", "social_insurance"),
        (r"财政专户", "special_account"),
        (r"单位资金|单位自有", "unit_funds"),
        (r"其他资金", "other"),
        (r"上年结转", "carryover"),
        (r"财政(拨款|资金)", "fiscal"),
        (r"总(金)?额|合计|资金总额|支出预算数|当年预算|年度预算", "total"),
    ]
]


def performance_frames(doc: ExtractedDocument) -> dict[str, pl.DataFrame]:
    """The document's performance tables as rows for the three performance tables of the warehouse."""
    return tables_to_performance_frames(doc.performance, doc.document_id)


def tables_to_performance_frames(tables: list[PerformanceTable], document_id: str) -> dict[str, pl.DataFrame]:
    indicators: list[dict[str, object]] = []
    funds: list[dict[str, object]] = []
    heads: list[dict[str, object]] = []
    for table_no, table in enumerate(tables, start=1):
        code, name = project_identity(table)
        base = {"document_id": document_id, "table_code": table.table_code, "table_no": table_no}
        rows = _indicator_records(table.indicators)
        for row_no, record in enumerate(rows, start=1):
            indicators.append(
                base
                | {"table_title": table.title, "row_no": row_no, "project_code": code, "project_name": name}
                | record
            )
        for order, fund in enumerate(table.funds, start=1):
            funds.append(
                base
                | {"project_code": code, "project_name": name, "line_order": order}
                | _fund_record(fund, table.unit)
            )
        heads.append(base | _head_record(table, code, name))
    return {
        "fact_performance_indicator": _frame(indicators, INDICATOR_SCHEMA),
        "fact_performance_budget": _frame(funds, BUDGET_SCHEMA),
        "doc_performance_table": _frame(heads, TABLE_SCHEMA),
    }


def _frame(rows: list[dict[str, object]], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    if not rows:
        return pl.DataFrame(schema=schema)
    rows, _ = fit_decimal_rows(rows, schema)  # a figure too large for its column is not loaded
    return pl.DataFrame([{k: r.get(k) for k in schema} for r in rows], schema=schema, orient="row")


# ---------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------


def split_value(text: str) -> tuple[str | None, Decimal | None, str]:
    """ "≥600次" → ("≥", 600, "次"); "定性优" → ("定性", None, "优"); "98%" → (None, 98, "%").

    A number followed by more digits ("1―2") is not a value: the whole text stays the remainder.
    """
    t = unicodedata.normalize("NFKC", text).strip()
    m = _SPLIT.match(t)
    if not m:
        return None, None, t
    op = OPERATORS.get(m.group("op") or "")
    num, rest = m.group("num"), m.group("rest").strip()
    if num is None or re.search(r"\d", rest):
        return op, None, (t[len(m.group("op") or "") :].strip() if op else t)
    return op, _decimal(num), rest


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def number(text: str) -> Decimal | None:
    """A weight, score or percentage as printed ("9%", "10.00", "100.00%"); None for "/", "-", ""."""
    t = unicodedata.normalize("NFKC", text).strip().rstrip("%").strip()
    if not re.fullmatch(r"-?\d[\d,]*(\.\d+)?", t):
        return None
    return _decimal(t)


def operator_for(printed: str) -> str | None:
    return OPERATORS.get(unicodedata.normalize("NFKC", printed).strip())


def _points(label: str) -> tuple[str, Decimal | None]:
    """ "总体绩效（65分）" → ("总体绩效", 65): the Sichuan 整体 table prints each group's points."""
    m = _POINTS.match(label)
    return (m.group("name"), Decimal(m.group("points"))) if m else (label, None)


def _compact_code(text: str) -> str | None:
    code = re.sub(r"\s+", "", text)
    return code if _PROJECT_CODE.match(code) else None


def project_identity(table: PerformanceTable) -> tuple[str | None, str | None]:
    """Project code and name: separate cells (000, with spaces inside the code, DOMAIN §6.9) or one
    "code-name" cell (001, 002)."""
    code_field = table.fields.get("project_code")
    name_field = table.fields.get("project_name")
    code = _compact_code(code_field.value) if code_field else None
    if code is None and code_field and code_field.value.strip():
        code = code_field.value.strip()
    name = name_field.value.strip() if name_field and name_field.value.strip() else None
    if name:
        m = _CODE_NAME.match(name)
        if m and (inline := _compact_code(m.group("code"))):
            code = code or inline
            name = m.group("name").strip()
    return code, name


# ---------------------------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------------------------


def _indicator_records(rows: list[IndicatorRow]) -> list[dict[str, object]]:
    """Rows with merged 一级/二级 cells filled down (they are printed once per group)."""
    records: list[dict[str, object]] = []
    level1 = level2 = ""
    inferred = False
    for row in rows:
        l1_text, l1_points = _points(row.level1)
        l2_text, l2_points = _points(row.level2)
        if l1_text and l1_text != level1:
            level1, level2, inferred = l1_text, "", False
        if l2_text:
            level2 = l2_text
        if not level1 and (group := LEVEL1_OF.get(normalise_text(level2), "")):
            level1, inferred = group, True  # carried down like a printed group until one is printed
        records.append(
            {
                "level1": level1 or None,
                "level1_points": l1_points,
                "level1_inferred": inferred,
                "level2": level2 or None,
                "level2_points": l2_points,
            }
            | _values(row)
        )
    return records


def _values(row: IndicatorRow) -> dict[str, object]:
    op_target, target, rest = split_value(row.target) if row.target else (None, None, "")
    _, actual, actual_rest = split_value(row.actual) if row.actual else (None, None, "")
    operator = operator_for(row.operator) if row.operator else None
    operator = operator or op_target
    if operator is None and row.target and target is None:
        operator = "定性"  # a worded target with no operator printed (002 附件11 "满意")
    unit = row.unit.strip()
    if not unit and target is not None:
        unit = rest or (actual_rest if actual is not None else "")
    core = row.is_core.strip()
    return {
        "level3": re.sub(r"\s+", " ", row.level3).strip() or None,
        "operator": operator,
        "operator_printed": row.operator or None,
        "target_value": target,
        "target_text": row.target or None,
        "actual_value": actual,
        "actual_text": row.actual or None,
        "unit": None if unit in _NONE_UNITS else unit,
        "weight": number(row.weight),
        "weight_printed": row.weight or None,
        "score": number(row.score),
        "score_printed": row.score or None,
        "deviation_pct": number(row.deviation),
        "score_coeff_pct": number(row.coeff),
        "is_core": {"是": True, "否": False}.get(core),
        "note": row.note or None,
        "row_printed": row.row_printed,
        "page": row.page,
        "line_no": row.line_no,
    }


def fund_line_key(label: str) -> str | None:
    key = normalise_text(label)
    for pattern, name in _FUND_KEYS:
        if pattern.search(key):
            return name
    return None


def _amount(text: str, unit: str) -> Decimal | None:
    parsed = parse_amount(text, unit)
    if parsed is None or parsed.is_blank:
        return None
    return parsed.amount


def _fund_record(fund: FundRow, unit_printed: str | None) -> dict[str, object]:
    unit = unit_printed or "元"  # 000's self-evaluations print no unit; their money is in 元
    return {
        "line_label": fund.label,
        "line_key": fund_line_key(fund.label),
        "initial_budget": _amount(fund.initial, unit),
        "adjusted_budget": _amount(fund.adjusted, unit),
        "executed": _amount(fund.executed, unit),
        "execution_rate": number(fund.rate),
        "rate_weight": number(fund.weight),
        "rate_score": number(fund.score),
        "unit_printed": unit_printed,
        "initial_printed": fund.initial,
        "adjusted_printed": fund.adjusted,
        "executed_printed": fund.executed,
        "rate_printed": fund.rate,
        "weight_printed": fund.weight,
        "score_printed": fund.score,
        "note": fund.note or None,
        "row_printed": fund.row_printed or f"{fund.label} {fund.initial}",
        "page": fund.page,
        "line_no": fund.line_no,
    }


def _head_record(table: PerformanceTable, code: str | None, name: str | None) -> dict[str, object]:
    def value(field: str) -> str | None:
        printed = table.fields.get(field)
        return printed.value.strip() or None if printed else None

    total = value("total_score") or table.total_printed or None
    return {
        "table_title": table.title,
        "table_kind": TABLE_KINDS[table.table_code],
        "layout": table.layout,
        "project_code": code,
        "project_name": name,
        "dept_name": value("dept_name"),
        "supervising_dept": value("supervising_dept"),
        "implementing_unit": value("implementing_unit"),
        "total_score": number(total) if total else None,
        "total_score_printed": total,
        "unit_printed": table.unit,
        "annual_goal": value("annual_goal"),
        "n_indicators": len(table.indicators),
        "n_fund_lines": len(table.funds),
        "page": table.page,
        "line_no": table.line_no,
    }
