"""Read a table grid's header: which rows are header, what each column is, where panels start."""

from __future__ import annotations

import re
from dataclasses import replace

from pipelines.catalog import TableSpec, normalise_text
from pipelines.extract.types import RawRow
from pipelines.vocab.grid import Column, Layout, Panel, header_row_count, relative_years
from pipelines.vocab.numbers import is_amount

# header words that mark a row-key column (code or name) rather than a measure
_KEY_WORDS = {
    "项目",
    "科目名称",
    "名称",
    "科目",
    "项目名称",
    "功能分类科目",
    "支出功能分类科目",
    "类",
    "款",
    "项",
}
_CODE_WORDS = re.compile(r"编码|代码")
# other row-key headers: names, codes and the descriptive columns of 政府采购 / 项目 tables
_KEY_HEADER = re.compile(r"(名称|科目|编号|序号|大类|组织形式|预算单位|项目单位|实施单位)$")
_SEQ_WORDS = {"行次"}
# a key column naming the spending unit of each row (预算单位 / 单位名称 / 单位编码): blocks per unit
_UNIT_HEADER = re.compile(r"(预算单位|项目单位|实施单位|单位名称|单位编码|单位代码|^单位$|^部门\(单位\)$)")
_LEVEL_WORDS = ("类", "款", "项")
_NUMBERING_WORDS = {"栏次", "行次", "类", "款", "项"}


def _ordinals(header: list[tuple[str, ...]]) -> dict[int, int]:
    """Map column → 栏次 number from the row that numbers the columns 1, 2, 3 …"""
    for cells in header:
        texts = [normalise_text(c) for c in cells]
        numbers = {j: int(t) for j, t in enumerate(texts) if t.isdigit() and len(t) <= 2}
        others = [t for j, t in enumerate(texts) if t and j not in numbers and t not in _NUMBERING_WORDS]
        if len(numbers) >= 2 and not others and 1 in numbers.values():
            return numbers
    return {}


def _fill_spans(header: list[tuple[str, ...]], width: int) -> list[list[str]]:
    """In text exports a merged header cell is its text followed by empty cells: carry it right."""
    filled: list[list[str]] = []
    for cells in header:
        row = [normalise_text(c) for c in cells] + [""] * (width - len(cells))
        above = filled[-1] if filled else None
        for j in range(1, width):
            carries = row[j - 1] and not row[j - 1].isdigit() and row[j - 1] not in _NUMBERING_WORDS
            # below the first row a cell spans no further than the cell above it
            if not row[j] and carries and (above is None or above[j] == above[j - 1]):
                row[j] = row[j - 1]
        filled.append(row)
    return filled


def _fill_group_spans(grid: list[list[str]]) -> list[list[str]]:
    """A group caption the grid gave to its first column only ("当年预算" over 小计 | 基本支出 | 项目支出,
    where the drawing left no merged-cell box to read): the empty header cells right of a caption,
    with sub-headers printed below them, belong to that caption, unless the row above separates the
    columns. Without this, two blocks (当年预算 | 上年结转结余) would name their columns alike.

    A caption the grid already spread over several cells has its span, and a key caption (科目,
    项目) never spans value columns: neither is carried further.
    """
    filled = [list(row) for row in grid]
    meta = [all(not t or _META_LINE.search(t) for t in row) for row in filled]
    for i in range(len(filled) - 1):
        if meta[i]:
            continue
        original = list(filled[i])
        row = filled[i]
        above = next((filled[k] for k in range(i - 1, -1, -1) if not meta[k]), None)
        for c, caption in enumerate(original):
            spread = c > 0 and original[c - 1] == caption
            if not caption or caption.isdigit() or spread or _is_key_caption(caption):
                continue
            j = c + 1
            while j < len(row) and not original[j]:
                if not any(filled[k][j] for k in range(i + 1, len(filled))):
                    break
                if above is not None and above[j] != above[c]:
                    break
                row[j] = caption
                j += 1
    return filled


def _is_key_caption(text: str) -> bool:
    return text in _KEY_WORDS or bool(_CODE_WORDS.search(text) or _KEY_HEADER.search(text))


def _expand_spans(row: RawRow) -> tuple[str, ...]:
    """Repeat a merged header cell's text in every column it covers (from the PDF's cell boxes)."""
    if row.span_from is None:
        return row.cells
    return tuple(
        row.cells[origin] if not text and origin is not None else text
        for text, origin in zip(row.cells, row.span_from, strict=True)
    )


def _role(parts: list[str], ordinal: int | None, has_ordinals: bool) -> str:
    if any(p in _SEQ_WORDS for p in parts) and ordinal is None:
        return "seq"
    if has_ordinals:
        return "value" if ordinal is not None else "key"
    if any(p in _KEY_WORDS or _CODE_WORDS.search(p) or _KEY_HEADER.search(p) for p in parts):
        return "key"
    return "value"


def read_layout(spec: TableSpec, rows: list[RawRow], *, carry_spans: bool) -> Layout:
    """Classify columns and group them into panels; map value columns to catalog measures."""
    n_header = header_row_count(rows)
    width = max((len(r.cells) for r in rows), default=0)
    header_cells = [_expand_spans(r) for r in rows[:n_header]]
    ordinals = _ordinals(header_cells)
    if carry_spans:
        grid = _fill_spans(header_cells, width)
    else:
        grid = _fill_group_spans(
            [[normalise_text(c) for c in cells] + [""] * (width - len(cells)) for cells in header_cells]
        )
    # budgets name columns by year ("2024年预算数"): match on years relative to the latest one
    matching = relative_years(grid) if spec.doc_kind == "budget" else grid
    text_columns = _text_columns(rows[n_header:], width)

    columns: list[Column] = []
    unmapped: list[str] = []
    for j in range(width):
        parts = _parts(grid, j)
        role = _role(parts, ordinals.get(j), bool(ordinals))
        path = "/".join(p for p in parts if p not in _NUMBERING_WORDS)
        measure = None
        if role == "value":
            if j in ordinals and spec.column_order and ordinals[j] <= len(spec.column_order):
                measure = spec.column_order[ordinals[j] - 1]
            else:
                relative = "/".join(p for p in _parts(matching, j) if p not in _NUMBERING_WORDS)
                found = spec.measure_for(_strip_group(relative))
                measure = found.measure if found else None
            if measure is None and j in text_columns:
                role = "key"  # a column of names (采购物品名称, or one left unheaded) is part of the row key
            elif measure is None and path:
                unmapped.append(path)
        unit = role == "key" and any(_UNIT_HEADER.search(p) for p in parts)
        levels = [w for w in _LEVEL_WORDS if w in parts]
        level = levels[0] if role == "key" and len(levels) == 1 else None
        columns.append(Column(j, role, path, measure, ordinals.get(j), unit, level))
    columns = _first_claim(columns)
    panels: list[list[Column]] = [[]]
    for col in columns:
        current = panels[-1]
        if col.role == "key" and any(c.role != "key" for c in current):
            panels.append([col])
        else:
            current.append(col)
    names = spec.panel_names
    built = tuple(
        Panel(names[i] if i < len(names) else None, tuple(cols)) for i, cols in enumerate(panels) if cols
    )
    return Layout(n_header, built, tuple(unmapped))


# a line above the header that a grid caught in its first row: "预算单位：长春市信访局", "单位：万元"
_META_LINE = re.compile(r"^(预算|编制|主管)?(单位|部门)(\(单位\))?(名称)?:|单位:(万)?元$")


def _first_claim(columns: list[Column]) -> list[Column]:
    """A measure names one column of a panel: a later column whose header matched the same
    measure (科研因公出国（境）费 under 因公出国（境）费) keeps its printed path instead, so a row
    never carries the same measure twice and no sum counts a figure twice."""
    seen: set[str] = set()
    out: list[Column] = []
    for col in columns:
        if col.role == "key":
            seen = set()  # a key column starts the next panel
        if col.measure is not None and col.measure in seen:
            col = replace(col, measure=None)
        elif col.measure is not None:
            seen.add(col.measure)
        out.append(col)
    return out


def _parts(grid: list[list[str]], j: int) -> list[str]:
    """The distinct header texts above column j, top to bottom (a merged cell counts once)."""
    parts: list[str] = []
    for row in grid:
        t = row[j]
        if t and (not parts or parts[-1] != t) and not t.isdigit() and not _META_LINE.search(t):
            parts.append(t)
    return parts


def _text_columns(data: list[RawRow], width: int) -> set[int]:
    """Columns whose data cells are names, not amounts (most non-empty cells are not numbers)."""
    out: set[int] = set()
    for j in range(width):
        cells = [normalise_text(r.cells[j]) for r in data if j < len(r.cells)]
        filled = [c for c in cells if c and c not in {"—", "-", "/"}]
        texts = [c for c in filled if not is_amount(c)]
        if texts and len(texts) * 2 > len(filled):
            out.add(j)
    return out


def _strip_group(path: str) -> str:
    """Drop a leading panel caption (收入/支出) so measure patterns see the column's own header."""
    return re.sub(r"^(收入|支出)/", "", path)
