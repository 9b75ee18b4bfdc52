"""The catalog's value types: a table, its measures and text layouts, and the measure vocabulary."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from pipelines.vocab.text import normalise_text, strip_numbering


@dataclass(frozen=True)
class Measure:
    """A column of the vocabulary (`dim_measure`) and the header paths that mean it in one table."""

    measure: str
    label_zh: str
    patterns: tuple[str, ...]  # regexes searched in the normalised header path ("本年支出/合计")

    def matches(self, header_path: str) -> bool:
        return any(p.search(header_path) for p in self._compiled)

    @cached_property
    def _compiled(self) -> tuple[re.Pattern[str], ...]:
        """The patterns compiled once: every header, label and form cell is matched against them."""
        return tuple(re.compile(p) for p in self.patterns)


@dataclass(frozen=True)
class TextPanel:
    """One panel of a table as a plain-text export prints it (cells separated by spaces).

    Such exports lose the grid: wrapped header words and dropped empty cells leave only the order
    of things. The template's key columns and its value columns, in printed order, are data here;
    a value column counts when its header word (regex) occurs in the table's header text.
    """

    keys: tuple[str, ...]
    columns: tuple[tuple[str, str], ...]  # (header regex, measure id) in printed order


@dataclass(frozen=True)
class TableSpec:
    """One standard table: canonical id, the titles it is printed under, and its columns."""

    code: str
    slug: str
    title_zh: str
    aliases: tuple[str, ...]  # kept empty: the printed names live in reference/table_titles.yaml
    doc_kind: str
    measures: tuple[Measure, ...]
    # measure ids in 栏次 order (1, 2, …) where the template numbers its columns; per panel side for
    # two-panel tables the numbers continue (D01: 1 income, 2 expenditure)
    column_order: tuple[str, ...] = ()
    panel_names: tuple[str, ...] = ()  # names for side-by-side panels (D01: income, expenditure)
    # 人员经费合计-style rows: the measure's patterns match the row label, not a column header
    footer_totals: tuple[Measure, ...] = ()
    line_keys: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)  # panel → (regex, key)
    # summary lines named after a 支出功能分类 类 ("八、社会保障和就业支出") get that 类 code (D01, B01 …)
    class_lines: bool = False
    # label → amount fields of a form-like table (绩效目标表): the amount is the next cell to the right
    form_fields: tuple[Measure, ...] = ()
    # column identities (total = Σ parts) used to place the values of a row whose empty cells the
    # source dropped (PDF text exports print only the non-empty cells, DOMAIN §6.5)
    identities: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # economic class → the one component column its rows fill (B03: 301/303 人员经费, 302/310 公用经费)
    class_columns: dict[str, str] = field(default_factory=dict)
    # the Chongqing template's columns as its plain-text exports print them (seed 002)
    text_layout: tuple[TextPanel, ...] = ()
    generic: bool = False  # a table the catalog does not know, loaded under its canonical title

    def measure_for(self, header_path: str) -> Measure | None:
        for m in self.measures:
            if m.matches(header_path):
                return m
        return None

    def all_measures(self) -> tuple[Measure, ...]:
        """Columns, footer totals and form fields: every measure the table can produce."""
        return (*self.measures, *self.footer_totals, *self.form_fields)


@dataclass(frozen=True)
class Concept:
    """One thing measured, under one name across budgets, final accounts and performance tables."""

    concept: str
    label_zh: str
    name_en: str
    definition: str
    side: str | None  # 收入 | 支出 | None (generic amounts)
    role: str


@dataclass(frozen=True)
class MeasureTerm:
    """A stored measure code as `dim_measure` describes it (label, English name, concept, basis …)."""

    measure: str
    label_zh: str
    name_en: str
    definition: str
    side: str | None
    role: str
    concept: str
    basis: str  # current | prior_year | budget | final | carryover


def line_key_in(
    line_keys: dict[str, tuple[tuple[str, str], ...]], sectioned: frozenset[str], panel: str, label: str,
    section: str | None,
) -> str | None:  # fmt: skip
    """The key of a labelled line among a table's line patterns (first match), with its section prefix."""
    patterns = line_keys.get(panel) or line_keys.get("")
    if not patterns or not label:
        return None
    text = strip_numbering(normalise_text(label))
    for pattern, key in patterns:
        if re.search(pattern, text):
            if section and key in sectioned:
                return f"{section}_{key.removesuffix('_appropriation')}"
            return key
    return None
