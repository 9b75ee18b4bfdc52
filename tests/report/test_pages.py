"""latest.html is an index, and each current document has its own page: a batch rewrites the index and
only the pages of the documents whose validation changed, so the report's cost grows with the batch.

The warehouse holds real documents validated by the real rules: seed002 (the 2025 budget of 潼南,
with publication errors), seed000 (its 2024 final account) and a Shanghai PDF. What each page must
show is read from the warehouse's own tables (dq_result, dim_document), never from the report code.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import duckdb
import pytest

from pipelines.load.warehouse import writer
from pipelines.report.data import (
    count_failing_rules,
    current_rules,
    index_summary,
    listed_documents,
    load_documents,
    rule_summary,
)
from pipelines.report.html import RunEntry, write_report, write_reports
from pipelines.validate.engine import evaluate_document
from pipelines.validate.rules import load_rules
from pipelines.validate.store import store_evaluation
from tests.conftest import SAMPLES, SEED000, SHGZB_PDF, ingest

SEED002 = SAMPLES / "seed002_tongnan_zfb_2025_yusuan.txt"
SEED002_ID = "c5766bd1dd0c9627"  # its content hash, as `yujuesuan status` lists it


@pytest.fixture(scope="module")
def validated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three documents loaded and validated as the batch job does (one run)."""
    warehouse = tmp_path_factory.mktemp("pages") / "w.duckdb"
    rules = load_rules()
    with writer(warehouse) as con:
        for source in (SEED000, SEED002, SHGZB_PDF):
            doc_id = ingest(con, source)
            store_evaluation(con, "run-1", evaluate_document(con, doc_id, rules), rules)
    return warehouse


@pytest.fixture
def warehouse(validated: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "w.duckdb"
    shutil.copy(validated, copy)
    return copy


def _current(warehouse: Path) -> dict[str, str]:
    """Current documents' id → file name, read from dim_document."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select document_id, source_path from dim_document where is_current "
            "and status not in ('failed', 'template')"
        ).fetchall()
    return {doc_id: Path(path).name for doc_id, path in rows}


def _stats(folder: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.glob("*.html")}


def test_the_index_links_every_page_and_has_no_picture(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    files = write_report(warehouse, out)
    index = (out / "latest.html").read_text("utf-8")
    current = _current(warehouse)
    assert SEED002_ID in current and len(current) == 3
    assert "data:" not in index and "<img" not in index and 'class="check"' not in index
    links = re.findall(r'href="documents/([^"]+)\.html"', index)
    assert sorted(links) == sorted(current)  # one row per current document
    assert all((out / "documents" / f"{doc_id}.html").is_file() for doc_id in links)
    assert sorted(p.stem for p in (out / "documents").glob("*.html")) == sorted(current)
    assert links[0] == SEED002_ID  # the one document with error findings comes first
    assert files.path.read_bytes() == files.latest.read_bytes()  # the dated copy is the index
    row = index[index.index(f'href="documents/{SEED002_ID}.html"') :]
    row = row[: row.index("</tr>")]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        errors, warnings = con.execute(
            "select count(*) filter (where severity = 'error'), count(*) filter (where severity = 'warning') "
            "from dq_result where document_id = ? and not passed",
            [SEED002_ID],
        ).fetchone() or (0, 0)
    assert errors > 0
    assert f'<td class="n">{errors}</td>' in row and f'<td class="n">{warnings}</td>' in row


def test_a_document_page_holds_its_failing_checks(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    write_report(warehouse, out)
    page = (out / "documents" / f"{SEED002_ID}.html").read_text("utf-8")
    assert 'href="../latest.html"' in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page) and "<script" not in page
    with duckdb.connect(str(warehouse), read_only=True) as con:
        failing = con.execute(
            "select rule_id, count(*) filter (where not passed), count(*) from dq_result "
            "where document_id = ? group by rule_id having count(*) filter (where not passed) > 0",
            [SEED002_ID],
        ).fetchall()
        other = con.execute(
            "select document_id from dim_document where document_id <> ? and is_current", [SEED002_ID]
        ).fetchall()
    assert failing
    for rule_id, failed, checks in failing:
        assert f'id="{SEED002_ID}-{rule_id}"' in page
        assert f"{failed} of {checks} checks failed" in page
    assert page.count('<section class="doc"') == 1
    assert all(f'id="doc-{doc_id}"' not in page for (doc_id,) in other)  # (a cross-year note names one)


def test_a_one_file_batch_rewrites_only_its_page_and_the_index(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    first, _ = write_reports(warehouse, out, [])
    assert first.report.pages_written == 3
    before, latest = _stats(out / "documents"), (out / "latest.html").stat()
    seed000 = next(k for k, v in _current(warehouse).items() if v == SEED000.name)
    time.sleep(0.01)  # a rewritten file's mtime_ns must differ on a coarse clock
    with writer(warehouse) as con:  # seed000 validated again (a rerun's run, same findings)
        con.execute(
            "insert into dq_run by name select * replace ('run-2' as run_id, started_at + interval 1 hour "
            "as started_at) from dq_run where document_id = ?",
            [seed000],
        )
        con.execute(
            "insert into dq_result by name select * replace ('run-2' as run_id) from dq_result "
            "where document_id = ? and run_id = 'run-1'",
            [seed000],
        )
    whole, own = write_reports(warehouse, out, [RunEntry(seed000, SEED000.name, "added")])
    assert whole.report.pages_written == 1 and own is not None
    after = _stats(out / "documents")
    assert set(after) == set(before)
    assert [name for name in after if after[name] != before[name]] == [f"{seed000}.html"]
    assert (out / "latest.html").stat().st_ino != latest.st_ino  # the index is written anew
    assert "run-2" in (out / "documents" / f"{seed000}.html").read_text("utf-8")


def test_a_superseded_document_loses_its_page(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    write_reports(warehouse, out)
    old = next(k for k, v in _current(warehouse).items() if v == SEED000.name)
    revised = tmp_path / "seed000_revised.txt"  # the same publication, new bytes: a new version
    revised.write_text(SEED000.read_text("utf-8") + "\n（本版更正了说明中的笔误）\n", encoding="utf-8")
    with writer(warehouse) as con:
        new = ingest(con, revised)
    assert new != old and old not in _current(warehouse)
    whole, _ = write_reports(warehouse, out)
    assert not (out / "documents" / f"{old}.html").exists()
    assert (out / "documents" / f"{new}.html").is_file()
    assert whole.report.pages_written == 1 and whole.report.pages_removed == 1
    assert f"documents/{old}.html" not in (out / "latest.html").read_text("utf-8")


def test_other_report_code_or_a_missing_page_rebuilds_pages(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.report import html

    out = tmp_path / "reports"
    write_report(warehouse, out)
    (out / "documents" / f"{SEED002_ID}.html").unlink()  # lost: built again, the others stand
    before = _stats(out / "documents")
    time.sleep(0.01)
    assert write_report(warehouse, out).report.pages_written == 1
    assert _stats(out / "documents").items() >= before.items()
    before = _stats(out / "documents")
    monkeypatch.setattr(html, "_code_version", lambda: "another version of the report code")
    files = write_report(warehouse, out)
    assert files.report.pages_written == 3
    after = _stats(out / "documents")
    assert all(after[name] != before[name] for name in before)
    assert write_report(warehouse, out).report.pages_written == 0  # and then they stand again


def test_retention_keeps_the_pages_however_old(warehouse: Path, tmp_path: Path) -> None:
    """A page of a document unchanged for months is current: only dated reports age out."""
    from pipelines.retention import prune_reports

    out = tmp_path / "reports"
    files = write_report(warehouse, out)
    long_ago = time.time() - 40 * 86400
    for path in [files.path, *(out / "documents").iterdir()]:
        os.utime(path, (long_ago, long_ago))
    assert prune_reports(out, days=30) == 1
    assert not files.path.exists() and (out / "latest.html").exists()
    assert sorted(p.stem for p in (out / "documents").glob("*.html")) == sorted(_current(warehouse))


def test_failures_by_rule_counted_in_sql_as_from_the_checks(validated: Path) -> None:
    """The index sums failures by rule from dq_rule_count; the checks read one by one give the same table."""
    with duckdb.connect(str(validated), read_only=True) as con:
        full, _ = load_documents(con)
        assert current_rules(con, index_summary(con)) == rule_summary(full)
        listed, recent = listed_documents(con, 10, 0)
        count_failing_rules(con, listed)
    assert recent == [] and [d.document_id for d in listed] == [d.document_id for d in full]
    assert [d.rules_failed for d in listed] == [len(d.groups) for d in full]
    assert any(d.rules_failed for d in full)


def test_cli_report_brings_the_pages_up_to_date_or_writes_them_all(warehouse: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from pipelines.cli import cli

    args = ["report", "--warehouse", str(warehouse), "--out", str(tmp_path / "reports")]
    outputs = [CliRunner().invoke(cli, a) for a in (args, args, [*args, "--all-pages"])]
    assert all(r.exit_code == 0 for r in outputs), [r.output for r in outputs]
    written = [re.search(r"(\d+) document pages written", r.output) for r in outputs]
    assert [int(m.group(1)) if m else None for m in written] == [3, 0, 3]
    assert f"index: {(tmp_path / 'reports' / 'latest.html').resolve()}" in outputs[0].output


# failures by rule over the current documents' latest runs, counted here from their checks
_FROM_CHECKS = """
    with latest as (
        select run_id, document_id from dq_run
        qualify row_number() over (partition by document_id order by started_at desc, run_id desc) = 1
    )
    select rule_id, count(distinct document_id), count(distinct document_id) filter (where not passed),
           count(*), count(*) filter (where not passed)
    from dq_result join latest using (run_id, document_id) join dim_document using (document_id)
    where is_current and status not in ('failed', 'template')
    group by rule_id
"""


def _expected_rules(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, ...]]:
    return {r[0]: tuple(r[1:]) for r in con.execute(_FROM_CHECKS).fetchall()}


def _reported_rules(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, ...]]:
    rules = current_rules(con, index_summary(con))
    return {r.rule_id: (r.documents, r.documents_failing, r.checks, r.failures) for r in rules}


def _counts_follow_the_checks(con: duckdb.DuckDBPyConnection) -> bool:
    """dq_rule_count holds each stored run's checks and failures per rule, and no other run's."""
    from_checks = (
        "select run_id, document_id, rule_id, count(*), count(*) filter (where not passed) "
        "from dq_result group by all"
    )
    counts = "select run_id, document_id, rule_id, checks, failures from dq_rule_count"
    row = con.execute(
        f"select exists ({from_checks} except {counts}), exists ({counts} except {from_checks})"
    ).fetchone()
    return row == (False, False)


def test_failures_by_rule_summed_from_the_counts_equal_the_checks(validated: Path) -> None:
    with duckdb.connect(str(validated), read_only=True) as con:
        expected = _expected_rules(con)
        assert sum(f for *_, f in expected.values()) > 0  # seed002's publication errors
        assert _counts_follow_the_checks(con)
        assert _reported_rules(con) == expected
        view = con.execute(
            "select rule_id, documents, documents_failing, checks, failures from v_rule_quality"
        )
        assert {r[0]: tuple(r[1:]) for r in view.fetchall()} == expected


def test_revalidation_a_new_version_and_retention_keep_the_counts(warehouse: Path, tmp_path: Path) -> None:
    from pipelines.retention import prune_dq_runs

    rules = load_rules()
    revised = tmp_path / "seed000_revised.txt"  # a new version of seed000: the old one is no longer current
    revised.write_text(SEED000.read_text("utf-8") + "\n（本版更正了说明中的笔误）\n", encoding="utf-8")
    with writer(warehouse) as con:
        before = _expected_rules(con)
        store_evaluation(con, "run-2", evaluate_document(con, SEED002_ID, rules), rules)  # validated again
        assert con.execute("select count(*) from dq_run where document_id = ?", [SEED002_ID]).fetchone() == (
            2,
        )
        new = ingest(con, revised)
        store_evaluation(con, "run-3", evaluate_document(con, new, rules), rules)
        assert _counts_follow_the_checks(con)
        assert _reported_rules(con) == _expected_rules(con) == before  # the same findings, re-counted
        assert prune_dq_runs(con, keep=1) == 1  # seed002's first run goes, with its counts
        assert _counts_follow_the_checks(con)
        assert _reported_rules(con) == _expected_rules(con)
        assert con.execute("select count(*) from dq_rule_count where run_id = 'run-1' and document_id = ?",
                           [SEED002_ID]).fetchone() == (0,)  # fmt: skip


def test_a_warehouse_of_older_code_is_counted_from_its_checks_then_backfilled(warehouse: Path) -> None:
    """Made before migration 0004 (no dq_rule_count): the index counts the checks; a writer of this
    code adds the table, filled from dq_result; a run stored past store_evaluations is counted too."""
    with duckdb.connect(str(warehouse)) as con:
        expected = _expected_rules(con)
        con.execute("drop view v_rule_quality")
        con.execute("drop table dq_rule_count")
        con.execute("delete from schema_migration where version = 4")
        assert _reported_rules(con) == expected
    with writer(warehouse) as con:
        assert _counts_follow_the_checks(con)
        assert _reported_rules(con) == expected
        con.execute("delete from dq_rule_count where document_id = ?", [SEED002_ID])
        assert _reported_rules(con) == expected
        listed, _ = listed_documents(con, 10, 0)
        count_failing_rules(con, listed)
        (failing,) = con.execute(
            "select count(distinct rule_id) from dq_result where document_id = ? and not passed", [SEED002_ID]
        ).fetchone() or (0,)
        assert failing > 0 and [d.rules_failed for d in listed if d.document_id == SEED002_ID] == [failing]


def test_the_index_lists_a_bounded_number_of_documents(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More current documents than the index lists: the first by the report's order, the most recently
    validated, the counts over all of them, and a line saying how many more and where they are."""
    from pipelines.report import html

    monkeypatch.setattr(html, "INDEX_LISTED", 1)
    monkeypatch.setattr(html, "INDEX_RECENT", 1)
    out = tmp_path / "reports"
    files = write_report(warehouse, out)
    index = (out / "latest.html").read_text("utf-8")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (newest,) = con.execute(
            "select document_id from dq_run order by started_at desc limit 1"
        ).fetchone() or ("",)
        (failed_checks,) = con.execute("select count(*) from dq_result where not passed").fetchone() or (0,)
    assert newest != SEED002_ID
    links = re.findall(r'href="documents/([^"]+)\.html"', index)
    assert links == [SEED002_ID, newest]  # errors first, then the most recently validated
    assert "1 more current documents are not listed here" in index and "v_document_quality" in index
    assert '<div class="card"><b>3</b>documents</div>' in index
    assert f"<b>{failed_checks}</b>failed checks" in index
    assert files.report.pages_written == 3  # every current document keeps its page
    assert sorted(p.stem for p in (out / "documents").glob("*.html")) == sorted(_current(warehouse))
