"""The catalog as data: the real files load, and a broken entry fails naming the file and the entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.catalog import (
    ALL_TABLES,
    CatalogError,
    concept_for,
    load_catalog,
    measure_terms,
    performance_concept_for,
    performance_title_code,
)
from pipelines.catalog.loader import TABLES_FILE, VOCABULARY_FILE


def _broken(tmp_path: Path, source: Path, old: str, new: str) -> Path:
    text = source.read_text(encoding="utf-8")
    assert old in text, f"the edit must apply: {old!r}"
    path = tmp_path / source.name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


BROKEN_TABLES = [
    # a regex that does not compile
    ("{measure: prior_year_budget, label: '上年预算数', patterns: ['^上年[^/]*预算数$']}",
     "{measure: prior_year_budget, label: '上年预算数', patterns: ['^上年[^/*预算数$']}",
     "tables.yaml: B02 measures prior_year_budget: regex '^上年[^/*预算数$' does not compile"),
    # an unknown measure in an identity
    ("      - {total: total, parts: [personnel, public_operating, project]}",
     "      - {total: total, parts: [personnel, public_operatng, project]}",
     "tables.yaml: B06 identity total: unknown measure 'public_operatng' (not a column of B06)"),
    # duplicate codes
    ("  - code: B19\n", "  - code: B18\n", "tables.yaml: B18: duplicate table code"),
    # a measure the vocabulary does not describe
    ("{measure: remittance_to_superior, label: '上缴上级支出', patterns: ['上缴上级支出$']}",
     "{measure: remitance_to_superior, label: '上缴上级支出', patterns: ['上缴上级支出$']}",
     "tables.yaml: B08 remitance_to_superior: unknown measure (not in vocabulary.yaml)"),
    # a line-key regex that does not compile
    ("['^财政拨款(收入)?$', fiscal_appropriation_income]",
     "['^财政拨款(收入?$', fiscal_appropriation_income]",
     "tables.yaml: B06 line_keys income fiscal_appropriation_income: "
     "regex '^财政拨款(收入?$' does not compile"),
    # a 栏次 order naming a column the table lacks
    ("column_order: [total_expenditure, basic_expenditure,", "column_order: [total_expenditure, basic,",
     "tables.yaml: D03 column_order: unknown measure 'basic' (not a column of D03)"),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "message"), BROKEN_TABLES)
def test_a_broken_table_entry_names_file_and_entry(tmp_path: Path, old: str, new: str, message: str) -> None:
    with pytest.raises(CatalogError) as caught:
        load_catalog(_broken(tmp_path, TABLES_FILE, old, new), VOCABULARY_FILE)
    assert str(caught.value).startswith(message)


BROKEN_VOCABULARY = [
    ("  basic: {concept: basic_expenditure}\n", "  basic: {concept: basic_expenditur}\n",
     "vocabulary.yaml: measure basic: unknown concept 'basic_expenditur'"),
    ("  basic: {concept: basic_expenditure}\n",
     "  basic: {concept: basic_expenditure}\n  basic: {concept: project_expenditure}\n",
     "vocabulary.yaml: line {second}: duplicate key 'basic'"),  # YAML would silently keep the last
    ("    side: 支出\n    role: 基本\n", "    side: 支付\n    role: 基本\n",
     "vocabulary.yaml: concept basic_expenditure: side must be one of 收入, 支出 or empty, got '支付'"),
    ("  B03: {total: basic_expenditure}\n", "  B03: {totl: basic_expenditure}\n",
     "vocabulary.yaml: table_concepts B03.totl: not a column of the table"),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "message"), BROKEN_VOCABULARY)
def test_a_broken_vocabulary_entry_names_file_and_entry(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    with pytest.raises(CatalogError) as caught:
        load_catalog(TABLES_FILE, _broken(tmp_path, VOCABULARY_FILE, old, new))
    if "{second}" in message:  # the line of the key written the second time
        second = VOCABULARY_FILE.read_text(encoding="utf-8").splitlines().index(old.rstrip("\n")) + 2
        message = message.format(second=second)
    assert str(caught.value).startswith(message)


def test_every_measure_is_described() -> None:
    terms = measure_terms()
    assert {t.measure for t in terms} == {m.measure for t in ALL_TABLES for m in t.all_measures()}
    for t in terms:
        assert t.label_zh and t.name_en and t.definition and t.role and t.concept, t.measure
        assert t.side in ("收入", "支出") or t.concept == "amount", t.measure


@pytest.mark.parametrize(
    ("budget", "final", "concept"),
    [
        (("B03", "personnel"), ("D06", "personnel_total"), "personnel_expenditure"),
        (("B08", "basic"), ("D03", "basic_expenditure"), "basic_expenditure"),
        (("B08", "total"), ("D03", "total_expenditure"), "expenditure_total"),
        (("B02", "total"), ("D05", "expenditure_total"), "expenditure_total"),
        (("B04", "total"), ("D09", "final_total"), "three_public_total"),
    ],
)
def test_budget_and_final_account_names_share_a_concept(
    budget: tuple[str, str], final: tuple[str, str], concept: str
) -> None:
    assert concept_for(*budget) == concept_for(*final) == concept


def test_a_table_gives_its_total_its_own_concept_and_a_line_its_amount() -> None:
    assert concept_for("B03", "total") == "basic_expenditure"  # 基本支出表: its 合计 is basic expenditure
    assert concept_for("B04", "total") == "three_public_total"
    assert concept_for("D09", "final_amount", "reception_total") == "three_public_reception"
    assert concept_for("D01", "final_amount", "total_current_expenditure") == "expenditure_total"
    assert concept_for("某某表", "本年支出/合计") is None  # an uncatalogued table's column


def test_performance_tables_share_the_vocabulary_and_the_title_matcher() -> None:
    assert performance_concept_for("PS1", "total") == "expenditure_total"  # the department's spending
    assert performance_concept_for("PS2", "total") == "project_expenditure"  # one project's
    assert performance_concept_for("B12", "fiscal") == "fiscal_appropriation_income"
    assert performance_title_code("2024年度部门整体绩效自评表") == "PS1"
    assert performance_title_code("详见单位的项目绩效目标表") is None  # a sentence naming the table
