"""Table grids from one PDF page with pdfplumber: ruled tables from their lines, others from words."""

from __future__ import annotations

import bisect
import re
import statistics
from collections import defaultdict
from operator import itemgetter
from typing import Any

from pdfplumber.table import Table, TableFinder, TableSettings
from pdfplumber.utils import obj_to_bbox

from pipelines.normalise.numbers import is_amount
from pipelines.types import BBox, RawRow

# pdfplumber's defaults, stated so a reader knows what "ruled" means here
LATTICE_SETTINGS: dict[str, Any] = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}
_ROW_START = re.compile(
    r"^(合计|总计|其中|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+[.、])"
)


def ruled_grids(page: Any) -> list[tuple[BBox, list[RawRow]]]:
    """Every ruled table on the page as rows of cell texts, merged header cells spread over their span.

    pdfplumber returns None for grid positions covered by a merged cell; we look up the covering
    cell by geometry so the normaliser can tell a horizontal span (group header) from a vertical one.
    """
    grids: list[tuple[BBox, list[RawRow]]] = []
    page = page.filter(_visible)
    settings = {**LATTICE_SETTINGS, "explicit_horizontal_lines": _closing_lines(page.edges)}
    for table in LinearTableFinder(page, settings).tables:
        texts = table.extract()
        if not texts or max(len(r) for r in texts) < 2:
            continue
        if len(texts) == 1 and not any(is_amount(t or "") for t in texts[0]):
            continue  # a lone boxed line; a lone row of amounts is the end of a table (合计)
        table_rows = table.rows  # a property that pdfplumber recomputes on every access
        col_x = [_column_x(table, table_rows, j) for j in range(len(texts[0]))]
        rows: list[RawRow] = []
        for row, row_texts in zip(table_rows, texts, strict=True):
            top, bottom = row.bbox[1], row.bbox[3]
            cells: list[str] = []
            span_from: list[int | None] = []
            spanning: list[BBox] | None = None  # the cells that reach into this row, when needed
            for j, (cell, text) in enumerate(zip(row.cells, row_texts, strict=True)):
                if cell is not None:
                    cells.append(text or "")
                    span_from.append(None)
                    continue
                cells.append("")
                if spanning is None:
                    cy = (top + bottom) / 2
                    spanning = [c for c in table.cells if c[1] - 0.5 <= cy <= c[3] + 0.5]
                span_from.append(_covering_column(spanning, col_x, j, top, bottom))
            rows.append(
                RawRow(tuple(cells), page=page.page_number, bbox=row.bbox, span_from=tuple(span_from))
            )
        grids.append((table.bbox, rows))
    return grids


class LinearTableFinder(TableFinder):
    """pdfplumber's lattice table finder with the same results, in time that grows with the output.

    pdfplumber compares every vertical edge with every horizontal one, every intersection with
    every later one, and regroups cells pass after pass: a page of 20,000 drawn rectangles took
    minutes. Here the edges are indexed by position, the points by row and column, and tables
    are the connected components of cells sharing a corner (union-find).
    """

    def __init__(self, page: Any, settings: dict[str, Any] | None = None) -> None:
        self.page = page
        self.settings = TableSettings.resolve(settings)
        self.edges = self.get_edges()
        self.intersections = edges_to_intersections(
            self.edges, self.settings.intersection_x_tolerance, self.settings.intersection_y_tolerance
        )
        self.cells = intersections_to_cells(self.intersections)
        self.tables = [Table(self.page, group) for group in cells_to_tables(self.cells)]


Intersections = dict[tuple[float, float], dict[str, list[dict[str, Any]]]]


def edges_to_intersections(edges: list[dict[str, Any]], x_tol: float = 1, y_tol: float = 1) -> Intersections:
    """pdfplumber.table.edges_to_intersections, horizontal edges found by binary search on `top`."""
    horizontals = sorted((e for e in edges if e["orientation"] == "h"), key=itemgetter("top", "x0"))
    tops = [h["top"] for h in horizontals]
    found: Intersections = {}
    for v in sorted((e for e in edges if e["orientation"] == "v"), key=itemgetter("x0", "top")):
        lo = bisect.bisect_left(tops, v["top"] - y_tol)
        hi = bisect.bisect_right(tops, v["bottom"] + y_tol)
        for h in horizontals[lo:hi]:
            if h["x0"] - x_tol <= v["x0"] <= h["x1"] + x_tol:
                point = found.setdefault((v["x0"], h["top"]), {"v": [], "h": []})
                point["v"].append(v)
                point["h"].append(h)
    return found


def intersections_to_cells(intersections: Intersections) -> list[BBox]:
    """pdfplumber.table.intersections_to_cells, with the points below and right of a point indexed."""
    points = sorted(intersections)
    by_x: dict[float, list[tuple[float, float]]] = defaultdict(list)
    by_y: dict[float, list[tuple[float, float]]] = defaultdict(list)
    for pt in points:  # sorted by (x, y): each column list is sorted by y, each row list by x
        by_x[pt[0]].append(pt)
        by_y[pt[1]].append(pt)
    at_x = {pt: i for pts in by_x.values() for i, pt in enumerate(pts)}
    at_y = {pt: i for pts in by_y.values() for i, pt in enumerate(pts)}
    sets: dict[tuple[tuple[float, float], str], set[BBox]] = {}

    def edge_set(pt: tuple[float, float], kind: str) -> set[BBox]:
        key = (pt, kind)
        if key not in sets:
            sets[key] = {obj_to_bbox(e) for e in intersections[pt][kind]}
        return sets[key]

    def connects(p1: tuple[float, float], p2: tuple[float, float]) -> bool:
        if p1[0] == p2[0] and edge_set(p1, "v") & edge_set(p2, "v"):
            return True
        return p1[1] == p2[1] and bool(edge_set(p1, "h") & edge_set(p2, "h"))

    cells: list[BBox] = []
    for pt in points:
        below = by_x[pt[0]][at_x[pt] + 1 :]
        right = by_y[pt[1]][at_y[pt] + 1 :]
        cell = _smallest_cell(pt, below, right, intersections, connects)
        if cell is not None:
            cells.append(cell)
    return cells


def _smallest_cell(
    pt: Any, below: Any, right: Any, intersections: Intersections, connects: Any
) -> BBox | None:
    for below_pt in below:
        if not connects(pt, below_pt):
            continue
        for right_pt in right:
            if not connects(pt, right_pt):
                continue
            corner = (right_pt[0], below_pt[1])
            if corner in intersections and connects(corner, right_pt) and connects(corner, below_pt):
                return (pt[0], pt[1], corner[0], corner[1])
    return None


def cells_to_tables(cells: list[BBox]) -> list[list[BBox]]:
    """pdfplumber.table.cells_to_tables: groups of cells that share a corner, top-left first."""
    parent = list(range(len(cells)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[tuple[float, float], int] = {}
    for i, (x0, top, x1, bottom) in enumerate(cells):
        for corner in ((x0, top), (x0, bottom), (x1, top), (x1, bottom)):
            j = owner.setdefault(corner, i)
            if j != i:
                parent[root(i)] = root(j)
    groups: dict[int, list[BBox]] = defaultdict(list)
    for i, cell in enumerate(cells):
        groups[root(i)].append(cell)
    tables = sorted(groups.values(), key=lambda t: min((c[1], c[0]) for c in t))
    return [t for t in tables if len(t) > 1]


def _closing_lines(edges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Top and bottom borders for tables whose page break left them open.

    A Word table continued from the previous page often has no top rule over its first cells,
    so pdfplumber cannot close them and drops their text. Each block of vertical rules gets a
    horizontal rule along its top and bottom ends where the page draws none.
    """
    verticals = sorted((e for e in edges if e["orientation"] == "v"), key=lambda e: e["top"])
    horizontals = sorted((e for e in edges if e["orientation"] == "h"), key=lambda e: e["top"])
    h_tops = [h["top"] for h in horizontals]
    # blocks of vertical rules that overlap in y, each with its running extent: one pass, O(n log n)
    blocks: list[list[float]] = []  # x0, x1, top, bottom, count
    for e in verticals:
        if blocks and e["top"] <= blocks[-1][3] + 1:
            b = blocks[-1]
            b[0], b[1], b[3], b[4] = min(b[0], e["x0"]), max(b[1], e["x1"]), max(b[3], e["bottom"]), b[4] + 1
        else:
            blocks.append([e["x0"], e["x1"], e["top"], e["bottom"], 1])
    lines: list[dict[str, Any]] = []
    for x0, x1, top, bottom, count in blocks:
        if count < 2:
            continue
        for y in (top, bottom):
            near = horizontals[bisect.bisect_left(h_tops, y - 2) : bisect.bisect_right(h_tops, y + 2)]
            spans = sorted(
                (max(h["x0"], x0), min(h["x1"], x1)) for h in near if h["x1"] > x0 and h["x0"] < x1
            )
            if _union_length(spans) < 0.95 * (x1 - x0):
                lines.append(
                    {
                        "object_type": "line",
                        "x0": x0,
                        "x1": x1,
                        "top": y,
                        "bottom": y,
                        "width": x1 - x0,
                        "height": 0,
                        "orientation": "h",
                    }
                )
    return lines


def _union_length(spans: list[tuple[float, float]]) -> float:
    total, reach = 0.0, float("-inf")
    for a, b in spans:
        if b > reach:
            total += b - max(a, reach)
            reach = b
    return total


def _is_white(color: Any) -> bool:
    if isinstance(color, (int, float)):
        color = (color,)
    if not isinstance(color, (tuple, list)) or not color:
        return False
    values = [float(c) for c in color if isinstance(c, (int, float))]
    if len(values) == 4:  # CMYK: white is no ink
        return all(v <= 0.01 for v in values)
    return bool(values) and all(v >= 0.99 for v in values)


def _visible(obj: dict[str, Any]) -> bool:
    """Drop white shapes: some exports paint every cell as a white box, which is not a ruling."""
    if obj.get("object_type") not in {"rect", "line", "curve"}:
        return True
    stroked = obj.get("stroke") and not _is_white(obj.get("stroking_color"))
    filled = obj.get("fill") and not _is_white(obj.get("non_stroking_color"))
    return bool(stroked or filled)


def _column_x(table: Any, rows: list[Any], j: int) -> tuple[float, float]:
    xs = [row.cells[j] for row in rows if row.cells[j] is not None]
    if xs:
        return xs[0][0], min(c[2] for c in xs)
    left = table.columns[j].bbox
    return left[0], left[2]


def _covering_column(
    cells: list[BBox], col_x: list[tuple[float, float]], j: int, top: float, bottom: float
) -> int | None:
    """The column where the merged cell covering (row, j) starts, if it starts in this row."""
    cx = (col_x[j][0] + col_x[j][1]) / 2
    cy = (top + bottom) / 2
    for x0, y0, x1, y1 in cells:
        if x0 - 0.5 <= cx <= x1 + 0.5 and y0 - 0.5 <= cy <= y1 + 0.5:
            if y0 < top - 1:  # starts in an earlier row: a vertical span, nothing to repeat here
                return None
            for k, (kx0, _) in enumerate(col_x):
                if abs(kx0 - x0) < 1.5:
                    return k if k != j else None
    return None


Bands = list[tuple[float, float]]


def word_grid(page: Any, region: BBox, bands: Bands | None = None) -> tuple[list[RawRow], Bands]:
    """Rows and columns of an unruled table, from where its words sit.

    Columns are the x-bands that the words of the data lines (lines with an amount) occupy; a
    header word is assigned to every band it overlaps, so a group header spans its columns.
    Lines that carry only part of a name (wrapped text) are joined to the nearest data line.
    A continuation page passes the bands of the page where the table started, so its rows land
    in the same columns even when some columns are empty there.
    """
    words = page.within_bbox(region).extract_words(keep_blank_chars=False, x_tolerance=1.5, y_tolerance=2)
    lines = _lines(words)
    if not lines:
        return [], []
    data_idx = [i for i, ln in enumerate(lines) if any(is_amount(w["text"]) for w in ln)]
    if not data_idx:
        return [], []
    bands = bands or _bands([w for i in data_idx for w in lines[i]])
    first_data = data_idx[0]
    rows: list[RawRow] = []
    for ln in lines[:first_data]:
        cells = [""] * len(bands)
        for w in ln:
            for k in _overlapping(bands, w):
                cells[k] = (cells[k] + w["text"]) if cells[k] != w["text"] else cells[k]
        rows.append(_row(page, ln, cells))
    body = lines[first_data:]
    anchors = [i for i, ln in enumerate(body) if _is_anchor(ln, bands)]
    attached: dict[int, list[list[dict[str, Any]]]] = {i: [] for i in anchors}
    for i, ln in enumerate(body):
        if i in attached or not anchors:
            continue
        nearest = min(anchors, key=lambda a: abs(_mid(body[a]) - _mid(ln)))
        attached[nearest].append(ln)
    for i in anchors:
        cells = [""] * len(bands)
        for ln in sorted([body[i], *attached[i]], key=_mid):
            for w in ln:
                ks = _overlapping(bands, w)
                k = ks[0] if ks else _nearest_band(bands, w)
                cells[k] += w["text"]
        rows.append(_row(page, body[i] + [w for ln in attached[i] for w in ln], cells))
    return rows, bands


def _lines(words: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    lines: list[list[dict[str, Any]]] = []
    for w in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if lines and abs(_mid(lines[-1]) - (w["top"] + w["bottom"]) / 2) <= 3:
            lines[-1].append(w)
        else:
            lines.append([w])
    return [sorted(ln, key=lambda w: w["x0"]) for ln in lines]


def _mid(line: list[dict[str, Any]]) -> float:
    return statistics.fmean((w["top"] + w["bottom"]) / 2 for w in line)


def _is_anchor(line: list[dict[str, Any]], bands: list[tuple[float, float]]) -> bool:
    """A line that is a table row of its own, not the wrapped part of a name.

    It prints an amount, a code, a total label or list numbering (一、 （一） 1.), or it fills
    more than one column.
    """
    first = line[0]["text"]
    if any(is_amount(w["text"]) for w in line) or first.isdigit() or _ROW_START.match(first):
        return True
    return len({k for w in line for k in _overlapping(bands, w)}) > 1


def _bands(words: list[dict[str, Any]]) -> list[tuple[float, float]]:
    bands: list[list[float]] = []
    for w in sorted(words, key=lambda w: w["x0"]):
        if bands and w["x0"] <= bands[-1][1] + 2:
            bands[-1][1] = max(bands[-1][1], w["x1"])
        else:
            bands.append([w["x0"], w["x1"]])
    return [(a, b) for a, b in bands]


def _overlapping(bands: list[tuple[float, float]], w: dict[str, Any]) -> list[int]:
    return [k for k, (a, b) in enumerate(bands) if w["x0"] < b - 1 and w["x1"] > a + 1]


def _nearest_band(bands: list[tuple[float, float]], w: dict[str, Any]) -> int:
    cx = (w["x0"] + w["x1"]) / 2
    return min(range(len(bands)), key=lambda k: abs((bands[k][0] + bands[k][1]) / 2 - cx))


def _row(page: Any, words: list[dict[str, Any]], cells: list[str]) -> RawRow:
    bbox = (
        min(w["x0"] for w in words),
        min(w["top"] for w in words),
        max(w["x1"] for w in words),
        max(w["bottom"] for w in words),
    )
    return RawRow(tuple(cells), page=page.page_number, bbox=bbox)
