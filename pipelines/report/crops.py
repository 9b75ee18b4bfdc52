"""Pictures for the quality report: the table region of a PDF page, the failing row highlighted.

Reviewers check a failure against the printed page, so each failing check gets the part of the page
from the table's title (or its first row, on a continuation page) down to the offending row. Only
that band of the page is rendered (pdfium's render crop), at DPI or less on a very large page, so a
picture never costs more than MAX_CROP_PIXELS whatever the page size; the open pages (their text
layer, to find titles and cells) are kept in a small LRU. The crops are embedded as PNG data URIs
so the report stands alone. Given a PictureCache (picture_cache.py) and the source's sha256, a
picture drawn by an earlier report is taken from there rather than drawn again.
"""

from __future__ import annotations

import base64
import io
import re
from collections import OrderedDict
from dataclasses import astuple, dataclass
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageDraw

from pipelines.errors import ReportError
from pipelines.report.picture_cache import PictureCache

DPI = 110
SCALE = DPI / 72  # PDF points → pixels
MAX_WIDTH_PX = 2_400  # a page wider than this at DPI (an A3 landscape is 1,819 px) is drawn smaller
MAX_CROP_PIXELS = 8_000_000  # one rendered band (8 MB in grey); a taller band keeps its bottom rows
OPEN_PAGES = 8  # pages (text layers) kept open at once
OPEN_DOCUMENTS = 4
HIGHLIGHT = (255, 196, 0, 96)  # translucent amber over the failing row
CELL_OUTLINE = (214, 39, 40)  # red frame around the failing cell's printed value
MARGIN_PT = 10.0  # space kept below the offending row and around the content
HEADER_ALLOWANCE_PT = 72.0  # how far above the first data row to look when the title is not on the page
TITLE_SEARCH_PT = 220.0  # a title further above the first data row than this belongs to something else
# The pictures are drawn in palette indices (PIL mode `L` until `_png` attaches PALETTE): the page is
# rendered in grey (pdfium's grayscale: a byte a pixel, not three or four) and its greys taken to
# GREY_LEVELS steps; the highlight and the frame are more entries of the same palette. No colour
# quantisation is left to do (PIL's octree over the RGB band was a third of a picture's CPU).
GREY_LEVELS = 32  # indices 0 (black) … 31 (white): enough for antialiased text
HIGHLIGHTED = GREY_LEVELS  # index of grey i under HIGHLIGHT: HIGHLIGHTED + i
OUTLINE = 2 * GREY_LEVELS  # CELL_OUTLINE's index
PALETTE_COLOURS = OUTLINE + 1
# zlib level 3, the highest of its fast strategy (1-3): the same pixels; on the 178 pictures of a 43-file
# folder 2.6× less encoding CPU than the default 6 (0.21 vs 0.54 s) for 18% more bytes (level 1: 26%)
PNG_COMPRESS_LEVEL = 3
CONTEXT_PT = 30.0  # text shown above and below a phrase a text check is about


def blended_highlight(background: tuple[int, int, int] = (255, 255, 255)) -> tuple[int, int, int]:
    """The colour HIGHLIGHT gives over a background pixel (what a reader, or a test, sees)."""
    *rgb, alpha = HIGHLIGHT
    a = alpha / 255
    r, g, b = (round(c * a + bg * (1 - a)) for c, bg in zip(rgb, background, strict=True))
    return (r, g, b)


def grey_of(index: int) -> int:
    """The grey (0–255) of a page index (0 … GREY_LEVELS − 1)."""
    return round(index * 255 / (GREY_LEVELS - 1))


# a rendered grey → its index (the nearest step); an index → the same grey under HIGHLIGHT
GREY_INDEX = [round(v * (GREY_LEVELS - 1) / 255) for v in range(256)]
UNDER_HIGHLIGHT = [HIGHLIGHTED + i if i < GREY_LEVELS else i for i in range(256)]
PALETTE = [
    *(c for i in range(GREY_LEVELS) for c in (grey_of(i),) * 3),
    *(c for i in range(GREY_LEVELS) for c in blended_highlight((grey_of(i),) * 3)),
    *CELL_OUTLINE,
]


class MissingPageError(ReportError, IndexError):
    """The page a finding points to is not in the source file (it changed, or the row is wrong)."""


@dataclass(frozen=True)
class RowBand:
    """Where a table sits on one page and which row to highlight, all in PDF points from the page top."""

    table_top: float  # top of the table's first data row on this page
    row_top: float | None = None  # the offending row (None: show the table region without a highlight)
    row_bottom: float | None = None
    title: str | None = None  # the table title as printed, searched for to include title and header
    value_printed: str | None = None  # the failing cell's text, framed when it can be told apart
    column_header: str | None = None  # its column's header path (a/b/c), to tell equal values apart
    first_page: tuple[int, float] | None = None  # the table's first page and its first row top there


@dataclass
class _Page:
    page: pdfium.PdfPage
    width_pt: float
    height_pt: float
    textpage: pdfium.PdfTextPage
    scale: float = SCALE  # pixels per point of this page's pictures (below SCALE only for huge pages)
    renders: int = 0

    @property
    def height_px(self) -> int:
        return int(self.height_pt * self.scale)

    def render_rows(self, y0: int, y1: int) -> Image.Image:
        """Pixel rows y0..y1 of the page at `scale` in grey (mode L), rendering only that band."""
        top_cut = y0 / self.scale
        bottom_cut = max(0.0, self.height_pt - y1 / self.scale)
        bitmap = self.page.render(scale=self.scale, crop=(0, bottom_cut, 0, top_cut), grayscale=True)
        self.renders += 1
        picture: Image.Image = bitmap.to_pil()
        return picture if picture.mode == "L" else picture.convert("L")

    def close(self) -> None:
        self.textpage.close()
        self.page.close()


class PageRenderer:
    """Draws bands of PDF pages; the open pages and documents are kept in small LRUs (bounded memory),
    so several checks on a page open it once and each picture renders only its own band.

    A picture is drawn once per renderer: the PNG of each (file, page, band or phrase) is kept, so
    the reports of one build that show the same finding (latest.html and the run's own report)
    share one renderer and draw it once. With a `cache`, a picture an earlier build drew is taken
    from it (when the caller names the source's sha256), and the pictures drawn are put in it; the
    caller saves it. Use as a context manager; the PDF handles are closed at the end of the build.
    """

    def __init__(
        self,
        max_pages: int = OPEN_PAGES,
        max_documents: int = OPEN_DOCUMENTS,
        cache: PictureCache | None = None,
    ) -> None:
        self.cache = cache
        self._max_pages = max_pages
        self._max_documents = max_documents
        self._docs: OrderedDict[Path, pdfium.PdfDocument] = OrderedDict()
        self._pages: OrderedDict[tuple[Path, int], _Page] = OrderedDict()
        self._renders = 0  # bands rendered by pages already closed
        self.opened = 0  # pages opened (for the report's timing line and tests)
        self.drawn = 0  # pictures drawn (a picture asked for again is not drawn again)
        self.cached = 0  # pictures taken from the cache rather than drawn
        self._crops: dict[tuple[object, ...], bytes] = {}
        self._texts: dict[tuple[object, ...], tuple[bytes, int] | None] = {}

    @property
    def renders(self) -> int:
        """Bands rendered so far (each picture renders its own band, or two with a header strip)."""
        return self._renders + sum(p.renders for p in self._pages.values())

    def __enter__(self) -> PageRenderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        while self._pages:
            self._evict_page()
        for doc in self._docs.values():
            doc.close()
        self._docs.clear()

    def _evict_page(self) -> None:
        _, old = self._pages.popitem(last=False)
        self._renders += old.renders
        old.close()

    def _document(self, path: Path) -> pdfium.PdfDocument:
        doc = self._docs.get(path)
        if doc is not None:
            self._docs.move_to_end(path)
            return doc
        while len(self._docs) >= self._max_documents:
            old_path, old = self._docs.popitem(last=False)
            for key in [k for k in self._pages if k[0] == old_path]:
                page = self._pages.pop(key)
                self._renders += page.renders
                page.close()
            old.close()
        doc = self._docs[path] = pdfium.PdfDocument(str(path))
        return doc

    def _page(self, path: Path, page_no: int) -> _Page:
        key = (path, page_no)
        cached = self._pages.get(key)
        if cached is not None:
            self._pages.move_to_end(key)
            return cached
        doc = self._document(path)
        if not 1 <= page_no <= len(doc):
            raise MissingPageError(f"{path.name} has no page {page_no}")
        page = doc[page_no - 1]
        width, height = page.get_width(), page.get_height()
        entry = _Page(page, width, height, page.get_textpage(), page_scale(width, height))
        self.opened += 1
        self._pages[key] = entry
        while len(self._pages) > self._max_pages:
            self._evict_page()
        return entry

    def _kept(
        self, kind: str, sha256: str | None, page_no: int, detail: object
    ) -> tuple[str | None, tuple[bytes | None, int] | None]:
        """The picture's key in the cache and what the cache keeps under it; (None, None) without a
        cache or when the source's bytes are not named."""
        if self.cache is None or sha256 is None:
            return None, None
        key = self.cache.key(kind, sha256, page_no, detail)
        return key, self.cache.get(key)

    def _keep(self, key: str | None, sha256: str | None, png: bytes | None, occurrences: int = 1) -> None:
        """Put a picture just drawn in the cache (under the key `_kept` gave), naming its source."""
        if self.cache is not None and key is not None:
            self.cache.put(key, png, occurrences, sha256)

    def crop(self, path: Path, page_no: int, band: RowBand, sha256: str | None = None) -> bytes:
        """PNG of the table region of one page down to the offending row, that row highlighted.

        On a continuation page that does not repeat the header, the title and header of the table's
        first page are put on top, so the reviewer sees which column is which. `sha256`: the file's
        content hash, under which the cache keeps the picture.
        """
        key = (path, page_no, astuple(band))
        if key not in self._crops:
            kept_key, kept = self._kept("band", sha256, page_no, key[2])
            if kept is not None and kept[0] is not None:
                self._crops[key] = kept[0]
                self.cached += 1
            else:
                self._crops[key] = self._crop(path, page_no, band)
                self.drawn += 1
                self._keep(kept_key, sha256, self._crops[key])
        return self._crops[key]

    def _crop(self, path: Path, page_no: int, band: RowBand) -> bytes:
        page = self._page(path, page_no)
        SCALE = page.scale
        bottom = (band.row_bottom if band.row_bottom is not None else band.table_top) + MARGIN_PT
        if band.row_bottom is None:
            bottom = max(bottom, band.table_top + HEADER_ALLOWANCE_PT)
        region, x0, y0 = _trimmed(page, _region_top(page, band), bottom)
        header_page = page
        strip: Image.Image | None = None
        first = band.first_page
        if first is not None and first[0] != page_no and y0 >= (band.table_top - 2 * MARGIN_PT) * SCALE:
            header_page = self._page(path, first[0])
            head = RowBand(table_top=first[1], title=band.title)
            strip, _, _ = _trimmed(header_page, _region_top(header_page, head), first[1])
        if band.row_top is not None and band.row_bottom is not None:
            region = _highlight(region, (band.row_top * SCALE - y0, band.row_bottom * SCALE - y0))
            cell = _cell_box(page, band, header_page)
            if cell is not None:
                left, top_pt, right, bottom_pt = cell
                ImageDraw.Draw(region).rectangle(
                    (
                        left * SCALE - x0 - 4,
                        top_pt * SCALE - y0 - 3,
                        right * SCALE - x0 + 4,
                        bottom_pt * SCALE - y0 + 3,
                    ),
                    outline=OUTLINE,
                    width=2,
                )
        if strip is not None and first is not None:
            region = _stack(strip, region, f"header from page {first[0]} / page {page_no}")
        return _png(region)

    def crop_text(
        self, path: Path, page_no: int, phrase: str, sha256: str | None = None
    ) -> tuple[bytes, int] | None:
        """PNG of the lines around a phrase on the page (text checks), the phrase highlighted and framed.

        Returns the picture and how many times the phrase occurs on the page (the first is highlighted), or
        None when the phrase is not on the page. Whitespace is ignored, as the text rules ignore it.
        `sha256` as for `crop` (a phrase not on the page is kept too: its page is not opened again).
        """
        key = (path, page_no, phrase)
        if key not in self._texts:
            kept_key, kept = self._kept("text", sha256, page_no, phrase)
            if kept is not None:
                png, occurrences = kept
                self._texts[key] = (png, occurrences) if png is not None else None
                self.cached += png is not None
            else:
                self._texts[key] = self._crop_text(path, page_no, phrase)
                self.drawn += self._texts[key] is not None
                found = self._texts[key]
                self._keep(kept_key, sha256, *(found if found is not None else (None, 0)))
        return self._texts[key]

    def _crop_text(self, path: Path, page_no: int, phrase: str) -> tuple[bytes, int] | None:
        page = self._page(path, page_no)
        SCALE = page.scale
        hits = _find_loose(page, phrase)
        if not hits:
            return None
        lines = hits[0]
        top = min(b[1] for b in lines)
        bottom = max(b[3] for b in lines)
        region, x0, y0 = _trimmed(page, max(0.0, top - CONTEXT_PT), bottom + CONTEXT_PT)
        region = _highlight(region, (top * SCALE - y0 - 2, bottom * SCALE - y0 + 2))
        draw = ImageDraw.Draw(region)
        for hit in hits:  # every occurrence in view is framed, the first one also highlighted
            for left, line_top, right, line_bottom in hit:
                box = (left * SCALE - x0, line_top * SCALE - y0, right * SCALE - x0, line_bottom * SCALE - y0)
                if box[1] >= 0 and box[3] <= region.height:
                    draw.rectangle((box[0] - 3, box[1] - 3, box[2] + 3, box[3] + 3), outline=OUTLINE, width=2)
        return _png(region), len(hits)


def _trimmed(page: _Page, top: float, bottom: float) -> tuple[Image.Image, int, int]:
    """The page between top and bottom (points), white borders trimmed, in palette indices; with its
    pixel offsets.

    Only this band is rendered. A band taller than MAX_CROP_PIXELS allows keeps its bottom (the
    offending row) and loses its top.
    """
    SCALE = page.scale
    y0 = max(0, int(top * SCALE))
    y1 = min(page.height_px, int(bottom * SCALE) + 1)
    if y1 <= y0:
        y1 = min(page.height_px, y0 + int(HEADER_ALLOWANCE_PT * SCALE))
    rows = max(1, MAX_CROP_PIXELS // max(1, int(page.width_pt * SCALE)))
    y0 = max(y0, y1 - rows)
    region = page.render_rows(y0, max(y1, y0 + 1))
    x0, top_px, x1 = _content_box(region)
    return region.crop((x0, top_px, x1, region.height)).point(GREY_INDEX), x0, y0 + top_px


def page_scale(width_pt: float, height_pt: float) -> float:
    """DPI, unless the page is so wide that its pictures would be wider than MAX_WIDTH_PX.

    (A huge page is usually an ordinary page drawn large, so its text stays readable smaller.)
    """
    del height_pt  # the height only decides how much of a band is kept (see _trimmed)
    return min(SCALE, MAX_WIDTH_PX / width_pt) if width_pt > 0 else SCALE


def _stack(strip: Image.Image, region: Image.Image, label: str) -> Image.Image:
    """The header strip above the region, a labelled rule between them (all in palette indices: the
    label's antialiasing blends grey indices, which are greys in order)."""
    gap = 18
    size = (max(strip.width, region.width), strip.height + gap + region.height)
    out = Image.new("L", size, GREY_LEVELS - 1)
    out.paste(strip, (0, 0))
    draw = ImageDraw.Draw(out)
    mid = strip.height + gap // 2
    text_right = draw.textbbox((4, mid), label, anchor="lm")[2]
    draw.text((4, mid), label, fill=GREY_INDEX[110], anchor="lm")
    draw.line((text_right + 6, mid, out.width, mid), fill=GREY_INDEX[160], width=1)
    out.paste(region, (0, strip.height + gap))
    return out


def _png(indices: Image.Image) -> bytes:
    """A palette PNG of a picture in palette indices (mode L): PALETTE attached, the pixels as they are.

    Deflated at PNG_COMPRESS_LEVEL (3, zlib's fast strategy), not its default 6 nor PIL's `optimize`
    (9): the report draws every picture of a batch's findings in the CLI's process, and a lower
    level only makes the file larger, never changes a pixel.
    """
    picture = indices.copy()
    picture.putpalette(PALETTE)  # mode L becomes P: each byte an index
    out = io.BytesIO()
    picture.save(out, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return out.getvalue()


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _region_top(page: _Page, band: RowBand) -> float:
    """The table title when it is printed on this page just above the table, else room for a header."""
    fallback = max(0.0, band.table_top - HEADER_ALLOWANCE_PT)
    if not band.title:
        return fallback
    best: float | None = None
    for top, _bottom, _left, _right in _find(page, band.title):
        if band.table_top - TITLE_SEARCH_PT <= top < band.table_top and (best is None or top > best):
            best = top
    return max(0.0, best - MARGIN_PT) if best is not None else fallback


def _cell_box(page: _Page, band: RowBand, header_page: _Page) -> tuple[float, float, float, float] | None:
    """The failing cell's printed value (or, for a blank cell, its place under the column header).

    A value found once inside the row is the cell; equal values in one row are told apart by the
    column header above them. Anything still ambiguous gets no frame rather than a wrong one.
    """
    if band.row_top is None or band.row_bottom is None:
        return None
    header = _header_span(header_page, band, band.row_top if header_page is page else None)
    text = (band.value_printed or "").strip()
    if not text:
        return (header[0], band.row_top + 1, header[1], band.row_bottom - 1) if header else None
    hits = [
        (left, top, right, bottom)
        for top, bottom, left, right in _find(page, text)
        if band.row_top - 1 <= (top + bottom) / 2 <= band.row_bottom + 1
    ]
    if len(hits) == 1:
        return hits[0]
    if not hits or header is None:
        return None
    centre = (header[0] + header[1]) / 2
    best = min(hits, key=lambda h: abs((h[0] + h[2]) / 2 - centre))
    width = max(header[1] - header[0], best[2] - best[0])
    return best if abs((best[0] + best[2]) / 2 - centre) <= width else None


def _header_span(page: _Page, band: RowBand, above_y: float | None) -> tuple[float, float] | None:
    """Left and right of the column's own header text, when it is printed once above the table's rows."""
    leaf = (band.column_header or "").split("/")[-1].strip()
    limit = above_y if above_y is not None else (band.first_page[1] if band.first_page else None)
    if not leaf or limit is None:
        return None
    above = [(left, right) for _top, bottom, left, right in _find(page, leaf) if bottom <= limit]
    return above[0] if len(above) == 1 else None


def _find(page: _Page, text: str) -> list[tuple[float, float, float, float]]:
    """Every occurrence of text on the page as (top, bottom, left, right) in points from the page top."""
    found = []
    searcher = page.textpage.search(text, match_case=True)
    try:
        while hit := searcher.get_next():
            index, count = hit
            boxes = [page.textpage.get_charbox(i) for i in range(index, index + count)]
            left = min(b[0] for b in boxes)
            right = max(b[2] for b in boxes)
            top = page.height_pt - max(b[3] for b in boxes)
            bottom = page.height_pt - min(b[1] for b in boxes)
            found.append((top, bottom, left, right))
    finally:
        searcher.close()
    return found


def _find_loose(page: _Page, phrase: str) -> list[list[tuple[float, float, float, float]]]:
    """Occurrences of phrase ignoring whitespace and line breaks; each as one box per printed line.

    Boxes are (left, top, right, bottom) in points from the page top.
    """
    needle = re.sub(r"\s+", "", phrase)
    if not needle:
        return []
    text = page.textpage.get_text_range()
    pattern = re.compile(r"\s*".join(re.escape(ch) for ch in needle))
    found = []
    for m in pattern.finditer(text):
        lines: list[tuple[float, float, float, float]] = []
        for i in range(m.start(), m.end()):
            if text[i].isspace():
                continue
            left, bottom, right, top = page.textpage.get_charbox(i)
            box = (left, page.height_pt - top, right, page.height_pt - bottom)
            if lines and min(lines[-1][3], box[3]) > max(lines[-1][1], box[1]):  # same printed line
                last = lines[-1]
                lines[-1] = (
                    min(last[0], box[0]),
                    min(last[1], box[1]),
                    max(last[2], box[2]),
                    max(last[3], box[3]),
                )
            else:
                lines.append(box)
        if lines:
            found.append(lines)
    return found


INK_LEVEL = 24  # a pixel is ink when its grey, inverted, is above this (a white page's is 0)
PAPER_GREY = 255 - INK_LEVEL  # the same pixels by their own grey: ink is below this (for every colour)


def ink_box(region: Image.Image) -> tuple[int, int, int, int] | None:
    """The bounding box of the ink in a region (RGB, or grey as the pages are rendered): the pixels
    whose inverted image's grey (PIL's `L`) is above INK_LEVEL, that is those whose own grey is below
    PAPER_GREY.

    The two are the same pixels for each of the 2^24 colours (PIL's integer grey of an inverted
    pixel is 255 − L, or 256 − L on a rounding boundary that none of them meets at this level; the
    tests enumerate them), and the second needs no inverted copy of the three channels: a third of
    the cost.
    """
    grey = region if region.mode == "L" else region.convert("L")
    return grey.point(lambda v: 255 if v < PAPER_GREY else 0).getbbox()


def _content_box(region: Image.Image) -> tuple[int, int, int]:
    """Left, top and right of what is printed in the region, with a margin; white borders go."""
    box = ink_box(region)
    if box is None:
        return 0, 0, region.width
    pad = int(MARGIN_PT * SCALE)
    return max(0, box[0] - pad), max(0, box[1] - pad), min(region.width, box[2] + pad)


def _highlight(region: Image.Image, span: tuple[float, float]) -> Image.Image:
    """The region (palette indices) with HIGHLIGHT over the pixel rows of span (in place, and returned):
    each grey of those rows becomes the same grey under HIGHLIGHT.

    Which rows a fractional span covers is asked of PIL's own rectangle on a one-pixel-wide mask, so
    the band is exactly the one a full-size overlay would fill.
    """
    top, bottom = max(0.0, span[0]), min(float(region.height), span[1])
    mask = Image.new("L", (1, region.height))
    ImageDraw.Draw(mask).rectangle((0, top, region.width, bottom), fill=255)
    rows = mask.getbbox()
    if rows is None:
        return region
    box = (0, rows[1], region.width, rows[3])
    region.paste(region.crop(box).point(UNDER_HIGHLIGHT), box[:2])
    return region
