"""Render table rows (as a document prints them) into a PDF, ruled or unruled, optionally split over pages,
or into a Word document or a workbook; and break a PDF's text layer the ways real files are broken.

The tests feed it seed 000's printed rows read straight from the text file, so the files they
extract carry the seed's figures without the extractor ever having seen them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pypdfium2 as pdfium
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, StreamObject, TextStringObject
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from pipelines.catalog import clean_label, normalise_text
from pipelines.extract.text import extract_text_tables
from pipelines.vocab.grid import header_row_count
from pipelines.vocab.numbers import UNIT_FACTORS

FONT = "STSong-Light"
SIZE = 7.5
ROW_H = 14
PAD = 4
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
_AMOUNT = re.compile(r"^-?[\d,]+(\.\d+)?$")


@dataclass
class TableSource:
    title: str
    unit_line: str
    header: list[list[str]]
    body: list[list[str]]


# a ruled 项目绩效目标表 drawn from seed 002's 附件12-2 (L985–1042): its '≥' and '次' print alone in
# their cells, which pdfium's text leaves out without a CJK font (tests/extract/test_fonts.py)
PROJECT_TARGETS = TableSource(
    "重庆市潼南区人民政府办公室 2025 年预算项目绩效目标表-2",
    "单位：万元",
    [
        ["项目名称", "50015224T000004234154-区政府办征兵外事专项（常年性项目）", "", "", "", ""],
        ["主管部门", "312-政府办", "实施单位", "312001-政府办（本级）", "", ""],
        ["资金总额（万元）", "20", "项目属性", "新增", "", ""],
        ["一级指标", "二级指标", "三级指标", "指标值", "指标性质", "度量单位"],
    ],
    [
        ["产出指标", "数量指标", "接待港澳、外国政商代表团", "6", "≥", "次"],
        ["产出指标", "质量指标", "外事活动", "完成", "定性", ""],
        ["满意度指标", "服务对象满意度指标", "满意度", "90", "≥", "%"],
        ["成本指标", "经济成本指标", "印制海外领事保护、文明出境游等外事宣传资料", "5", "≥", "万元"],
    ],
)


def seed_table(seed: Path, title_line: int, first_row: int, last_row: int, header_rows: int) -> TableSource:
    """Rows of a seed table by line numbers (1-based, inclusive), markup stripped."""
    lines = seed.read_text(encoding="utf-8").splitlines()
    rows = [
        [re.sub(r"<[^>]+>", "", c).strip() for c in ln.split("\t")] for ln in lines[first_row - 1 : last_row]
    ]
    title = lines[title_line - 1].lstrip("#").strip()
    return TableSource(title, "单位：元", rows[:header_rows], rows[header_rows:])


def render(
    source: TableSource,
    out: Path,
    *,
    ruled: bool,
    split_after: int | None = None,
    repeat_header: bool = False,
) -> Path:
    """Draw the table; with `split_after`, body rows after that index go to a second page without title."""
    return render_tables([source], out, ruled=ruled, split_after=split_after, repeat_header=repeat_header)


def render_tables(
    sources: list[TableSource],
    out: Path,
    *,
    ruled: bool,
    split_after: int | None = None,
    repeat_header: bool = False,
    merged: bool = False,
) -> Path:
    """Draw each table on its own page (`split_after` splits each one over two pages).

    With `merged`, header cells are drawn merged as `header_merges` infers them: one text, no
    inner rules, the way departments print group headers.
    """
    c = canvas.Canvas(str(out), pagesize=A4, invariant=True)  # same bytes each run: reproducible ids
    for k, source in enumerate(sources):
        if k:
            c.showPage()
        _draw_table(c, source, ruled, split_after, repeat_header, merged)
    c.save()
    return out


def _width_cols(source: TableSource) -> int:
    return max(len(r) for r in source.header + source.body)


def _draw_table(
    c: canvas.Canvas,
    source: TableSource,
    ruled: bool,
    split_after: int | None,
    repeat_header: bool,
    merged: bool,
) -> None:
    width_cols = _width_cols(source)
    grid = [r + [""] * (width_cols - len(r)) for r in source.header + source.body]
    widths = [
        max(pdfmetrics.stringWidth(r[j], FONT, SIZE) for r in grid) + 2 * PAD for j in range(width_cols)
    ]
    widths = [max(w, 18) for w in widths]
    page = landscape(A4) if sum(widths) > A4[0] - 60 else A4
    c.setPageSize(page)
    x0 = (page[0] - sum(widths)) / 2
    pages = [source.body] if split_after is None else [source.body[:split_after], source.body[split_after:]]
    merges = header_merges(source.header) if merged else []
    covered = {(r, k) for r0, c0, r1, c1 in merges for r in range(r0, r1 + 1) for k in range(c0, c1 + 1)}
    for n, body in enumerate(pages):
        y = page[1] - 50
        if n == 0:
            c.setFont(FONT, 12)
            c.drawCentredString(page[0] / 2, y, source.title)
            y -= 20
            c.setFont(FONT, SIZE)
            c.drawString(x0, y, source.unit_line)
            y -= 12
        with_header = n == 0 or repeat_header
        rows = [*source.header, *body] if with_header else body
        n_header = len(source.header) if with_header else 0
        c.setFont(FONT, SIZE)
        top = y
        for i, row in enumerate(rows):
            cells = row + [""] * (width_cols - len(row))
            x = x0
            for j, text in enumerate(cells):
                span = next((m for m in merges if (m[0], m[1]) == (i, j)), None) if i < n_header else None
                if span:
                    w = sum(widths[span[1] : span[3] + 1])
                    h = (span[2] - span[0] + 1) * ROW_H
                    c.drawCentredString(x + w / 2, y - h / 2 - 3, text)
                elif (i, j) in covered and i < n_header:
                    pass
                elif _AMOUNT.match(text):
                    c.drawRightString(x + widths[j] - PAD, y - ROW_H + 4, text)
                else:
                    c.drawString(x + PAD, y - ROW_H + 4, text)
                x += widths[j]
            y -= ROW_H
        if ruled:
            _rules(c, x0, top, widths, len(rows), merges if n_header else [])
        if n + 1 < len(pages):
            c.showPage()


def _rules(
    c: canvas.Canvas,
    x0: float,
    top: float,
    widths: list[float],
    n_rows: int,
    merges: list[Merge],
    row_h: float = ROW_H,
) -> None:
    """Cell borders, leaving out the ones inside a merged cell."""
    c.setLineWidth(0.5)
    xs = [x0 + sum(widths[:j]) for j in range(len(widths) + 1)]
    for k in range(n_rows + 1):  # horizontal rule k lies between rows k-1 and k
        for j in range(len(widths)):
            if not any(r0 < k <= r1 and c0 <= j <= c1 for r0, c0, r1, c1 in merges):
                c.line(xs[j], top - k * row_h, xs[j + 1], top - k * row_h)
    for j in range(len(widths) + 1):  # vertical rule j lies between columns j-1 and j
        for k in range(n_rows):
            if not any(c0 < j <= c1 and r0 <= k <= r1 for r0, c0, r1, c1 in merges):
                c.line(xs[j], top - k * row_h, xs[j], top - (k + 1) * row_h)


# --- merged header cells -------------------------------------------------------------------------

Merge = tuple[int, int, int, int]  # first row, first column, last row, last column (inclusive)
_NUMBERING = {"栏次", "行次", "类", "款", "项"}


def header_merges(header: list[list[str]]) -> list[Merge]:
    """The merged cells a text export flattened: a header cell followed by empty cells spans them
    (what the text reader carries right), and one with empty cells below spans down.

    Column numbers, 栏次/行次 and 类/款/项 never span: they label one column each.
    """
    width = max((len(r) for r in header), default=0)
    grid = [r + [""] * (width - len(r)) for r in header]
    covered: set[tuple[int, int]] = set()
    merges: list[Merge] = []
    for r, row in enumerate(grid):
        for c0, text in enumerate(row):
            if not text or (r, c0) in covered or text.isdigit() or text.replace(" ", "") in _NUMBERING:
                continue
            c1 = c0
            while c1 + 1 < width and not row[c1 + 1] and (r, c1 + 1) not in covered:
                c1 += 1
            r1 = r
            while r1 + 1 < len(grid) and all(
                not grid[r1 + 1][k] and (r1 + 1, k) not in covered for k in range(c0, c1 + 1)
            ):
                r1 += 1
            if (r1, c1) != (r, c0):
                merges.append((r, c0, r1, c1))
                covered.update((i, k) for i in range(r, r1 + 1) for k in range(c0, c1 + 1))
    return merges


# --- the same tables as Word and Excel files ---------------------------------------------------


def tables_of(seed: Path) -> list[TableSource]:
    """Every catalogued table of a text export, split into header and body as the reader sees it."""
    lines = seed.read_text(encoding="utf-8").splitlines()
    sources = []
    for table in extract_text_tables(lines):
        rows = [[re.sub(r"<[^>]+>", "", c).strip() for c in r.cells] for r in table.rows]
        width = max(len(r) for r in rows)
        rows = [r + [""] * (width - len(r)) for r in rows]
        n = header_row_count(table.rows)
        sources.append(TableSource(table.title, f"单位：{table.unit}", rows[:n], rows[n:]))
    return sources


def write_docx(
    sources: list[TableSource],
    out: Path,
    *,
    intro: tuple[str, ...] = (),
    split_after: dict[int, int] | None = None,
    repeat_header: bool = True,
    title_in_table: bool = False,
) -> Path:
    """A Word document: intro paragraphs, then per table its title, 0N表, unit line and a Word table
    with merged header cells. `split_after` {table index: body rows} continues that table in a second
    Word table after a 续表 paragraph, with or without the header repeated. With `title_in_table`
    the title and unit are the first two rows of the Word table, each one cell across its width.
    """
    document = docx.Document()
    for line in intro:
        document.add_paragraph(line)
    for k, source in enumerate(sources):
        lead = [source.title, source.unit_line] if title_in_table else []
        if not title_in_table:
            document.add_heading(source.title, level=2)
            document.add_paragraph(f"{k + 1:02d}表")
            document.add_paragraph(source.unit_line)
            document.add_paragraph("部门：政府办")
        cut = (split_after or {}).get(k)
        parts = [source.body] if cut is None else [source.body[:cut], source.body[cut:]]
        for n, body in enumerate(parts):
            if n:
                document.add_paragraph("续表")
            header = source.header if n == 0 or repeat_header else []
            _word_table(document, header, body, lead if n == 0 else [])
        document.add_paragraph("")
    document.save(str(out))
    return out


def _word_table(document: Any, header: list[list[str]], body: list[list[str]], lead: list[str]) -> None:
    width = max(len(r) for r in header + body)
    rows = [[text] + [""] * (width - 1) for text in lead] + header + body
    table = document.add_table(rows=len(rows), cols=width)
    table.style = "Table Grid"
    merges = [(r, 0, r, width - 1) for r in range(len(lead))]
    merges += [(r0 + len(lead), c0, r1 + len(lead), c1) for r0, c0, r1, c1 in header_merges(header)]
    for r0, c0, r1, c1 in merges:
        table.cell(r0, c0).merge(table.cell(r1, c1))
    covered = {(r, c) for r0, c0, r1, c1 in merges for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
    origins = {(m[0], m[1]) for m in merges}
    for r, (row, word_row) in enumerate(zip(rows, table.rows, strict=True)):
        word_cells = word_row.cells  # one lookup per row: table.cell() rescans the whole table
        for c, text in enumerate(row):
            if text and ((r, c) not in covered or (r, c) in origins):
                word_cells[c].text = text


def write_xlsx(
    sources: list[TableSource],
    out: Path,
    *,
    title_row: bool = True,
    one_sheet: bool = False,
    cover: str | None = None,
) -> Path:
    """One sheet per table, laid out as departments publish them: a merged title row (unless the title
    is only the sheet's name), 部门 and unit on one row, merged header cells, then the data with
    amounts stored as numbers (#,##0.00), 行次/栏次 and counts as integers, codes as numbers. With
    `one_sheet` every table goes on one sheet, one under the other; `cover` puts the document's title
    on a first sheet of its own."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    if cover:
        book.create_sheet("封面")["A1"] = cover
    shared = book.create_sheet("决算公开表") if one_sheet else None
    row = 1
    for source in sources:
        sheet = shared or book.create_sheet(source.title[:31])
        row = _sheet_table(sheet, source, row if shared else 1, title_row=title_row or one_sheet) + 2
    book.save(str(out))
    return out


def _sheet_table(sheet: Any, source: TableSource, r: int, *, title_row: bool) -> int:
    """Write one table from row `r` on; return the row after its last one."""
    width = _width_cols(source)
    if title_row:
        sheet.cell(r, 1, source.title)
        sheet.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
        r += 1
    sheet.cell(r, 1, "部门：政府办")
    sheet.cell(r, width, source.unit_line)
    r += 1
    for r0, c0, r1, c1 in header_merges(source.header):
        sheet.merge_cells(start_row=r + r0, start_column=c0 + 1, end_row=r + r1, end_column=c1 + 1)
    for i, cells in enumerate(source.header + source.body):
        for j, text in enumerate(cells):
            if not text:
                continue
            cell = sheet.cell(r + i, j + 1)
            if i < len(source.header):
                cell.value = text
            else:
                cell.value, cell.number_format = typed_cell(text)
    return r + len(source.header) + len(source.body)


def typed_cell(text: str) -> tuple[object, str]:
    """A printed cell as Excel stores it: a number with the format that shows it as printed."""
    plain = text.replace(",", "")
    if re.fullmatch(r"-?\d+\.\d+", plain):
        places = len(plain.split(".")[1])
        return float(plain), ("#,##0." if "," in text or abs(float(plain)) < 1000 else "0.") + "0" * places
    if re.fullmatch(r"-?[1-9]\d*|0", plain):
        return int(plain), "#,##0" if "," in text else "General"
    return text, "General"


# --- broken text layers ------------------------------------------------------------------------

GARBLES = ("private_use", "replacement", "latin", "missing_tounicode", "wrong_cmap")


def garble_text_layer(src: Path, out: Path, how: str, pages: set[int] | None = None) -> Path:
    """The same PDF, looking the same, with the text layer of the CJK font broken on `pages` (all).

    - private_use / replacement / latin: a ToUnicode map that sends every character to the private
      use area, to U+FFFD, or to its GBK bytes read as Latin-1 ("收入" → "ÊÕÈë", digits intact);
    - missing_tounicode: Identity-H codes in a font of Identity ordering and no ToUnicode, so no
      character has a Unicode value (pdfminer prints "(cid:25910)");
    - wrong_cmap: Identity-H codes read as Adobe-GB1 CIDs: every character becomes another, rare one.
    """
    reader = PdfReader(src)
    writer = PdfWriter(clone_from=reader)
    for number, page in enumerate(writer.pages, start=1):
        if pages is not None and number not in pages:
            continue
        text = pdfium.PdfDocument(src)[number - 1].get_textpage().get_text_range()
        resources = DictionaryObject(page["/Resources"])  # type: ignore[call-overload]
        fonts = DictionaryObject(resources["/Font"])
        for name, ref in list(fonts.items()):
            font = ref.get_object()
            if font.get("/Subtype") != "/Type0":
                continue
            clone = font.clone(writer, force_duplicate=True)
            descendant = clone["/DescendantFonts"][0].get_object().clone(writer, force_duplicate=True)
            system = DictionaryObject(descendant["/CIDSystemInfo"].get_object())
            descendant[NameObject("/CIDSystemInfo")] = system
            clone[NameObject("/DescendantFonts")] = ArrayObject([writer._add_object(descendant)])
            if how in ("missing_tounicode", "wrong_cmap"):
                clone[NameObject("/Encoding")] = NameObject("/Identity-H")
                if how == "missing_tounicode":
                    system[NameObject("/Ordering")] = TextStringObject("Identity")
            else:
                cmap = StreamObject()
                cmap.set_data(_to_unicode_cmap(text, how).encode("ascii"))
                clone[NameObject("/ToUnicode")] = writer._add_object(cmap)
            fonts[NameObject(name)] = writer._add_object(clone)
        resources[NameObject("/Font")] = fonts
        page[NameObject("/Resources")] = resources
    with out.open("wb") as f:
        writer.write(f)
    return out


def _to_unicode_cmap(text: str, how: str) -> str:
    """A ToUnicode CMap for the UCS-2 codes of `text`, sending each to junk of the given kind."""
    chars = sorted({ch for ch in text if ord(ch) <= 0xFFFF and not ch.isspace()})

    def junk(k: int, ch: str) -> str:
        if how == "private_use":
            return chr(0xE000 + k)
        if how == "replacement":
            return "\ufffd"
        return ch.encode("gbk", errors="replace").decode("latin-1")

    entries = [
        f"<{ord(ch):04X}> <{junk(k, ch).encode('utf-16-be').hex().upper()}>" for k, ch in enumerate(chars)
    ]
    blocks = [entries[i : i + 100] for i in range(0, len(entries), 100)]
    body = "\n".join(f"{len(b)} beginbfchar\n" + "\n".join(b) + "\nendbfchar" for b in blocks)
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        f"{body}\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    )


def cid_dump(source: TableSource) -> TableSource:
    """The table as pdfminer prints text without a Unicode map: every CJK character as "(cid:N)"."""

    def dump(text: str) -> str:
        return "".join(f"(cid:{ord(ch)})" if ord(ch) > 0x2E80 else ch for ch in text)

    return TableSource(
        dump(source.title),
        dump(source.unit_line),
        [[dump(c) for c in r] for r in source.header],
        [[dump(c) for c in r] for r in source.body],
    )


# --- the styled corpus: the seeds' tables drawn the ways departments print them ------------------
#
# Every style draws the same printed rows; only the drawing changes (rules, key shape, number
# format, wrapping, baselines, pages). The ground truth of a drawing is the list of amounts it
# printed, each with its row key (code or label), its column's header path and its page, known
# from the rows before they were drawn. `score_style` reads the PDF with the project's extractor
# and counts how many of those amounts come back where they were printed.

CORPUS_SEEDS = ("000_5bede25103574bf3.txt", "004_c2b4d63b8c9ccf28.txt")
SEEDS_DIR = Path(__file__).parent / "fixtures" / "seeds"
_KEY_HEAD = re.compile(
    r"^(科目代码|科目编码|科目名称|功能分类科目|经济分类科目|科目|项目|项目编号|类|款|项|栏次|行次)$"
)
_MONEY = re.compile(r"^-?(\d{1,3}(,\d{3})+|\d+)\.\d+$")
_NUMBER = re.compile(r"^-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")
_CODE = re.compile(r"^\d{3}(\d{2}){0,2}$")
_TOTAL = {"合计", "总计"}
_ROW_NUMBER = re.compile(r"\d+$")  # a 行次 printed beside the label joins it in the row key


@dataclass(frozen=True)
class Style:
    """How a table is drawn. `keys` reshapes the code and name columns of a code-keyed table;
    `values` reprints the amounts; the other fields change only the geometry."""

    name: str
    rules: str = "none"  # grid | three_line | none
    keys: str = "source"  # source | split | merged | bracket | code_name | names
    values: str = "source"  # source | wan6 (6-decimal 万元) | yuan (元 with separators) | zero_blanks
    name_width: float | None = None  # the name column is this many font sizes wide; names wrap
    digit_shift: float = 0.0  # numbers sit this many font sizes above the CJK text of their row
    rows_per_page: int | None = None  # body rows per page; header and 合计 printed on every page
    scale: float = 1.0  # font size and row height, times the default
    tables: str = "all"  # all | coded (tables keyed by codes) | wide (13+ value columns)
    seeds: tuple[str, ...] = CORPUS_SEEDS


STYLES: tuple[Style, ...] = (
    Style("ruled", rules="grid"),
    Style("three_line", rules="three_line"),
    Style("borderless"),
    Style("wide_landscape", tables="wide", rules="three_line"),
    Style("wide_borderless", tables="wide"),
    Style("narrow_wrapped", name_width=5.5),
    Style("split_codes", keys="split", rules="three_line"),
    Style("merged_code", keys="merged"),
    Style("bracketed_codes", keys="bracket"),
    Style("code_name", keys="code_name"),
    Style("names_indented", keys="names"),
    Style("multi_page", rows_per_page=7, keys="merged"),
    Style("wan6", values="wan6", seeds=CORPUS_SEEDS[:1]),
    Style("yuan_separators", values="yuan", seeds=CORPUS_SEEDS[1:]),
    Style("zero_blanks", values="zero_blanks"),
    Style("baselines", digit_shift=0.4),
    Style("scaled_large", scale=1.5),
    Style("scaled_small", scale=0.8, rules="three_line"),
)
STYLE_BY_NAME = {s.name: s for s in STYLES}


@dataclass
class CorpusTable:
    """A table ready to draw: header rows, body rows, the columns that hold amounts; for a
    code-keyed table also each row's code and the column of names."""

    code: str  # the catalog code the text export's title gives
    title: str
    unit: str
    header: list[list[str]]
    body: list[list[str]]
    value_cols: list[int]
    codes: list[str | None] | None = None
    names: list[str] | None = None
    name_col: int | None = None


@dataclass(frozen=True)
class Printed:
    """One amount as drawn: its table, row key, column header path, page and value in 元."""

    table_code: str
    code: str | None
    label: str
    header: str
    page: int
    value: Decimal
    printed: str


def corpus_tables(seed: Path) -> list[CorpusTable]:
    """The seed's grids of amounts (not performance forms, not one-line tables), header aligned."""
    lines = seed.read_text(encoding="utf-8").splitlines()
    out: list[CorpusTable] = []
    for table in extract_text_tables(lines):
        if table.table_code.startswith(("B11", "B12", "PS")):
            continue
        rows = [[re.sub(r"<[^>]+>", "", c).strip() for c in r.cells] for r in table.rows]
        width = max(len(r) for r in rows)
        rows = [r + [""] * (width - len(r)) for r in rows]
        n = header_row_count(table.rows)
        header, body = rows[:n], rows[n:]
        keyed = [r for r in body if any(c and not _NUMBER.match(c.replace(" ", "")) for c in r)]
        if not header or len(keyed) < 2 or not any(_MONEY.match(c.replace(" ", "")) for r in body for c in r):
            continue
        values = _value_columns(header, body)
        texts = [
            j for j in range(width) if j not in values and any(not _NUMBER.match(r[j] or "0") for r in body)
        ]
        name_col = max(texts, key=lambda j: max(len(r[j]) for r in body)) if texts else None
        aligned = _aligned(header, body)
        out.append(
            CorpusTable(table.table_code, table.title, table.unit, aligned, body, values, name_col=name_col)
        )
    return out


def _value_columns(header: list[list[str]], body: list[list[str]]) -> list[int]:
    """Columns of amounts: no text in the body, and not a 行次 column of bare row numbers."""
    out = []
    for j in range(len(body[0])):
        cells = [r[j].replace(" ", "") for r in body if r[j].strip() not in {"", "—", "-"}]
        heads = {normalise_text(h[j]) for h in header} - {""}
        if any(not _NUMBER.match(c) for c in cells) or any(_KEY_HEAD.match(h) for h in heads):
            continue
        if cells and not any(_MONEY.match(c) for c in cells):
            continue  # codes or row numbers
        out.append(j)
    return out


def _aligned(header: list[list[str]], body: list[list[str]]) -> list[list[str]]:
    """Header rows whose key part is shorter than the body's (a merged 科目代码 exported as one
    cell) shifted right so each value header stands over its column; a row with no key word keeps
    the shift of the row above."""
    width = len(body[0])
    first = next(j for j in range(width) if any(_MONEY.match(r[j].replace(" ", "")) for r in body))
    out: list[list[str]] = []
    shift = 0
    for row in header:
        k = next((j for j, c in enumerate(row) if c and not _KEY_HEAD.match(normalise_text(c))), width)
        if any(_KEY_HEAD.match(normalise_text(c)) for c in row[:k] if c) and k < width:
            shift = max(0, first - k)
        out.append(row[:k] + [""] * shift + row[k : width - shift] if shift else row)
    return out


def _coded(table: CorpusTable) -> CorpusTable | None:
    """The table as code | name | amounts when its one key panel holds codes, else None."""
    first = table.value_cols[0] if table.value_cols else 0
    if not first or table.value_cols != list(range(first, len(table.body[0]))):
        return None
    codes: list[str | None] = []
    names: list[str] = []
    for row in table.body:
        keys = [c for c in row[:first] if c]
        code = next((c for c in keys if _CODE.match(c)), None)
        codes.append(code)
        names.append("".join(c for c in keys if c != code))
    if sum(1 for c in codes if c) < 3:
        return None
    header = [
        ["科目编码" if i == 0 else "", "科目名称" if i == 0 else "", *r[first:]]
        for i, r in enumerate(table.header)
    ]
    header = [r for r in header if any(r[2:])]
    body = [[c or "", n, *r[first:]] for c, n, r in zip(codes, names, table.body, strict=True)]
    values = list(range(2, 2 + len(table.value_cols)))
    return CorpusTable(table.code, table.title, table.unit, header, body, values, codes, names, 1)


def _reshape_keys(table: CorpusTable, keys: str) -> CorpusTable:
    """Redraw the code and name columns of a `_coded` table (code | name | amounts)."""
    assert table.codes is not None and table.names is not None
    if keys == "merged":
        return table
    value_head = [r[2:] for r in table.header]
    value_body = [r[2:] for r in table.body]
    n = len(table.value_cols)
    if keys == "split":
        # 类 printed on the class row only, 款 and 项 as their two digits (continuation rows leave 类 blank)
        head = [["科目编码", "", "", "科目名称"]] + [["", "", "", ""] for _ in value_head[1:]]
        head[-1] = ["类", "款", "项", "" if len(head) > 1 else "科目名称"]
        rows = []
        for code, name, vals in zip(table.codes, table.names, value_body, strict=True):
            parts = ["", "", ""]
            if code and len(code) == 3:
                parts[0] = code
            elif code:
                parts[1:] = [code[3:5], code[5:7]]
            rows.append([*parts, name, *vals])
        header = [h + v for h, v in zip(head, value_head, strict=True)]
        return CorpusTable(
            table.code,
            table.title,
            table.unit,
            header,
            rows,
            list(range(4, 4 + n)),
            table.codes,
            table.names,
            3,
        )
    rows = []
    for code, name, vals in zip(table.codes, table.names, value_body, strict=True):
        key = {"bracket": f"[{code}]{name}", "code_name": f"{code}-{name}"}.get(keys, name) if code else name
        rows.append([key, *vals])
    header = [["科目名称" if i == 0 else "", *v] for i, v in enumerate(value_head)]
    return CorpusTable(
        table.code, table.title, table.unit, header, rows, list(range(1, 1 + n)), table.codes, table.names, 0
    )


def styled_tables(style: Style) -> list[CorpusTable]:
    """The style's tables: the chosen seeds' grids with the style's key shape and number format."""
    out = []
    for seed in style.seeds:
        for table in corpus_tables(SEEDS_DIR / seed):
            if style.keys != "source":
                coded = _coded(table)
                if coded is None:
                    continue
                table = _reshape_keys(coded, style.keys)
            if style.tables == "wide" and len(table.value_cols) < 13:
                continue
            out.append(_reprinted(table, style.values))
    return out


def _reprinted(table: CorpusTable, values: str) -> CorpusTable:
    body = [list(r) for r in table.body]
    unit = table.unit
    cols = set(table.value_cols)
    if values == "wan6" and unit == "元":
        unit = "万元"
        body = [
            [_reprint(c, Decimal("0.0001"), 6, False) if j in cols else c for j, c in enumerate(r)]
            for r in body
        ]
    elif values == "yuan" and unit == "万元":
        unit = "元"
        body = [
            [_reprint(c, Decimal(10000), 2, True) if j in cols else c for j, c in enumerate(r)] for r in body
        ]
    elif values == "zero_blanks":  # every blank under a headed column of a keyed row
        headed = {j for j in cols if any(r[j] for r in table.header)}
        # a row whose amount spills into an unheaded column (D06's footer) is left as printed
        body = [
            [
                "0.00" if j in headed and not c and _key_cells(r, j, table.value_cols) else c
                for j, c in enumerate(r)
            ]
            if not any(r[j] for j in cols - headed)
            else r
            for r in body
        ]
    return CorpusTable(
        table.code,
        table.title,
        unit,
        table.header,
        body,
        table.value_cols,
        table.codes,
        table.names,
        table.name_col,
    )


def _reprint(text: str, factor: Decimal, places: int, commas: bool) -> str:
    plain = text.replace(" ", "")
    if not _NUMBER.match(plain):
        return text
    value = Decimal(plain.replace(",", "")) * factor
    return f"{value:,.{places}f}" if commas else f"{value:.{places}f}"


def _key_cells(row: list[str], j: int, values: list[int], *, footer: bool = False) -> list[str]:
    """The printed key cells of value column j: the run of key columns nearest to its left."""
    end = j
    while end > 0 and end - 1 in values:
        end -= 1
    start = end
    while start > 0 and start - 1 not in values:
        start -= 1
    cells = [c for c in row[start:end] if (c and not c.isdigit()) or _CODE.match(c)]
    if (
        not cells and footer
    ):  # a footer label (人员经费合计) printed further left, its amount beyond its panel
        cells = [c for c in row[:j] if c and not _NUMBER.match(c.replace(" ", ""))][-1:]
    return cells


def printed_amounts(table: CorpusTable, drawn: list[tuple[int, int]], keys: str) -> list[Printed]:
    """The ground truth: every amount drawn (body row index, page) with its row key and header."""
    paths = _header_paths(table.header)
    factor = UNIT_FACTORS[table.unit]
    out = []
    for i, page in drawn:
        row = table.body[i]
        for j in table.value_cols:
            text = row[j].replace(" ", "")
            if not _NUMBER.match(text):
                continue
            if table.codes is not None and table.names is not None:
                code, label = table.codes[i], clean_label(table.names[i])
            else:
                cells = _key_cells(row, j, table.value_cols, footer=True)
                code = next((c for c in cells if _CODE.match(c)), None)
                label = clean_label("".join(c for c in cells if c != code and not c.isdigit()))
            value = (Decimal(text.replace(",", "")) * factor).quantize(Decimal("0.01"))
            header = paths[j] or _footer_header(row, j, table.value_cols, paths)
            out.append(Printed(table.code, code, label, header, page, value, row[j]))
    return out


def _footer_header(row: list[str], j: int, values: list[int], paths: list[str]) -> str:
    """A footer total (公用经费合计) whose amount is printed in a column without a header belongs to
    the amount column of the block its label opens: the first headed value column right of the label."""
    label = max((k for k in range(j) if row[k] and not _NUMBER.match(row[k].replace(" ", ""))), default=-1)
    return next((paths[k] for k in values if label < k < j and paths[k]), "")


def _drawn_merges(header: list[list[str]]) -> list[Merge]:
    """`header_merges`, except that no caption spans a column without any header text of its
    own (seed 000's D06 ends with one, holding only the 公用经费合计 amount)."""
    width = max(len(r) for r in header)
    unheaded = {j for j in range(width) if not any(j < len(r) and r[j] for r in header)}
    out = []
    for r0, c0, r1, c1 in header_merges(header):
        while c1 > c0 and c1 in unheaded:
            c1 -= 1
        if (r0, c0) != (r1, c1):
            out.append((r0, c0, r1, c1))
    return out


def _header_paths(header: list[list[str]]) -> list[str]:
    """Each column's header path: merged cells (as `header_merges` infers them) carried over their
    span, digits and numbering words left out, whitespace and separators removed."""
    width = max(len(r) for r in header)
    grid = [r + [""] * (width - len(r)) for r in header]
    filled = [list(r) for r in grid]
    for r0, c0, r1, c1 in _drawn_merges(grid):
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                filled[r][c] = grid[r0][c0]
    paths = []
    for j in range(width):
        parts: list[str] = []
        for row in filled:
            t = normalise_text(row[j])
            if t and not t.isdigit() and t not in _NUMBERING and (not parts or parts[-1] != t):
                parts.append(t)
        paths.append("".join(parts))
    return paths


def render_style(style: Style, out: Path) -> list[Printed]:
    """Draw the style's tables, each from a new page, and return every amount drawn."""
    c = canvas.Canvas(str(out), pagesize=A4, invariant=True)  # same bytes each run: reproducible ids
    printed: list[Printed] = []
    page = 1
    for k, table in enumerate(styled_tables(style)):
        if k:
            c.showPage()
            page += 1
        drawn, page = _draw_styled(c, table, style, page)
        printed += printed_amounts(table, drawn, style.keys)
    c.save()
    return printed


def _wrap(text: str, width: float, size: float) -> list[str]:
    lines = [""]
    for ch in text:
        if lines[-1] and pdfmetrics.stringWidth(lines[-1] + ch, FONT, size) > width:
            lines.append("")
        lines[-1] += ch
    return lines


def _row_height(table: CorpusTable, i: int, style: Style, size: float, pad: float, line_h: float) -> float:
    name = table.body[i][table.name_col] if table.name_col is not None else ""
    lines = _wrap(name, style.name_width * size, size) if style.name_width and name else [name]
    return max(line_h, len(lines) * size * 1.25 + 2 * pad * 0.6)


def _draw_styled(
    c: canvas.Canvas, table: CorpusTable, style: Style, page: int
) -> tuple[list[tuple[int, int]], int]:
    """Draw one table from the current page on; return (body row, page) of each drawn row."""
    size, pad = SIZE * style.scale, PAD * style.scale
    width_cols = len(table.body[0])
    merges = _drawn_merges(table.header)
    covered = {(r, k) for r0, c0, r1, c1 in merges for r in range(r0, r1 + 1) for k in range(c0, c1 + 1)}
    indent = [0.0] * len(table.body)
    if style.keys == "names" and table.codes is not None:
        indent = [size * (len(code) - 3) / 2 if code else 0.0 for code in table.codes]
    widths = []
    for j in range(width_cols):
        texts = [r[j] for r in table.body] + [
            h[j]
            for i, h in enumerate(table.header)
            if (i, j) not in covered or (i, j) in {(m[0], m[1]) for m in merges if m[1] == m[3]}
        ]
        w = max(pdfmetrics.stringWidth(t, FONT, size) for t in texts) + 2 * pad
        if j == table.name_col:
            w = (
                max(w + max(indent), 0)
                if style.name_width is None
                else style.name_width * size + 2 * pad + max(indent)
            )
        widths.append(max(w, 18 * style.scale))
    page_size = landscape(A4) if sum(widths) > A4[0] - 60 else A4
    fit = min(1.0, (page_size[0] - 40) / sum(widths))  # a table wider than the page is printed smaller
    size, pad, widths = size * fit, pad * fit, [w * fit for w in widths]
    indent = [x * fit for x in indent]
    line_h = ROW_H * style.scale * fit
    x0 = (page_size[0] - sum(widths)) / 2
    xs = [x0 + sum(widths[:j]) for j in range(width_cols + 1)]
    totals = [
        i
        for i, r in enumerate(table.body)
        if any(normalise_text(x) in _TOTAL for x in r[: table.value_cols[0]])
    ]
    heights = [_row_height(table, i, style, size, pad, line_h) for i in range(len(table.body))]
    room = page_size[1] - 50 - 32 - len(table.header) * line_h - 30  # below title and header
    chunks: list[list[int]] = [[]]
    for i, h in enumerate(heights):  # a page holds what fits (and rows_per_page at most)
        full = style.rows_per_page is not None and len(chunks[-1]) >= style.rows_per_page
        if chunks[-1] and (full or sum(heights[k] for k in chunks[-1]) + h > room):
            chunks.append([])
        chunks[-1].append(i)
    drawn: list[tuple[int, int]] = []
    for n, chunk in enumerate(chunks):
        if n:
            c.showPage()
            page += 1
            if style.rows_per_page is not None:  # 合计 again at the top of every page
                chunk = [i for i in totals if i not in chunk] + chunk
        c.setPageSize(page_size)
        y = page_size[1] - 50
        if n == 0:
            c.setFont(FONT, 12)
            c.drawCentredString(page_size[0] / 2, y, table.title)
            y -= 20
            c.setFont(FONT, size)
            c.drawRightString(xs[-1], y, f"单位：{table.unit}")
            y -= 12
        c.setFont(FONT, size)
        top = y
        # header: every cell centred in its (merged) box
        for i, row in enumerate(table.header):
            for j, text in enumerate(row):
                span = next((m for m in merges if (m[0], m[1]) == (i, j)), None)
                if span is None and ((i, j) in covered or not text):
                    continue
                r1, c1 = (span[2], span[3]) if span else (i, j)
                cx = (xs[j] + xs[c1 + 1]) / 2
                cy = y - i * line_h - (r1 - i + 1) * line_h / 2
                c.drawCentredString(cx, cy - size * 0.35, text)
        y -= len(table.header) * line_h
        header_bottom = y
        row_tops = []
        for i in chunk:
            row = table.body[i]
            name = row[table.name_col] if table.name_col is not None else ""
            lines = _wrap(name, style.name_width * size, size) if style.name_width and name else [name]
            h = heights[i]
            mid = y - h / 2
            row_tops.append(y)
            for j, text in enumerate(row):
                if not text:
                    continue
                if j == table.name_col and len(lines) > 1:
                    for k, part in enumerate(lines):
                        c.drawString(xs[j] + pad + indent[i], y - pad * 0.6 - size * (1.25 * k + 1), part)
                    continue
                numeric = bool(_NUMBER.match(text.replace(" ", "")))
                base = mid - size * 0.35 + (style.digit_shift * size if numeric else 0)
                if numeric and j in table.value_cols:
                    c.drawRightString(xs[j + 1] - pad, base, text)
                else:
                    c.drawString(xs[j] + pad + (indent[i] if j == table.name_col else 0), base, text)
            drawn.append((i, page))
            y -= h
        c.setLineWidth(0.5)
        if style.rules == "three_line":
            for yy in (top, header_bottom, y):
                c.line(xs[0], yy, xs[-1], yy)
        elif style.rules == "grid":
            _rules(c, x0, top, widths, len(table.header), merges, line_h)
            for yy in [*row_tops, y]:
                c.line(xs[0], yy, xs[-1], yy)
            for xx in xs:
                c.line(xx, header_bottom, xx, y)
    return drawn, page


@dataclass
class StyleScore:
    style: str
    right: int
    total: int
    misses: dict[str, list[str]]  # kind (key | column | page | missing) → examples
    extra: int  # facts with a printed amount that no drawn cell explains

    @property
    def verdict(self) -> str:
        if self.right == self.total and not self.extra:
            return "ok"
        kinds = {k for k, v in self.misses.items() if v and k != "extra"}
        if not kinds:
            return "extra"
        return "keys" if kinds == {"key"} else "+".join(sorted(kinds))


def score_pdf(pdf: Path, printed: list[Printed], style: str = "", *, names_ok: bool = False) -> StyleScore:
    """Extract the PDF with the project's extractor and match every drawn amount to one fact of the
    same table, value and page, whose column header path and row key are the drawn ones.

    A code-keyed row must come back with its code; a label row with its label. With `names_ok` a
    row printed without its code may come back keyed by its name alone."""
    from pipelines.extract.document import extract_document
    from pipelines.normalise.document import normalise_document

    doc = extract_document(pdf)
    facts = normalise_document(doc).facts
    pool = [f for f in facts.iter_rows(named=True) if not f["is_blank"]]
    for f in pool:
        f["_header"] = normalise_text(f["column_header"] or "").replace("/", "")
        f["_label"] = _ROW_NUMBER.sub("", clean_label(f["line_label"] or ""))
    used: set[int] = set()
    misses: dict[str, list[str]] = {"key": [], "column": [], "page": [], "missing": []}

    def key_ok(f: dict[str, Any], p: Printed) -> bool:
        if p.code and p.code in (f["func_code"], f["econ_code"]):
            return True
        return (not p.code or names_ok) and f["_label"] == p.label

    right = 0
    for p in printed:
        same = [
            k
            for k, f in enumerate(pool)
            if k not in used and f["table_code"] == p.table_code and f["amount"] == p.value
        ]
        hit = next(
            (
                k
                for k in same
                if pool[k]["page"] == p.page and pool[k]["_header"] == p.header and key_ok(pool[k], p)
            ),
            None,
        )
        if hit is not None:
            used.add(hit)
            right += 1
            continue
        what = f"{p.table_code} p{p.page} [{p.code or ''}|{p.label}] {p.header} = {p.printed}"
        near = [pool[k] for k in same if pool[k]["page"] == p.page]
        if any(f["_header"] == p.header for f in near):
            f = next(f for f in near if f["_header"] == p.header)
            misses["key"].append(f"{what}: got [{f['func_code'] or f['econ_code'] or ''}|{f['_label']}]")
        elif any(key_ok(f, p) for f in near):
            f = next(f for f in near if key_ok(f, p))
            misses["column"].append(f"{what}: got column {f['_header']}")
        elif any(pool[k]["_header"] == p.header and key_ok(pool[k], p) for k in same):
            misses["page"].append(what)
        else:
            misses["missing"].append(what)
    tables = {p.table_code for p in printed}
    unexplained = [f for k, f in enumerate(pool) if k not in used and f["table_code"] in tables]
    misses["extra"] = [
        f"{f['table_code']} p{f['page']} [{f['func_code'] or f['econ_code'] or ''}|{f['_label']}] "
        f"{f['_header']} = {f['value_printed']}"
        for f in unexplained
    ]
    extra = len(unexplained)
    return StyleScore(style, right, len(printed), misses, extra)


def score_style(style: Style, folder: Path) -> StyleScore:
    pdf = folder / f"{style.name}.pdf"
    printed = render_style(style, pdf)
    return score_pdf(pdf, printed, style.name, names_ok=style.keys == "names")


def score_table(scores: list[StyleScore]) -> str:
    lines = [f"{'style':18} {'right':>6} {'total':>6} {'share':>7} {'extra':>6}  verdict", "-" * 60]
    for s in scores:
        share = s.right / s.total if s.total else 1.0
        lines.append(f"{s.style:18} {s.right:6d} {s.total:6d} {share:7.1%} {s.extra:6d}  {s.verdict}")
    right, total = sum(s.right for s in scores), sum(s.total for s in scores)
    lines.append(f"{'all':18} {right:6d} {total:6d} {right / max(total, 1):7.1%}")
    return "\n".join(lines)


def scanned_pdf(
    src: Path,
    out: Path,
    *,
    dpi: int = 150,
    rotate: float = 0.0,
    jpeg: int | None = None,
    pages: list[int] | None = None,
) -> Path:
    """An image-only copy of `src` (1-based `pages`, default all), as a scanner makes one: each
    page rendered at `dpi`, turned by `rotate` degrees, optionally JPEG-compressed at quality `jpeg`."""
    import io

    from PIL import Image

    pdf = pdfium.PdfDocument(src)
    images = []
    for n in pages or range(1, len(pdf) + 1):
        img = pdf[n - 1].render(scale=dpi / 72).to_pil().convert("L")
        if rotate:
            img = img.rotate(rotate, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
        if jpeg is not None:
            buf = io.BytesIO()
            img.save(buf, format="JPEG", quality=jpeg)
            img = Image.open(io.BytesIO(buf.getvalue()))
        images.append(img)
    pdf.close()
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:], resolution=float(dpi))
    return out


# how a page is scanned: (rotation in degrees, JPEG quality or None)
SCAN_STYLES: dict[str, tuple[float, int | None]] = {
    "plain": (0.0, None),
    "rotated": (0.5, None),
    "jpeg": (0.0, 60),
    "rotated_jpeg": (0.5, 60),
}
# (corpus style, scan style) pairs of the OCR recall report, each at every dpi of OCR_DPIS
OCR_REPORT: tuple[tuple[str, str], ...] = (
    ("ruled", "plain"),
    ("ruled", "rotated"),
    ("ruled", "jpeg"),
    ("three_line", "plain"),
    ("three_line", "rotated_jpeg"),
    ("borderless", "plain"),
    ("split_codes", "plain"),
    ("code_name", "plain"),
    ("names_indented", "plain"),
    ("yuan_separators", "plain"),
    ("scaled_small", "plain"),
    ("wide_landscape", "plain"),
)
# real table pages (tests/fixtures/real) whose every cell was typed (tests/fixtures/expected/real)
OCR_REAL: tuple[tuple[str, int], ...] = (
    ("jl_cc_xfj_2026_yusuan", 10),
    ("gd_sz_czj_2026_yusuan", 22),
    ("zj_huzhou_czj_2026_yusuan", 23),
    ("sd_yt_czj_2026_yusuan", 17),
    ("cn_gjxfj_2026_yusuan", 10),
)
OCR_REAL_SCANS = ("plain", "rotated_jpeg")
OCR_DPIS = (150, 300)
SAMPLE_MIN_AMOUNTS = 30  # the sample pages of a style are its first pages printing this many amounts


@dataclass
class ScanScore:
    style: str
    scan: str
    dpi: int
    pages: list[int]
    score: StyleScore
    wall: float  # seconds of the whole read (extract and normalise), all sample pages
    cpu: float  # CPU seconds of the process (the recogniser's threads included)


def sample_pages(printed: list[Printed], pages: int) -> list[int]:
    """A style's first `pages` pages with at least SAMPLE_MIN_AMOUNTS amounts (else its richest)."""
    counts: dict[int, int] = {}
    for p in printed:
        counts[p.page] = counts.get(p.page, 0) + 1
    rich = [n for n in sorted(counts) if counts[n] >= SAMPLE_MIN_AMOUNTS]
    return (rich or sorted(counts, key=lambda n: -counts[n]))[:pages]


def score_scan(name: str, scan: str, dpi: int, folder: Path, pages: int = 2) -> ScanScore:
    """The style's sample pages as an image-only PDF (scan style `scan`, at `dpi`), read back by
    the extractor (OCR); the amounts expected are the drawn ones, renumbered to the sample."""
    import time

    style = STYLE_BY_NAME[name]
    pdf = folder / f"{name}.pdf"
    printed = render_style(style, pdf)
    kept = sample_pages(printed, pages)
    reader, writer = PdfReader(pdf), PdfWriter()
    for n in kept:
        writer.add_page(reader.pages[n - 1])
    writer.write(sample := folder / f"{name}_sample.pdf")
    wanted = [replace(p, page=kept.index(p.page) + 1) for p in printed if p.page in kept]
    rotate, jpeg = SCAN_STYLES[scan]
    scanned = scanned_pdf(sample, folder / f"{name}_{scan}_{dpi}.pdf", dpi=dpi, rotate=rotate, jpeg=jpeg)
    wall, cpu = time.monotonic(), time.process_time()
    score = score_pdf(scanned, wanted, f"{name}/{scan}@{dpi}", names_ok=style.keys == "names")
    return ScanScore(name, scan, dpi, kept, score, time.monotonic() - wall, time.process_time() - cpu)


def score_real_scan(stem: str, page: int, scan: str, dpi: int, folder: Path) -> ScanScore:
    """A real table page as a scan (or, with scan "text", as published), scored against the cells
    typed from it (tests/scorecard.py: same amount, row code or label, column)."""
    import time

    from pipelines.extract.document import extract_document
    from pipelines.normalise.document import normalise_document
    from tests.scorecard import REAL, match, read_typed

    reader, writer = PdfReader(REAL / f"{stem}.pdf"), PdfWriter()
    writer.add_page(reader.pages[page - 1])
    writer.write(one := folder / f"{stem}_p{page}.pdf")
    cells = [{**c, "page": "1"} for c in read_typed(stem)[0] if c["page"] == str(page)]
    if scan != "text":
        rotate, jpeg = SCAN_STYLES[scan]
        one = scanned_pdf(one, folder / f"{stem}_p{page}_{scan}_{dpi}.pdf", dpi=dpi, rotate=rotate, jpeg=jpeg)
    wall, cpu = time.monotonic(), time.process_time()
    facts = normalise_document(extract_document(one)).facts
    matched, _ = match(facts, cells)
    missed = [f"{c['row_code']}|{c['row_label']} {c['column']} = {c['value']}" for k, c in enumerate(cells)]
    score = StyleScore(
        stem,
        len(matched),
        len(cells),
        {"missing": [m for k, m in enumerate(missed) if k not in matched]},
        0,
    )
    return ScanScore(
        f"{stem[:12]} p{page}", scan, dpi, [page], score, time.monotonic() - wall, time.process_time() - cpu
    )


def ocr_report(results: list[ScanScore], verbose: bool = False) -> str:
    """The recall table: per style and scan, per dpi; then per dpi and per scan style."""
    head = f"{'style':16} {'scan':13} {'dpi':>4} {'pages':>6} {'right':>6} {'total':>6} {'recall':>7}"
    head += f" {'s/page':>7}"
    lines = [head, "-" * len(head)]
    for r in results:
        s = r.score
        lines.append(
            f"{r.style:16} {r.scan:13} {r.dpi:4d} {','.join(map(str, r.pages)):>6} {s.right:6d} "
            f"{s.total:6d} {s.right / max(s.total, 1):7.1%} {r.wall / len(r.pages):7.1f}"
        )
        if verbose:
            lines += [f"    {kind}: {e}" for kind, ex in s.misses.items() for e in ex[:6]]
    lines.append("-" * len(head))
    for key, label in ((lambda r: str(r.dpi), "dpi"), (lambda r: r.scan, "scan")):
        for value in dict.fromkeys(key(r) for r in results):
            group = [r for r in results if key(r) == value]
            right, total = sum(r.score.right for r in group), sum(r.score.total for r in group)
            n = sum(len(r.pages) for r in group)
            wall, cpu = sum(r.wall for r in group), sum(r.cpu for r in group)
            lines.append(
                f"{label} {value:21} {n:6d} {right:6d} {total:6d} {right / max(total, 1):7.1%} "
                f"{wall / n:7.1f}  ({n / wall:.3f} pages/s wall, {cpu / n:.1f} CPU-s/page)"
            )
    return "\n".join(lines)


def _option(argv: list[str], name: str, default: str) -> str:
    return argv[argv.index(name) + 1] if name in argv else default


def main(argv: list[str]) -> int:
    """`python -m tests.render --score [style …] [--out DIR] [-v]`: the per-style score table.
    `python -m tests.render --ocr [style …] [scan …] [--dpi 150,300] [--pages 2] [-v]`: the OCR
    recall report: each (style, scan) of OCR_REPORT — its sample pages scanned (SCAN_STYLES) at
    each dpi, read back by OCR, and the typed real pages of OCR_REAL (`--no-real` leaves them out,
    `--baseline` adds them read from their text layer) — recall per style, dpi and scan style, and
    OCR pages per second."""
    import tempfile

    if "--ocr" in argv:
        out = Path(tempfile.mkdtemp(prefix="scans-"))
        styles = [a for a in argv if a in STYLE_BY_NAME]
        scans = [a for a in argv if a in SCAN_STYLES]
        pairs = [
            (st, sc) for st, sc in OCR_REPORT if (not styles or st in styles) and (not scans or sc in scans)
        ] or [(st, sc) for st in styles or ["ruled"] for sc in scans or ["plain"]]
        dpis = [int(d) for d in _option(argv, "--dpi", ",".join(map(str, OCR_DPIS))).split(",")]
        pages = int(_option(argv, "--pages", "2"))
        results = []
        real = "--no-real" not in argv and not styles
        for dpi in dpis:
            for style, scan in pairs:
                results.append(score_scan(style, scan, dpi, out, pages))
                print(ocr_report(results[-1:]).splitlines()[2], flush=True)
            for stem, page in OCR_REAL if real else ():
                for scan in [s for s in OCR_REAL_SCANS if not scans or s in scans]:
                    results.append(score_real_scan(stem, page, scan, dpi, out))
                    print(ocr_report(results[-1:]).splitlines()[2], flush=True)
        if real and "--baseline" in argv:  # the same real pages read from their text layer
            for stem, page in OCR_REAL:
                results.append(score_real_scan(stem, page, "text", 0, out))
                print(ocr_report(results[-1:]).splitlines()[2], flush=True)
        print(ocr_report(results, verbose="-v" in argv))
        print(f"PDFs in {out}")
        return 0
    if "--score" not in argv:
        print(main.__doc__)
        return 2
    verbose = "-v" in argv
    out = Path(argv[argv.index("--out") + 1]) if "--out" in argv else Path(tempfile.mkdtemp(prefix="styles-"))
    out.mkdir(parents=True, exist_ok=True)
    names = [a for a in argv if a in STYLE_BY_NAME] or [s.name for s in STYLES]
    scores = []
    for name in names:
        s = score_style(STYLE_BY_NAME[name], out)
        scores.append(s)
        if verbose:
            for kind, examples in s.misses.items():
                for e in examples[:8]:
                    print(f"  {name} {kind}: {e}")
    print(score_table(scores))
    print(f"PDFs in {out}")
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
