"""Measure the report step of a one-file batch into a warehouse of many documents.

    python -m tests.report.scale make WAREHOUSE DOCUMENTS OUT
    python -m tests.report.scale measure WAREHOUSE REPORTS

`make` copies WAREHOUSE to OUT and adds copies of its loaded documents (every row keyed by the
document, under a new id and version key, so each copy is another current document with the same
findings and source file) until OUT holds DOCUMENTS current documents.

`measure` is one round of a batch that validated one document again (a new dq_run and its
dq_result rows for the document that sorts first), then the reports the batch writes
(`write_reports` with that document's entry, as the CLI writes them): it prints the CPU seconds
(process time) of the report step and the size of latest.html. Build REPORTS once first (a round
does); run rounds in separate processes, old and new code alternately, and take the least of 3.
It runs from either checkout: `cd CHECKOUT && PYTHONPATH=. python PATH/TO/scale.py measure …`.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path


def make(source: Path, documents: int, out: Path) -> None:
    from pipelines.load.warehouse import writer

    shutil.copy(source, out)
    with writer(out) as con:
        loaded = "from dim_document where is_current and status not in ('failed', 'template')"
        base = sorted(doc_id for (doc_id,) in con.execute(f"select document_id {loaded}").fetchall())
        have = len(base)
        wanted = [(base[i % len(base)], f"{base[i % len(base)]}_{i}", i) for i in range(documents - have)]
        if not wanted:
            return
        con.execute("create temp table copies (src varchar, dst varchar, k integer)")
        con.executemany("insert into copies values (?, ?, ?)", wanted)
        tables = [
            r[0]
            for r in con.execute(
                "select distinct c.table_name from information_schema.columns c "
                "join information_schema.tables t using (table_schema, table_name) "
                "where c.column_name = 'document_id' "
                "and t.table_type = 'BASE TABLE' and t.table_schema = 'main'"
            ).fetchall()
        ]
        for table in tables:
            columns = [
                r[0]
                for r in con.execute(
                    "select column_name from information_schema.columns where table_name = ? "
                    "and table_schema = 'main' order by ordinal_position",
                    [table],
                ).fetchall()
            ]
            chosen = {c: f't."{c}"' for c in columns}
            chosen["document_id"] = "c.dst"
            if table == "dim_document":
                chosen["version_key"] = "t.version_key || '#' || c.k"
            select = ", ".join(f'{expr} as "{name}"' for name, expr in chosen.items())
            rows = f'"{table}" t join copies c on t.document_id = c.src'
            con.execute(f'insert into "{table}" by name select {select} from {rows}')
    print(f"{out}: {have + len(wanted)} current documents")


def measure(warehouse: Path, reports: Path) -> None:
    import pipelines
    from pipelines.load.warehouse import writer
    from pipelines.report.html import RunEntry, write_reports
    from pipelines.sources import HashCache

    print(f"code: {Path(pipelines.__file__).parent.parent}")
    if not (reports / "latest.html").exists():
        write_reports(warehouse, reports, hashes=HashCache.for_warehouse(warehouse))
    with writer(warehouse) as con:  # the batch validated one document again: a new run, same findings
        doc_id, path, run_id = con.execute(
            "select r.document_id, d.source_path, r.run_id from dq_run r "
            "join dim_document d using (document_id) "
            "where d.is_current order by r.document_id, r.started_at desc limit 1"
        ).fetchone() or ("", "", "")
        again = f"again-{time.time_ns()}"
        con.execute(
            "insert into dq_run by name select * replace (? as run_id, now()::timestamp as started_at) "
            "from dq_run where document_id = ? and run_id = ?",
            [again, doc_id, run_id],
        )
        for table in ("dq_result", "dq_rule_count"):  # (dq_rule_count: a warehouse of 0004 on)
            if con.execute("select 1 from duckdb_tables() where table_name = ?", [table]).fetchone():
                con.execute(
                    f"insert into {table} by name select * replace (? as run_id) from {table} "
                    "where document_id = ? and run_id = ?",
                    [again, doc_id, run_id],
                )
    entries = [RunEntry(doc_id, Path(path).name, "added")]
    started = time.process_time()
    whole, _ = write_reports(warehouse, reports, entries, hashes=HashCache.for_warehouse(warehouse))
    cpu = time.process_time() - started
    print(
        f"report step: {cpu:.3f} CPU-s; "
        f"{getattr(whole.report, 'documents_total', len(whole.report.documents))} documents; "
        f"latest.html {whole.latest.stat().st_size:,} bytes"
    )


def main(argv: list[str]) -> None:
    if len(argv) == 4 and argv[0] == "make":
        make(Path(argv[1]), int(argv[2]), Path(argv[3]))
    elif len(argv) == 3 and argv[0] == "measure":
        measure(Path(argv[1]), Path(argv[2]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
