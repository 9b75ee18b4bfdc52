"""Recognise a table by its content: the codes its rows carry and the words of its header.

A title is the first witness of what a table is, but provinces name tables freely and some print
none in the text layer (only "表5"). Each catalogued kind has a signature in
reference/table_titles.yaml; a titled table whose content contradicts its title's kind, and an
untitled one, are named by the signature they match best, or else loaded generically.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pipelines.catalog import CATALOG, UNTITLED_CODE, canonical_title, normalise_text, title_catalog
from pipelines.errors import CatalogDataError
from pipelines.extract.types import RawTable

KEY_KINDS = {"func", "econ", "panels", "any"}
UNTITLED = UNTITLED_CODE  # a table printed without a title whose signature names no kind
_FUNC = re.compile(r"^\[?【?(2\d{2}|2\d{4}|2\d{6})\b")
_ECON = re.compile(r"^\[?【?([35]\d{2}|[35]\d{4}|[35]\d{6})\b")
_MONEY = re.compile(r"^-?[\d,]*\d\.\d{1,6}$|^-?\d{1,3}(,\d{3})+$")


@dataclass(frozen=True)
class Signature:
    keys: str  # func | econ | panels | any
    headers: tuple[str, ...]


@lru_cache(maxsize=1)
def signatures() -> dict[str, Signature]:
    """The signatures of reference/table_titles.yaml, validated on load."""
    out: dict[str, Signature] = {}
    for code, entry in (title_catalog().get("signatures") or {}).items():
        if code not in CATALOG:
            raise CatalogDataError(f"table_titles.yaml signatures: {code} is not in the catalog")
        keys, headers = entry.get("keys"), entry.get("headers", [])
        if keys not in KEY_KINDS or not isinstance(headers, list):
            raise CatalogDataError(f"table_titles.yaml signatures: {code} needs keys in {sorted(KEY_KINDS)}")
        out[code] = Signature(keys, tuple(str(h) for h in headers))
    return out


@dataclass(frozen=True)
class Content:
    """What a table's grid shows: the kind of codes keying its rows and its header text."""

    func_rows: int
    econ_rows: int
    data_rows: int
    header: str
    panels: bool

    @property
    def keys(self) -> str:
        if self.panels:
            return "panels"
        if self.func_rows > self.econ_rows and self.func_rows:
            return "func"
        if self.econ_rows > self.func_rows and self.econ_rows:
            return "econ"
        return "labels"


def content_of(table: RawTable) -> Content:
    """Count the rows keyed by functional and by economic codes; gather the header above the data."""
    func = econ = data = 0
    header: list[str] = []
    in_body = False
    for row in table.rows:
        cells = [normalise_text(c) for c in row.cells]
        money = sum(1 for c in cells if _MONEY.match(c))
        if not money and not in_body:
            header.extend(c for c in cells if c)
            continue
        in_body = True
        if not money:
            continue
        data += 1
        first = next((c for c in cells if (c and not c.isdigit()) or len(c) >= 3), "")
        if _FUNC.match(first):
            func += 1
        elif _ECON.match(first):
            econ += 1
    text = "".join(header)
    panels = ("收入" in text and "支出" in text and text.count("项目") + text.count("科目") >= 2) or (
        bool(re.search(r"收\s*入.*支\s*出", text)) and "本年收入" not in text and "项目" in text
    )
    return Content(func, econ, data, text, panels)


def fits(code: str, content: Content, *, titled: bool = True) -> bool:
    """Does the table's content agree with the kind its title names (or, untitled, could it be it)?

    A title is trusted unless the rows contradict it outright: keyed by economic codes where the
    kind is keyed by functional ones, or the reverse. Header words and panels only decide between
    kinds for a table without a title; templates name columns too freely to veto a title with them.
    """
    sig = signatures().get(code)
    if sig is None or content.data_rows == 0:
        return True  # nothing to contradict the title with (an empty table, a form)
    observed = content.keys
    if sig.keys in {"func", "econ"} and observed in {"func", "econ"} and observed != sig.keys:
        return False
    if titled:
        return True
    if sig.keys == "panels" and not content.panels:
        return False
    if sig.keys in {"func", "econ"} and observed != sig.keys:
        return False
    return not sig.headers or any(h in content.header for h in sig.headers)


def best_match(content: Content, doc_kind: str | None) -> str | None:
    """The catalogued kind whose signature the content fits best, when one stands out."""
    scored: list[tuple[int, str]] = []
    for code, sig in signatures().items():
        if doc_kind and CATALOG[code].doc_kind != doc_kind:
            continue
        if not fits(code, content, titled=False) or sig.keys == "any":
            continue
        score = sum(2 for h in sig.headers if h in content.header) + (3 if sig.keys == content.keys else 0)
        scored.append((score, code))
    scored.sort(reverse=True)
    if not scored or (len(scored) > 1 and scored[0][0] == scored[1][0]):
        return None
    return scored[0][1]


def settle_code(table: RawTable, doc_kind: str | None, taken: frozenset[str] = frozenset()) -> str:
    """The code a table is loaded under: its title's, unless its content says otherwise.

    An untitled table takes the kind its signature matches best, unless the document already
    prints that kind under its title (`taken`): a document prints each standard table once.
    """
    content = content_of(table)
    code = table.table_code
    if code in CATALOG:
        if fits(code, content):
            return code
        return canonical_title(table.title) or UNTITLED
    if code == UNTITLED:
        match = best_match(content, doc_kind)
        return match if match and match not in taken else UNTITLED
    return code


def settle_codes(tables: list[RawTable], doc_kind: str | None) -> None:
    """Settle the code of every table of a document (any format), titled ones first: an untitled
    table may not take a kind the document already prints under its title."""
    named = [t for t in tables if t.table_code != UNTITLED]
    for table in named:
        table.table_code = settle_code(table, doc_kind)
    taken = {t.table_code for t in named}
    for table in tables:
        if table.table_code == UNTITLED:
            table.table_code = settle_code(table, doc_kind, frozenset(taken))
            taken.add(table.table_code)
