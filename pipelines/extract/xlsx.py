"""Workbooks (XLSX with openpyxl, legacy XLS with xlrd) read cell by cell, one sheet at a time.

Departments publish one table per sheet: a title row (or only the sheet's name), a unit row,
merged multi-row headers, then the data. A fact's `line_no` is the sheet's row number and its
table records the sheet name, so a reviewer opens the sheet and goes to the row.

Numbers stored as numbers become the text the cell displays: the stored double is written with
15 significant digits (all a double holds, so the float noise of "0.1+0.2" or of a cached SUM
disappears) and then laid out by the cell's number format (decimals, thousands separators,
percent), all in `Decimal` — never through float arithmetic.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import openpyxl
import xlrd
from openpyxl.utils.exceptions import InvalidFileException

from pipelines.errors import SourceFileError
from pipelines.extract.metadata import detect_metadata
from pipelines.extract.office import OfficeDocument, container_of, grid_items, tables_from_items
from pipelines.extract.signature import settle_codes
from pipelines.extract.types import RawTable, TextBlock

_LITERALS = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.')


def read_workbook(path: Path) -> OfficeDocument:
    """Every table (catalogued or not) of every visible sheet; SourceFileError for an unreadable file."""
    data = path.read_bytes()
    zipped = container_of(data, "not_a_workbook") == "zip"  # an .xls that is really XLSX, or back
    sheets = _xlsx_sheets(data) if zipped else _xls_sheets(data)
    engine = "openpyxl" if zipped else "xlrd"
    tables: list[RawTable] = []
    warnings: list[str] = []
    texts: list[TextBlock] = []
    head: list[str] = []
    visible = [(block, sheet) for block, sheet in enumerate(sheets, start=1) if sheet[1]]
    for name, shown, cells, _ in sheets:
        if not shown:
            warnings.append(f"sheet {name!r} is hidden and was not read")
            continue
        rows = [(n, "\t".join(r).rstrip("\t")) for n, r in enumerate(cells, start=1) if any(r)]
        texts.extend(TextBlock(text, line_no=n) for n, text in rows)
        head.extend(" ".join(c for c in cells[n - 1] if c) for n, _ in rows[:20])
    kind = detect_metadata(head[:60]).doc_kind  # settles a title a budget and a final account share
    for block, (name, _, cells, merges) in visible:
        items = grid_items(cells, list(range(1, len(cells) + 1)), merges, block)
        found, notes = tables_from_items(items, engine, sheet=name, fallback_title=name, doc_kind=kind)
        tables.extend(found)
        warnings.extend(f"sheet {name!r}: {n}" for n in notes)
    settle_codes(tables, kind)
    return OfficeDocument(tables, warnings, texts, head[:60])


Sheet = tuple[str, bool, list[list[str]], list[tuple[int, int, int, int]]]


def _xlsx_sheets(data: bytes) -> list[Sheet]:
    """Every sheet, streamed read-only: only cells with a value are kept, up to the cell limit."""
    from openpyxl.cell.read_only import ReadOnlyCell
    from openpyxl.worksheet._reader import WorkSheetParser

    from pipelines import budget

    limit = budget.current().limits.max_cells
    _check_sheet_sizes(data, limit)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True, read_only=True)
    except zipfile.BadZipFile as exc:
        raise SourceFileError("corrupt", f"the XLSX package is damaged ({exc})") from exc
    except (KeyError, InvalidFileException) as exc:
        raise SourceFileError("not_a_workbook", f"the ZIP holds no workbook ({exc})") from exc
    except Exception as exc:  # openpyxl/lxml raise many types for damaged parts
        raise SourceFileError("corrupt", f"the XLSX cannot be read ({type(exc).__name__}: {exc})") from exc
    kept = 0
    sheets: list[Sheet] = []
    try:
        for ws in book.worksheets:
            present: dict[tuple[int, int], str] = {}
            # the sheet's XML parsed as a stream; merged ranges come from the same pass
            with ws._get_source() as src:
                parser = WorkSheetParser(
                    src,
                    ws._shared_strings,
                    data_only=True,
                    epoch=book.epoch,
                    date_formats=book._date_formats,
                    timedelta_formats=book._timedelta_formats,
                )
                for _, row in parser.parse():
                    for cell in row:
                        if cell["value"] is None:
                            continue
                        kept += 1
                        if kept > limit:
                            raise SourceFileError(
                                "too_large",
                                f"more than {limit:,} cells with a value (YUJUESUAN_MAX_CELLS); "
                                "not a disclosure workbook",
                            )
                        c = ReadOnlyCell(ws, **cell)
                        present[(c.row, c.column)] = _xlsx_text(c.value, c.number_format)
                ranges = parser.merged_cells.mergeCell if parser.merged_cells else []
            n_rows = max((r for r, _ in present), default=0)
            n_cols = max((c for _, c in present), default=0)
            cells = [[""] * n_cols for _ in range(n_rows)]
            for (r, c), text in present.items():
                cells[r - 1][c - 1] = text
            merges = []
            for m in ranges:
                lo, hi = [*m.ref.split(":"), m.ref][:2]
                (r0, c0), (r1, c1) = _cell_index(lo), _cell_index(hi)
                merges.append((r0 - 1, c0 - 1, r1 - 1, c1 - 1))
            sheets.append((ws.title, ws.sheet_state == "visible", cells, merges))
    finally:
        book.close()
    return sheets


XML_BYTES_PER_CELL = 64  # a generous size of one cell in sheet XML: a bigger sheet is refused unread


def _check_sheet_sizes(data: bytes, max_cells: int) -> None:
    """Refuse a workbook whose sheets' XML could only hold far more cells than the limit, before parsing."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            size = sum(i.file_size for i in z.infolist() if i.filename.startswith("xl/worksheets/"))
    except zipfile.BadZipFile:
        return  # openpyxl names the damage
    if size > max_cells * XML_BYTES_PER_CELL:
        raise SourceFileError(
            "too_large",
            f"{size / 1e6:.0f} MB of sheet XML, more than {max_cells:,} cells can take (YUJUESUAN_MAX_CELLS)",
        )


def _cell_index(ref: str) -> tuple[int, int]:
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    letters, row = coordinate_from_string(ref)
    return row, column_index_from_string(letters)


def _xlsx_text(value: Any, number_format: str) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float | Decimal):
        return number_text(value, number_format)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def _xls_sheets(data: bytes) -> list[Sheet]:
    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True)
    except xlrd.XLRDError as exc:
        if "encrypt" in str(exc).lower():
            raise SourceFileError("encrypted", "the workbook is password-protected") from exc
        raise SourceFileError("not_a_workbook", f"xlrd cannot read it as an XLS workbook ({exc})") from exc
    except Exception as exc:  # truncated or damaged compound documents
        raise SourceFileError("corrupt", f"the XLS cannot be read ({type(exc).__name__}: {exc})") from exc
    sheets: list[Sheet] = []
    for sh in book.sheets():
        cells = [[_xls_text(book, sh.cell(r, c)) for c in range(sh.ncols)] for r in range(sh.nrows)]
        merges = [(rlo, clo, rhi - 1, chi - 1) for rlo, rhi, clo, chi in sh.merged_cells]
        sheets.append((sh.name, sh.visibility == 0, cells, merges))
    return sheets


def _xls_text(book: Any, cell: Any) -> str:
    if cell.ctype == xlrd.XL_CELL_NUMBER:
        fmt = book.format_map.get(book.xf_list[cell.xf_index].format_key)
        return number_text(cell.value, fmt.format_str if fmt else "General")
    if cell.ctype == xlrd.XL_CELL_DATE:
        return _xlsx_text(xlrd.xldate_as_datetime(cell.value, book.datemode), "General")
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return "TRUE" if cell.value else "FALSE"
    if cell.ctype == xlrd.XL_CELL_ERROR:
        return str(xlrd.error_text_from_code.get(cell.value, "#ERR"))
    return str(cell.value).strip() if cell.ctype == xlrd.XL_CELL_TEXT else ""


def number_text(value: int | float | Decimal, number_format: str) -> str:
    """The text a cell shows for a stored number, e.g. 19890539.509999998 with #,##0.00 → 19,890,539.51."""
    exact = (
        value if isinstance(value, Decimal) else Decimal(value if isinstance(value, int) else f"{value:.15g}")
    )
    sections = number_format.split(";")
    section = sections[1] if exact < 0 and len(sections) > 1 else sections[0]
    shape = _LITERALS.sub("", section).strip()
    parens = exact < 0 and "(" in shape
    if "%" in shape:
        exact *= 100
    if shape.lower() in ("", "general", "@") or not re.search(r"[0#?]", shape):
        text = _plain(exact)
    else:
        m = re.search(r"\.([0#?]+)", shape)
        places = len(m.group(1)) if m else 0
        rounded = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        grouping = "," if re.search(r"[0#?],[0#?]", shape) else ""
        text = format(rounded, f"{grouping}.{places}f")
    if parens:
        text = f"({text.lstrip('-')})"
    return text + ("%" if "%" in shape else "")


def _plain(value: Decimal) -> str:
    """General format: every significant digit, no exponent, no trailing zeros."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text
