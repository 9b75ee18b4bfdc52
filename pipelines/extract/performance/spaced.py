"""The spaced layout (PDF text): indicator rows wrapped over lines, the target before its operator."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipelines.extract.performance.headers import _field_for
from pipelines.extract.performance.lines import Line, _clean, _join, _key
from pipelines.extract.types import FundRow, IndicatorRow, PerformanceTable, Printed
from pipelines.vocab.numbers import unit_from_text

# ---------------------------------------------------------------------------------------------
# Spaced layout (PDF text)
# ---------------------------------------------------------------------------------------------

LEVEL1_NAMES = ("产出指标", "效益指标", "满意度指标", "成本指标")
LEVEL2_NAMES = (
    "数量指标",
    "质量指标",
    "时效指标",
    "成本指标",
    "经济成本指标",
    "社会成本指标",
    "生态环境成本指标",
    "经济效益指标",
    "社会效益指标",
    "生态效益指标",
    "可持续影响指标",
    "可持续发展指标",
    "服务对象满意度指标",
    "满意度指标",
)
_LEVEL_WORDS = set(LEVEL1_NAMES) | set(LEVEL2_NAMES)
_OPS = "≥≤=＝<>"
_NUMBER = r"-?\d[\d,]*(?:\.\d+)?"
_QUANT_AFTER = re.compile(rf"(?:^|\s)(?P<val>{_NUMBER})\s*(?P<op>[{_OPS}])\s*(?P<unit>\S+)?$")
_QUANT_BEFORE = re.compile(rf"(?:^|\s)(?P<op>[{_OPS}])\s*(?P<val>{_NUMBER})\s*(?P<unit>\S+)?$")
_FLAT_ROW = re.compile(
    rf"^(?P<name>.+?)\s+(?P<weight>\d+(?:\.\d+)?%?)\s+(?P<unit>\S+)\s+"
    rf"(?:(?P<op>[{_OPS}]|定性)\s+)?(?P<target>\S+)$"
)
_HEADER_BITS = re.compile(
    r"^(一级指标|二级指标|三级指标|指标|指标值|指标性|质|指标性质|度量单位|计量单位|指标权重)+$"
)
_PAGE_NUMBER = re.compile(r"^\d{1,3}$")


@dataclass
class _Record:
    lines: list[Line] = field(default_factory=list)
    terminator: int | None = None  # index in lines of the line carrying target / operator / unit


def _read_spaced(body: list[Line], table: PerformanceTable) -> None:
    """Head fields line by line, then the indicator rows after the 一级指标 … header."""
    mode = ""  # "" head | levels (一级/二级/三级 rows) | flat (指标 指标权重 … rows)
    pending: str | None = None  # a field whose value is on the following lines (项目当年绩效目标)
    rows: list[Line] = []
    for ln in body:
        text = _clean(ln.text)
        if not text:
            continue
        key = _key(text)
        if not mode:
            table.unit = table.unit or unit_from_text(text)
        if key == "绩效指标" or (mode and _HEADER_BITS.match(key)):
            pending = None
            continue
        if "一级指标" in key and "三级指标" in key:
            mode = "levels"
            continue
        if key.startswith("指标指标权重"):
            mode = "flat"
            continue
        if mode:
            if not _PAGE_NUMBER.match(key):
                rows.append(Line(text, ln.line_no, ln.page))
            continue
        tokens = text.split(" ")
        if _field_for(tokens[0])[0]:
            pending = _read_spaced_fields(tokens, ln, table)
        elif pending and pending in table.fields:
            old = table.fields[pending]
            table.fields[pending] = Printed(old.label, _join(old.value, text), old.line_no, old.page)
    if mode == "levels":
        for rec in _records(rows):
            table.indicators.append(_record_row(rec))
    elif mode == "flat":
        _flat_rows(rows, table)


def _read_spaced_fields(tokens: list[str], ln: Line, table: PerformanceTable) -> str | None:
    """ "主管部门 312-政府办 实施单位 312001-政府办（本级）" → two fields; returns a field left open."""
    pending: str | None = None
    label_at = [i for i, t in enumerate(tokens) if _field_for(t)[0]]
    for k, i in enumerate(label_at):
        end = label_at[k + 1] if k + 1 < len(label_at) else len(tokens)
        _, name, inline = _field_for(tokens[i])
        value = " ".join(filter(None, [inline, *tokens[i + 1 : end]])).strip()
        if name and name not in table.fields:
            table.fields[name] = Printed(_clean(tokens[i]), value, ln.line_no, ln.page)
            if name == "fund_total" and value:
                table.funds.append(
                    FundRow(_clean(tokens[i]), initial=value, line_no=ln.line_no, page=ln.page)
                )
                table.unit = table.unit or unit_from_text(tokens[i])
        pending = name if name and not value else None  # the value follows on the next lines
    return pending


def _starts_with_level(text: str) -> bool:
    return text.split(" ")[0] in _LEVEL_WORDS


def _terminator(text: str) -> bool:
    return bool(_QUANT_AFTER.search(text) or _QUANT_BEFORE.search(text) or text.split(" ")[-1] == "定性")


def _records(rows: list[Line]) -> list[_Record]:
    """Group wrapped lines into indicator rows. A row starts at a line led by a level word (产出指标,
    数量指标 …) once the current row has text of its own; it ends with the line carrying the target
    ("168 ≥ 次", "长期 定性"). Lines after that line and before the next row finish the name (PDF text
    prints a cell's middle line first, 002 L1100–1104); lines after the last row are page debris."""
    records: list[_Record] = []
    current: _Record | None = None
    for ln in rows:
        starts = _starts_with_level(ln.text)
        if starts and (current is None or current.terminator is not None or _has_own_text(current)):
            current = _Record()
            records.append(current)
        elif current is None:
            continue
        current.lines.append(ln)
        if current.terminator is None and _terminator(ln.text):
            current.terminator = len(current.lines) - 1
    last = records[-1] if records else None
    if last is not None and last.terminator is not None:
        last.lines = last.lines[: last.terminator + 1]  # no next row: trailing lines are not its name
    return [r for r in records if r.terminator is not None]


def _has_own_text(rec: _Record) -> bool:
    return any(t not in _LEVEL_WORDS for ln in rec.lines for t in ln.text.split(" "))


def _record_row(rec: _Record) -> IndicatorRow:
    assert rec.terminator is not None
    t = rec.terminator
    texts = [ln.text for ln in rec.lines]
    term = texts[t]
    m = None if term.split(" ")[-1] == "定性" else (_QUANT_AFTER.search(term) or _QUANT_BEFORE.search(term))
    if m:
        op, target, unit = m.group("op"), m.group("val"), m.group("unit") or ""
        texts[t] = term[: m.start()].strip()
    else:
        words = term.split(" ")[:-1]
        op, target, unit = "定性", (words.pop() if words else ""), ""
        texts[t] = " ".join(words)
    levels, parts = _take_levels(texts)
    if not target:
        # the target wrapped onto lines of its own above a bare 定性 (002 L979–982 "优良中" / "低差")
        above = [p for p in parts[:t] if p]
        if parts[0]:
            name_parts, target = [parts[0]], "".join(above[1:])
        else:
            name_parts, target = above[:-1], "".join(above[-1:])
        name_parts += parts[t + 1 :]
    else:
        name_parts = parts
    name = ""
    for part in name_parts:
        name = _join(name, part)
    level1, level2, name = _assign_levels(levels, name)
    return IndicatorRow(
        level1=level1,
        level2=level2,
        level3=name,
        operator=op,
        target=target,
        unit=unit,
        row_printed=" / ".join(ln.text for ln in rec.lines),
        line_no=rec.lines[0].line_no,
        page=rec.lines[0].page,
    )


def _take_levels(texts: list[str]) -> tuple[list[str], list[str]]:
    """Split the level words leading the row (over one or more lines) from the rest of each line."""
    levels: list[str] = []
    parts: list[str] = []
    taking = True
    for text in texts:
        words = text.split(" ") if text else []
        while taking and words and words[0] in _LEVEL_WORDS and len(levels) < 4:
            levels.append(words.pop(0))
        if words:
            taking = False
        parts.append(" ".join(words).strip())
    return levels, parts


def _assign_levels(levels: list[str], name: str) -> tuple[str, str, str]:
    """Level words in front of a row: the first is 一级 when it is one, the last 二级; extra words
    between them are a merged cell of a neighbouring row (002 L1341–1344). A row left without a name
    takes its last level word as the name (002 L1254 服务对象满意度指标 printed as 三级 too)."""
    if not name and len(levels) >= 3:
        name = levels.pop()
    if not levels:
        return "", "", name
    if len(levels) == 1:
        return (levels[0], "", name) if levels[0] in LEVEL1_NAMES else ("", levels[0], name)
    return levels[0], levels[-1], name


def _flat_rows(rows: list[Line], table: PerformanceTable) -> None:
    """整体绩效目标表 rows "开展督查次数 9% 次 ≥ 70"; unmatched lines start the next row's name."""
    prefix: list[Line] = []
    for ln in rows:
        m = _FLAT_ROW.match(ln.text)
        if not m:
            prefix.append(ln)
            continue
        first = prefix[0] if prefix else ln
        name = ""
        for part in [*(p.text for p in prefix), m.group("name")]:
            name = _join(name, part)
        table.indicators.append(
            IndicatorRow(
                level3=name,
                operator=m.group("op") or "",
                target=m.group("target"),
                unit=m.group("unit"),
                weight=m.group("weight"),
                row_printed=" / ".join([*(p.text for p in prefix), ln.text]),
                line_no=first.line_no,
                page=first.page,
            )
        )
        prefix = []
