"""Table grids from one PDF page with pdfplumber: ruled tables from their lines, others from words."""

from __future__ import annotations

import bisect
import itertools
import math
import re
import statistics
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from operator import itemgetter
from pathlib import Path
from typing import Any

import pdfplumber
from pdfplumber.page import test_proposed_bbox
from pdfplumber.table import Table, TableFinder, TableSettings, join_edge_group
from pdfplumber.utils.clustering import cluster_objects
from pdfplumber.utils.geometry import filter_edges, obj_to_bbox, obj_to_edges
from pdfplumber.utils.text import extract_words

from pipelines.extract import cmaps, plumber_text
from pipelines.extract.types import BBox, RawRow
from pipelines.vocab.numbers import is_amount, looks_like_money, unit_from_text

# pdfplumber's defaults, stated so a reader knows what "ruled" means here
LATTICE_SETTINGS: dict[str, Any] = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}
# pdfplumber's tolerances (points) for an A4 page; a larger or smaller page scales them, so a scaled
# copy of a document gives the same grid (a 10,000 pt page would otherwise split its ruling into
# extra rows and columns)
_LATTICE_TOLERANCES = {
    "snap_tolerance": 3.0,
    "join_tolerance": 3.0,
    "intersection_tolerance": 3.0,
    "edge_min_length": 3.0,
    "text_x_tolerance": 3.0,
    "text_y_tolerance": 3.0,
}
A4_LONG_SIDE = 842.0

cmaps.supplement()  # pdfminer reads '·' and the other codes its UCS-2 CMaps lack


def page_scale(page: Any) -> float:
    """How much larger than A4 the page is printed (1.0 for A4 portrait or landscape)."""
    return max(0.5, max(float(page.width), float(page.height)) / A4_LONG_SIDE)


@contextmanager
def opened(path: Path) -> Iterator[Any]:
    """`pdfplumber.open(path)` as a context whose exit closes the file only. pdfplumber's own
    `close()` drops its list of pages and parses the whole page tree again just to close every
    page; the readers here close each page they parse as soon as it is read."""
    pdf = pdfplumber.open(path)
    try:
        yield pdf
    finally:
        pdf.stream.close()


def words_within(page: Any, bbox: BBox, **settings: Any) -> list[dict[str, Any]]:
    """`page.within_bbox(bbox).extract_words(**settings)`, the same words (and the same error for a
    box off the page): pdfplumber's crop filters every line, rect and curve of the page too, which
    words never use, so only the characters are filtered here."""
    test_proposed_bbox(bbox, page.bbox)
    page_chars = page.chars
    key = (tuple(bbox), tuple(sorted(settings.items())))
    found = _LAST_WORDS.get(page_chars, key)
    if found is not None:
        return list(found)
    chars = chars_within(page_chars, bbox)
    if settings.keys() <= {"x_tolerance", "y_tolerance", "keep_blank_chars"} and not settings.get(
        "keep_blank_chars"
    ):
        words = plumber_text.words(chars, settings.get("x_tolerance", 3), settings.get("y_tolerance", 3))
    else:
        words = extract_words(chars, **settings)
    _LAST_WORDS.keep(page_chars, key, words)
    return list(words)


class _LastWords:
    """The words of the region last asked for. A table's region is asked for twice, once for its
    grid (`word_grid`) and once for the numbers printed there (`regions.region_numbers`), and
    grouping characters into words is most of either. The entry holds the page's list of characters
    itself, so that an identity match is that list, unchanged (pdfplumber replaces a page's objects,
    never edits them); one entry only, so no more than one page's characters outlive their page.
    Callers get a copy of the list and never change a word."""

    def __init__(self) -> None:
        self.entry: tuple[list[dict[str, Any]], tuple[Any, ...], list[dict[str, Any]]] | None = None

    def get(self, chars: list[dict[str, Any]], key: tuple[Any, ...]) -> list[dict[str, Any]] | None:
        if self.entry is not None and self.entry[0] is chars and self.entry[1] == key:
            return self.entry[2]
        return None

    def keep(self, chars: list[dict[str, Any]], key: tuple[Any, ...], words: list[dict[str, Any]]) -> None:
        self.entry = (chars, key, words)


_LAST_WORDS = _LastWords()


def chars_within(chars: list[dict[str, Any]], bbox: BBox) -> list[dict[str, Any]]:
    """pdfplumber's `within_bbox(chars, bbox)` (the box's overlap with a char is the char's whole
    box) as plain comparisons, without building two boxes and their overlap for every char."""
    left, top, right, bottom = bbox
    out = []
    for c in chars:
        x0, t, x1, b = c["x0"], c["top"], c["x1"], c["bottom"]
        if x0 >= left and t >= top and x1 <= right and b <= bottom:
            w, h = x1 - x0, b - t
            if h >= 0 and w >= 0 and h + w > 0:
                out.append(c)
    return out


_ROW_START = re.compile(
    r"^(合计|总计|其中|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+[.、])"
)


def ruled_grids(page: Any) -> list[tuple[BBox, list[RawRow]]]:
    """Every ruled table on the page as rows of cell texts, merged header cells spread over their span.

    pdfplumber returns None for grid positions covered by a merged cell; we look up the covering
    cell by geometry so the normaliser can tell a horizontal span (group header) from a vertical one.
    """
    grids: list[tuple[BBox, list[RawRow]]] = []
    page = _without_white(page)
    scale = page_scale(page)
    settings = {
        **LATTICE_SETTINGS,
        **{k: v * scale for k, v in _LATTICE_TOLERANCES.items()},
        "explicit_horizontal_lines": _closing_lines(page.edges, scale),
    }
    for table in LinearTableFinder(page, settings).tables:
        table_rows = table.rows  # a property that pdfplumber recomputes on every access
        texts = table_texts(table, table_rows)
        if not texts or max(len(r) for r in texts) < 2:
            continue
        if len(texts) == 1 and not any(is_amount(t or "") for t in texts[0]):
            continue  # a lone boxed line; a lone row of amounts is the end of a table (合计)
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


def table_texts(table: Table, rows: list[Any]) -> list[list[str | None]]:
    """pdfplumber's `Table.extract()`, with the page's characters indexed by their vertical middle.

    pdfplumber tests every character of the page against every row of every table; here each row
    looks only at the characters whose middle lies between its top and bottom (the same test, so
    the same characters in the same order and the same texts).
    """
    chars = table.page.chars
    v_mids: list[float] = [(c["top"] + c["bottom"]) / 2 for c in chars]
    h_mids: list[float] = [(c["x0"] + c["x1"]) / 2 for c in chars]
    order = sorted(range(len(chars)), key=v_mids.__getitem__)
    by_v = [v_mids[i] for i in order]

    out: list[list[str | None]] = []
    for row in rows:
        x0, top, x1, bottom = row.bbox
        band = order[bisect.bisect_left(by_v, top) : bisect.bisect_left(by_v, bottom)]
        # the row's characters by horizontal middle: each cell takes its columns' slice of them
        across = sorted((i for i in band if h_mids[i] >= x0 and h_mids[i] < x1), key=h_mids.__getitem__)
        at_h = [h_mids[i] for i in across]
        texts: list[str | None] = []
        for cell in row.cells:
            if cell is None:
                texts.append(None)
                continue
            c_x0, c_top, c_x1, c_bottom = cell
            found = across[bisect.bisect_left(at_h, c_x0) : bisect.bisect_left(at_h, c_x1)]
            cell_chars = [chars[i] for i in sorted(found) if v_mids[i] >= c_top and v_mids[i] < c_bottom]
            texts.append(plumber_text.text(cell_chars) if cell_chars else "")
        out.append(texts)
    return out


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

    def get_edges(self) -> list[dict[str, Any]]:
        """pdfplumber's `get_edges` for rulings drawn on the page (the "lines" strategies, rulings of
        our own in `explicit_horizontal_lines`), the same edges; any other settings go to pdfplumber."""
        s = self.settings
        if (s.vertical_strategy, s.horizontal_strategy) != ("lines", "lines") or s.explicit_vertical_lines:
            return list(super().get_edges())
        explicit = [
            e for desc in s.explicit_horizontal_lines or [] for e in _explicit_h(desc, self.page.bbox)
        ]
        v = filter_edges(self.page.edges, "v", min_length=s.edge_min_length_prefilter)
        h = filter_edges(self.page.edges, "h", min_length=s.edge_min_length_prefilter) + explicit
        edges = merge_edges(
            v + h, s.snap_x_tolerance, s.snap_y_tolerance, s.join_x_tolerance, s.join_y_tolerance
        )
        return list(filter_edges(edges, min_length=s.edge_min_length))


def _explicit_h(desc: Any, bbox: BBox) -> list[dict[str, Any]]:
    """pdfplumber's edges for one of `explicit_horizontal_lines`: a drawn object's horizontal edges,
    or a line across the page at a position."""
    if isinstance(desc, dict):
        return [e for e in obj_to_edges(desc) if e["orientation"] == "h"]
    return [
        {
            "x0": bbox[0],
            "x1": bbox[2],
            "width": bbox[2] - bbox[0],
            "top": desc,
            "bottom": desc,
            "orientation": "h",
        }
    ]


def merge_edges(
    edges: list[dict[str, Any]], snap_x: float, snap_y: float, join_x: float, join_y: float
) -> list[dict[str, Any]]:
    """pdfplumber.table.merge_edges, the snapped edges copied at C speed (`_snapped`)."""
    if snap_x > 0 or snap_y > 0:
        edges = _snapped([e for e in edges if e["orientation"] == "v"], "x0", snap_x) + _snapped(
            [e for e in edges if e["orientation"] == "h"], "top", snap_y
        )

    def group(edge: dict[str, Any]) -> tuple[str, float]:
        return ("h", edge["top"]) if edge["orientation"] == "h" else ("v", edge["x0"])

    return [
        e
        for (kind, _), items in itertools.groupby(sorted(edges, key=group), key=group)
        for e in join_edge_group(items, kind, join_x if kind == "h" else join_y)
    ]


def _snapped(objs: list[dict[str, Any]], attr: str, tolerance: float) -> list[dict[str, Any]]:
    """pdfplumber's `snap_objects`: each cluster of positions moved to its mean. Each object is
    copied and its moved values set in place, where `move_object` rebuilds it from its items and
    the moved ones (the same keys in the same order, the same sums)."""
    get = itemgetter(attr)
    out: list[dict[str, Any]] = []
    for cluster in cluster_objects(objs, get, tolerance):
        avg = sum(map(get, cluster)) / len(cluster)
        for obj in cluster:
            value = avg - obj[attr]
            moved = dict(obj)
            if attr in ("x0", "x1"):
                moved["x0"], moved["x1"] = obj["x0"] + value, obj["x1"] + value
                out.append(moved)
                continue
            moved["top"], moved["bottom"] = obj["top"] + value, obj["bottom"] + value
            if "doctop" in obj:
                moved["doctop"] = obj["doctop"] + value
            if "y0" in obj:
                moved["y0"], moved["y1"] = obj["y0"] - value, obj["y1"] - value
            out.append(moved)
    return out


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
    # each point's vertical and horizontal edges by their boxes, as pdfplumber compares them
    v_edges = {pt: set(map(obj_to_bbox, found["v"])) for pt, found in intersections.items()}
    h_edges = {pt: set(map(obj_to_bbox, found["h"])) for pt, found in intersections.items()}

    def connects(p1: tuple[float, float], p2: tuple[float, float]) -> bool:
        if p1[0] == p2[0] and not v_edges[p1].isdisjoint(v_edges[p2]):
            return True
        return p1[1] == p2[1] and not h_edges[p1].isdisjoint(h_edges[p2])

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


def _closing_lines(edges: list[dict[str, Any]], scale: float = 1.0) -> list[dict[str, Any]]:
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
        if blocks and e["top"] <= blocks[-1][3] + scale:
            b = blocks[-1]
            b[0], b[1], b[3], b[4] = min(b[0], e["x0"]), max(b[1], e["x1"]), max(b[3], e["bottom"]), b[4] + 1
        else:
            blocks.append([e["x0"], e["x1"], e["top"], e["bottom"], 1])
    lines: list[dict[str, Any]] = []
    for x0, x1, top, bottom, count in blocks:
        if count < 2:
            continue
        for y in (top, bottom):
            near = horizontals[
                bisect.bisect_left(h_tops, y - 2 * scale) : bisect.bisect_right(h_tops, y + 2 * scale)
            ]
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


def _without_white(page: Any) -> Any:
    """`page.filter(_visible)`, its objects filtered at once: the "char" objects (pdfplumber keys
    objects by their type) are always visible, so the page's chars are kept without asking each."""
    filtered = page.filter(_visible)
    filtered._objects = {
        kind: list(objs) if kind == "char" else [o for o in objs if _visible(o)]
        for kind, objs in page.objects.items()
    }
    return filtered


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
    # just below the row's top edge: a row whose key cells span several header lines is as tall
    # as they are, and its own merged cells sit in its top strip only
    cy = min(top + 1, (top + bottom) / 2)
    for x0, y0, x1, y1 in cells:
        if x0 - 0.5 <= cx <= x1 + 0.5 and y0 - 0.5 <= cy <= y1 + 0.5:
            if y0 < top - 1:  # starts in an earlier row: a vertical span, nothing to repeat here
                return None
            for k, (kx0, _) in enumerate(col_x):
                if abs(kx0 - x0) < 1.5:
                    return k if k != j else None
    return None


Bands = list[tuple[float, float]]
Word = dict[str, Any]
Line = list[Word]

# Geometry of unruled tables, in units of the text height (about the font size), so that a
# document printed larger or smaller yields the same rows and columns.
_SAME_LINE = 0.3  # words whose centres are this close sit on one printed line
_SAME_ROW = 0.8  # two lines this close whose words do not overlap are one row on two baselines
_WRAP_GAP = 0.5  # a one-column text line this much closer to a neighbour than rows are apart wraps


def word_grid(page: Any, region: BBox, bands: Bands | None = None) -> tuple[list[RawRow], Bands]:
    """Rows and columns of an unruled (borderless or three-line) table, from where its words sit.

    Rows: words are grouped into printed lines; a line of numbers and a line of text that sit
    closer than a text height and share no column are one row printed on two baselines; a line
    holding only part of a name (wrapped text) joins the row it is closest to. Columns: amounts are
    grouped by their right edges (they are right-aligned), key texts by where they lie; a header
    word stands over its column, and a group header over the columns of the words under it.
    A continuation page passes the bands of the page where the table started, so its rows land in
    the same columns even when some columns are empty there.
    """
    words = words_within(page, region, keep_blank_chars=False, x_tolerance=1.5, y_tolerance=2)
    if not words:
        return [], []
    height = statistics.median(w["bottom"] - w["top"] for w in words) or 1.0
    lines = _rows_on_baselines(_lines(words, height), height)
    first_data = next((i for i, ln in enumerate(lines) if any(looks_like_money(w["text"]) for w in ln)), None)
    if first_data is None:
        return [], []
    gaps = [_top(b) - _bottom(a) for a, b in zip(lines[first_data:], lines[first_data + 1 :], strict=False)]
    row_gap = _row_gap(gaps, height)
    while first_data > 0 and _top(lines[first_data]) - _bottom(lines[first_data - 1]) < _wrap_limit(
        row_gap, height
    ):
        first_data -= 1  # the first line of a name wrapped around the first row's figures
    body = lines[first_data:]
    bands = bands or _header_bands(
        lines[:first_data], _bands([w for ln in body if _kinds(ln)[0] for w in ln], height), height
    )
    rows: list[RawRow] = [
        _row(page, ln, cells) for ln, cells in _header_rows(lines[:first_data], bands, height)
    ]
    for group in _body_rows(body, bands, height):
        cells = [""] * len(bands)
        for w in sorted((w for ln in group for w in ln), key=lambda w: (w["top"], w["x0"])):
            cells[_band_of(bands, w)] += w["text"]
        rows.append(_row(page, [w for ln in group for w in ln], cells))
    return rows, bands


def _lines(words: list[Word], height: float) -> list[Line]:
    """Words grouped by the vertical centre of their printed line."""
    lines: list[Line] = []
    centres: list[float] = []  # of the last line's words, whose mean (`_mid`) the next word is held to
    for w in sorted(words, key=lambda w: ((w["top"] + w["bottom"]) / 2, w["x0"])):
        if (
            lines
            and abs(math.fsum(centres) / len(centres) - (w["top"] + w["bottom"]) / 2) <= _SAME_LINE * height
        ):
            lines[-1].append(w)
            centres.append(_centre(w))
        else:
            lines.append([w])
            centres = [_centre(w)]
    return [sorted(ln, key=lambda w: w["x0"]) for ln in lines]


def _overlap_x(a: Line, b: Line) -> bool:
    return any(u["x0"] < v["x1"] and v["x0"] < u["x1"] for u in a for v in b)


def _rows_on_baselines(lines: list[Line], height: float) -> list[Line]:
    """Join a line of digits and a line of CJK text of the same row printed on different baselines.

    They are closer than a text height and no word of one stands over a word of the other; a
    wrapped name's second line does stand under its first, so it is never joined this way.
    """
    out: list[Line] = []
    for ln in lines:
        prev = out[-1] if out else None
        mid = _mid(ln)
        if (
            prev is not None
            and min(abs(_centre(w) - mid) for w in prev) < _SAME_ROW * height
            and not _overlap_x(prev, ln)
            and _kinds(prev) != _kinds(ln)
        ):
            out[-1] = sorted(prev + ln, key=lambda w: w["x0"])
        else:
            out.append(ln)
    return out


def _kinds(line: Line) -> tuple[bool, bool]:
    """Whether the line holds numbers, and whether it holds text."""
    return any(is_amount(w["text"]) for w in line), any(not is_amount(w["text"]) for w in line)


def _centre(w: Word) -> float:
    return (float(w["top"]) + float(w["bottom"])) / 2


def _mid(line: Line) -> float:
    """The mean of the words' vertical centres, summed exactly (`statistics.fmean`, without the
    cost of its generality: this is asked for every word of a table)."""
    return math.fsum([_centre(w) for w in line]) / len(line)


def _top(line: Line) -> float:
    return min(float(w["top"]) for w in line)


def _bottom(line: Line) -> float:
    return max(float(w["bottom"]) for w in line)


def _is_anchor(line: Line, bands: Bands) -> bool:
    """A line that is surely a table row of its own, not the wrapped part of a name: it prints an
    amount or a code, or it fills more than one column."""
    if any(is_amount(w["text"]) for w in line) or line[0]["text"].isdigit():
        return True
    return len({_band_of(bands, w) for w in line}) > 1


def _body_rows(body: list[Line], bands: Bands, height: float) -> list[list[Line]]:
    """Group the body's lines into rows: every anchor line starts a row; a text line confined to
    one column joins the neighbouring line it is much closer to than rows are to each other."""
    gaps = [_top(b) - _bottom(a) for a, b in itertools.pairwise(body)]
    row_gap = _row_gap(gaps, height)
    owner: list[int] = list(range(len(body)))  # the line whose row each line joins
    anchors = [_is_anchor(ln, bands) for ln in body]
    for i, ln in enumerate(body):
        if anchors[i]:
            continue
        up = _top(ln) - _bottom(body[i - 1]) if i > 0 else float("inf")
        down = _top(body[i + 1]) - _bottom(ln) if i + 1 < len(body) else float("inf")
        limit = _wrap_limit(row_gap, height)
        if _ROW_START.match(ln[0]["text"]):
            up = float("inf")  # numbering starts a name: its line may only be the first of a wrap
        if min(up, down) < limit or not any(anchors):
            owner[i] = i - 1 if up <= down else i + 1
    resolved = []
    for i in range(len(body)):
        j, seen = i, set()
        while owner[j] != j and j not in seen:
            seen.add(j)
            j = owner[j]
        resolved.append(j)
    groups: dict[int, list[Line]] = {}
    for i, j in enumerate(resolved):
        groups.setdefault(j, []).append(body[i])
    return [groups[j] for j in sorted(groups)]


def _row_gap(gaps: list[float], height: float) -> float:
    """The usual space between rows: the upper quartile of the gaps between lines, since in a table
    where most names wrap most gaps are the tight ones inside a cell."""
    if not gaps:
        return height
    ordered = sorted(gaps)
    return ordered[(3 * len(ordered)) // 4]


def _wrap_limit(row_gap: float, height: float) -> float:
    """Lines closer than this belong to one cell (a wrapped name), not to two rows."""
    return max(_WRAP_GAP * row_gap, 0.15 * height)


def _bands(words: list[Word], height: float) -> Bands:
    """Column x-ranges of the body. Amounts are grouped by their right edges first: right-aligned
    columns stay apart even where a long number nearly touches the next column. Then any ranges
    that overlap (codes and names of varying length, centred numbers) are one column."""
    numbers = sorted((w for w in words if is_amount(w["text"])), key=lambda w: w["x1"])
    ranges: list[list[float]] = []
    for w in numbers:
        if ranges and w["x1"] - ranges[-1][2] <= 0.5 * height:
            r = ranges[-1]
            r[0], r[1], r[2] = min(r[0], w["x0"]), max(r[1], w["x1"]), w["x1"]
        else:
            ranges.append([w["x0"], w["x1"], w["x1"]])
    spans = [(r[0], r[1]) for r in ranges] + [(w["x0"], w["x1"]) for w in words if not is_amount(w["text"])]
    out: list[list[float]] = []
    for a, b in sorted(spans):
        if out and a < out[-1][1] - 0.05 * height:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def _header_bands(lines: list[Line], bands: Bands, height: float) -> Bands:
    """Columns that print no figure on this page, placed by their header: a header word over no
    body column makes one. Lowest lines first, so a group caption over such columns adds none."""
    out = list(bands)
    for ln in reversed([_phrases(ln, height) for ln in lines if not _is_caption(ln)]):
        for w in ln:
            if not _is_numbering(w["text"]) and not any(a < w["x1"] and w["x0"] < b for a, b in out):
                out.append((w["x0"], w["x1"]))
    return sorted(out)


def _header_rows(lines: list[Line], bands: Bands, height: float) -> list[tuple[Line, list[str]]]:
    """Header lines as rows of cells. A header word stands over the column it overlaps most; a
    group header covers the columns of the words printed under it (see `_children`), so each
    column knows its full header path. Lines above the header (单位：元, 部门：…) are left out.
    Lines are read bottom-up so that a group's extent includes its sub-groups' columns."""
    lines = [_phrases(ln, height) for ln in lines]
    while lines and _is_caption(lines[0]):
        lines = lines[1:]
    spans: list[list[tuple[int, int]]] = [[] for _ in lines]  # per line, per word: first, last band
    for i in range(len(lines) - 1, -1, -1):
        ln = lines[i]
        for k, w in enumerate(ln):
            own = _band_of(bands, w)
            first, last = own, own
            # children lie nearer to this caption than to its neighbours on the line, or (a short
            # caption over a wide span) anywhere between them if that run is clearly better centred
            near = (
                (ln[k - 1]["x1"] + w["x0"]) / 2 if k else float("-inf"),
                (w["x1"] + ln[k + 1]["x0"]) / 2 if k + 1 < len(ln) else float("inf"),
            )
            far = (
                ln[k - 1]["x1"] if k else float("-inf"),
                ln[k + 1]["x0"] if k + 1 < len(ln) else float("inf"),
            )
            group = _group_under(w, lines[i + 1 :], spans[i + 1 :], near, bands, height)
            wide = _group_under(w, lines[i + 1 :], spans[i + 1 :], far, bands, height)
            if wide is not None and (group is None or wide[1] < group[1] - 0.5 * height):
                group = wide
            if group:
                first, last = min(first, group[0][0]), max(last, group[0][1])
            spans[i].append((first, last))
    out: list[tuple[Line, list[str]]] = []
    for ln, line_spans in zip(lines, spans, strict=True):
        cells = [""] * len(bands)
        for w, (first, last) in zip(ln, line_spans, strict=True):
            for b in range(first, last + 1):
                cells[b] = cells[b] + w["text"] if cells[b] != w["text"] else cells[b]
        out.append((ln, cells))
    return out


def _group_under(
    w: Word,
    lower: list[Line],
    lower_spans: list[list[tuple[int, int]]],
    limits: tuple[float, float],
    bands: Bands,
    height: float,
) -> Group | None:
    """The bands a caption groups: those of a centred run of the captions below it (`_children`).

    The nearest word below in each place counts: a sub-caption printed a little higher or lower
    than its neighbours is still one of this caption's children."""
    left, right = limits
    candidates: list[tuple[Word, tuple[int, int]]] = []
    for line, line_spans in zip(lower, lower_spans, strict=True):
        for v, span in zip(line, line_spans, strict=True):
            inside = left <= _cx(v) <= right and not _is_numbering(v["text"])
            if inside and not any(u["x0"] < v["x1"] and v["x0"] < u["x1"] for u, _ in candidates):
                candidates.append((v, span))
    candidates.sort(key=lambda c: c[0]["x0"])
    extents = [_extent(v, span, bands) for v, span in candidates]
    if not any(x0 < w["x1"] and w["x0"] < x1 for x0, x1 in extents):
        return None
    run = _children(w, extents, height)
    if run is None:
        return None
    (i, j), off = run
    return (candidates[i][1][0], candidates[j][1][1]), off


def _extent(w: Word, span: tuple[int, int], bands: Bands) -> tuple[float, float]:
    """Where a header word's columns lie: the word and the body bands it covers, together."""
    return min(w["x0"], bands[span[0]][0]), max(w["x1"], bands[span[1]][1])


_CAPTION = re.compile(r"^(单位|金额单位|部门|编制单位|单位名称|预算单位)[:：]")


def _is_caption(line: Line) -> bool:
    text = "".join(w["text"] for w in line)
    return bool(unit_from_text(text) or _CAPTION.match(text))


def _is_numbering(text: str) -> bool:
    return text.isdigit() or text == "栏次"


def _cx(w: Word) -> float:
    return (float(w["x0"]) + float(w["x1"])) / 2


def _phrases(line: Line, height: float) -> Line:
    """Words of a header line closer than a space joined: "2024 年预算数" is one caption."""
    out: Line = []
    for w in line:
        if out and w["x0"] - out[-1]["x1"] < 0.4 * height:
            prev = out[-1]
            out[-1] = {
                **prev,
                "text": prev["text"] + w["text"],
                "x1": w["x1"],
                "bottom": max(prev["bottom"], w["bottom"]),
            }
        else:
            out.append(dict(w))
    return out


Group = tuple[tuple[int, int], float]  # (first band, last band), how far off-centre


def _better(a: Group | None, b: Group | None, height: float) -> Group | None:
    """The better centred of two groups; one about as well centred but wider covers the whole group."""
    if a is None or b is None:
        return a or b
    if abs(a[1] - b[1]) <= 0.5 * height:
        return a if a[0][1] - a[0][0] >= b[0][1] - b[0][0] else b
    return a if a[1] < b[1] else b


def _children(
    w: Word, extents: list[tuple[float, float]], height: float
) -> tuple[tuple[int, int], float] | None:
    """The run of a lower line's columns a group header stands over, and how far off-centre: the
    best centred run of two or more that includes a column under it (a group caption is centred
    over its columns)."""
    under = [k for k, (x0, x1) in enumerate(extents) if x0 < w["x1"] and w["x0"] < x1]
    best: Group | None = None
    for i in range(0, under[0] + 1):
        for j in range(max(under[-1], i + 1), len(extents)):
            x0, x1 = extents[i][0], extents[j][1]
            off = abs((x0 + x1) / 2 - _cx(w))
            if off <= 0.05 * (x1 - x0) + 0.5 * height:
                best = _better(best, ((i, j), off), height)
    return best


def _band_of(bands: Bands, w: Word) -> int:
    """The band a word belongs to: the one it overlaps most, else the nearest."""
    best, best_overlap = -1, 0.0
    x0, x1 = w["x0"], w["x1"]
    for k, (a, b) in enumerate(bands):
        overlap = (x1 if x1 < b else b) - (x0 if x0 > a else a)  # min(b, x1) - max(a, x0), asked often
        if overlap > best_overlap:
            best, best_overlap = k, overlap
    if best >= 0:
        return best
    cx = (w["x0"] + w["x1"]) / 2
    return min(range(len(bands)), key=lambda k: min(abs(bands[k][0] - cx), abs(bands[k][1] - cx)))


def _row(page: Any, words: list[Word], cells: list[str]) -> RawRow:
    bbox = (
        min(w["x0"] for w in words),
        min(w["top"] for w in words),
        max(w["x1"] for w in words),
        max(w["bottom"] for w in words),
    )
    return RawRow(tuple(cells), page=page.page_number, bbox=bbox)
