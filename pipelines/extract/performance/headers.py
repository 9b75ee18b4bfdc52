"""The vocabularies of a performance table: head fields, money-block and indicator column headers."""

from __future__ import annotations

import re

from pipelines.extract.performance.lines import _key

# ---------------------------------------------------------------------------------------------
# Head fields, money block, indicator header vocabularies
# ---------------------------------------------------------------------------------------------

# printed label (after _key) → field; None marks labels that are read past but not kept
_FIELD_LABELS: list[tuple[re.Pattern[str], str | None]] = [
    (re.compile(p), f)
    for p, f in [
        (r"^项目名称$", "project_name"),
        (r"^项目(编号|编码|代码)$", "project_code"),
        (r"^自评(总)?(得)?分$", "total_score"),
        (r"^(项目)?主管部门$", "supervising_dept"),
        (r"^实施单位", "implementing_unit"),
        (r"^(部门\(单位\)|部门|单位)名称$", "dept_name"),
        (r"^(部门支出预算数|当年预算|资金总额(\(万元\))?|年度预算(数)?(\(万元\))?)$", "fund_total"),
        (r"^项目属性$", "attribute"),
        (r"^项目起始时间$", "start"),
        (r"^项目终止时间$", "end"),
        (r"^(项目)?当年(整体)?绩效目标$", "annual_goal"),
        (r"^编制单位$", "compiling_unit"),
        (r"^(项目概况|立项依据)$", None),
        (r"^(财政归口处室|部门联系人|联系人|联系电话|填报人|状态)$", None),
    ]
]


def _field_for(cell: str) -> tuple[bool, str | None, str]:
    """(is a label, field, inline value) for a cell such as "项目名称：" or "编制单位： 202-…"."""
    key = _key(cell)
    for pattern, name in _FIELD_LABELS:
        if pattern.match(key):
            return True, name, ""
    m = re.match(r"^([^:：]{2,12})[:：]\s*(.+)$", cell)
    if m:
        inner = _key(m.group(1))
        for pattern, name in _FIELD_LABELS:
            if pattern.match(inner):
                return True, name, m.group(2).strip()
    return False, None, ""


_MONEY_COLUMNS: list[tuple[str, re.Pattern[str]]] = [
    ("initial", re.compile(r"^年初预算")),
    ("adjusted", re.compile(r"^(全年(\(调整\))?预算数|调整后预算数|全年预算)")),
    ("executed", re.compile(r"^(全年执行数|预算执行数|执行数)")),
    ("weight", re.compile(r"^(执行率)?权重$")),
    ("score", re.compile(r"^(执行率)?得分$")),
    ("rate", re.compile(r"^(预算)?执行率$")),
    ("note", re.compile(r"^原因")),
]

_IND_COLUMNS: list[tuple[str, re.Pattern[str]]] = [
    ("level1", re.compile(r"^一级指标")),
    ("level2", re.compile(r"^二级指标")),
    ("level3", re.compile(r"^(三级指标|指标名称|指标)$")),
    ("weight", re.compile(r"^(指标权重|权重|指标分值|分值)")),
    ("score", re.compile(r"^(指标得分|得分|自评得分)$")),
    ("unit", re.compile(r"^(计量单位|度量单位)")),
    ("operator", re.compile(r"^指标性质")),
    ("target", re.compile(r"^(年度)?指标值")),
    ("actual", re.compile(r"(全年完成值|实际完成值|^完成值)")),
    ("deviation", re.compile(r"^偏离度")),
    ("coeff", re.compile(r"^得分系数")),
    ("is_core", re.compile(r"^是否核心")),
    ("note", re.compile(r"^(说明|备注|未完成原因|偏差原因)")),
    ("explanation", re.compile(r"^(指标解释|评分说明)")),
]

_GOAL_HEAD = re.compile(
    r"^(绩效目标|年初绩效目标|全年(\(调整\))?绩效目标|全年目标实际完成情况|项目基本情况|项目年度目标"
    r"|年度目标完成情况|年度总体目标|预期目标|实际完成情况)$"
)
_STOP = re.compile(r"^(评价结论|存在问题|改进措施|项目负责人|财务负责人|联系人|填报人|注[:：]|备注[:：])")
_TOTAL = re.compile(r"^(合计|分值|总分|总计)$")
_POINTS_CELL = re.compile(r"^[-+]?\d+(\.\d+)?%?$")


def _column_map(cells: list[str], vocab: list[tuple[str, re.Pattern[str]]]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, cell in enumerate(cells):
        key = _key(cell)
        for name, pattern in vocab:
            if name not in found and pattern.search(key):
                found[name] = i
                break
    return found


def _is_money_header(cells: list[str]) -> bool:
    cols = _column_map(cells, _MONEY_COLUMNS)
    return len({"initial", "adjusted", "executed"} & cols.keys()) >= 2


def _is_indicator_header(cells: list[str]) -> bool:
    if any(_POINTS_CELL.match(_key(c)) for c in cells if c):
        return False
    cols = _column_map(cells, _IND_COLUMNS)
    return len(cols) >= 3 and ("level3" in cols or "explanation" in cols or "target" in cols)


def _merge_headers(first: list[str], second: list[str]) -> list[str]:
    """Two stacked header rows (001: 绩效指标 spans 4 columns above 一级/二级/三级/指标分值): the upper
    row's trailing labels fill the lower row's empty trailing cells, right-aligned."""
    merged = list(second)
    upper = [c for c in first if c]
    slots = [i for i, c in enumerate(merged) if not c]
    for i, label in zip(reversed(slots), reversed(upper), strict=False):
        merged[i] = label
    return merged
