"""An ingest run's own report: which documents it added, which were new versions, which failed."""

from __future__ import annotations

from pathlib import Path

from pipelines.load.warehouse import reader, writer
from pipelines.report.data import run_outcomes
from pipelines.report.html import RunEntry, write_report
from tests.conftest import SEED000, ingest


def test_run_outcomes_and_run_report(warehouse: Path, tmp_path: Path) -> None:
    text = SEED000.read_text(encoding="utf-8")
    revised = tmp_path / "seed000_revised.txt"
    revised.write_text(
        text + "\n（本版更正了说明中的笔误）\n", encoding="utf-8"
    )  # same publication, new bytes
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7 garbage")
    with writer(warehouse) as con:
        first = ingest(con, SEED000)
        second, failed = ingest(con, revised), ingest(con, broken)
    with reader(warehouse) as con:
        outcomes = run_outcomes(con, [first, second, failed])
    assert outcomes[first] == ("added", "")
    assert outcomes[second] == ("changed", f"new version of {SEED000.name}")
    assert outcomes[failed][0] == "failed" and outcomes[failed][1].startswith("corrupt")

    entries = [
        RunEntry(second, revised.name, *outcomes[second]),
        RunEntry(failed, broken.name, *outcomes[failed]),
    ]
    out = tmp_path / "reports"
    files = write_report(warehouse, out, [second], run=entries)
    html = files.path.read_text("utf-8")
    assert files.path.name.startswith("run-") and not (out / "latest.html").exists()
    assert "<b>changed</b>" in html and f"new version of {SEED000.name}" in html
    assert f"doc-{second}" in html and f"doc-{first}" not in html
