"""camelot-py as the second opinion on a page where pdfplumber finds no usable grid.

Measured on our fixtures, pdfplumber reads ruled and unruled CJK pages right where camelot
lattice misplaces text (see README, "Choosing an extractor"), so camelot only runs when the
pdfplumber grid of a titled page has no data row, or as a candidate reading of a table whose
first reading is in doubt (extract/regions.py). Imported lazily: it pulls in OpenCV.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from pipelines.extract.types import BBox, RawRow

LATTICE_DPI = 300  # camelot's own default: lattice finds the rules in a picture of the page
MAX_LATTICE_PIXELS = 20_000_000  # an A3 page at 300 dpi; a larger page is drawn at a lower dpi
# camelot's layout analysis groups characters in time and memory that grow faster than their number:
# 82,000 characters (a page of 5,000 tiny numbers) took 47 s and 1.4 GB before the table was looked
# at. The densest table page of the real disclosures prints under 3,000; a page beyond this many gets
# no second reading (the first reading stands, with its coverage figure).
MAX_CAMELOT_CHARS = 20_000
# the characters of the page layouts a re-reading keeps for camelot's other flavour (`_read_sharing`):
# about 30 MiB of layout objects (1.5 KB a character), the densest page camelot reads or several others
SHARED_LAYOUT_CHARS = 20_000


def page_chars(path: Path, page_number: int) -> int:
    """Characters in the page's text layer (pdfium: milliseconds, whatever the page)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        page = doc[page_number - 1]
        text = page.get_textpage()
        try:
            return int(text.count_chars())
        finally:
            text.close()
            page.close()
    finally:
        doc.close()


def lattice_resolution(path: Path, page_number: int) -> int:
    """camelot lattice's dpi for this page: its default, or less for a page so large that the picture
    would not fit in memory (a 14,400 pt page at 300 dpi is 60,000 px square, tens of GB with
    OpenCV's copies). A page scaled up keeps the same picture, so the rules found are the same."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        width, height = doc.get_page_size(page_number - 1)
    finally:
        doc.close()
    pixels = width * height * (LATTICE_DPI / 72) ** 2
    if pixels <= MAX_LATTICE_PIXELS:
        return LATTICE_DPI
    return max(1, int(LATTICE_DPI * (MAX_LATTICE_PIXELS / pixels) ** 0.5))


def _pdfium_at(dpi: int) -> Any:
    """camelot's pdfium picture backend drawing at `dpi`, handing camelot the bitmap pdfium drew.

    camelot's own backend turns the picture into a PIL image, then RGB, then an array, then BGR
    again: at 300 dpi those copies were most of a lattice reading's time, and pdfium's bitmap is
    already the BGR array OpenCV reads (the same pixels), here copied once. Its `resolution` option
    is not passed on to the in-memory render, so the dpi is the backend's own."""
    import numpy
    import pypdfium2 as pdfium
    from camelot.backends.pdfium_backend import PdfiumBackend

    class PdfiumArray(PdfiumBackend):
        def convert(self, pdf_path: str, png_path: str, resolution: int = dpi, page: int = 1) -> None:
            super().convert(pdf_path, png_path, resolution=dpi, page=page)

        def to_array(self, pdf_path: str, resolution: int = dpi, page: int = 1) -> Any:
            doc = pdfium.PdfDocument(pdf_path)
            try:
                doc.init_forms()
                bitmap = doc[page - 1].render(scale=dpi / 72)
                if bitmap.mode != "BGR":  # a picture with transparency: camelot's way
                    return super().to_array(pdf_path, resolution=dpi, page=page)
                return numpy.array(bitmap.to_numpy())  # a copy: the bitmap goes with the document
            finally:
                doc.close()

    return PdfiumArray()


def _opencv_one_thread() -> None:
    """OpenCV (camelot lattice's image work) on this thread alone.

    An extraction process is one core's worth of work (`batch.default_workers`), and OpenCV's own
    threads each took working copies of the 300 dpi picture: its adaptive threshold of an A4 page
    peaked 58 MB above its input with two threads, 33 MB with one, for the same pixels and less
    CPU. Idempotent and cheap, so it is set at each reading (OCR imports OpenCV too, maybe first)."""
    import cv2

    if cv2.getNumThreads() != 1:
        cv2.setNumThreads(1)


def _order_free(horizontal: list[Any], vertical: list[Any]) -> bool:
    """Whether lattice and stream, reading a table area, read these text lines the same in any
    order. They sort the lines by their lower left corner (stably: lines on one corner keep the
    order they came in) and, past 1,500 lines in the area, drop duplicated lines in a pass whose
    result depends on the order; otherwise they never look at the order the layout gives.

    The layout's order is that of its text boxes, which pdfminer's default `boxes_flow` groups
    hierarchically: every pair of boxes weighed, seconds on a page of a thousand cells. With no
    two lines on one corner and no more than 1,500 of them, the boxes simply sorted
    (`boxes_flow=None`: the same lines, the same texts) read the same."""
    corners = {(t.x0, t.y0) for t in (*horizontal, *vertical)}
    return len(corners) == len(horizontal) + len(vertical) and max(len(horizontal), len(vertical)) <= 1500


def _read_sharing(
    path: Path, page_number: int, flavor: str, layouts: dict[int, Any], kwargs: dict[str, Any]
) -> Any:
    """`camelot.read_pdf(path, pages=page_number, flavor=flavor, **kwargs)`, its page layout taken
    from (or left in) `layouts`.

    camelot's layout analysis (pdfminer's grouping of characters into lines, run by playa) is most
    of a reading, and lattice and stream run the same analysis with the same parameters on the
    same page; neither parser changes the layout it is given (they select and sort copies of its
    lists), so the second reading of a page takes the first one's.
    """
    from camelot.handlers import PDFHandler
    from camelot.utils import get_image_char_and_text_objects, get_page_layout, remove_extra, validate_input

    class SharingHandler(PDFHandler):
        def _get_layout(self, page: Any, **layout_kwargs: Any) -> Any:
            if page.page_idx not in layouts:  # layout_kwargs: camelot's defaults, always
                found = super()._get_layout(page, **layout_kwargs, boxes_flow=None)
                if not _order_free(found[4], found[5]):  # page now turned as camelot turns it
                    layout, dimensions = get_page_layout(page, **layout_kwargs)  # type: ignore[no-untyped-call]
                    found = (layout, dimensions, *get_image_char_and_text_objects(layout), found[6])
                held = sum(len(kept[3]) for kept in layouts.values())
                if held + len(found[3]) > SHARED_LAYOUT_CHARS:
                    return found  # no room: the other flavour analyses the page again
                layouts[page.page_idx] = found
            layout, dimensions, images, chars, horizontal, vertical, rotation = layouts[page.page_idx]
            return layout, dimensions, list(images), list(chars), list(horizontal), list(vertical), rotation

    with warnings.catch_warnings(), SharingHandler(str(path), pages=str(page_number)) as handler:
        validate_input(kwargs, flavor=flavor)  # type: ignore[no-untyped-call]
        kwargs = remove_extra(kwargs, flavor=flavor)  # type: ignore[no-untyped-call]
        return handler.parse(flavor=flavor, layout_kwargs={}, per_page={}, **kwargs)


def camelot_grid(
    path: Path,
    page_number: int,
    *,
    ruled: bool,
    region: BBox | None = None,
    page_height: float | None = None,
    layouts: dict[int, Any] | None = None,
    chars: int | None = None,
) -> list[RawRow]:
    """The largest table camelot finds on the page (or inside `region`), as rows of cell texts.

    With `region` and `page_height` (pdfplumber's top-down coordinates) the search is limited to
    the region and each row gets its box, so its numbers can be matched to the page's.
    `layouts`: page layouts of this file shared by the readings of one re-reading (see
    `_read_sharing`); the caller drops it when done. `chars`: the page's `page_chars`, when the
    caller has counted them (both flavours read a page; it is counted once).
    """
    if (page_chars(path, page_number) if chars is None else chars) > MAX_CAMELOT_CHARS:
        return []
    from camelot.io import read_pdf

    _opencv_one_thread()
    flavor = "lattice" if ruled else "stream"
    kwargs: dict[str, Any] = {}
    if region is not None and page_height is not None:
        x0, top, x1, bottom = region
        kwargs["table_areas"] = [f"{x0},{page_height - top},{x1},{page_height - bottom}"]
    try:
        if ruled:
            kwargs["backend"] = _pdfium_at(lattice_resolution(path, page_number))
        if layouts is None:
            tables = read_pdf(str(path), pages=str(page_number), flavor=flavor, **kwargs)
        else:
            tables = _read_sharing(path, page_number, flavor, layouts, kwargs)
    except Exception:  # camelot raises bare Exceptions for pages it cannot read; the caller falls back
        return []
    if not tables.n:
        return []
    best = max(tables, key=lambda t: t.df.size)
    rows: list[RawRow] = []
    for i, values in enumerate(best.df.itertuples(index=False, name=None)):
        bbox = None
        if page_height is not None and i < len(best.cells):
            cells = best.cells[i]
            bbox = (
                min(c.x1 for c in cells),
                page_height - max(c.y2 for c in cells),
                max(c.x2 for c in cells),
                page_height - min(c.y1 for c in cells),
            )
        rows.append(RawRow(tuple(str(v) for v in values), page=page_number, bbox=bbox))
    return rows
