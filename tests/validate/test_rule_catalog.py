"""The rule catalog's contracts: each comparison's output columns, shapes, and a rule added in YAML alone.

A rule's SQL yields the columns its comparison declares (rules.REQUIRED_COLUMNS / OPTIONAL_COLUMNS);
the engine rejects any other column and any missing one. The repeated rule shapes live in
expectations/shapes/, and a new rule of such a shape is a few lines of YAML (docs/CONTRIBUTING.md).
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines import RULES_DIR
from pipelines.validate.engine import RuleSqlError, check_columns, collect_checks
from pipelines.validate.rules import Rule, RuleCatalogError, load_rules
from tests.conftest import PROJECT

RULES = load_rules()

HEADER = """\
- id: {id}
  family: {family}
  severity: error
  scope: {scope}
  doc_kinds: [final_account]
  comparison: eq
  description: 'test rule'
  description_zh: '测试规则'
"""


def _one_rule(tmp_path: Path, yaml_text: str) -> Rule:
    (tmp_path / "extra.yaml").write_text(yaml_text, encoding="utf-8")
    return load_rules(tmp_path)[0]


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_every_rule_yields_the_columns_of_its_comparison(
    rule: Rule, warehouse_con: duckdb.DuckDBPyConnection, clean_warehouse: tuple[Path, dict[str, str]]
) -> None:
    document_id = clean_warehouse[1][rule.test["clean"]]
    cursor = warehouse_con.execute(rule.sql, {"document_id": document_id})
    check_columns(rule, [d[0] for d in cursor.description or []])  # raises RuleSqlError otherwise


@pytest.mark.parametrize(
    ("select", "message"),
    [
        ("1 as expected, 1 as actual, 1 as n_terms, 'x' as surprise", "unknown surprise"),
        ("1 as expected, 1 as n_terms", "missing actual"),
        ("1 as expected, 1 as actual, 1 as n_terms, 1 as page, 2 as page", "named twice"),
    ],
)
def test_the_engine_rejects_columns_outside_the_contract(
    tmp_path: Path,
    warehouse_con: duckdb.DuckDBPyConnection,
    clean_warehouse: tuple[Path, dict[str, str]],
    select: str,
    message: str,
) -> None:
    rule = _one_rule(
        tmp_path,
        HEADER.format(id="X99", family="X", scope="TAB")
        + f"  sql: |\n    select {select} from dim_document where document_id = $document_id\n",
    )
    with pytest.raises(RuleSqlError, match=message):
        collect_checks(warehouse_con, clean_warehouse[1]["seed000"], [rule])


def _recipe_blocks() -> list[str]:
    """The YAML examples of docs/CONTRIBUTING.md's "Add a rule", dedented: the recipe the tests build."""
    text = (PROJECT / "docs" / "CONTRIBUTING.md").read_text(encoding="utf-8")
    section = text.split("## Add a rule", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```yaml\n(.*?)```", section, re.DOTALL)
    return [re.sub(r"^   ", "", b, flags=re.MULTILINE).rstrip(" ") for b in blocks]  # the list indent


NARRATIVE_RULE, _ROLLUP = _recipe_blocks()[:2]
# the hierarchy example: the eight lines every rule has (from the narrative example), its own two
HIERARCHY_RULE = (
    "\n".join(NARRATIVE_RULE.splitlines()[:8]).replace("N30", "H30").replace("family: N", "family: H")
    .replace("scope: NAR", "scope: COL") + "\n" + _ROLLUP
)  # fmt: skip


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        (NARRATIVE_RULE, "update fact_narrative_figure set value = value + 100000 "
                         "where metric = 'basic_expenditure'"),
        (HIERARCHY_RULE, "update fact_line_item set amount = amount + 100 "
                         "where table_code = 'D06' and econ_code = '30101'"),
    ],
    ids=["narrative", "hierarchy"],
)  # fmt: skip
def test_a_rule_of_a_shape_is_ten_lines_of_yaml(
    tmp_path: Path,
    warehouse_con: duckdb.DuckDBPyConnection,
    clean_warehouse: tuple[Path, dict[str, str]],
    text: str,
    fault: str,
) -> None:
    assert len(text.splitlines()) <= 10  # 8 lines every rule has, 2 for its shape
    rule = _one_rule(tmp_path, text)
    document_id = clean_warehouse[1]["seed000"]
    clean = collect_checks(warehouse_con, document_id, [rule])
    assert clean.height > 0 and (clean["slack"] >= 0).all()
    warehouse_con.execute(f"{fault} and document_id = $document_id", {"document_id": document_id})
    faulty = collect_checks(warehouse_con, document_id, [rule])
    assert faulty.filter(pl.col("slack") < 0).height >= 1


def test_shaped_rules_expand_to_the_sql_they_replace() -> None:
    """H01 and H02 are one shape with two code lengths; N01 … N14 one shape with ten mappings."""
    by_id = {r.id: r for r in RULES}
    assert "length(func_code) = 5" in by_id["H01"].sql and "length(p.func_code) = 3" in by_id["H01"].sql
    assert "length(func_code) = 7" in by_id["H02"].sql and "left(func_code, 5)" in by_id["H02"].sql
    shaped = [r.id for r in RULES if "with m(metric, grp, prio, tbl, key, meas) as (values\n" in r.sql]
    assert {"N01", "N02", "N03", "N04", "N05", "N08", "N10", "N11", "N13", "N14"} <= set(shaped)
    assert "('fiscal_total', 'expenditure', 1, 'D04', 'grand_total_expenditure', 'total')" in by_id["N04"].sql


@pytest.mark.parametrize(
    ("shape_lines", "message"),
    [
        ("  shape: no_such_shape\n  mapping: [['a']]\n", "unknown rule shape"),
        ("  shape: code_rollup\n  params: {code: func_code, parent_len: 3}\n", "takes"),
        (
            "  shape: code_rollup\n  params: {code: 'x; drop table y', parent_len: 3, child_len: 5}\n",
            "identifier",
        ),
        (
            "  shape: narrative_vs_cells\n  mapping: [['a', '', 1.5, 'D01', 'k', 'm']]\n",
            "string or an integer",
        ),
    ],
)
def test_a_shape_takes_exactly_its_parameters(tmp_path: Path, shape_lines: str, message: str) -> None:
    with pytest.raises(RuleCatalogError, match=message):
        _one_rule(tmp_path, HEADER.format(id="H98", family="H", scope="COL") + shape_lines)


def test_the_shapes_folder_is_beside_the_rules() -> None:
    shapes = RULES_DIR.parent / "shapes"
    assert sorted(p.stem for p in shapes.glob("*.sql")) == ["code_rollup", "narrative_vs_cells"]
