"""Text and Markdown exports (PDF→markdown, DOCX→text): tables as tab- or pipe-separated lines,
or, in exports of PDF text, as lines whose cells are separated by spaces (seed 002).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipelines.catalog import (
    CATALOG,
    TableSpec,
    line_key_for,
    normalise_text,
    strip_numbering,
    title_code,
    titles_in,
)
from pipelines.catalog.layout import text_layout
from pipelines.extract.metadata import detect_metadata
from pipelines.extract.signature import settle_codes
from pipelines.extract.types import RawRow, RawTable
from pipelines.vocab.codes import class_code_for_label, is_code
from pipelines.vocab.grid import Layout
from pipelines.vocab.numbers import is_amount, looks_like_money, unit_from_text
from pipelines.vocab.text import LIST_NUMBERING

_SEPARATOR = re.compile(r"^[\s|:\-\t]+$")
_EMPTY_NOTE = re.compile(r"无数据|无.{0,20}(收支|收入|支出|经费).{0,10}(故|因此|,|，)?.{0,6}(空|无)|为空表")
_LOOKAHEAD = 12  # lines between a title and its grid (numbering, unit, 部门：…)
PLAIN_ENGINE = "text-plain"
_ATTACHMENT = re.compile(r"^(附件|附表|表)\s*[一二三四五六七八九十\d]+$")
_NOTE = re.compile(r"^[(（]?(备注|注|说明)[:：]")
_JUNK = re.compile(r"^[.,，。]+$")  # an unreadable cell of a PDF text export ("." ",.", DOMAIN §6.3)
_NUMBERED = LIST_NUMBERING


def _cells(line: str) -> tuple[str, ...] | None:
    if "\t" in line:
        return tuple(c.strip() for c in line.rstrip("\n").split("\t"))
    stripped = line.strip()
    if stripped.startswith("|") and stripped.count("|") >= 3:
        return tuple(c.strip() for c in stripped.strip("|").split("|"))
    return None


def extract_text_tables(lines: list[str]) -> list[RawTable]:
    """Find every table title (catalogued or not, as the PDF reader finds them) and read the grid of
    delimited lines that follows it; plain-text grids are read for catalogued tables only."""
    kind = detect_metadata(lines[:60]).doc_kind
    prose = ["" if _cells(ln) is not None else ln for ln in lines]  # a delimited line is never a title
    titles = {i: (n, code) for i, n, code in titles_in(prose, kind, generic=True)}
    tables: list[RawTable] = []
    i = 0
    while i < len(lines):
        if i not in titles:
            i += 1
            continue
        n, code = titles[i]
        title = "".join(ln.strip().lstrip("#").strip() for ln in lines[i : i + n])
        last = i + n - 1
        unit = "元"
        j = last + 1
        while j < len(lines) and j <= last + _LOOKAHEAD and _cells(lines[j]) is None:
            if j in titles:
                break
            unit = unit_from_text(lines[j]) or unit
            j += 1
        if j >= len(lines) or _cells(lines[j]) is None:
            spec = CATALOG.get(code)
            if spec is not None and (spec.text_layout or spec.form_fields):
                table, i = _plain_table(lines, last, code, kind)
                if table is not None:
                    tables.append(table)
                    continue
            i += 1  # a heading that names a table without printing one (table of contents, narrative)
            continue
        rows: list[RawRow] = []
        while j < len(lines):
            cells = _cells(lines[j])
            if cells is None:
                if lines[j].strip():
                    break
                j += 1
                continue
            if not _SEPARATOR.match(lines[j]):
                rows.append(RawRow(cells=cells, line_no=j + 1))
            j += 1
        note = next(
            (ln.strip() for ln in lines[j : j + 4] if _EMPTY_NOTE.search(ln) and not title_code(ln, kind)),
            None,
        )
        tables.append(RawTable(code, title, unit, rows, engine="text", empty_note=note))
        i = j
    settle_codes(tables, kind)
    return tables


# ---------------------------------------------------------------------------------------------
# Plain text: cells separated by spaces, rows wrapped over lines, empty cells dropped
# ---------------------------------------------------------------------------------------------


def _is_value(token: str) -> bool:
    return is_amount(token) or bool(_JUNK.match(token))


@dataclass
class _Segment:
    """The cells of one panel in one row: its label (key) tokens and its value tokens."""

    keys: list[str] = field(default_factory=list)
    values: list[str] = field(default_factory=list)


def _plain_table(lines: list[str], start: int, code: str, kind: str | None) -> tuple[RawTable | None, int]:
    """Read the table whose title is on line `start`; return it and the line after it.

    The table runs to the next other title, a 备注 line or the next 附件 heading; its title and
    header printed again on a new page (a line opening with a space marks one) continue it.
    """
    spec = CATALOG[code]
    title = lines[start].strip()
    unit: str | None = None
    note: str | None = None
    block: list[tuple[int, str]] = []  # (1-based line number, text) of header and body lines
    repeated = False
    j = start + 1
    while j < len(lines):
        text = lines[j].strip()
        if not text:
            j += 1
            continue
        found = title_code(lines[j], kind, generic=True)
        if found:
            if found == code and not spec.form_fields and normalise_text(text) == normalise_text(title):
                repeated = True  # the title again on a new page: its header follows, then more rows
                j += 1
                continue
            break
        if _ATTACHMENT.match(normalise_text(text)):
            j += 1
            continue
        if _NOTE.match(normalise_text(text)):
            note = text if _EMPTY_NOTE.search(text) else note
            j += 1
            break
        printed_unit = unit_from_text(text)
        if printed_unit and len(normalise_text(text)) <= 12:
            unit = unit or printed_unit
            j += 1
            continue
        if repeated and block and spec.text_layout and not _row_start(text.split(), spec):
            j += 1  # the header repeated on the new page
            continue
        repeated = False
        block.append((j + 1, text))
        j += 1
    if unit is None and not block:
        return None, start + 1
    if spec.form_fields:
        rows = [RawRow(tuple(text.split()), line_no=n) for n, text in block]
    else:
        rows = _grid_rows(spec, block)
    return RawTable(code, title, unit or "元", rows, engine=PLAIN_ENGINE, empty_note=note), j


def _row_start(tokens: list[str], spec: TableSpec) -> bool:
    """Does this line open a table row (rather than continue a wrapped one or belong to the header)?"""
    if not tokens:
        return False
    first = normalise_text(tokens[0])
    if len(spec.text_layout) > 1:
        if any(_is_value(t) for t in tokens) or _NUMBERED.match(first):
            return True
        return len(tokens) > 1 and _panel_of(spec, tokens[0]) is not None  # "上年结转 结转下年"
    if first in {"合计", "总计"}:
        return all(_is_value(t) for t in tokens[1:])
    if first.isdigit() and (len(tokens) == 1 or not _is_value(tokens[1])):
        return is_code(first) or len(tokens) > 1  # a code, or a 序号 / unit code and a name
    if _NUMBERED.match(first):
        return True
    patterns = spec.line_keys.get("", ())
    return any(re.search(p, strip_numbering(first)) for p, _ in patterns)


def _panel_of(spec: TableSpec, label: str) -> int | None:
    """The panel a lone label belongs to, by its line key or its 类 name."""
    for i, name in enumerate(spec.panel_names[: len(spec.text_layout)]):
        if line_key_for(spec, name, label, None):
            return i
    if spec.class_lines and class_code_for_label(label):
        return next((i for i, n in enumerate(spec.panel_names) if n == "expenditure"), None)
    return None


def _grid_rows(spec: TableSpec, block: list[tuple[int, str]]) -> list[RawRow]:
    """Header lines as one-cell rows, then each table row on the grid of the text layout.

    A row's values are placed left to right in its panel's value columns; the normaliser
    moves them to their columns when the source dropped empty cells (fewer values than columns).
    """
    # the first row is the first line with amounts; in a table published empty, the first row line
    valued = [k for k, (_, text) in enumerate(block) if any(looks_like_money(t) for t in text.split())]
    starts = [k for k, (_, text) in enumerate(block) if _row_start(text.split(), spec)]
    first = next((k for k in starts if not valued or k >= valued[0]), len(block))
    header = block[:first]
    layout = text_layout(spec, " ".join(text for _, text in header))
    rows = [RawRow((text,), line_no=n) for n, text in header]
    groups: list[list[tuple[int, list[str]]]] = []
    for n, text in block[first:]:
        tokens = text.split()
        if not groups or len(spec.text_layout) > 1 or _row_start(tokens, spec):
            groups.append([(n, tokens)])
        else:
            groups[-1].append((n, tokens))
    for group in groups:
        rows.append(RawRow(_place(spec, layout, group), line_no=group[0][0]))
    return rows


def _segments(group: list[tuple[int, list[str]]], n_keys: int, multi: bool) -> list[_Segment]:
    """Split a row's tokens into panel segments: label tokens, then value tokens, then the next label.

    A number followed by text (or alone) where a label is due is a code or 序号. A line of text
    that continues a row fills the next key cell while the panel has key cells left (the project
    name under its 序号, unit and code), else it extends the last one (a wrapped name). In a
    table of side-by-side panels a label that follows a complete label opens the next panel.
    """
    segments: list[_Segment] = []
    for k, (_, tokens) in enumerate(group):
        opened = False  # this line has started a key cell of its own
        for t, token in enumerate(tokens):
            nxt = tokens[t + 1] if t + 1 < len(tokens) else None
            at_label = not segments or not segments[-1].values
            numbered = (
                token.isdigit()
                and at_label
                and ((nxt is not None and not _is_value(nxt)) or (nxt is None and is_code(token)))
            )
            if _is_value(token) and not numbered:
                if not segments:
                    segments.append(_Segment())
                segments[-1].values.append(token)
                continue
            if not segments or segments[-1].values or (multi and len(segments[-1].keys) >= n_keys):
                segments.append(_Segment())
            seg = segments[-1]
            if k == 0 or not seg.keys or (len(seg.keys) < n_keys and not opened):
                seg.keys.append(token)
                opened = opened or k > 0
            else:
                seg.keys[-1] += token
    return segments


def _place(spec: TableSpec, layout: Layout, group: list[tuple[int, list[str]]]) -> tuple[str, ...]:
    width = sum(len(p.columns) for p in layout.panels)
    cells = [""] * width
    n_keys = max((len(p.key_columns) for p in layout.panels), default=1)
    segments = _segments(group, n_keys, len(layout.panels) > 1)
    panels = list(layout.panels)
    assigned: list[int | None] = list(range(len(segments)))
    if len(segments) < len(panels):
        assigned = [_panel_of(spec, "".join(seg.keys)) if seg.keys else None for seg in segments]
        used: set[int] = set()
        for s, panel_index in enumerate(assigned):
            if panel_index is None or panel_index in used:
                panel_index = next(p for p in range(len(panels)) if p not in used)
            assigned[s] = panel_index
            used.add(panel_index)
    for seg, panel_index in zip(segments, assigned, strict=True):
        if panel_index is None or panel_index >= len(panels):
            continue
        panel = panels[panel_index]
        keys, values = panel.key_columns, panel.value_columns
        if keys:
            labels = [*seg.keys[: len(keys) - 1], "".join(seg.keys[len(keys) - 1 :])]
            for col, text in zip(keys, labels, strict=False):
                cells[col.index] = text
        for col, text in zip(values, seg.values, strict=False):
            cells[col.index] = text
    return tuple(cells)
