"""dim_department: one department across years and kinds, units and their parent, review of doubts,
and rule XD2 (department = Σ units) on the real 普陀区 部门 and 单位 budgets."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal as D
from pathlib import Path

import duckdb
import pytest

from pipelines.load.departments import decide_match, link_document, norm_name, set_parent
from pipelines.load.warehouse import writer
from pipelines.validate.engine import collect_checks
from pipelines.validate.rules import load_rules
from tests.conftest import PROJECT, ingest

REAL = PROJECT / "tests" / "fixtures" / "real"
SH = ("上海市", None, "普陀区")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("上海市普陀区人民政府办公室", "普陀区人民政府办公室（部门）"),
        ("中共上海市普陀区委社会工作部", "中共普陀区委社会工作部"),
        ("上海市普陀区司法局2026年部门预算", "普陀区司法局"),
        ("上海市普陀区社会福利院单位预算", "上海市普陀区社会福利院（本级）"),
    ],
)
def test_printed_names_of_one_department_normalise_alike(a: str, b: str) -> None:
    assert norm_name(a, SH) == norm_name(b, SH)


def test_different_departments_stay_apart() -> None:
    assert norm_name("上海市普陀区司法局", SH) != norm_name("上海市普陀区法律援助中心", SH)
    assert norm_name("上海市普陀区商务委员会", SH) != norm_name("上海市普陀区人民政府办公室", SH)


@pytest.fixture(scope="module")
def putuo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    """万里街道 budgets 2023 and 2024 (部门) and 社会福利院 2024 (单位), all 普陀区."""
    warehouse = tmp_path_factory.mktemp("putuo") / "w.duckdb"
    names = {
        "wanli_2023": "sh_putuo_wanli_jiedao_2023_yusuan.pdf",
        "wanli_2024": "sh_putuo_wanli_jiedao_2024_yusuan.pdf",
        "fuliyuan_2024": "sh_putuo_shehuifuliyuan_2024_danwei_yusuan.pdf",
    }
    with writer(warehouse) as con:
        ids = {k: ingest(con, REAL / v) for k, v in names.items()}
    yield warehouse, ids


def test_one_department_across_years_and_a_unit_apart(putuo: tuple[Path, dict[str, str]]) -> None:
    warehouse, ids = putuo
    with duckdb.connect(str(warehouse), read_only=True) as con:
        dep = dict(con.execute("select document_id, department_id from dim_document").fetchall())
        assert dep[ids["wanli_2023"]] == dep[ids["wanli_2024"]]
        assert dep[ids["fuliyuan_2024"]] != dep[ids["wanli_2024"]]
        levels = dict(con.execute("select department_id, level from dim_department").fetchall())
        assert (levels[dep[ids["wanli_2024"]]], levels[dep[ids["fuliyuan_2024"]]]) == ("部门", "单位")
        # 万里街道 lists its five units (社区事务受理服务中心 …); 社会福利院 is not one: no parent, for review
        unit = dep[ids["fuliyuan_2024"]]
        parent = con.execute(
            "select parent_department_id from dim_department where department_id = ?", [unit]
        ).fetchall()[0]
        assert parent == (None,)
        review = con.execute(
            "select relation, status from dq_department_match where document_id = ?", [ids["fuliyuan_2024"]]
        ).fetchall()
        assert review == [("no_parent", "open")]


def test_department_equals_sum_of_units_runs_on_the_real_pair(putuo: tuple[Path, dict[str, str]]) -> None:
    """No loaded 部门 names 社会福利院 (its 民政局 budget is not in the corpus); a reviewer who filed it
    under 万里街道 would be told at once: the 208 class of 万里街道's 部门支出预算总表 (19,604,064 元)
    is not the unit's (11,281,624 元)."""
    warehouse, ids = putuo
    xd2 = [r for r in load_rules() if r.id == "XD2"]
    with duckdb.connect(str(warehouse)) as con:
        con.execute("begin transaction")
        dep = dict(con.execute("select document_id, department_id from dim_document").fetchall())
        assert collect_checks(con, ids["wanli_2024"], xd2).height == 0  # no unit: nothing to compare
        set_parent(con, dep[ids["fuliyuan_2024"]], dep[ids["wanli_2024"]])
        checks = collect_checks(con, ids["wanli_2024"], xd2)
        con.execute("rollback")
    b08 = checks.filter(checks["table_code"] == "B08")  # 支出预算总表, both documents
    rows = b08.filter((b08["row_key"] == "208") & (b08["measure"] == "total")).to_dicts()
    assert rows, checks
    assert {(r["expected"], r["actual"]) for r in rows} == {(D("11281624"), D("19604064"))}


def test_a_close_name_is_reviewed_never_merged(tmp_path: Path) -> None:
    with writer(tmp_path / "w.duckdb") as con:
        for doc_id, name in (("d1", "上海市普陀区商务委员会"), ("d2", "上海市普陀区商务委员")):
            con.execute(
                "insert into dim_document (document_id, source_path, source_sha256, file_format, doc_kind, "
                "fiscal_year, province, county, department, scope, status, version_key, is_current, "
                "tables_found, facts_loaded, ingested_at) values (?, ?, ?, 'txt', 'budget', 2025, '上海市', "
                "'普陀区', ?, '部门', 'ok', ?, true, 0, 0, now())",
                [doc_id, doc_id, doc_id, name, doc_id],
            )
            link_document(con, doc_id)
        deps = dict(con.execute("select document_id, department_id from dim_document").fetchall())
        assert deps["d1"] != deps["d2"]
        (cand,) = con.execute(
            "select candidate_department_id from dq_department_match "
            "where document_id = 'd2' and status = 'open'"
        ).fetchall()[0]
        assert cand == deps["d1"]
        decide_match(con, "d2", cand, accept=True)
        deps = dict(con.execute("select document_id, department_id from dim_document").fetchall())
        assert deps["d1"] == deps["d2"]
        aliases = {a for (a,) in con.execute("select alias from dim_department_alias").fetchall()}
        assert aliases == {"上海市普陀区商务委员会", "上海市普陀区商务委员"}


def test_a_warehouse_made_before_dim_department_is_linked_when_opened(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    with writer(warehouse) as con:
        for doc_id in ("old1", "old2"):
            con.execute(
                "insert into dim_document (document_id, source_path, source_sha256, file_format, doc_kind, "
                "fiscal_year, province, county, department, scope, status, version_key, is_current, "
                "tables_found, facts_loaded, ingested_at) values (?, ?, ?, 'txt', 'budget', ?, '上海市', "
                "'普陀区', '上海市普陀区司法局', '部门', 'ok', ?, true, 0, 0, now())",
                [doc_id, doc_id, doc_id, 2025 if doc_id == "old1" else 2026, doc_id],
            )
    with writer(warehouse) as con:
        linked = con.execute("select count(distinct department_id), count(department_id) from dim_document")
        assert linked.fetchone() == (1, 2)
