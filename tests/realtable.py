"""Per-document table of a folder's reading, for the closing note (issue 9).

The folder is ingested with the CLI into a temporary warehouse (its own DAGSTER_HOME), then each
file gets one line: status, pages, tables found (catalogued), tables its 目录 lists, the listed
ones not found, facts loaded, mean coverage, tables in doubt and error findings.

The 目录 is read from the document itself: the lines under a 目录 / 报表目录 heading (a ruled grid
or printed text), each reduced to its title (leaders, page numbers and 是否空表 remarks dropped)
and named by the catalog's title functions, as the readers name titles (`catalog.title_code`).

    python -m tests.realtable FOLDER [--warehouse PATH]   (an existing warehouse is not re-ingested)
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.catalog import is_catalogued, normalise_text, title_code

PROJECT = Path(__file__).resolve().parent.parent
# a heading that opens a table of contents: 目录, 目 录, 报表目录, 公开目录, 部门预算公开目录
_TOC_HEAD = re.compile(r"^(.{0,12}(报表|公开|附表))?目录$")
_LEADER = re.compile(r"[.．·…。-]{3,}.*$|\s+\d{1,3}$|[—-]\d{1,3}[—-]$")
_CJK = re.compile(r"[\u4e00-\u9fff]")
# an uncatalogued "title" that is a 目录's own wording: its column heads (报表名称 | 是否空表) or a part
# heading (预算报表); a generic table is named by at least four characters of its own
_TOC_WORDING = re.compile(r"报表|是否空表")
_AMOUNT = re.compile(r"\d\.\d{2}\b")
_MAX_TOC_LINES = 80  # a 目录 page is short; a heading 目录 further down a page is not one


@dataclass
class Row:
    """One file's line of the table."""

    name: str
    status: str
    pages: int | None
    tables: int
    catalogued: int
    listed: dict[str, str] = field(default_factory=dict)  # code → title as printed in the 目录
    missing: list[str] = field(default_factory=list)  # listed titles no table was loaded for
    facts: int = 0
    coverage: float | None = None
    doubt: int = 0
    errors: int = 0
    error_rules: str = ""


def toc_entries(lines: Sequence[str], doc_kind: str | None) -> dict[str, str]:
    """The tables a 目录 lists among these lines: code → title as printed.

    An entry may carry its number (表1), leaders and page number, and in a 报表目录 grid the columns
    是否空表 / 理由 after the title: the longest run of leading words that names a table is taken.
    """
    out: dict[str, str] = {}
    for line in lines[:_MAX_TOC_LINES]:
        words = _LEADER.sub("", line.strip()).split()
        for k in range(len(words), 0, -1):
            head = " ".join(words[:k])
            code = title_code(head, doc_kind, generic=True)
            if code and (is_catalogued(code) or _generic_entry(code)):
                out.setdefault(code, head)
                break
    return out


def _generic_entry(code: str) -> bool:
    return len(_CJK.findall(code)) >= 4 and not _TOC_WORDING.search(code)


def document_lines(path: Path) -> list[list[str]]:
    """Each page's lines (a PDF, by pdfium as the reader sees them) or the text of another format."""
    if path.suffix.lower() == ".pdf":
        from pipelines.errors import SourceFileError
        from pipelines.extract.pdf import read_page_texts

        try:
            return [p.lines for p in read_page_texts(path)]
        except SourceFileError:
            return []
    from pipelines.extract.document import extract_document

    return [[ln for block in extract_document(path).texts for ln in block.text.split("\n")]]


def listed_tables(path: Path, doc_kind: str | None) -> dict[str, str]:
    """The 目录's tables: the page printing a 目录 heading, and the pages after it that go on listing
    titles (two or more, and no amount printed: a 目录 spread over pages)."""
    out: dict[str, str] = {}
    listing = False
    for lines in document_lines(path):
        heads = [i for i, ln in enumerate(lines) if _TOC_HEAD.match(normalise_text(ln))]
        if heads:
            found = toc_entries(lines, doc_kind)  # pdfium may give the heading after the entries
        elif listing:
            found = toc_entries(lines, doc_kind)
            if len(found) < 2 or any(_AMOUNT.search(ln) for ln in lines):
                found = {}
        else:
            found = {}
        listing = bool(found) or bool(heads)
        for code, title in found.items():
            out.setdefault(code, title)
    return out


def ingest(folder: Path, warehouse: Path) -> None:
    """`yujuesuan ingest FOLDER` into `warehouse`, with a DAGSTER_HOME of its own beside it."""
    home = warehouse.parent / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    cmd = [sys.executable, "-m", "pipelines.cli", "ingest", str(folder), "--warehouse", str(warehouse)]
    subprocess.run(cmd, env=env, cwd=PROJECT, check=False, stdout=subprocess.DEVNULL)


def rows_of(warehouse: Path) -> list[Row]:
    """One row per current document of the warehouse, 目录 included."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        docs = con.execute(
            "select document_id, source_path, status, error, page_count, doc_kind from dim_document "
            "where is_current or status in ('failed', 'template', 'not_recognised') order by source_path"
        ).fetchall()
        out = []
        for document_id, source, status, error, pages, kind in docs:
            tables = [
                c
                for (c,) in con.execute(
                    "select table_code from doc_table where document_id = ?", [document_id]
                ).fetchall()
            ]
            cov, doubt = con.execute(
                "select avg(coverage), count(*) filter (where doubt) from doc_table where document_id = ?",
                [document_id],
            ).fetchone() or (None, 0)
            (facts,) = con.execute(
                "select count(*) from fact_line_item where document_id = ? and not is_blank",
                [document_id],
            ).fetchone() or (0,)
            errors = con.execute(
                "select rule_id, count(*) from v_current_findings where document_id = ? "
                "and severity = 'error' group by rule_id order by rule_id",
                [document_id],
            ).fetchall()
            path = Path(source)
            reason = (error or "").split(":")[0] if status in ("failed", "not_recognised") else ""
            row = Row(
                path.stem,
                f"{status}: {reason}" if reason else status,
                pages if status != "failed" else None,
                len(tables),
                sum(1 for c in tables if is_catalogued(c)),
                facts=facts,
                coverage=float(cov) if cov is not None else None,
                doubt=doubt or 0,
                errors=sum(n for _, n in errors),
                error_rules=" ".join(f"{r}×{n}" if n > 1 else r for r, n in errors),
            )
            if path.exists():
                row.listed = listed_tables(path, kind)
                row.missing = [t for c, t in row.listed.items() if c not in set(tables)]
            out.append(row)
        return out
    finally:
        con.close()


def table(rows: Sequence[Row]) -> str:
    """The Markdown table of the closing note, then each listed-but-not-found title."""
    head = (
        "| file | status | pages | tables (catalogued) | listed in 目录 | listed, not found | facts | "
        "mean coverage | in doubt | error findings |"
    )
    lines = [head, "|" + "---|" * 10]
    for r in rows:
        cov = f"{r.coverage:.3f}" if r.coverage is not None else "–"
        lines.append(
            f"| {r.name} | {r.status} | {r.pages if r.pages is not None else '–'} | "
            f"{r.tables} ({r.catalogued}) | {len(r.listed)} | {len(r.missing)} | {r.facts} | {cov} | "
            f"{r.doubt} | {r.errors}{f' ({r.error_rules})' if r.error_rules else ''} |"
        )
    gaps = [f"- {r.name}: {', '.join(r.missing)}" for r in rows if r.missing]
    if gaps:
        lines += ["", "Listed in the 目录, no table loaded:", *gaps]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.realtable", description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--warehouse", type=Path, help="reuse (or create) this warehouse")
    args = parser.parse_args(argv)
    warehouse = args.warehouse or Path(tempfile.mkdtemp(prefix="realtable-")) / "warehouse.duckdb"
    if not warehouse.exists():
        ingest(args.folder.resolve(), warehouse.resolve())
    print(table(rows_of(warehouse)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
