"""dim_department: one department across years and kinds, units and their parent from what the
documents print (a 部门's list of units, a 单位's 主管部门), review of doubts, and rule XD2
(department = Σ units) on the real 普陀区 部门 and 单位 budgets.

The corpus holds no 部门 budget together with its units' budgets: 社会福利院's (单位) parent, 民政局,
is not in it, and none of the units the 普陀区 部门 list (万里街道's five, 司法局's 法律援助中心 …)
published a document there. So on real documents XD2 is shown to wait for the listed units, and
the linking is shown on documents made of printed lines in the same form."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from pipelines.load.departments import decide_match, link_document, listed_units, norm_name
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


def test_the_units_a_department_lists_are_kept_with_their_page(putuo: tuple[Path, dict[str, str]]) -> None:
    """万里街道 2024 p.4 (机构设置): "具体包括：1. …万里街道办事处（本部）。 2. …社区事务受理服务中心。 …"."""
    warehouse, ids = putuo
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select seq, printed_name, is_self, own_budget, page from dim_department_printed "
            "where document_id = ? and relation = 'unit' order by seq",
            [ids["wanli_2024"]],
        ).fetchall()
    assert rows == [
        (1, "上海市普陀区人民政府万里街道办事处(本部)", True, True, 4),
        (2, "上海市普陀区万里街道社区事务受理服务中心", False, True, 4),
        (3, "上海市普陀区万里街道社区党群服务中心", False, True, 4),
        (4, "上海市普陀区万里街道城市运行管理中心", False, True, 4),
        (5, "上海市普陀区万里街道经济发展服务中心", False, True, 4),
        (6, "上海市普陀区万里街道综合行政执法队", False, True, 4),
    ]


@pytest.mark.parametrize(
    ("text", "units"),
    [
        # 司法局 2026 p.6
        ("本部门中，行政单位1家，参公单位1家，\n具体包括： 1. 普陀区司法局本部\n"
         "2. 普陀区法律援助中心\n名词解释",
         [(1, "普陀区司法局本部", True), (2, "普陀区法律援助中心", True)]),
        # 政府办 2025 p.4: a unit merged into the 本部 keeps no budget of its own
        ("具体包括（列示至基层预算单位）：\n1.上海市普陀区人民政府办公室本部。\n"
         "2.下属事业单位上海市普陀区交流服务中心不单列预算，并入本部。",
         [(1, "上海市普陀区人民政府办公室本部", True), (2, "上海市普陀区交流服务中心", False)]),
        # 社会工作部 2024 决算 p.4: a list of scopes first, then the 序号/单位名称 table
        ("从预算单位构成看，中共上海市普陀区委社会工作部决算包括：\n中共上海市普陀区委社会工作部本级决算、下属行政事业单位决算。\n"
         "纳入中共上海市普陀区委社会工作部 2024 年度部门决算编制范\n围的单位包括：\n序号 单位名称 备注\n"
         "1 中共上海市普陀区委社会工作部（本级）\n2 上海市普陀区社会工作发展服务中心",
         [(1, "中共上海市普陀区委社会工作部(本级)", True), (2, "上海市普陀区社会工作发展服务中心", True)]),
        # 江苏省高级人民法院 2018 p.6-8: 内设机构 are no units; the inline list is
        ("本部门包括 27 个内设机构，具体包括：\n（一）机关内设机构 \n1、办公室\n2、组织人事处\n"
         "纳入本部门 2018 年度部门汇总预算编制范\n围的预算单位共 2 家，包括："
         "江苏省高级人民法院机关（本级）、徐\n州铁路运输法院。",
         [(1, "江苏省高级人民法院机关(本级)", True), (2, "徐州铁路运输法院", True)]),
    ],
)  # fmt: skip
def test_printed_lists_of_units(text: str, units: list[tuple[int, str, bool]]) -> None:
    assert listed_units(text) == units


def test_department_equals_sum_of_units_waits_for_the_listed_units(
    putuo: tuple[Path, dict[str, str]],
) -> None:
    """XD2 on the real 万里街道 2024 部门 budget: its five listed units have budgets of their own and
    none is loaded (社会福利院 is not one of them), so no check is made, never a false alarm."""
    warehouse, ids = putuo
    xd2 = [r for r in load_rules() if r.id == "XD2"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert collect_checks(con, ids["wanli_2024"], xd2).height == 0
        missing = con.execute(
            "select count(*) from dim_department_printed "
            "where document_id = ? and own_budget and not is_self",
            [ids["wanli_2024"]],
        ).fetchone()
    assert missing == (5,)


def _document(con: duckdb.DuckDBPyConnection, doc_id: str, name: str, scope: str, text: str) -> None:
    """A document of 普陀区 as the loader leaves it before linking: its row and its printed text."""
    con.execute(
        "insert into dim_document (document_id, source_path, source_sha256, file_format, doc_kind, "
        "fiscal_year, province, county, department, scope, status, version_key, is_current, "
        "tables_found, facts_loaded, ingested_at) values (?, ?, ?, 'txt', 'budget', 2026, '上海市', "
        "'普陀区', ?, ?, 'ok', ?, true, 0, 0, now())",
        [doc_id, doc_id, doc_id, name, scope, doc_id],
    )
    con.execute("insert into doc_text values (?, 1, 3, null, ?)", [doc_id, text])
    link_document(con, doc_id)


SFJ_LIST = "具体包括： 1. 普陀区司法局本部\n2. 普陀区法律援助中心\n名词解释"


@pytest.mark.parametrize("unit_first", [True, False])
def test_a_unit_is_filed_under_the_department_that_lists_it(tmp_path: Path, unit_first: bool) -> None:
    """Loaded in either order, the unit gets its parent from the 部门's printed list, with the evidence."""
    with writer(tmp_path / "w.duckdb") as con:
        unit_text = "预算单位：上海市普陀区法律援助中心"
        docs = [("dep", "上海市普陀区司法局", "部门", SFJ_LIST),
                ("unit", "上海市普陀区法律援助中心", "单位", unit_text)]  # fmt: skip
        for doc in reversed(docs) if unit_first else docs:
            _document(con, *doc)
        deps = dict(con.execute("select document_id, department_id from dim_document").fetchall())
        parent, source = con.execute(
            "select parent_department_id, parent_source from dim_department where department_id = ?",
            [deps["unit"]],
        ).fetchone() or (None, None)
        assert parent == deps["dep"]
        assert source == "listed as unit 2 (普陀区法律援助中心) of dep p.3"
        open_rows = con.execute("select count(*) from dq_department_match where status = 'open'").fetchone()
        assert open_rows == (0,)


def test_a_unit_names_its_supervisor(tmp_path: Path) -> None:
    with writer(tmp_path / "w.duckdb") as con:
        _document(con, "dep", "上海市普陀区民政局", "部门", "民政局概况")
        _document(
            con,
            "unit",
            "上海市普陀区社会福利院",
            "单位",
            "预算单位：上海市普陀区社会福利院\n主管部门：上海市普陀区民政局",
        )
        deps = dict(con.execute("select document_id, department_id from dim_document").fetchall())
        row = con.execute(
            "select parent_department_id, parent_source from dim_department where department_id = ?",
            [deps["unit"]],
        ).fetchone()
        assert row == (deps["dep"], "主管部门 上海市普陀区民政局 printed in unit p.3")


def test_a_unit_two_departments_list_is_reviewed_never_linked(tmp_path: Path) -> None:
    with writer(tmp_path / "w.duckdb") as con:
        _document(con, "d1", "上海市普陀区司法局", "部门", SFJ_LIST)
        _document(
            con, "d2", "上海市普陀区民政局", "部门", "具体包括：\n1. 民政局本部\n2. 上海市普陀区法律援助中心"
        )
        _document(con, "unit", "上海市普陀区法律援助中心", "单位", "法律援助中心概况")
        deps = dict(con.execute("select document_id, department_id from dim_document").fetchall())
        parent = con.execute(
            "select parent_department_id from dim_department where department_id = ?", [deps["unit"]]
        ).fetchone()
        assert parent == (None,)
        review = con.execute(
            "select candidate_department_id from dq_department_match where document_id = 'unit' "
            "and relation = 'parent' and status = 'open' order by all"
        ).fetchall()
        assert review == sorted([(deps["d1"],), (deps["d2"],)])


def test_a_unit_only_mentioned_is_reviewed_never_linked(tmp_path: Path) -> None:
    with writer(tmp_path / "w.duckdb") as con:
        _document(con, "dep", "上海市普陀区司法局", "部门", "指导上海市普陀区法律援助中心的工作。")
        _document(con, "unit", "上海市普陀区法律援助中心", "单位", "法律援助中心概况")
        deps = dict(con.execute("select document_id, department_id from dim_document").fetchall())
        row = con.execute(
            "select parent_department_id from dim_department where department_id = ?", [deps["unit"]]
        ).fetchone()
        assert row == (None,)
        review = con.execute(
            "select relation, candidate_department_id, status from dq_department_match "
            "where document_id = 'unit'"
        ).fetchall()
        assert review == [("parent", deps["dep"], "open")]


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


def test_an_older_warehouse_reads_what_its_documents_print_once(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with writer(path) as con:
        _document(con, "dep", "上海市普陀区司法局", "部门", SFJ_LIST)
        _document(con, "unit", "上海市普陀区法律援助中心", "单位", "法律援助中心概况")
        # as a warehouse made before dim_department_printed: no printed rows, no parent
        con.execute("delete from dim_department_printed")
        con.execute("delete from meta_department_printed")
        con.execute("update dim_department set parent_department_id = null, parent_source = null")
    with writer(path) as con:
        (n,) = con.execute("select count(*) from dim_department_printed").fetchone() or (0,)
        source = con.execute("select parent_source from dim_department where level = '单位'").fetchone()
    assert n == 2
    assert source == ("listed as unit 2 (普陀区法律援助中心) of dep p.3",)
