"""The HTML quality report on a real warehouse: a PDF and a text export loaded, validation results planted.

The validation engine writes dq_rule / dq_run / dq_result; here the tests write those rows themselves,
pointing at real fact rows (found by code, never by a typed row number), so every assertion checks
what the report makes of real pages and lines.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from PIL import Image

from pipelines.cli import cli
from pipelines.load.warehouse import writer
from pipelines.report.crops import CELL_OUTLINE, SCALE, PageRenderer, blended_highlight
from pipelines.report.data import DocumentFacts, Fact, document_facts, load_documents, quality_lines
from pipelines.report.html import ReportFiles, RunEntry, write_report, write_reports
from pipelines.report.picture_cache import PictureCache
from tests.conftest import SEED000, SHGZB_PDF, ingest
from tests.report.dump import DRAWN, WRITTEN, comparable

SCRIPT = "<script>alert(1)</script>"


@dataclass(frozen=True)
class Row:
    table_code: str
    row_no: int
    key: str
    measure: str
    amount: Decimal
    page: int | None
    line_no: int | None
    row_top: float | None
    row_bottom: float | None


@dataclass(frozen=True)
class Planted:
    warehouse: Path
    pdf_id: str
    txt_id: str
    failed_id: str
    first_page_row: Row  # D03 201 on the table's first page
    continued_row: Row  # D03 2101102 on the continuation page
    script_row: Row  # the text export's row whose label is "<script>…"
    phrase: str  # printed on page 2 of the PDF, named by a text check
    files: ReportFiles
    index: str  # latest.html
    pages: dict[str, str]  # document id → its page
    html: str  # everything the reviewer has: the index and every page


def _row(con: duckdb.DuckDBPyConnection, doc: str, where: str, params: list[object]) -> Row:
    found = con.execute(
        f"""
        select table_code, row_no, coalesce(func_code, line_label), measure, amount, page, line_no,
               row_top, row_bottom
        from fact_line_item where document_id = ? and {where}
        """,
        [doc, *params],
    ).fetchall()
    assert len(found) == 1, found
    return Row(*found[0])


FLAG: dict[str, object] = {"expected": None, "actual": None, "tolerance": None, "unit": None}


def _result(run: str, doc: str, rule: str, severity: str, row: Row, passed: bool, **kw: object) -> list:
    expected = kw.get("expected", row.amount + 100)
    actual = kw.get("actual", row.amount)
    difference = None if expected is None or actual is None else actual - expected  # type: ignore[operator]
    return [
        run, doc, rule, severity, row.table_code or None, kw.get("row_key", row.key), row.measure or None,
        row.row_no or None, expected, actual, difference, kw.get("tolerance", Decimal("50.00")),
        kw.get("unit", "万元"), passed, row.page, row.line_no, kw.get("note"),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Planted:
    root = tmp_path_factory.mktemp("report")
    warehouse = root / "wh.duckdb"
    seed = root / "seed000_planted.txt"
    text = SEED000.read_text(encoding="utf-8")
    assert "\t行政单位医疗\t" in text
    seed.write_text(text.replace("\t行政单位医疗\t", f"\t{SCRIPT}\t", 1), encoding="utf-8")
    broken = root / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7 garbage")
    with writer(warehouse) as con:
        pdf_id, txt_id, failed_id = (ingest(con, p) for p in (SHGZB_PDF, seed, broken))
        total = "table_code = 'D03' and func_code = ? and measure = 'total_expenditure'"
        first = _row(con, pdf_id, total, ["201"])
        continued = _row(con, pdf_id, total, ["2101102"])
        # a label that reached the warehouse unescaped, as the validator would copy it into row_key
        (table, row_no), *_ = con.execute(
            "select distinct table_code, row_no from fact_line_item where document_id = ? "
            "and line_label = 'alert(1)'",
            [txt_id],
        ).fetchall()
        con.execute(
            "update fact_line_item set line_label = ? "
            "where document_id = ? and table_code = ? and row_no = ?",
            [SCRIPT, txt_id, table, row_no],
        )
        script = _row(
            con,
            txt_id,
            "table_code = ? and row_no = ? and measure = 'total_income'",
            [table, row_no],
        )
        con.executemany(
            "insert into dq_rule values (?, ?, ?, ?, ?, ?, 'final_account', ?, 'select 1')",
            [
                ("R01", "R", "total = basic + project", "合计 = 基本支出 + 项目支出", "error", "ROW", "eq"),
                ("H01", "H", "类 = sum of its 款", "类 = Σ 款", "error", "COL", "eq"),
                ("T01", "T", "no placeholder text", "无占位符", "warning", "DOC", "flag"),
                ("OLD1", "X", "a rule of an older run", "旧规则", "error", "TAB", "eq"),
            ],
        )
        page_text = con.execute(
            "select text from doc_text where document_id = ? and page = 2", [pdf_id]
        ).fetchone()
        assert page_text is not None
        phrase = "".join(page_text[0].split())[:8]
        on_page_2 = Row("", 0, "", "", Decimal(0), 2, None, None, None)
        now = datetime(2025, 9, 1, 2, 0)
        con.executemany(
            "insert into dq_run values (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                ("run-0", pdf_id, now - timedelta(days=1), 1, 1, 1, 0, False),
                ("run-1", pdf_id, now, 4, 6, 2, 3, False),
                ("run-1", txt_id, now, 1, 1, 0, 1, True),
            ],
        )
        con.executemany(
            "insert into dq_result values (" + ", ".join(["?"] * 17) + ")",
            [
                _result("run-0", pdf_id, "OLD1", "error", first, False),
                _result("run-1", pdf_id, "R01", "error", first, False, note="基本支出 + 项目支出 ≠ 合计"),
                _result("run-1", pdf_id, "R01", "error", continued, False),
                _result("run-1", pdf_id, "H01", "error", first, True, expected=first.amount),
                *(
                    _result("run-1", pdf_id, "T01", "warning", on_page_2, False, row_key=key, **FLAG)
                    for key in (phrase, phrase, "不存在的短语")
                ),
                _result(
                    "run-1",
                    txt_id,
                    "T01",
                    "warning",
                    script,
                    False,
                    row_key=SCRIPT,
                    expected=Decimal(0),
                    actual=Decimal(1),
                    tolerance=Decimal(0),
                    unit="count",
                ),
            ],
        )
    files = write_report(warehouse, root / "reports")
    index = files.latest.read_text("utf-8")
    assert files.pages is not None
    pages = {p.stem: p.read_text("utf-8") for p in files.pages.glob("*.html")}
    return Planted(
        warehouse, pdf_id, txt_id, failed_id, first, continued, script, phrase, files, index, pages,
        index + "".join(pages[k] for k in sorted(pages)),
    )  # fmt: skip


def _section(html: str, document_id: str) -> str:
    start = html.index(f'<section class="doc" id="doc-{document_id}">')
    return html[start : html.index("</section>", start)]


def _pictures(html: str) -> list[Image.Image]:
    return [
        Image.open(io.BytesIO(base64.b64decode(m))).convert("RGB")
        for m in re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    ]


def _row_pixels(picture: Image.Image, y: int, step: int = 1) -> list[tuple[int, int, int]]:
    data = picture.load()
    assert data is not None
    return [data[x, y] for x in range(0, picture.width, step)]  # type: ignore[misc]


def _colours(picture: Image.Image, y: int) -> set[tuple[int, int, int]]:
    return set(_row_pixels(picture, y))


def _highlighted_rows(picture: Image.Image) -> list[int]:
    """Pixel rows where most of the width is the highlight colour over white paper."""
    colour = blended_highlight()
    rows = []
    for y in range(picture.height):
        line = _row_pixels(picture, y, 4)
        close = sum(1 for p in line if all(abs(a - b) <= 3 for a, b in zip(p, colour, strict=True)))
        if close > 0.5 * len(line):
            rows.append(y)
    return rows


def test_files_written_and_latest_is_the_same_report(planted: Planted) -> None:
    """latest.html is the index, quality-<time>.html its dated copy; a page per loaded document."""
    files = planted.files
    assert re.fullmatch(r"quality-\d{8}T\d{6}(-\d+)?\.html", files.path.name)
    assert files.latest.name == "latest.html"
    assert files.path.read_text("utf-8") == planted.index
    assert sorted(planted.pages) == sorted([planted.pdf_id, planted.txt_id])  # the failed one has none


def test_pdf_failures_show_rule_numbers_page_and_highlighted_row(planted: Planted) -> None:
    doc = _section(planted.html, planted.pdf_id)
    assert "R01" in doc and "合计 = 基本支出 + 项目支出" in doc and "total = basic + project" in doc
    assert "2 of 2 checks failed" in doc
    # D03 201 本年支出合计 is printed 264.87 (万元) on page 8: exact 元 with thousands separators
    assert planted.first_page_row.amount == Decimal("2648700.00")
    for text in ("2,648,800.00", "2,648,700.00", "-100.00", "50.00", "元 (printed in 万元)"):
        assert f">{text}<" in doc, text
    assert f">page {planted.first_page_row.page}<" in doc and f">page {planted.continued_row.page}<" in doc
    assert "基本支出 + 项目支出 ≠ 合计" in doc  # the note
    assert "1 rules passed every check" in doc and "H01" in doc  # passing rules are counted and listed
    assert "4 rules run, <b>2 passed</b>, 2 failed" in doc  # one rule found nothing to check
    r01, t01 = (doc.index(f'id="{planted.pdf_id}-{rule}"') for rule in ("R01", "T01"))
    assert r01 < t01  # errors before warnings
    pictures = _pictures(doc[:t01])
    assert len(pictures) == 2
    for picture, row in zip(pictures, (planted.first_page_row, planted.continued_row), strict=True):
        assert row.row_top is not None and row.row_bottom is not None
        band = _highlighted_rows(picture)
        assert band, "no highlighted row"
        assert band == list(range(band[0], band[-1] + 1)), "the highlight is one band"
        assert abs(len(band) - (row.row_bottom - row.row_top) * SCALE) <= 4
        assert band[0] > 60, "title and header are shown above the row"
        assert picture.height - band[-1] < 40, "the crop ends just below the row"
        # the failing value is framed inside the highlighted row
        framed = [y for y in range(picture.height) if CELL_OUTLINE in _colours(picture, y)]
        assert framed and band[0] - 6 <= framed[0] and framed[-1] <= band[-1] + 6
    # the continuation page prints no header: the first page's header is put on top
    assert pictures[1].height - len(_highlighted_rows(pictures[1])) > 150
    assert planted.files.report.page_renders == 3  # pages 2, 8 and 9, each rendered once


def test_text_check_on_a_pdf_page_shows_the_phrase(planted: Planted) -> None:
    doc = _section(planted.html, planted.pdf_id)
    text_checks = doc[doc.index(f'id="{planted.pdf_id}-T01"') :]
    (picture,) = _pictures(text_checks)  # the same phrase twice gets one picture
    assert _highlighted_rows(picture)
    assert f"“{planted.phrase}” on page 2: see the picture above" in text_checks
    assert "“不存在的短语” not found in the text layer of page 2" in text_checks


def test_only_the_latest_run_is_reported(planted: Planted) -> None:
    assert "OLD1" not in planted.html
    assert "run-1" in planted.html and "run-0" not in planted.html


def test_text_export_shows_printed_line_and_row_escaped(planted: Planted) -> None:
    doc = _section(planted.html, planted.txt_id)
    assert SCRIPT not in planted.html
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert doc.count(escaped) >= 3  # row_key, the printed line and the row's label
    assert f"line {planted.script_row.line_no}: 2101101" in doc
    assert "462,799.60" in doc  # the printed values of the row
    assert "<img" not in doc  # a text export has no page to show
    assert '<td class="n hit">' in doc  # the failing column is marked


def test_summary_sorted_by_severity_and_failed_documents_listed(planted: Planted) -> None:
    html = planted.index
    pdf, txt = (f'href="documents/{i}.html"' for i in (planted.pdf_id, planted.txt_id))
    assert html.index(pdf) < html.index(txt)  # errors first
    summary = html[html.index('id="summary"') : html.index('id="failed"')]
    assert ">R01<" in summary and ">T01<" in summary
    assert summary.index(">R01<") < summary.index(">T01<") < summary.index(">H01<")  # failing errors first
    failed = html[html.index('id="failed"') :]
    assert "broken.pdf" in failed and planted.failed_id in failed and "corrupt" in failed


def test_report_is_self_contained(planted: Planted) -> None:
    for html in (planted.index, *planted.pages.values()):
        assert "<link" not in html and "<script" not in html
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
        assert "@import" not in html and "url(" not in html


def test_gx_data_docs_linked_when_built(planted: Planted, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    index = out / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    index.parent.mkdir(parents=True)
    index.write_text("<html></html>", encoding="utf-8")
    html = write_report(planted.warehouse, out, [planted.txt_id]).path.read_text("utf-8")
    assert 'href="gx/uncommitted/data_docs/local_site/index.html"' in html
    assert planted.pdf_id not in html  # only the documents asked for
    assert "Data Docs" not in planted.html  # no site, no link


def test_cli_report_and_quality_lines(planted: Planted, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["report", "--warehouse", str(planted.warehouse), "--out", str(out)])
    assert result.exit_code == 0, result.output
    path = Path(re.search(r"report: (\S+)", result.output).group(1))
    assert path.parent == out.resolve() and (out / "latest.html").exists()
    assert f'href="documents/{planted.pdf_id}.html"' in path.read_text("utf-8")
    assert f'id="doc-{planted.pdf_id}"' in (out / "documents" / f"{planted.pdf_id}.html").read_text("utf-8")
    with duckdb.connect(str(planted.warehouse), read_only=True) as con:
        lines = quality_lines(con, [planted.pdf_id, planted.txt_id, planted.failed_id])
    assert lines[planted.pdf_id].startswith("errors: 2 failed error checks, 3 failed warning checks")
    assert "2/4 rules passed" in lines[planted.pdf_id]
    assert lines[planted.txt_id].startswith("warnings: 0 failed error checks, 1 failed warning checks")
    assert lines[planted.failed_id].startswith("failed to load: corrupt")


def test_cli_report_reads_an_unchanged_source_once(
    planted: Planted, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`yujuesuan report` takes the sources' hashes from the warehouse's HashCache, as the ingest
    does: a second report reads no source file to check it is the one ingested."""
    from pipelines import sources

    monkeypatch.setattr(sources.HashCache, "RACY_NS", 0)  # the fixture's files were written just now
    cache = tmp_path / "hashes.sqlite"  # not beside the module's shared warehouse
    monkeypatch.setattr(sources.HashCache, "for_warehouse", classmethod(lambda cls, _: cls(cache)))
    read: list[Path] = []
    real = sources.source_hash

    def counted(path: Path) -> tuple[str, str | None]:
        read.append(Path(path))
        return real(path)

    monkeypatch.setattr(sources, "source_hash", counted)
    args = ["report", "--warehouse", str(planted.warehouse), "--out", str(tmp_path / "out")]
    assert CliRunner().invoke(cli, args).exit_code == 0
    assert Path(SHGZB_PDF).resolve() in {p.resolve() for p in read}  # the PDF shown was hashed once
    read.clear()
    assert CliRunner().invoke(cli, args).exit_code == 0
    assert read == []


def test_unknown_document_is_a_usage_error_and_latest_is_kept(planted: Planted, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "latest.html").write_text("yesterday", encoding="utf-8")
    args = ["report", "--warehouse", str(planted.warehouse), "--out", str(out), "--document", "nope"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "no document nope" in result.output
    # a report of chosen documents never replaces the morning read either
    args[-1] = planted.txt_id
    assert CliRunner().invoke(cli, args).exit_code == 0
    assert (out / "latest.html").read_text("utf-8") == "yesterday"


def test_findings_views_show_the_latest_run_of_current_documents(planted: Planted) -> None:
    with duckdb.connect(str(planted.warehouse), read_only=True) as con:
        rules = con.execute(
            "select rule_id, count(*) from v_current_findings where document_id = ? group by 1 order by 1",
            [planted.pdf_id],
        ).fetchall()
        assert rules == [("R01", 2), ("T01", 3)]  # OLD1 failed in an older run only
        status = dict(con.execute("select document_id, status from v_document_quality").fetchall())
    assert status == {planted.pdf_id: "errors", planted.txt_id: "warnings", planted.failed_id: "failed"}


def test_only_the_checks_shown_open_get_a_picture(planted: Planted, tmp_path: Path) -> None:
    """A rule failing on 12 rows: the first SHOWN_PER_RULE are shown open with their picture, the
    ones folded away are listed with their printed row and page, and no page band is drawn for them."""
    import shutil

    from pipelines.report.html import SHOWN_PER_RULE

    warehouse = tmp_path / "wh.duckdb"
    shutil.copy(planted.warehouse, warehouse)
    with writer(warehouse) as con:
        codes = [
            r[0]
            for r in con.execute(
                "select distinct func_code from fact_line_item where document_id = ? and table_code = 'D03' "
                "and measure = 'total_expenditure' and func_code is not null and row_top is not null "
                "order by func_code limit 12",
                [planted.pdf_id],
            ).fetchall()
        ]
        assert len(codes) == 12
        rows = [
            _row(
                con,
                planted.pdf_id,
                "table_code = 'D03' and func_code = ? and measure = 'total_expenditure'",
                [c],
            )
            for c in codes
        ]
        con.execute(
            "insert into dq_run values ('run-2', ?, ?, 1, 12, 0, 12, False)",
            [planted.pdf_id, datetime(2025, 9, 2)],
        )
        con.executemany(
            "insert into dq_result values (" + ", ".join(["?"] * 17) + ")",
            [_result("run-2", planted.pdf_id, "R01", "error", row, False) for row in rows],
        )
    files = write_report(warehouse, tmp_path / "reports", [planted.pdf_id])
    doc = _section(files.path.read_text("utf-8"), planted.pdf_id)
    folded = doc.index("more failing checks of R01")
    assert len(_pictures(doc[:folded])) == SHOWN_PER_RULE
    assert _pictures(doc[folded:]) == []
    assert doc[folded:].count("no picture for the checks folded away: see page") == 12 - SHOWN_PER_RULE
    assert files.report.pictures == SHOWN_PER_RULE


def test_an_ingest_draws_each_picture_once(
    planted: Planted, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After an ingest the CLI writes latest.html and the run's own report, which show the same
    findings: each page band is rendered once for both, not once per report."""
    from pipelines.cli import FileOutcome, _print_quality
    from pipelines.report import crops

    renders: list[tuple[int, int]] = []
    original = crops._Page.render_rows

    def counted(self: crops._Page, y0: int, y1: int) -> Image.Image:
        renders.append((y0, y1))
        return original(self, y0, y1)

    monkeypatch.setattr(crops._Page, "render_rows", counted)
    alone = write_report(planted.warehouse, tmp_path / "alone")
    one_report = len(renders)
    assert one_report >= alone.report.pictures >= 3  # R01's two rows (one with a header strip), T01's phrase
    renders.clear()
    out = tmp_path / "reports"
    outcome = FileOutcome(SHGZB_PDF.name, planted.pdf_id, "loaded", "ok", 0, 0.0)
    assert _print_quality(planted.warehouse, [outcome], out)
    assert len(renders) == one_report, "a picture was rendered again for the run's own report"
    own = next(out.glob("run-*.html")).read_text("utf-8")
    latest = (out / "documents" / f"{planted.pdf_id}.html").read_text("utf-8")  # its page
    pictures = re.findall(r'<img src="(data:image/png;base64,[^"]+)"', _section(own, planted.pdf_id))
    assert pictures and pictures == re.findall(
        r'<img src="(data:image/png;base64,[^"]+)"', _section(latest, planted.pdf_id)
    )


def test_reports_built_together_read_as_built_apart(
    planted: Planted, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """latest.html and a run's own report written together (`write_reports`, as after an ingest) are
    the reports `write_report` writes one by one; the documents both show are gathered once."""
    entries = [
        RunEntry(planted.pdf_id, SHGZB_PDF.name, "added"),
        RunEntry(planted.txt_id, SEED000.name, "changed", "new version of an older export"),
        RunEntry(planted.failed_id, "broken.pdf", "failed", "corrupt"),
    ]
    apart = tmp_path / "apart"
    with PageRenderer() as renderer:  # as one ingest wrote them before: each picture drawn once
        whole_apart = write_report(planted.warehouse, apart, renderer=renderer)
        ids = [planted.pdf_id, planted.txt_id]
        run_apart = write_report(planted.warehouse, apart, ids, run=entries, renderer=renderer)
    gathered: list[str] = []

    def counted(con: duckdb.DuckDBPyConnection, docs: list) -> dict[str, DocumentFacts]:
        gathered.extend(d.document_id for d in docs)
        return document_facts(con, docs)

    monkeypatch.setattr("pipelines.report.html.document_facts", counted)
    whole, own = write_reports(planted.warehouse, tmp_path / "together", entries)
    assert own is not None and own.path.name.startswith("run-")
    assert whole.latest.read_text("utf-8") == whole.path.read_text("utf-8")
    pages = [
        (apart / "documents" / f"{i}.html", tmp_path / "together" / "documents" / f"{i}.html") for i in ids
    ]
    for alone, together in ((whole_apart.path, whole.path), (run_apart.path, own.path), *pages):
        assert comparable(together.read_text("utf-8")) == comparable(alone.read_text("utf-8"))
    assert sorted(gathered) == sorted({planted.pdf_id, planted.txt_id})  # each document once


def test_data_docs_built_meanwhile_are_linked_from_both_reports(
    planted: Planted, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The GX Data Docs are rendered while the reports are gathered (in GX's process after an ingest);
    both reports link to the site, although its index did not exist when the gathering began."""
    from pipelines.validate import gx

    out = tmp_path / "reports"
    (out / "gx").mkdir(parents=True)
    index = out / "gx" / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"

    def soon(docs_dir: Path) -> Callable[[], Path]:
        assert docs_dir == out / "gx"

        def done() -> Path:
            index.parent.mkdir(parents=True)
            index.write_text("<html></html>", encoding="utf-8")
            return index

        return done

    monkeypatch.setattr(gx, "build_data_docs_soon", soon)
    whole, own = write_reports(planted.warehouse, out, [RunEntry(planted.pdf_id, SHGZB_PDF.name, "added")])
    assert own is not None
    link = 'href="gx/gx/uncommitted/data_docs/local_site/index.html"'
    assert link in whole.path.read_text("utf-8") and link in own.path.read_text("utf-8")


def _whole_document(con: duckdb.DuckDBPyConnection, document_id: str) -> DocumentFacts:
    """Every printed row and text block of a document, read in full (what document_facts narrows)."""
    whole = DocumentFacts()
    for r in con.execute(
        """
        select table_code, row_no, panel, func_code, econ_code, line_label, line_key, measure,
               column_header, value_printed, page, line_no, row_top, row_bottom
        from fact_line_item where document_id = ? order by table_code, row_no, rowid
        """,
        [document_id],
    ).fetchall():
        fact = Fact(*r[2:])
        whole.rows.setdefault((r[0], r[1]), []).append(fact)
        if fact.page is not None and fact.row_top is not None:
            key = (r[0], fact.page)
            whole.table_tops[key] = min(whole.table_tops.get(key, fact.row_top), fact.row_top)
    for code, title, page_start in con.execute(
        "select table_code, table_title, page_start from doc_table where document_id = ?", [document_id]
    ).fetchall():
        whole.titles[code] = title
        if page_start is not None:
            whole.first_pages[code] = page_start
    for page, line_no, text in con.execute(
        "select page, line_no, text from doc_text where document_id = ? order by block_no", [document_id]
    ).fetchall():
        if line_no is not None:
            whole.lines[line_no] = text
        elif page is not None:
            whole.pages[page] = text
    return whole


def test_facts_read_for_the_failing_checks_are_those_of_the_whole_document(planted: Planted) -> None:
    """document_facts reads only what the failing checks name; for every check it answers as a read
    of the whole document does: the row's cells, its table's top, title and first page, the printed
    line and the page text around a phrase."""
    with duckdb.connect(str(planted.warehouse), read_only=True) as con:
        docs, _ = load_documents(con, [planted.pdf_id, planted.txt_id])
        text_check = next(d for d in docs if d.document_id == planted.txt_id).groups[0].failures[0]
        text_check.line_no = None  # a check naming its row only: the report shows the row's line
        facts = document_facts(con, docs)
        cells_seen = lines_seen = snippets_seen = 0
        for doc in docs:
            got, whole = facts[doc.document_id], _whole_document(con, doc.document_id)
            for check in (c for g in doc.groups for c in g.failures):
                cells = got.row(check)
                assert cells == whole.row(check)
                cells_seen += bool(cells)
                for line_no in {n for n in (check.line_no, *(c.line_no for c in cells)) if n is not None}:
                    assert got.lines.get(line_no) == whole.lines.get(line_no)
                    lines_seen += line_no in whole.lines
                if check.page is not None and check.row_key:
                    assert got.snippet(check.page, check.row_key) == whole.snippet(check.page, check.row_key)
                    snippets_seen += whole.snippet(check.page, check.row_key) is not None
                if check.table_code is not None:
                    assert got.titles.get(check.table_code) == whole.titles.get(check.table_code)
                    assert got.first_page(check.table_code) == whole.first_page(check.table_code)
                if check.table_code is not None and check.page is not None:
                    at = (check.table_code, check.page)
                    assert got.table_tops.get(at) == whole.table_tops.get(at)
    assert cells_seen >= 3 and lines_seen >= 1 and snippets_seen >= 1  # PDF rows, a text line, a phrase


def _recorded_caches(monkeypatch: pytest.MonkeyPatch) -> list[PictureCache]:
    """The picture caches the report builds make (one per build), to read their own counts."""
    made: list[PictureCache] = []

    class Recorded(PictureCache):
        def __init__(self, file: Path | None) -> None:
            super().__init__(file)
            made.append(self)

    monkeypatch.setattr("pipelines.report.html.PictureCache", Recorded)
    return made


def _same_but_footer(a: Path, b: Path) -> bool:
    """The two reports read the same, but for the footer's account of pictures drawn and kept (and,
    in the index, of the pages written)."""
    return WRITTEN.sub("", DRAWN.sub("", comparable(a.read_text("utf-8"))[0])) == WRITTEN.sub(
        "", DRAWN.sub("", comparable(b.read_text("utf-8"))[0])
    )


def test_the_next_report_draws_no_picture_again(
    planted: Planted, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next batch's latest.html shows the same findings: every picture comes from the picture
    cache the first build left, none is drawn or rendered again, and the report reads the same."""
    from pipelines.report import crops

    made = _recorded_caches(monkeypatch)
    renders: list[int] = []
    original = crops._Page.render_rows

    def counted(self: crops._Page, y0: int, y1: int) -> Image.Image:
        renders.append(y0)
        return original(self, y0, y1)

    monkeypatch.setattr(crops._Page, "render_rows", counted)
    out = tmp_path / "reports"
    entries = [RunEntry(planted.pdf_id, SHGZB_PDF.name, "added")]
    first, _ = write_reports(planted.warehouse, out, entries)
    kept = PictureCache.for_reports(out).keys()
    # R01's two rows and T01's phrase drawn, and T01's phrase that is not on the page kept as such
    assert made[0].hits == 0 and made[0].stored == len(kept) == 4
    assert renders
    renders.clear()
    page = out / "documents" / f"{planted.pdf_id}.html"
    page_stat = page.stat()
    second, own = write_reports(planted.warehouse, out, entries)
    assert made[1].stored == 0 and made[1].hits == len(kept)  # the run's own report: every picture kept
    assert renders == []
    assert PictureCache.for_reports(out).keys() == kept
    assert second.report.pages_written == 0  # no validation changed: the pages stand
    assert (page.stat().st_ino, page.stat().st_mtime_ns) == (page_stat.st_ino, page_stat.st_mtime_ns)
    assert own is not None and own.report.pictures_kept == 3 and own.report.page_renders == 0
    assert "3 kept from an earlier report" in own.path.read_text("utf-8")
    assert _same_but_footer(first.path, second.path)
    assert _pictures(own.path.read_text("utf-8"))


def test_a_changed_source_or_finding_is_drawn_anew_and_stale_pictures_go(
    planted: Planted, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A picture is kept under the source's bytes, its page and what is drawn on it: a finding on
    another row, or the same findings in a changed file, are drawn anew; the pictures latest.html no
    longer shows are removed from the cache (a report of a selection removes nothing)."""
    warehouse = tmp_path / "wh.duckdb"
    warehouse.write_bytes(planted.warehouse.read_bytes())
    out = tmp_path / "reports"
    made = _recorded_caches(monkeypatch)
    write_report(warehouse, out)
    before = PictureCache.for_reports(out).keys()
    with writer(warehouse) as con:  # R01 fails on row 2101102 only (a finding changed)
        con.execute(
            "delete from dq_result where run_id = 'run-1' and document_id = ? and rule_id = 'R01' "
            "and row_key = '201'",
            [planted.pdf_id],
        )
        con.execute(  # the run's counts, as a validation records them: the page is stale
            "update dq_run set failed_errors = failed_errors - 1 where run_id = 'run-1' and document_id = ?",
            [planted.pdf_id],
        )
    write_report(warehouse, out, [planted.txt_id])  # a selection: nothing removed
    assert PictureCache.for_reports(out).keys() == before
    write_report(warehouse, out)
    after = PictureCache.for_reports(out).keys()
    assert made[2].stored == 0 and made[2].hits == len(after) == len(before) - 1
    assert after < before  # the row no longer shown: its picture removed
    changed = tmp_path / "changed.pdf"  # the same pages, other bytes: another file
    changed.write_bytes(SHGZB_PDF.read_bytes() + b"\n% changed\n")
    with writer(warehouse) as con:
        con.execute(
            "update dim_document set source_path = ?, source_sha256 = ? where document_id = ?",
            [str(changed), hashlib.sha256(changed.read_bytes()).hexdigest(), planted.pdf_id],
        )
    files = write_report(warehouse, out)
    fresh = PictureCache.for_reports(out).keys()
    assert made[3].hits == 0 and made[3].stored == len(fresh) == len(after)
    assert not fresh & after  # every picture drawn for the new bytes, the old ones removed
    assert files.report.pictures_kept == 0 and files.report.pictures == 2


def test_new_drawing_code_draws_every_picture_again(
    planted: Planted, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The drawing code and the libraries' versions are part of the key: a picture kept by older
    code is never shown by newer."""
    from pipelines.report import picture_cache

    out = tmp_path / "reports"
    made = _recorded_caches(monkeypatch)
    write_report(planted.warehouse, out)
    monkeypatch.setattr(picture_cache, "drawing_version", lambda: "another version")
    write_report(planted.warehouse, out)
    assert made[1].hits == 0 and made[1].stored == made[0].stored > 0
    assert not PictureCache.for_reports(out).keys() & {k for k in made[0]._used}


def test_a_broken_picture_cache_costs_drawing_not_the_report(planted: Planted, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    out.mkdir()
    (out / ".pictures.sqlite").write_bytes(b"not a database")
    files = write_report(planted.warehouse, out)
    assert files.report.pictures == planted.files.report.pictures
    assert _same_but_footer(files.path, planted.files.path)
    assert files.pages is not None and planted.files.pages is not None
    for doc_id in planted.pages:
        assert _same_but_footer(files.pages / f"{doc_id}.html", planted.files.pages / f"{doc_id}.html")
