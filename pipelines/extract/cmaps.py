"""pdfminer's Unicode CMaps of the UCS-2 kind, with the codes their UTF-16 twins map and they lack.

A PDF font with the encoding UniGB-UCS2-H writes each character as its UCS-2 code; pdfminer looks
the code up in Adobe's UniGB-UCS2-H CMap, which is older than UniGB-UTF16-H and lacks some codes
the newer one maps to the same Adobe-GB1 glyphs: U+00B7 '·' (only U+30FB maps to CID 99 there),
©, ™, ń, ň, ɑ, ɡ, CJK vertical forms and some ideographs. pdfminer drops such a code without a
trace (no "(cid:N)", no character, the next glyph drawn in its place), so a page read by pdfminer in
a non-embedded STSong-Light (reportlab writes UniGB-UCS2-H) loses the '·' of "某某·某某". A BMP
code means the same character in UCS-2 and UTF-16, so the twin's entry for it is the glyph the
producer meant; where both CMaps map a code, the UCS-2 CMap's own CID is kept.

pdfminer keeps the CMaps it has loaded in `CMapDB._cmap_cache`, looked up by name before loading:
`supplement()` puts there a CMap per UCS-2 name that merges the two on its first decode, so a
process that never meets such a font loads nothing.
"""

from __future__ import annotations

from pdfminer.cmapdb import CMapBase, CMapDB, PyCMap

# Adobe's four CJK orderings, each with a UCS-2 and a UTF-16 Unicode CMap, horizontal and vertical
UCS2_NAMES = tuple(f"Uni{ordering}-UCS2-{mode}" for ordering in ("GB", "CNS", "JIS", "KS") for mode in "HV")
_SURROGATES = range(0xD8, 0xE0)  # first bytes of UTF-16's four-byte codes, which UCS-2 has not


def merged(ucs2: dict[int, object], utf16: dict[int, object]) -> dict[int, object]:
    """`ucs2`'s two-byte codes with each BMP code of `utf16` that `ucs2` lacks (both as pdfminer's
    nested first byte → second byte → CID dictionaries)."""
    code2cid: dict[int, object] = {}
    for first, seconds in ucs2.items():
        code2cid[first] = dict(seconds) if isinstance(seconds, dict) else seconds
    for first, seconds in utf16.items():
        if first in _SURROGATES or not isinstance(seconds, dict):
            continue
        known = code2cid.setdefault(first, {})
        if isinstance(known, dict):
            for second, cid in seconds.items():
                known.setdefault(second, cid)
    return code2cid


class SupplementedCMap(PyCMap):
    """A UCS-2 CMap loaded and merged with its UTF-16 twin on the first decode (a `PyCMap`, the type
    pdfminer's cache holds, whose loading `__init__` is left out)."""

    def __init__(self, name: str) -> None:
        CMapBase.__init__(self, CMapName=name, WMode=int(name.endswith("-V")))
        self.name = name
        self.merged: dict[int, object] | None = None

    @property
    def code2cid(self) -> dict[int, object]:
        if self.merged is None:
            ucs2 = CMapDB._load_data(self.name).CODE2CID
            utf16 = CMapDB._load_data(self.name.replace("UCS2", "UTF16")).CODE2CID
            self.merged = merged(ucs2, utf16)
        return self.merged

    @code2cid.setter
    def code2cid(self, value: dict[int, object]) -> None:
        self.merged = value


def supplement() -> None:
    """Make pdfminer read the UCS-2 CMaps as supplemented here (idempotent; loads nothing)."""
    for name in UCS2_NAMES:
        if not isinstance(CMapDB._cmap_cache.get(name), SupplementedCMap):
            CMapDB._cmap_cache[name] = SupplementedCMap(name)
