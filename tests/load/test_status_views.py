"""What v_document_quality calls a document that is not a clean budget: never `clean`."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.load.warehouse import writer
from tests.conftest import ingest


def test_failed_and_unrecognised_files_are_never_clean(warehouse: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    letter = tmp_path / "notice.txt"
    letter.write_text("关于召开年度工作会议的通知\n请各单位于下周一上午九点参加会议。\n", encoding="utf-8")
    with writer(warehouse) as con:
        failed, unrecognised = ingest(con, empty), ingest(con, letter)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        status = dict(con.execute("select document_id, status from v_document_quality").fetchall())
        load = dict(con.execute("select document_id, status from dim_document").fetchall())
    assert load == {failed: "failed", unrecognised: "partial"}
    assert status == {failed: "failed", unrecognised: "not_recognised"}
