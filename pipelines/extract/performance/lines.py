"""Printed lines and cells as the performance reader sees them: markup stripped, cells split and joined."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipelines.catalog import normalise_text
from pipelines.vocab.text import MARKUP


@dataclass(frozen=True)
class Line:
    """One printed line with its place: a line of a text export, or a line of a PDF page."""

    text: str
    line_no: int | None = None
    page: int | None = None


# ---------------------------------------------------------------------------------------------
# Cell text
# ---------------------------------------------------------------------------------------------

_LATEX = {r"\geq": "≥", r"\leq": "≤", r"\ge": "≥", r"\le": "≤"}
_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


def _clean(text: str) -> str:
    """A cell as printed, without markup and surrounding space (LaTeX ≥/≤ of 004 restored)."""
    text = MARKUP.sub("", text)
    for latex, symbol in _LATEX.items():
        text = text.replace(latex, symbol)
    return re.sub(r"\s+", " ", text).strip()


def _key(text: str) -> str:
    """The form labels are matched in: NFKC, no whitespace, no trailing colon."""
    return normalise_text(text).rstrip(":")


def _join(left: str, right: str) -> str:
    """Join two fragments of a wrapped cell: no space between CJK text, one between Latin words."""
    if not left:
        return right
    if not right:
        return left
    if _CJK.match(left[-1]) or _CJK.match(right[0]):
        return left + right
    return f"{left} {right}"


def _split_cells(line: str) -> list[str]:
    if "\t" in line:
        return line.split("\t")
    stripped = line.strip()
    if stripped.startswith("|") and stripped.count("|") >= 3:
        return stripped.strip("|").split("|")
    return [line] if line.strip() else []


@dataclass
class _GridRow:
    cells: list[str]
    line_no: int | None
    page: int | None
    lone: bool = False  # a line outside the grid (heading, 单位：万元, 表十一), not a table row


_SEPARATOR = re.compile(r"^[\s|:\-\t]+$")


def _tsv_rows(body: list[Line]) -> list[_GridRow]:
    """One row per line; Markdown separator rows dropped (the orphan row above them stays a row)."""
    rows = []
    for ln in body:
        if not ln.text.strip() or _SEPARATOR.match(ln.text):
            continue
        cells = _split_cells(ln.text)
        rows.append(_GridRow([_clean(c) for c in cells], ln.line_no, ln.page, lone=len(cells) == 1))
    return rows


def _cell_rows(body: list[Line]) -> list[_GridRow]:
    """DOMAIN §6.12: blank line → new row; leading tab → new cell; other lines continue the cell."""
    rows: list[_GridRow] = []
    current: _GridRow | None = None
    for ln in body:
        text = ln.text
        if not text.strip() and "\t" not in text:
            current = None
            continue
        if re.match(r"^ ?\t", text):
            if current is None:
                current = _GridRow([], ln.line_no, ln.page)
                rows.append(current)
            current.cells.extend(_clean(c) for c in text.lstrip(" ").split("\t")[1:])
        elif current is None or not current.cells:
            rows.append(_GridRow([_clean(text)], ln.line_no, ln.page, lone=True))
        else:
            current.cells[-1] = _join(current.cells[-1], _clean(text))
    return rows
