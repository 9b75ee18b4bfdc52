"""The catalog of standard tables and the measure vocabulary, as validated data.

`tables.yaml` (tables, measures with their header patterns, 栏次 order, line keys, identities) and
`vocabulary.yaml` (concepts, the stored measure codes, line and per-table concepts) are the source;
`reference/table_titles.yaml` holds the printed titles. This package sits below extract → normalise →
load: it imports nothing from them. Everything here is read from the data files once, at import.
"""

from __future__ import annotations

from functools import lru_cache

from pipelines.catalog.loader import Catalog, CatalogError, Vocabulary, catalog, load_catalog
from pipelines.catalog.model import Concept, Measure, MeasureTerm, TableSpec, TextPanel, line_key_in
from pipelines.catalog.titles import (
    UNTITLED_CODE,
    canonical_title,
    is_table_number,
    is_title_like,
    performance_tables,
    performance_title_code,
    table_names,
    title_catalog,
    title_code,
    title_to_table_code,
    titles_in,
)
from pipelines.vocab.text import clean_label, normalise_text, strip_numbering

ALL_TABLES: tuple[TableSpec, ...] = catalog().tables
CATALOG: dict[str, TableSpec] = catalog().by_code
FINAL_ACCOUNT_TABLES: tuple[TableSpec, ...] = tuple(t for t in ALL_TABLES if t.doc_kind == "final_account")
BUDGET_TABLES: tuple[TableSpec, ...] = tuple(t for t in ALL_TABLES if t.doc_kind == "budget")
# forms printed once per project or department (绩效目标表): never joined across pages by title
FORM_TABLES = frozenset(t.code for t in ALL_TABLES if t.form_fields)
GENERIC_AMOUNT = "amount"  # the concept of a one-amount column whose meaning is the row's


def is_catalogued(code: str) -> bool:
    return code in CATALOG


@lru_cache(maxsize=256)
def spec_for(code: str, doc_kind: str | None = None) -> TableSpec:
    """The catalog entry of a table, or a generic one for a table the catalog does not know.

    A generic table keeps its canonical title as its code; it has no measures of its own, so each
    value column becomes a measure named by its printed header path (normalise/frames.py).
    """
    if code in CATALOG:
        return CATALOG[code]
    return TableSpec(code, "generic", code, (), doc_kind or "other", (), generic=True)


def line_key_for(spec: TableSpec, panel: str, label: str, section: str | None) -> str | None:
    """Canonical key of a labelled line (D01/D04/D09), taking the enclosing section into account."""
    return line_key_in(spec.line_keys, catalog().sectioned_line_keys, panel, label, section)


def all_measures() -> list[Measure]:
    """Every measure of the catalog once (first table's header patterns), in catalog order."""
    seen: dict[str, Measure] = {}
    for spec in ALL_TABLES:
        for m in spec.all_measures():
            seen.setdefault(m.measure, m)
    return list(seen.values())


def measure_terms() -> list[MeasureTerm]:
    """The vocabulary of every catalogued measure code, in catalog order: the rows of `dim_measure`."""
    terms = catalog().vocabulary.measures
    return [terms[m.measure] for m in all_measures()]


def concepts() -> dict[str, Concept]:
    return catalog().vocabulary.concepts


def concept_for(table_code: str, measure: str, line_key: str | None = None) -> str | None:
    """The concept of one fact (fact_line_item.concept): the column's, or the row's for a generic amount.

    The table may give a column its own concept (`total` of 基本支出表 is basic expenditure); a
    one-amount column (决算数, 预算数) takes the concept of its summary line when that line has one.
    An uncatalogued column (a generic table's header path) has none.
    """
    vocab = catalog().vocabulary
    term = vocab.measures.get(measure)
    if term is None or table_code not in CATALOG:
        return None
    concept = vocab.table_concepts.get(table_code, {}).get(measure, term.concept)
    if concept == GENERIC_AMOUNT and line_key:
        return vocab.line_concepts.get(line_key, concept)
    return concept


def performance_concept_for(table_code: str, line_key: str | None) -> str | None:
    """The concept of a performance table's money line (fact_performance_budget.concept).

    `total` is the department's expenditure in a department-wide table, the project's otherwise.
    """
    found = catalog().vocabulary.performance_line_concepts.get(line_key or "")
    table = catalog().performance.tables.get(table_code)
    if found is None or table is None:
        return None
    return found["whole" if table[1] else "project"]


__all__ = [
    "ALL_TABLES", "BUDGET_TABLES", "CATALOG", "FINAL_ACCOUNT_TABLES", "FORM_TABLES", "GENERIC_AMOUNT",
    "UNTITLED_CODE", "Catalog", "CatalogError", "Concept", "Measure", "MeasureTerm", "TableSpec",
    "TextPanel", "Vocabulary", "all_measures", "canonical_title", "catalog", "clean_label", "concept_for",
    "concepts", "is_catalogued", "is_table_number", "is_title_like", "line_key_for", "load_catalog",
    "measure_terms", "normalise_text", "performance_concept_for", "performance_tables",
    "performance_title_code", "spec_for", "strip_numbering", "table_names", "title_catalog",
    "title_code", "title_to_table_code", "titles_in",
]  # fmt: skip
