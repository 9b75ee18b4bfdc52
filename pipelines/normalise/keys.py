"""Row keys of a table in every shape documents print: (code, label, spending unit) of each data row.

A row's key is read from its key cells together with what the rows above established, because the
hierarchy is often printed only once:

- codes split over 类 | 款 | 项 sub-columns, where a continuation row prints only `02` (carry the
  类 and 款 down), or one code column whose 款 rows print only `05` under a 类 row;
- a full code in one cell, alone or with its name (`2010801 行政运行`, `[2010501]行政运行`,
  `3021101-差旅费`);
- no codes at all: names, resolved through the fiscal year's standard list, an ambiguous name
  (行政运行 exists under every 款) only through its parent row, never guessed;
- blocks repeated per spending unit (a 预算单位 column, or a unit row heading each block): the unit
  becomes part of the key and the code carry restarts with every block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipelines.catalog import clean_label, normalise_text
from pipelines.extract.types import RawRow
from pipelines.vocab.codes import (
    CodeEntry,
    code_kind,
    economic_codes,
    functional_codes,
    is_classification_code,
    is_code,
    name_index,
    name_key,
    split_code_name,
)
from pipelines.vocab.grid import Column, Panel

_TOTALS = re.compile(r"^(合计|总计|小计|本年支出合计|支出合计|收入合计)$")
_SEQ_HEADER = re.compile(r"序号|^行次$")
# a key column that describes the line (项目类别: 其他运转类) rather than names it: not in the label
_ATTRIBUTE_HEADER = re.compile(r"(类别|类型|属性|性质)$")
# names under almost every 款: without their parent row they say nothing about the code
_GENERIC = re.compile(r"^(其他|行政运行$|一般行政管理事务$|机关服务$|事业运行$|机构运行$|信息化建设$|专项)")
_LEVEL_INDEX = {"类": 0, "款": 1, "项": 2}


@dataclass(frozen=True)
class RowKey:
    code: str | None
    label: str
    unit: str | None  # the spending unit whose block the row belongs to (None outside any block)
    # the 政府预算支出经济分类 code printed beside a 部门 economic code (501 beside 301), else None
    gov_econ: str | None = None


@dataclass
class _Context:
    """The hierarchy established by the rows above: the current 类 and 款 (None when unknown)."""

    class_code: str | None = None
    kuan_code: str | None = None
    last_len: int = 0
    full_items: bool = False  # the table prints its 项 codes in full (a lone "05" is then a 款)

    def take(self, code: str) -> None:
        self.class_code = code[:3]
        self.kuan_code = code[:5] if len(code) >= 5 else None
        self.last_len = len(code)

    def forget(self, level: int) -> None:
        """An unresolved row at `level` (0 类, 1 款): its children must not attach to an older parent."""
        if level <= 0:
            self.class_code = None
        if level <= 1:
            self.kuan_code = None
            self.last_len = 0


@dataclass
class KeyReader:
    """Reads the key of each data row of one panel, in order, carrying the hierarchy down."""

    panel: Panel
    data_rows: list[RawRow]
    fiscal_year: int | None = None
    resolve_names: bool = True
    _ctx: _Context = field(default_factory=_Context)
    _unit: str | None = None
    _unit_printed: str | None = None
    _unit_rows_only: bool = False  # the current block so far holds only its unit-total row
    _unit_row_no: int | None = None
    # rows found to be a department's total, whose 本级 unit follows under the same name
    department_rows: set[int] = field(default_factory=set)
    _split: dict[int, int] = field(default_factory=dict)  # column index → 0 类 / 1 款 / 2 项
    _levels: dict[int, int] = field(default_factory=dict)  # id(row) → level shown by indentation
    # the panel's key columns, each with whether its header names a 序号 or an attribute (read once)
    _columns: list[tuple[Column, bool, bool]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._columns = [
            (c, bool(_SEQ_HEADER.search(c.header)), bool(_ATTRIBUTE_HEADER.search(c.header)))
            for c in self.panel.key_columns
        ]
        keys = [c for c, seq, _ in self._columns if not c.unit and not seq]
        self._split = _split_columns(keys, self.data_rows)
        self._levels = _indent_levels(keys, self.data_rows)
        # a table that prints codes: a code-less row is a total, a unit or a wrapped fragment, not a name
        # to look up (and an unresolved fragment must not break the carry of split codes)
        self.resolve_names = self.resolve_names and not _prints_codes(keys, self.data_rows)

    def read(self, cells: list[str], row: RawRow, row_no: int | None = None) -> RowKey:
        """The key of one row; `cells` is the whole (padded) row, `row_no` its place in the table."""
        cols = self.panel.key_columns
        unit_cells = [clean_label(cells[c.index]) for c in cols if c.unit]
        # 单位编码 | 单位名称: the name names the unit; a code alone stands for it
        unit_text = "".join(u for u in unit_cells if not u.isdigit()) or "".join(unit_cells)
        fulls: list[str] = []
        parts: list[tuple[int | None, str]] = []
        words: list[str] = []
        unit_code: str | None = None
        secondary: list[str] | None = None  # digits of a second classification (部门 | 政府经济分类)
        for col, seq, attribute in self._columns:
            if col.unit:
                continue
            raw = cells[col.index]
            text = normalise_text(raw)
            if not text:
                continue
            if seq and text.isdigit():
                continue  # a 序号 is not part of the key
            if attribute and words:
                continue
            if secondary is not None:
                if text.isdigit():
                    secondary.append(text)
                continue
            second = is_classification_code(text) or col.index in self._split
            if text.isdigit() and (fulls or parts) and words and second:
                secondary = [text]  # its code and name stay out of this row's label
                continue
            if text.isdigit() and (not words or is_classification_code(text)):
                if col.index in self._split and len(text) <= 3 and not (len(text) == 3 and fulls):
                    parts.append((self._split[col.index], text))
                elif is_classification_code(text) and not (parts and len(text) == 3):
                    fulls.append(text)
                elif len(text) <= 2:
                    parts.append((None, text))
                elif not fulls and not parts:
                    unit_code = text  # 125001 / 341: a unit's code heading its block
                continue
            pair = split_code_name(raw)
            if pair and not fulls and not parts and not words:
                fulls.append(pair[0])
                words.append(pair[1])
                continue
            words.append(clean_label(raw))
        label = "".join(words)

        if unit_text or (unit_code and label and not fulls and not parts):
            block = self._enter_unit(unit_text or label, bool(fulls or parts), row_no)
            if not label and not fulls and not parts:
                label = unit_text
            if block:
                return RowKey(None, label, self._unit)
        code = self._code(fulls, parts, label)
        if code is not None and row.confidence is not None:  # read by OCR: a digit may be misread
            code = read_again(code, label, self.fiscal_year)
        if code is None and label and self.resolve_names and not _TOTALS.match(normalise_text(label)):
            code = self._resolve(label, self._levels.get(id(row)))
        elif code is not None:
            self._ctx.take(code)
        if code is not None or label:
            self._unit_rows_only = self._unit_rows_only and code is None and _TOTALS.match(label) is not None
        return RowKey(code, label, self._unit, _gov_econ(code, secondary))

    # -- spending units -------------------------------------------------------------------------

    def _enter_unit(self, name: str, has_code: bool, row_no: int | None) -> bool:
        """A unit printed on this row. True when the row itself is the unit's (total) row.

        A unit repeated on every row of its block keeps the block. The same name printed again
        right under a unit row that had no line of its own is the department's 本级 unit: the row
        above is then the department's total, the document's own level (no spending unit), so the
        two rows never share a key.
        """
        if _TOTALS.match(normalise_text(name)):
            self._unit, self._unit_printed, self._unit_rows_only = None, None, False
            self._ctx = _Context()
            return not has_code
        repeated = name == self._unit_printed
        if repeated and not (self._unit_rows_only and not has_code):
            return not has_code
        if repeated and self._unit_row_no is not None:
            self.department_rows.add(self._unit_row_no)
        self._unit = self._unit_printed = name
        self._unit_row_no = row_no
        self._unit_rows_only = not has_code
        self._ctx = _Context()
        return not has_code

    # -- codes ------------------------------------------------------------------------------------

    def _code(self, fulls: list[str], parts: list[tuple[int | None, str]], label: str) -> str | None:
        ctx = self._ctx
        placed = {pos: p for pos, p in parts if pos is not None}
        loose = [p for pos, p in parts if pos is None]
        if fulls:
            code = fulls[0]
            if len(code) == 7:
                ctx.full_items = True
            if len(code) == 3 and loose and all(len(p) <= 2 for p in loose):
                joined = code + "".join(p.zfill(2) for p in loose[:2])
                return joined if is_code(joined) else None
            return code
        if placed:
            return self._placed(placed)
        if loose:
            return self._loose(loose, label)
        return None

    def _placed(self, placed: dict[int, str]) -> str | None:
        """类 | 款 | 项 sub-columns: what a row leaves blank comes from the rows above."""
        ctx = self._ctx
        first = placed.get(0)
        if first is not None and len(first) != 3:
            return None
        cls = first or ctx.class_code
        if cls is None:
            return None
        kuan, item = placed.get(1), placed.get(2)
        if item is None:
            return cls + kuan.zfill(2) if kuan else cls
        if kuan is None:
            carried = ctx.kuan_code
            if carried is None or carried[:3] != cls:
                return None
            kuan = carried[3:]
        return cls + kuan.zfill(2) + item.zfill(2)

    def _loose(self, loose: list[str], label: str) -> str | None:
        """One code column whose rows print only the 款 (or 款 and 项) digits under a full 类."""
        ctx = self._ctx
        if ctx.class_code is None:
            return None
        if len(loose) >= 2:
            return ctx.class_code + loose[0].zfill(2) + loose[1].zfill(2)
        part = loose[0].zfill(2)
        as_kuan = ctx.class_code + part
        as_item = ctx.kuan_code + part if ctx.kuan_code else None
        named = [c for c in (as_kuan, as_item) if c and _named(c, label, self.fiscal_year)]
        if len(named) == 1:
            return named[0]
        if ctx.last_len == 3 or ctx.full_items or as_item is None:
            return as_kuan
        return None

    # -- names ------------------------------------------------------------------------------------

    def _resolve(self, label: str, level: int | None) -> str | None:
        """A name-only row: its code from the year's list, through its parent row where ambiguous."""
        ctx = self._ctx
        found = [
            e
            for e in name_index(self.fiscal_year).get(name_key(label), ())
            if _same_scheme(e, ctx.class_code)
        ]
        if level is not None:
            found = [e for e in found if len(e.code) == 3 + 2 * level]
        chosen: CodeEntry | None = None
        for parent in (ctx.kuan_code, ctx.class_code):
            under = [e for e in found if parent and e.parent_code == parent]
            if len(under) == 1:
                chosen = under[0]
                break
        if chosen is None:
            classes = [e for e in found if e.level == "类"]
            if len(classes) == 1 and (level is None or level == 0):
                chosen = classes[0]
            elif (
                len(found) == 1
                and not _GENERIC.match(name_key(label))
                and (level is None or level == 0 or ctx.class_code is None)
            ):
                chosen = found[0]
        if chosen is None:
            self._ctx.forget(level if level is not None else 1)
            return None
        ctx.take(chosen.code)
        return chosen.code


def read_again(code: str, label: str, year: int | None) -> str:
    """An OCR'd code the lists do not know, one digit away from the code the printed name has
    in the lists: that code (the name and all digits but one agree). Otherwise the code as read."""
    if not label or code in functional_codes() or code in economic_codes():
        return code
    near = {
        e.code
        for e in name_index(year).get(name_key(label), ())
        if len(e.code) == len(code) and sum(a != b for a, b in zip(e.code, code, strict=True)) == 1
    }
    return near.pop() if len(near) == 1 else code


def _gov_econ(code: str | None, digits: list[str] | None) -> str | None:
    """The 政府预算支出经济分类 code beside a 部门 economic code: whole (50206) or split (502 | 06)."""
    if not code or code[0] != "3" or not digits:
        return None
    joined = (
        digits[0] + "".join(d.zfill(2) for d in digits[1:3] if len(d) <= 2)
        if len(digits[0]) == 3
        else digits[0]
    )
    return joined if joined[0] == "5" and is_classification_code(joined) else None


def _same_scheme(entry: CodeEntry, class_code: str | None) -> bool:
    """Within a table already keyed by functional (or economic) codes, names resolve in that list."""
    return class_code is None or code_kind(entry.code) == code_kind(class_code)


def _named(code: str, label: str, year: int | None) -> bool:
    return bool(label) and any(e.code == code for e in name_index(year).get(name_key(label), ()))


def _split_columns(keys: list[Column], rows: list[RawRow]) -> dict[int, int]:
    """Key columns that hold the 类 / 款 / 项 parts of a split code → their level (0, 1, 2).

    From the header when it prints 类 款 项 under the code caption; otherwise two or more adjacent
    columns of bare digits, the later ones never longer than 2 digits.
    """
    by_header = {c.index: _LEVEL_INDEX[c.level] for c in keys if c.level}
    digit_cols: list[int] = []
    for c in keys:
        texts = [normalise_text(r.cells[c.index]) for r in rows if c.index < len(r.cells)]
        filled = [t for t in texts if t]
        if filled and all(t.isdigit() and len(t) <= 7 for t in filled):
            digit_cols.append(c.index)
    if len(by_header) >= 2:
        # the Chongqing template prints the full code under 类 and leaves 款 / 项 empty
        return by_header if any(c in digit_cols for c in by_header if by_header[c] > 0) else {}
    if len(digit_cols) < 2:
        return {}
    later = [normalise_text(r.cells[j]) for r in rows for j in digit_cols[1:] if j < len(r.cells)]
    if any(len(t) > 2 for t in later if t):
        return {}
    return {j: i for i, j in enumerate(digit_cols[:3])}


def _prints_codes(keys: list[Column], rows: list[RawRow]) -> bool:
    for r in rows:
        for c in keys:
            raw = r.cells[c.index] if c.index < len(r.cells) else ""
            if is_classification_code(raw) or split_code_name(raw):
                return True
    return False


_INDENT = re.compile(r"^[ \u3000\u00a0]+")


def _indent_of(raw: str) -> int:
    """Printed indentation of a label: leading spaces (a full-width space counts two)."""
    m = _INDENT.match(raw)
    return sum(2 if ch == "\u3000" else 1 for ch in m.group(0)) if m else 0


def _indent_levels(keys: list[Column], rows: list[RawRow]) -> dict[int, int]:
    """id(row) → hierarchy level (0 类, 1 款, 2 项) of a table that shows its hierarchy by indentation
    alone (no codes): the label's leading spaces, else the row's left edge on the page (a word grid's
    row starts at its label). Two or three distinct depths, or nothing."""
    named: list[tuple[RawRow, str]] = []
    for r in rows:
        for c in keys:
            raw = r.cells[c.index] if c.index < len(r.cells) else ""
            text = normalise_text(raw)
            if text and not text.isdigit():
                if split_code_name(raw) or is_code(text):
                    return {}
                if not _TOTALS.match(text):
                    named.append((r, raw))
                break
    by_text = {id(r): float(_indent_of(raw)) for r, raw in named}
    by_edge = {id(r): r.bbox[0] for r, _ in named if r.bbox is not None}
    edges = by_edge if len(by_edge) == len(named) else {}
    for depths, gap in ((by_text, 0.5), (edges, 3.0)):
        levels = _cluster(sorted(set(depths.values())), gap)
        if 2 <= len(set(levels.values())) <= 3:
            return {key: levels[d] for key, d in depths.items()}
    return {}


def _cluster(depths: list[float], gap: float) -> dict[float, int]:
    """Sorted depths → level, a new level wherever the next depth is more than `gap` further right
    (in spaces for text indentation, in points for a row's left edge on the page)."""
    levels: dict[float, int] = {}
    level = 0
    for i, d in enumerate(depths):
        if i and d - depths[i - 1] > gap:
            level += 1
        levels[d] = level
    return levels
