"""camelot-py as the second opinion on a page where pdfplumber finds no usable grid.

Measured on our fixtures, pdfplumber reads ruled and unruled CJK pages right where camelot
lattice misplaces text (see README, "Choosing an extractor"), so camelot only runs when the
pdfplumber grid of a titled page has no data row. Imported lazily: it pulls in OpenCV.
"""

from __future__ import annotations

from pathlib import Path

from pipelines.types import RawRow


def camelot_grid(path: Path, page_number: int, *, ruled: bool) -> list[RawRow]:
    """The largest table camelot finds on the page, as rows of cell texts (no geometry)."""
    import camelot

    flavor = "lattice" if ruled else "stream"
    try:
        tables = camelot.read_pdf(str(path), pages=str(page_number), flavor=flavor)
    except Exception:  # camelot raises bare Exceptions for pages it cannot read; the caller falls back
        return []
    if not tables.n:
        return []
    best = max(tables, key=lambda t: t.df.size)
    return [
        RawRow(tuple(str(v) for v in row), page=page_number)
        for row in best.df.itertuples(index=False, name=None)
    ]
