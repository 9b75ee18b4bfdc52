"""Put the values of a text-export row back in their columns when the export dropped empty cells.

PDF text exports print only the non-empty cells of a row (DOMAIN §6.5): "2010302 一般行政管理事务
1205.00 1205.00" under 总计 | 基本支出 | 项目支出 does not say whether 1205.00 is 基本 or 项目. The
values keep their left-to-right order, so each row has a few possible placements. They are narrowed
by what must hold in a budget table, strongest first:

1. the table's column identities (总计 = 基本支出 + 项目支出, catalog `identities`);
2. the economic class rule (301/303 fill 人员经费, 302/310 公用经费; catalog `class_columns`);
3. the hierarchy: a parent row (20103, or 合计) is the sum of its child rows in every column, and
   a column the parent leaves empty is empty in all its children.

A cell that still has more than one possible value is not guessed: it becomes AMBIGUOUS, no fact
is made of it, and the table gets an `ambiguous_alignment` warning.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from pipelines.catalog import TableSpec, normalise_text
from pipelines.vocab.codes import is_code, parent_of
from pipelines.vocab.grid import Column, Layout
from pipelines.vocab.numbers import UNIT_FACTORS, parse_amount

AMBIGUOUS = "\u2047"  # ⁇ in a cell: its value cannot be placed from what the source printed
_MAX_COMBINATIONS = 20000
_TOTALS = {"合计", "总计"}
_JUNK = re.compile(r"^[.,，。]+$")


@dataclass
class _Cells:
    """The value cells of one panel of one row and the placements still possible for its tokens."""

    row: int
    code: str | None
    label: str
    columns: tuple[Column, ...]
    tokens: list[str]
    amounts: list[Decimal]
    candidates: list[tuple[int, ...]]  # for each placement, the column position of every token

    def vector(self, candidate: tuple[int, ...]) -> dict[str, Decimal]:
        out = {c.measure or "": Decimal(0) for c in self.columns}
        for pos, amount in zip(candidate, self.amounts, strict=True):
            out[self.columns[pos].measure or ""] = amount
        return out


def align_rows(
    spec: TableSpec,
    layout: Layout,
    rows: list[list[str]],
    unit: str,
    empty_sources: frozenset[str] = frozenset(),
) -> list[str]:
    """Move left-packed values to their columns in place; return the warnings.

    `empty_sources` are the income sources (gpb, gf_income …) the document's summary tables
    print as empty: no row has an amount in a column of that name.
    """
    tol = Decimal("0.005") * UNIT_FACTORS[unit]
    cells: list[_Cells] = []
    for r, row in enumerate(rows):
        for panel in layout.panels:
            entry = _entry(r, row, panel.key_columns, panel.value_columns, unit)
            if entry is not None:
                cells.append(entry)
    for entry in cells:
        _keep(entry, [c for c in entry.candidates if not _fills(entry, c, empty_sources)])
        _keep(entry, [c for c in entry.candidates if _identities_hold(spec, entry, c, tol)])
        _keep(entry, [c for c in entry.candidates if _class_fits(spec, entry, c)])
    _hierarchy(cells, tol)
    warnings: list[str] = []
    for entry in cells:
        ambiguous = _place(entry, rows[entry.row], spec.identities)
        if ambiguous:
            warnings.append(
                f"{spec.code} row {entry.row + 1} ({entry.code or entry.label}): ambiguous_alignment of "
                f"{len(entry.tokens)} values over {len(entry.columns)} columns; "
                f"not placed: {', '.join(ambiguous)}"
            )
    return warnings


def _entry(r: int, row: list[str], keys: list[Column], values: list[Column], unit: str) -> _Cells | None:
    tokens = [row[c.index] for c in values if row[c.index].strip()]
    if not tokens:
        return None
    amounts: list[Decimal] = []
    for token in tokens:
        parsed = parse_amount(token, unit)
        if parsed is None or parsed.amount is None:
            return None  # not a row of amounts: leave it as printed
        amounts.append(parsed.amount)
    words = [normalise_text(row[c.index]) for c in keys]
    code = next((w for w in words if is_code(w)), None)
    label = "".join(w for w in words if w and not w.isdigit())
    if len(tokens) > len(values):
        return None
    candidates = list(itertools.combinations(range(len(values)), len(tokens)))
    return _Cells(r, code, label, tuple(values), tokens, amounts, candidates)


def _keep(entry: _Cells, kept: list[tuple[int, ...]]) -> bool:
    """Narrow the placements, unless nothing would be left (the printed figures disagree)."""
    if kept and len(kept) < len(entry.candidates):
        entry.candidates = kept
        return True
    return False


def _fills(entry: _Cells, candidate: tuple[int, ...], measures: frozenset[str] | set[str]) -> bool:
    """Does the placement put a non-zero amount in one of these columns?"""
    return any(
        entry.columns[pos].measure in measures and amount != 0
        for pos, amount in zip(candidate, entry.amounts, strict=True)
    )


def _identities_hold(spec: TableSpec, entry: _Cells, candidate: tuple[int, ...], tol: Decimal) -> bool:
    v = entry.vector(candidate)
    for total, parts in spec.identities:
        present = [p for p in parts if p in v]
        if total not in v or not present:
            continue
        if abs(v[total] - sum((v[p] for p in present), Decimal(0))) > tol * (len(present) + 1):
            return False
    return True


def _class_fits(spec: TableSpec, entry: _Cells, candidate: tuple[int, ...]) -> bool:
    """An economic class row fills its class's component column only (R09b)."""
    if not entry.code or not spec.class_columns:
        return True
    own = spec.class_columns.get(entry.code[:3])
    if own is None:
        return True
    others = {m for _, parts in spec.identities if own in parts for m in parts} - {own}
    return not any(entry.columns[pos].measure in others for pos in candidate)


def _families(cells: list[_Cells]) -> list[tuple[_Cells, list[_Cells]]]:
    """(parent, children) by code: 20103 over 2010301…; 合计 over the 类 rows (or over every row
    of a table without codes, such as the project list)."""
    families: list[tuple[_Cells, list[_Cells]]] = []
    for parent in cells:
        if parent.code:
            children = [c for c in cells if c.code and parent_of(c.code) == parent.code]
        elif parent.label in _TOTALS:
            children = [c for c in cells if c.code and len(c.code) == 3 and c.columns == parent.columns]
            if not children:  # a flat list (项目支出明细表): 合计 is the sum of every row
                children = [c for c in cells if c is not parent and c.columns == parent.columns]
        else:
            continue
        if children:
            families.append((parent, children))
    return families


def _hierarchy(cells: list[_Cells], tol: Decimal) -> None:
    families = _families(cells)
    changed = True
    while changed:
        changed = False
        for parent, children in families:
            changed |= _zero_columns(parent, children)
            changed |= _sums(parent, children, tol)


def _zero_columns(parent: _Cells, children: list[_Cells]) -> bool:
    """A column the parent prints empty (or zero) is empty in every child."""
    if len(parent.candidates) != 1:
        return False
    v = parent.vector(parent.candidates[0])
    zero = {m for m, amount in v.items() if amount == 0}
    changed = False
    for child in children:
        changed |= _keep(child, [c for c in child.candidates if not _fills(child, c, zero)])
    return changed


def _sums(parent: _Cells, children: list[_Cells], tol: Decimal) -> bool:
    """Keep the placements that take part in some combination where the children add up."""
    members = [parent, *children]
    size = math.prod(len(m.candidates) for m in members)
    if size == 1 or size > _MAX_COMBINATIONS:
        return False
    measures = [c.measure or "" for c in parent.columns]
    limit = tol * (len(children) + 1)
    scaled = _scaled(members, measures, limit)
    seen = _seen_scaled(members, *scaled) if scaled else _seen_decimal(members, measures, limit)
    if not seen[0]:
        return False  # the printed rows do not add up: the hierarchy cannot decide
    changed = False
    for m, keep in zip(members, seen, strict=True):
        changed |= _keep(m, [c for c in m.candidates if c in keep])
    return changed


def _seen_decimal(members: list[_Cells], measures: list[str], limit: Decimal) -> list[set[tuple[int, ...]]]:
    """Each member's placements found in a combination that adds up, trying every combination."""
    vectors = [{c: m.vector(c) for c in m.candidates} for m in members]
    seen: list[set[tuple[int, ...]]] = [set() for _ in members]
    for combo in itertools.product(*(m.candidates for m in members)):
        vs = [vectors[i][c] for i, c in enumerate(combo)]
        if all(abs(vs[0][k] - sum((v[k] for v in vs[1:]), Decimal(0))) <= limit for k in measures):
            for i, c in enumerate(combo):
                seen[i].add(c)
    return seen


_Ints = np.ndarray[Any, np.dtype[np.int64]]
_Flags = np.ndarray[Any, np.dtype[np.bool_]]
_INT64_SAFE = 1 << 62


def _scaled(members: list[_Cells], measures: list[str], limit: Decimal) -> tuple[list[_Ints], int] | None:
    """The members' vectors as exact integers (one array of placements × measures each) and the
    limit on the same scale; None when that is not exact in int64, or when a child lacks one of
    the parent's measures (then `_seen_decimal` behaves as it always did)."""
    vectors = [[m.vector(c) for c in m.candidates] for m in members]
    if any(k not in v for vs in vectors[1:] for v in vs[:1] for k in measures):
        return None
    values = [v[k] for vs in vectors for v in vs for k in measures]
    if not all(d.is_finite() for d in [*values, limit]):
        return None
    scale = max(0, *(-int(d.as_tuple().exponent) for d in [*values, limit]))
    ints = [_exact_int(d, scale) for d in values]
    bound = _exact_int(limit, scale) + len(members) * max((abs(i) for i in ints), default=0)
    if bound >= _INT64_SAFE:
        return None
    arrays: list[_Ints] = []
    start = 0
    for vs in vectors:
        n = len(vs) * len(measures)
        arrays.append(np.array(ints[start : start + n], dtype=np.int64).reshape(len(vs), len(measures)))
        start += n
    return arrays, _exact_int(limit, scale)


def _exact_int(d: Decimal, scale: int) -> int:
    """d × 10**scale without rounding (the scale covers every digit after the point)."""
    sign, digits, exponent = d.as_tuple()
    value = int("".join(map(str, digits)) + "0" * (int(exponent) + scale))
    return -value if sign else value


def _seen_scaled(members: list[_Cells], arrays: list[_Ints], limit: int) -> list[set[tuple[int, ...]]]:
    """`_seen_decimal` on integers, every combination at once: the parent's vector minus the
    children's, broadcast over one axis per member with more than one placement."""
    varying = [i for i, a in enumerate(arrays) if len(a) != 1]
    dims, width, parent = len(varying), arrays[0].shape[1], arrays[0]
    if 0 in varying:
        rest = parent.reshape((len(parent),) + (1,) * (dims - 1) + (width,))
    else:
        rest = parent[0].reshape((1,) * dims + (width,))
    for i, a in enumerate(arrays[1:], start=1):
        if i in varying:
            shape = [1] * len(varying) + [width]
            shape[varying.index(i)] = len(a)
            rest = rest - a.reshape(shape)
        else:
            rest = rest - a[0]
    fits: _Flags = np.all(np.abs(rest) <= limit, axis=-1)
    seen: list[set[tuple[int, ...]]] = [set() for _ in members]
    if not fits.any():
        return seen
    for i, m in enumerate(members):
        if i in varying:
            axis = varying.index(i)
            others = tuple(a for a in range(len(varying)) if a != axis)
            kept: _Flags = np.any(fits, axis=others) if others else fits
            seen[i] = {c for c, ok in zip(m.candidates, kept.tolist(), strict=True) if ok}
        else:
            seen[i] = set(m.candidates)
    return seen


def _place(entry: _Cells, row: list[str], identities: tuple[tuple[str, tuple[str, ...]], ...]) -> list[str]:
    """Write the tokens where every remaining placement agrees; mark the rest AMBIGUOUS.

    When the split of a total over its parts is unknown, the parts known to be empty are not
    stated either: a blank 人员性项目 beside an unplaced 一般性/民生配套 says nothing of the split.
    """
    options: list[set[str]] = [set() for _ in entry.columns]
    for candidate in entry.candidates:
        placed = dict(zip(candidate, entry.tokens, strict=True))
        for pos in range(len(entry.columns)):
            options[pos].add(placed.get(pos, ""))
    ambiguous: list[str] = []
    for pos, col in enumerate(entry.columns):
        values = options[pos]
        if len(values) == 1:
            row[col.index] = next(iter(values))
        elif all(not v.strip() or _JUNK.match(v) for v in values):
            row[col.index] = ""  # empty whichever way: an unreadable mark or nothing
        else:
            row[col.index] = AMBIGUOUS
            ambiguous.append(col.measure or str(col.index))
    for _, parts in identities:
        if not any(m in ambiguous for m in parts):
            continue
        for col in entry.columns:
            if col.measure in parts and col.measure not in ambiguous and not row[col.index].strip():
                row[col.index] = AMBIGUOUS
                ambiguous.append(col.measure)
    return ambiguous
