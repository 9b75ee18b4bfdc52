"""Printed amounts → exact `Decimal` in 元. The only place a unit is converted."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from pipelines.vocab.text import MARKUP, SPACES, remember_short

UNIT_FACTORS: dict[str, Decimal] = {"元": Decimal(1), "万元": Decimal(10000), "亿元": Decimal(100000000)}
CENT = Decimal("0.01")
MONEY_DIGITS = 16  # DECIMAL(18,2): at most 16 digits before the point
OUT_OF_RANGE = "amount_out_of_range"  # the reason code when a figure does not fit the warehouse

# 19,890,539.51 · 1,205.00 · 2218.51 · 5.4 · 36 · -3.20 · (3.20)
_AMOUNT = re.compile(r"^\(?-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?\)?$")
# a rate printed in a table (增减(%) 4.88%, -85.59%): kept as a fact whose unit is %, never money
_PERCENT = re.compile(r"^-?\d+(\.\d+)?%$")
_BLANK = re.compile(r"^[.,，。\s]*$")  # "", ".", ",." — an empty cell (DOMAIN 6.3)
_NOT_APPLICABLE = {"—", "——", "-", "/", "--", "－", "―"}


@dataclass(frozen=True)
class ParsedValue:
    """A cell read as a number: the amount in 元 (None when not applicable) and how it was printed."""

    amount: Decimal | None
    is_blank: bool = False
    is_percent: bool = False  # the amount is a percentage as printed (4.88 for 4.88%), not 元
    out_of_range: bool = False  # a number too large for DECIMAL(18,2): amount is None, not loaded


@remember_short
def clean_cell(text: str) -> str:
    """NFKC and whitespace/markup removal, keeping the characters that make the number."""
    return SPACES.sub("", unicodedata.normalize("NFKC", MARKUP.sub("", text)))


def is_amount(text: str) -> bool:
    """A number a table prints in a value cell: an amount, or a rate with its % sign."""
    t = clean_cell(text)
    return bool(_AMOUNT.match(t) or _PERCENT.match(t))


def looks_like_money(text: str) -> bool:
    """True for values that can only be amounts (a decimal point or thousands separators).

    Used to tell data rows from header rows: 栏次 and 行次 numbers are bare small integers.
    """
    t = clean_cell(text)
    return (bool(_AMOUNT.match(t)) and ("." in t or "," in t)) or bool(_PERCENT.match(t))


@remember_short
def parse_amount(text: str, unit: str) -> ParsedValue | None:
    """Return the cell's value in 元, a blank (zero) marker, or None if the cell is not a number.

    Blank cells are zero (the templates print nothing for 0); "—" and "/" mean not applicable.
    A cell's value is remembered (it is immutable): coverage, alignment and facts parse the same cells.
    """
    t = clean_cell(text)
    if _BLANK.match(t):
        return ParsedValue(Decimal(0), is_blank=True)
    if t in _NOT_APPLICABLE:
        return ParsedValue(None)
    if _PERCENT.match(t):
        return ParsedValue(Decimal(t.rstrip("%")).quantize(CENT), is_percent=True)
    if not _AMOUNT.match(t):
        return None
    negative = t.startswith("-") or (t.startswith("(") and t.endswith(")"))
    digits = t.strip("()-").replace(",", "")
    value = Decimal(digits) * UNIT_FACTORS[unit]
    if not fits(value, MONEY_DIGITS):
        return ParsedValue(None, out_of_range=True)
    return ParsedValue((-value if negative else value).quantize(CENT))


def fits(value: Decimal, int_digits: int) -> bool:
    """Whether the value has at most `int_digits` digits before the point (and is a finite number)."""
    return value.is_finite() and (value.is_zero() or value.adjusted() < int_digits)


def fit_decimal_rows(rows: list[dict[str, Any]], schema: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    """Rows whose Decimal fields fit their column type (precision, scale); and how many were dropped.

    A figure printed with 40 digits must not crash the frame that carries the document's facts.
    """
    limits = {
        name: (dtype.precision or 38) - (dtype.scale or 0)
        for name, dtype in schema.items()
        if getattr(dtype, "precision", None) is not None and hasattr(dtype, "scale")
    }
    kept = []
    for row in rows:
        try:
            ok = all(
                not isinstance(row.get(name), Decimal) or fits(row[name], digits)
                for name, digits in limits.items()
            )
        except InvalidOperation:
            ok = False
        if ok:
            kept.append(row)
    return kept, len(rows) - len(kept)


def unit_from_text(text: str) -> str | None:
    """The unit of a "单位：万元" line (or a header cell such as "金额（万元）")."""
    t = clean_cell(text)
    m = re.search(r"单位[:]?(万元|亿元|元)", t) or re.search(r"\((万元|亿元|元)\)", t)
    return m.group(1) if m else None
