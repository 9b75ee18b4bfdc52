"""Score the extractor against the cells people typed from real budget PDFs (tests/fixtures/expected/real).

The typed files are catalog-independent on purpose: printed page, table number and title, row code or
label, column header path and value. A typed cell is *right* when one fact of the same page carries the
same amount (in 元), the same row (its classification code, else its label) and the same column (the
header's last level, allowing the extractor to join header levels differently but not to name another
column). Each fact answers one cell at most, so a figure read twice counts once, and a printed fact
that answers no cell on a typed page is *unexpected*.

    python -m tests.scorecard [--details STEM]
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from pipelines.catalog import CATALOG, normalise_text, strip_numbering
from pipelines.vocab.codes import is_code
from pipelines.vocab.numbers import parse_amount

PROJECT = Path(__file__).resolve().parent.parent
REAL = PROJECT / "tests" / "fixtures" / "real"
TYPED = PROJECT / "tests" / "fixtures" / "expected" / "real"

CELL_FIELDS = (
    "page",
    "table_no",
    "table_title",
    "unit",
    "side",
    "spending_unit",
    "row_code",
    "row_label",
    "column",
    "value",
)
TOC_FIELDS = ("table_no", "table_title", "pages", "empty")
_SIDE_PANEL = {"收入": "income", "支出": "expenditure"}

# ---------------------------------------------------------------------------------------------
# What the score says
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Miss:
    """A typed cell no fact answers."""

    page: int
    table_no: str
    key: str  # row code and/or label, with the spending unit when the table names one
    column: str
    value: str


@dataclass(frozen=True)
class Leftover:
    """A printed fact on a typed page that answers no typed cell."""

    page: int
    table_code: str | None
    key: str
    column: str
    value: str


@dataclass
class TableScore:
    """One listed table: was it found, and how many of its typed cells came back."""

    table_no: str
    title: str
    pages: str
    first_page: int | None
    listed_empty: bool
    typed: int = 0
    right: int = 0
    unexpected: int = 0
    found: str = "missing"  # catalogued | generic | missing
    table_codes: tuple[str, ...] = ()
    coverage: float | None = None  # doc_table.coverage of the table found, when the frame has it

    @property
    def scored(self) -> bool:
        """A table the document prints numbers in (typed cells, not listed as empty)."""
        return not self.listed_empty and self.typed > 0


@dataclass
class Score:
    typed: int = 0
    right: int = 0
    tables: list[TableScore] = field(default_factory=list)
    missing: list[Miss] = field(default_factory=list)
    unexpected: list[Leftover] = field(default_factory=list)

    @property
    def percent(self) -> float:
        return 100.0 * self.right / self.typed if self.typed else 100.0

    @property
    def listed(self) -> list[TableScore]:
        return [t for t in self.tables if t.scored]

    @property
    def catalogued(self) -> int:
        return sum(t.found == "catalogued" for t in self.listed)

    @property
    def generic(self) -> int:
        return sum(t.found == "generic" for t in self.listed)

    @property
    def untyped(self) -> list[TableScore]:
        """Listed with numbers but nothing typed (绩效目标表, which the typing rules skip): not scored."""
        return [t for t in self.tables if not t.listed_empty and t.typed == 0]

    def summary(self) -> str:
        return (
            f"tables {self.catalogued + self.generic}/{len(self.listed)} "
            f"({self.catalogued} catalogued + {self.generic} generic)  "
            f"cells {self.right}/{self.typed} ({self.percent:.1f}%)  unexpected {len(self.unexpected)}"
        )


# ---------------------------------------------------------------------------------------------
# Reading the typed files
# ---------------------------------------------------------------------------------------------


def typed_stems() -> list[str]:
    """Every document with both typed files."""
    return sorted(
        p.stem
        for p in TYPED.glob("*.csv")
        if not p.stem.endswith("_toc") and (TYPED / f"{p.stem}_toc.csv").exists()
    )


def read_typed(stem: str, folder: Path = TYPED) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(cells, toc) of one typed document, as printed strings."""
    return _read_csv(folder / f"{stem}.csv", CELL_FIELDS), _read_csv(folder / f"{stem}_toc.csv", TOC_FIELDS)


def _read_csv(path: Path, fields: Sequence[str]) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [{k: (r.get(k) or "").strip() for k in fields} for r in rows]


def _records(rows: pl.DataFrame | Iterable[Mapping[str, Any]], fields: Sequence[str]) -> list[dict[str, str]]:
    data = rows.to_dicts() if isinstance(rows, pl.DataFrame) else [dict(r) for r in rows]
    return [{k: "" if r.get(k) is None else str(r[k]).strip() for k in fields} for r in data]


def page_range(pages: str) -> list[int]:
    """'16-18' → [16, 17, 18]; '10' → [10]; '10,12' → [10, 12]."""
    out: list[int] = []
    for part in re.split(r"[,，、\s]+", pages.strip()):
        m = re.fullmatch(r"(\d+)(?:[-–~至](\d+))?", part)
        if m:
            out.extend(range(int(m.group(1)), int(m.group(2) or m.group(1)) + 1))
    return out


# ---------------------------------------------------------------------------------------------
# Matching
# ---------------------------------------------------------------------------------------------


def label_key(text: str | None) -> str:
    """A row label as matched: normalised, list numbering (一、 （一） 1. （1）) removed."""
    t = normalise_text(text or "")
    for _ in range(2):
        stripped = strip_numbering(t)
        if stripped == t:
            break
        t = stripped
    return t


def header_path(text: str | None) -> list[str]:
    return [p for p in (normalise_text(x) for x in (text or "").split("/")) if p]


def _related(a: str, b: str) -> bool:
    return a == b or a.endswith(b) or b.endswith(a)


def column_specificity(expected: str, header: str | None) -> int | None:
    """How well a fact's column header names the typed column; None when it is another column.

    The last levels must be equal or one a suffix of the other (the extractor may join levels
    differently: "本年收入一般公共预算", "收入/预算数"). When both name an upper level, they must share
    one, so "上年结转结余/小计" never answers "当年预算/小计", nor "2025年预算数/合计" "2026年预算数/合计".
    """
    e, f = header_path(expected), header_path(header)
    if not e or not f or not _related(e[-1], f[-1]):
        return None
    if "".join(e) == "".join(f):
        return 100
    e_up = e[:-1]
    f_up = f[:-1]
    if len(f[-1]) > len(e[-1]) and f[-1].endswith(e[-1]):
        f_up = [*f_up, f[-1][: -len(e[-1])]]  # upper levels glued onto the last one
    joined_e, joined_f = "".join(e), "".join(f)
    shared = any(_related(a, b) for a in e_up for b in f_up)
    if e_up and f_up and not shared and not _related(joined_e, joined_f):
        return None
    trailing = 0
    for a, b in zip(reversed(e), reversed(f), strict=False):
        if a != b:
            break
        trailing += 1
    return 10 * trailing + (5 if _related(joined_e, joined_f) else 0) + (1 if shared else 0)


def row_specificity(cell: Mapping[str, str], fact: Mapping[str, Any]) -> int | None:
    """Row key: a printed classification code equals the fact's code; else the labels are equal."""
    code = normalise_text(cell["row_code"])
    fact_label = label_key(fact.get("line_label"))
    label = label_key(cell["row_label"])
    same_label = bool(label) and fact_label == label
    if code and is_code(code):
        if code in (fact.get("func_code"), fact.get("econ_code")):
            return 20 + (1 if same_label else 0)
        return None
    if same_label:
        return 10
    if not code and not label and not fact_label and not (fact.get("func_code") or fact.get("econ_code")):
        return 3  # a table of one unlabelled row (三公 tables, 收入总表 of a single unit)
    unit = label_key(cell["spending_unit"])
    glued = {c + label for c in (code, unit) if c}  # 单位编码 or unit name printed in the key cells
    if fact_label and fact_label in glued:
        return 5
    return None


def _spending_unit_specificity(cell: Mapping[str, str], fact: Mapping[str, Any]) -> int | None:
    mine, theirs = normalise_text(cell["spending_unit"]), normalise_text(fact.get("spending_unit") or "")
    if mine and theirs:
        return 1 if mine == theirs else None
    return 0


def _side_specificity(cell: Mapping[str, str], fact: Mapping[str, Any]) -> int:
    panel = _SIDE_PANEL.get(cell["side"])
    return 1 if panel and fact.get("panel") == panel else 0


def cell_amount(cell: Mapping[str, str]) -> Decimal | None:
    """The typed value in 元 (万元 × 10000), exactly; None when it does not read as an amount."""
    parsed = parse_amount(cell["value"], cell["unit"] or "元")
    if parsed is None or parsed.amount is None or parsed.is_blank:
        return None
    return parsed.amount


def match(
    facts: pl.DataFrame, cells: Sequence[Mapping[str, str]]
) -> tuple[dict[int, int], list[dict[str, Any]]]:
    """Greedy one-to-one matching, most specific pairs first: {cell index: fact index}, printed facts."""
    printed = facts.filter(~pl.col("is_blank").fill_null(False)) if "is_blank" in facts.columns else facts
    rows = printed.to_dicts()
    by_page_amount: dict[tuple[int, Decimal], list[int]] = defaultdict(list)
    for i, f in enumerate(rows):
        if f.get("page") is not None and f.get("amount") is not None:
            by_page_amount[(int(f["page"]), Decimal(f["amount"]))].append(i)
    pairs: list[tuple[tuple[int, int, int, int], int, int]] = []
    for ci, cell in enumerate(cells):
        amount = cell_amount(cell)
        if amount is None or not cell["page"].isdigit():
            continue
        for fi in by_page_amount.get((int(cell["page"]), amount), []):
            fact = rows[fi]
            col = column_specificity(cell["column"], fact.get("column_header"))
            row = row_specificity(cell, fact) if col is not None else None
            unit = _spending_unit_specificity(cell, fact) if row is not None else None
            if col is None or row is None or unit is None:
                continue
            pairs.append(((col, row, unit, _side_specificity(cell, fact)), ci, fi))
    pairs.sort(key=lambda p: (tuple(-s for s in p[0]), p[1], p[2]))
    matched: dict[int, int] = {}
    taken: set[int] = set()
    for _, ci, fi in pairs:
        if ci not in matched and fi not in taken:
            matched[ci] = fi
            taken.add(fi)
    return matched, rows


# ---------------------------------------------------------------------------------------------
# The score
# ---------------------------------------------------------------------------------------------


def _cell_key(cell: Mapping[str, str]) -> str:
    key = " ".join(x for x in (cell["row_code"], cell["row_label"]) if x)
    return f"{cell['spending_unit']} | {key}" if cell["spending_unit"] else key


def _fact_key(fact: Mapping[str, Any]) -> str:
    code = fact.get("func_code") or fact.get("econ_code") or ""
    key = " ".join(x for x in (code, fact.get("line_label") or "") if x)
    unit = fact.get("spending_unit")
    return f"{unit} | {key}" if unit else key


def _found(tables: pl.DataFrame, page: int | None) -> tuple[str, tuple[str, ...], float | None]:
    """How the doc_table rows covering a page know it: catalogued code, generic, or not at all."""
    if page is None or tables.is_empty():
        return "missing", (), None
    covering = tables.filter(
        (pl.col("page_start") <= page) & (pl.col("page_end").fill_null(pl.col("page_start")) >= page)
    )
    if covering.is_empty():
        return "missing", (), None
    codes = tuple(str(c) if c is not None else "" for c in covering["table_code"].to_list())
    kind = "catalogued" if any(c in CATALOG for c in codes) else "generic"
    coverage = None
    if "coverage" in covering.columns:
        values = [v for v in covering["coverage"].to_list() if isinstance(v, int | float)]
        coverage = min(values) if values else None
    return kind, codes, coverage


def score(
    facts: pl.DataFrame,
    tables: pl.DataFrame,
    expected_cells: pl.DataFrame | Iterable[Mapping[str, Any]],
    toc: pl.DataFrame | Iterable[Mapping[str, Any]],
) -> Score:
    """Measure one document's facts and doc_table rows against its typed cells and list of tables."""
    cells = _records(expected_cells, CELL_FIELDS)
    listed = _records(toc, TOC_FIELDS)
    matched, rows = match(facts, cells)

    entries: list[TableScore] = []
    for t in listed:
        pages = page_range(t["pages"])
        entry = TableScore(
            table_no=t["table_no"],
            title=t["table_title"],
            pages=t["pages"],
            first_page=pages[0] if pages else None,
            listed_empty=t["empty"].lower() in {"yes", "y", "true", "1", "是"},
        )
        entry.found, entry.table_codes, entry.coverage = _found(tables, entry.first_page)
        entries.append(entry)
    by_no = {e.table_no: e for e in entries}
    for cell in cells:  # a typed table the list forgot still gets scored (found by its first page)
        if cell["table_no"] not in by_no and cell["page"].isdigit():
            entry = TableScore(cell["table_no"], cell["table_title"], cell["page"], int(cell["page"]), False)
            entry.found, entry.table_codes, entry.coverage = _found(tables, entry.first_page)
            by_no[cell["table_no"]] = entry
            entries.append(entry)

    result = Score(typed=len(cells), right=len(matched), tables=entries)
    for ci, cell in enumerate(cells):
        owner = by_no.get(cell["table_no"])
        if owner is not None:
            owner.typed += 1
            owner.right += ci in matched
        if ci not in matched:
            cell_page = int(cell["page"]) if cell["page"].isdigit() else 0
            result.missing.append(
                Miss(cell_page, cell["table_no"], _cell_key(cell), cell["column"], cell["value"])
            )

    # pages the typed tables print on (and the pages of tables listed empty): every printed fact
    # there should answer a typed cell
    page_table: dict[int, str] = {}
    for e in entries:
        if e.typed or e.listed_empty:
            for p in page_range(e.pages):
                page_table.setdefault(p, e.table_no)
    for cell in cells:
        if cell["page"].isdigit():
            page_table.setdefault(int(cell["page"]), cell["table_no"])
    answered = set(matched.values())
    for fi, fact in enumerate(rows):
        fact_page = fact.get("page")
        if fi in answered or fact_page is None or int(fact_page) not in page_table:
            continue
        result.unexpected.append(
            Leftover(
                int(fact_page),
                fact.get("table_code"),
                _fact_key(fact),
                fact.get("column_header") or "",
                fact.get("value_printed") or str(fact.get("amount")),
            )
        )
        owner = by_no.get(page_table[int(fact_page)])
        if owner is not None:
            owner.unexpected += 1
    return result


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------


def _normalised(path: Path) -> Any:
    from pipelines.extract.document import extract_document
    from pipelines.normalise.document import normalise_document

    return normalise_document(extract_document(path))


def score_document(stem: str) -> tuple[Any, Score]:
    """Extract and normalise the typed document `stem`, then score it."""
    n = _normalised(REAL / f"{stem}.pdf")
    cells, toc = read_typed(stem)
    return n, score(n.facts, n.tables, cells, toc)


def _pad(text: str, width: int) -> str:
    """Left-justify for a terminal, where a CJK character takes two columns."""
    shown = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - shown, 0)


def format_details(result: Score, misses: int = 40, leftovers: int = 20) -> list[str]:
    lines = ["  table      pages  found                  cells            unexpected  title"]
    for t in result.tables:
        state = "listed empty" if t.listed_empty else "not typed" if not t.typed else t.found
        codes = ",".join(c or "?" for c in t.table_codes)
        found = f"{state} {codes}".strip()
        if t.coverage is not None:
            found += f" cov {t.coverage:.0%}"
        pct = f"{t.right}/{t.typed} ({100 * t.right / t.typed:.0f}%)" if t.typed else "-"
        lines.append(
            f"  {_pad(t.table_no, 10)} {t.pages:<6} {found:<22} {pct:<16} {t.unexpected:<11} {t.title}"
        )
    lines.append(f"  missing cells ({len(result.missing)}), first {misses}:")
    lines += [f"    p{m.page} {m.table_no} [{m.key}] {m.column} = {m.value}" for m in result.missing[:misses]]
    lines.append(f"  unexpected facts ({len(result.unexpected)}), first {leftovers}:")
    lines += [
        f"    p{u.page} {u.table_code} [{u.key}] {u.column} = {u.value}"
        for u in result.unexpected[:leftovers]
    ]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.scorecard", description=__doc__.splitlines()[0])
    parser.add_argument("--details", metavar="STEM", action="append", default=[], help="per-table breakdown")
    parser.add_argument("--typed-only", action="store_true", help="skip the real PDFs without typed values")
    args = parser.parse_args(argv)
    stems = typed_stems()
    width = max(len(p.stem) for p in REAL.glob("*.pdf"))
    for stem in stems:
        n, result = score_document(stem)
        reason = f"  ({n.document.error})" if n.document.error else ""
        print(f"{stem:<{width}}  {n.document.status:<7}  {result.summary()}{reason}", flush=True)
        if stem in args.details:
            print("\n".join(format_details(result)), flush=True)
    if not args.typed_only:
        for path in sorted(REAL.glob("*.pdf")):
            if path.stem in stems:
                continue
            n = _normalised(path)
            printed = n.facts.filter(~pl.col("is_blank").fill_null(False)).height
            codes = n.tables["table_code"].n_unique() if n.tables.height else 0
            reason = f"  ({n.document.error})" if n.document.error else ""
            print(
                f"{path.stem:<{width}}  {n.document.status:<7}  no typed values: tables {codes} "
                f"({n.tables.height} doc_table rows)  printed facts {printed}{reason}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
