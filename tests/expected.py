"""Compare extracted facts with values typed from reading the documents (tests/fixtures/expected)."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import polars as pl

EXPECTED = Path(__file__).parent / "fixtures" / "expected"


def load_expected(name: str, tables: set[str] | None = None) -> list[dict[str, str]]:
    with (EXPECTED / name).open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r for r in rows if tables is None or r["table_code"] in tables]


def compare(facts: pl.DataFrame, expected: list[dict[str, str]], *, check_page: bool = True) -> list[str]:
    """Every expected cell found once with its value (and page); every printed fact expected.

    A fact's code must equal the printed code; rows printed without a code (D01/D04 lines) are
    matched by label, whatever code the normaliser derived for them.
    """
    codes = {r["table_code"] for r in expected}
    got: dict[tuple[str, str, str, str], list[dict[str, object]]] = {}
    for f in facts.filter(~pl.col("is_blank") & pl.col("table_code").is_in(sorted(codes))).iter_rows(
        named=True
    ):
        key = (f["table_code"], f["panel"] or "", f["line_label"], f["measure"])
        got.setdefault(key, []).append(f)
    problems: list[str] = []
    for e in expected:
        key = (e["table_code"], e["panel"], e["line_label"], e["measure"])
        candidates = [
            f
            for f in got.get(key, [])
            if f["amount"] == Decimal(e["value_yuan"])
            and (not e["code"] or e["code"] in (f["func_code"], f["econ_code"]))
            and (not check_page or not e["page"] or f["page"] == int(e["page"]))
        ]
        if not candidates:
            problems.append(f"missing {key} code={e['code']} value={e['value_yuan']} page={e['page']}")
            continue
        got[key].remove(candidates[0])
    problems += [f"unexpected {k} {f['amount']} page={f['page']}" for k, fs in got.items() for f in fs]
    return problems
