"""Reruns do not grow the warehouse or the GX store without bound: each document keeps its newest runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.load.warehouse import reader, writer
from pipelines.retention import prune_dq_runs, prune_gx_results
from pipelines.validate.engine import judge, prepare
from pipelines.validate.rules import load_rules
from pipelines.validate.store import store_evaluation
from tests.conftest import SEED000, ingest


def test_reruns_keep_the_newest_runs_of_each_document(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YUJUESUAN_KEEP_RUNS", "2")
    rules = load_rules()
    with writer(warehouse) as con:
        doc = ingest(con, SEED000)
        evaluation = judge(prepare(con, doc, rules))
        checks = evaluation.results.height
        for i in range(1, 6):
            store_evaluation(con, f"run-{i}", evaluation, rules)
            (runs,) = con.execute("select count(*) from dq_run").fetchone() or (0,)
            (results,) = con.execute("select count(*) from dq_result").fetchone() or (0,)
            assert runs == min(i, 2) and results == min(i, 2) * checks
    with reader(warehouse) as con:
        kept = [r[0] for r in con.execute("select run_id from dq_run order by run_id").fetchall()]
        (latest,) = con.execute("select run_id from v_document_quality").fetchone() or (None,)
        (orphans,) = con.execute(
            "select count(*) from dq_result r where not exists "
            "(select 1 from dq_run u where u.run_id = r.run_id and u.document_id = r.document_id)"
        ).fetchone() or (None,)
    assert kept == ["run-4", "run-5"] and latest == "run-5" and orphans == 0


def test_keep_zero_keeps_every_run_and_pruning_is_per_document(warehouse: Path) -> None:
    rules = load_rules()
    with writer(warehouse) as con:
        doc = ingest(con, SEED000)
        evaluation = judge(prepare(con, doc, rules))
        con.execute("insert into dq_run values ('other', 'another-doc', now(), 1, 1, 0, 0, true)")
        for i in range(3):
            con.execute(
                "insert into dq_run values (?, ?, now()::timestamp + to_seconds(?), 1, 1, 0, 0, true)",
                [f"old-{i}", doc, i],
            )
        assert prune_dq_runs(con, [doc], keep=0) == 0
        assert prune_dq_runs(con, [doc], keep=1) == 2
        store_evaluation(con, "new", evaluation, rules)  # default: the newest 3 stay
        rows = con.execute("select document_id, run_id from dq_run order by all").fetchall()
    assert sorted(rows) == sorted([("another-doc", "other"), (doc, "new"), (doc, "old-2")])


def test_gx_results_keep_the_newest_per_document(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    uncommitted = reports / "gx" / "gx" / "uncommitted"
    store = uncommitted / "validations" / "yujuesuan_budget"
    site = uncommitted / "data_docs" / "local_site" / "validations" / "yujuesuan_budget"
    stamps = [f"20261202T17{m:02d}00.000000Z" for m in range(5)]
    for base in (store, site):
        for doc in ("aaaa", "bbbb"):
            for stamp in stamps[: 5 if doc == "aaaa" else 2]:
                (base / doc / stamp).mkdir(parents=True)
                (base / doc / stamp / "result.json").write_text("{}", encoding="utf-8")
    assert prune_gx_results(reports, keep=3) == 4  # two of aaaa's five, in the store and in the site
    for base in (store, site):
        assert sorted(p.name for p in (base / "aaaa").iterdir()) == stamps[2:]
        assert sorted(p.name for p in (base / "bbbb").iterdir()) == stamps[:2]
