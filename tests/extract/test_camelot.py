"""camelot's lattice reads the picture our backend hands it: the same pixels as camelot's own pdfium
backend draws (channel order, size, layout), at its default dpi and at a capped one."""

from __future__ import annotations

from pathlib import Path

import numpy
import pytest

from pipelines.extract.camelot import LATTICE_DPI, _pdfium_at

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real"


@pytest.mark.parametrize("dpi", [LATTICE_DPI, 72])
def test_lattice_picture_is_camelots_own(dpi: int) -> None:
    from camelot.backends.pdfium_backend import PdfiumBackend

    path = str(REAL / "sn_xa_czj_2026_yusuan.pdf")  # page 9 prints in colour: channels must not swap
    ours = _pdfium_at(dpi).to_array(path, page=9)
    theirs = PdfiumBackend().to_array(path, resolution=dpi, page=9)
    assert ours.shape == theirs.shape
    assert (theirs[:, :, 0] != theirs[:, :, 2]).sum() > 100  # colour pixels, where RGB and BGR differ
    assert ours.flags["C_CONTIGUOUS"]
    assert numpy.array_equal(ours, theirs)


def _dense_page() -> tuple[Path, tuple[float, float, float, float], float]:
    """西安财政局's page 25 (a dense table camelot reads both ways), its whole area and its height."""
    import pypdfium2 as pdfium

    path = REAL / "sn_xa_czj_2026_yusuan.pdf"
    doc = pdfium.PdfDocument(str(path))
    width, height = doc.get_page_size(24)
    doc.close()
    return path, (0.0, 0.0, width, height), height


def test_flavours_sharing_a_layout_read_as_each_alone() -> None:
    """Lattice then stream on one page with a shared layout: one layout analysis, and each reading
    is the one camelot's own read_pdf gives (rows and their boxes)."""
    from pipelines.extract.camelot import camelot_grid

    path, region, height = _dense_page()
    layouts: dict[int, object] = {}
    shared = [
        camelot_grid(path, 25, ruled=ruled, region=region, page_height=height, layouts=layouts)
        for ruled in (True, False)
    ]
    assert list(layouts) == [24]  # one analysis, of page 25 (playa counts from 0)
    alone = [
        camelot_grid(path, 25, ruled=ruled, region=region, page_height=height) for ruled in (True, False)
    ]
    assert all(shared) and shared == alone
    assert shared[0] != shared[1]  # two readings indeed


def test_lines_on_one_corner_keep_camelots_own_order() -> None:
    """The quick layout stands only where the order of the lines cannot change a reading: two
    lines on one corner, or more lines than camelot's order-free duplicate pass takes, fall back."""
    from types import SimpleNamespace

    from pipelines.extract.camelot import _order_free

    def line(x0: float, y0: float) -> SimpleNamespace:
        return SimpleNamespace(x0=x0, y0=y0)

    assert _order_free([line(1, 2), line(2, 2)], [line(1, 3)])
    assert not _order_free([line(1, 2), line(1, 2)], [])
    assert not _order_free([line(1, 2)], [line(1, 2)])  # a vertical line on a horizontal one's corner
    assert not _order_free([line(i, 0) for i in range(1501)], [])


def test_no_room_for_a_layout_reads_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """A layout too large to keep is analysed again by the other flavour: nothing kept, same rows."""
    from pipelines.extract import camelot

    path, region, height = _dense_page()
    roomy = camelot.camelot_grid(path, 25, ruled=False, region=region, page_height=height)
    monkeypatch.setattr(camelot, "SHARED_LAYOUT_CHARS", 0)
    layouts: dict[int, object] = {}
    cramped = camelot.camelot_grid(path, 25, ruled=False, region=region, page_height=height, layouts=layouts)
    assert layouts == {} and cramped == roomy and roomy


def test_lattice_on_one_opencv_thread_reads_as_on_several() -> None:
    """camelot_grid leaves OpenCV on one thread (its threads' working copies of the picture were the
    peak of a reading); the lattice reading is the one camelot gives with OpenCV on two threads."""
    import cv2
    from camelot.io import read_pdf

    from pipelines.extract.camelot import camelot_grid

    path, region, height = _dense_page()
    x0, top, x1, bottom = region
    cv2.setNumThreads(2)
    tables = read_pdf(str(path), pages="25", flavor="lattice", backend=_pdfium_at(LATTICE_DPI),
                      table_areas=[f"{x0},{height - top},{x1},{height - bottom}"])  # fmt: skip
    best = max(tables, key=lambda t: t.df.size)
    theirs = [tuple(str(v) for v in row) for row in best.df.itertuples(index=False, name=None)]
    ours = camelot_grid(path, 25, ruled=True, region=region, page_height=height)
    assert cv2.getNumThreads() == 1
    assert theirs and [r.cells for r in ours] == theirs
