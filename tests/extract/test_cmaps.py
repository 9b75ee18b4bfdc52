"""pdfminer's UCS-2 CMaps supplemented from their UTF-16 twins (cmaps.py): every code either maps
as Adobe's UCS-2 CMap maps it, or, where that lacks it, as the UTF-16 CMap does."""

from __future__ import annotations

import pytest
from pdfminer.cmapdb import CMapDB, PyCMap

from pipelines.extract.cmaps import UCS2_NAMES, SupplementedCMap


def _original(name: str) -> PyCMap:
    return PyCMap(name, CMapDB._load_data(name))


def _codes(code2cid: dict[int, object]) -> dict[bytes, int]:
    """Every two-byte code of a nested code → CID dictionary."""
    return {
        bytes((first, second)): cid
        for first, seconds in code2cid.items()
        if isinstance(seconds, dict)
        for second, cid in seconds.items()
        if isinstance(cid, int)
    }


@pytest.mark.parametrize("name", ["UniGB-UCS2-H", "UniGB-UCS2-V", "UniJIS-UCS2-H"])
def test_ucs2_codes_keep_their_cids(name: str) -> None:
    original, supplemented = _original(name), SupplementedCMap(name)
    assert supplemented.is_vertical() == original.is_vertical()
    codes = _codes(original.code2cid)
    assert codes
    for code, cid in codes.items():
        assert list(supplemented.decode(code)) == [cid]


def test_codes_the_ucs2_cmap_lacks_map_as_utf16() -> None:
    """U+00B7 '·': Adobe's UniGB-UCS2-H has no entry (U+30FB has CID 99), UniGB-UTF16-H maps it to
    the same CID as U+30FB."""
    middle_dot, katakana_dot = "·".encode("utf-16-be"), "・".encode("utf-16-be")
    original, utf16 = _original("UniGB-UCS2-H"), _original("UniGB-UTF16-H")
    assert list(original.decode(middle_dot)) == []
    expected = list(utf16.decode(middle_dot))
    assert expected == list(original.decode(katakana_dot))
    assert list(SupplementedCMap("UniGB-UCS2-H").decode(middle_dot)) == expected


def test_supplement_is_what_pdfminer_reads() -> None:
    import pipelines.extract.plumber  # noqa: F401  (supplements on import)

    assert all(isinstance(CMapDB.get_cmap(name), SupplementedCMap) for name in UCS2_NAMES)
