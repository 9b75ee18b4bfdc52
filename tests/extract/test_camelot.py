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
