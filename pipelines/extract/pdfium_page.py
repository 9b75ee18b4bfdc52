"""A page's pdfplumber objects (chars, lines, rects, curves) built from pdfium instead of pdfminer.

pdfminer interprets a page's content stream in Python, which was most of the time spent reading a
PDF; pdfium interprets it in C. The objects are the ones pdfminer would give pdfplumber: a char's box
is its origin, advance and font size placed by the text matrix, from the font's descent up by the
font size (pdfminer's `LTChar`); a painted path is split into subpaths and each becomes a line, a
rect or a curve by pdfminer's own rules (`PDFLayoutAnalyzer.paint_path`). A page printed turned
(/Rotate) is turned into pdfminer's frame first. Where pdfium cannot give the same objects (a page
whose box is offset, text that is not upright, a font without metrics, text pdfium cannot map to
Unicode, text in a CJK font the PDF does not embed whose characters pdfium's text page may have left
out: `font_standing`) `page_objects` returns None and the caller lets pdfminer parse the page as before.

Known differences, none of which changes a reading of tests/fixtures/real or data/samples
(`python -m tests.readings`): pdfium leaves out runs of spaces, tabs and U+3000/U+00A0 that pdfminer
keeps as characters (blanks only part words, and one between two characters is restored); a pattern
fill pdfium cannot render reads as white (a cover page's shading).
"""

from __future__ import annotations

import ctypes
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice, repeat
from operator import itemgetter, le
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as raw

from pipelines.errors import ReaderSetupError

Obj = dict[str, Any]
_Fonts = dict[int | None, tuple[float, str] | None]  # a page's fonts by address → `_font`'s answer
Point = tuple[float, float]
Segment = tuple[str, list[Point]]  # pdfminer's path operator ("m", "l", "c", "h") and its points


# the page objects and characters of the pages the text pass hands over (`PdfiumPages.hold`): some
# 20–80 MiB of loaded pages: every page of the documents seen but the last two of a 59-page one
HELD_OBJECTS = 60_000


class PdfiumPages:
    """The file opened by pdfium beside pdfplumber, to give pdfplumber's pages their objects
    without pdfminer parsing them; a page pdfium cannot read as pdfminer would is left to pdfminer.

    Loading a page (its content stream parsed) and its text page is a good part of the cost of
    reading it, and the text pass (`pdf.read_page_texts`) has just done both for every page: made
    without a path, this takes over that pass's document and the pages it `hold`s, so the table
    pass reads them without loading them again. Pages are held up to `HELD_OBJECTS` page objects
    and characters (a loaded page takes some 300–1,500 bytes for each), so a long document or a
    page of many thousand drawn shapes is loaded again rather than kept in memory.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.doc: Any = pdfium.PdfDocument(str(path)) if path is not None else None
        # page index → (page, its text page, what the text pass learnt walking them or None)
        self.held: dict[int, tuple[Any, Any, Walked | None]] = {}
        self.mined: dict[int, dict[str, list[Obj]]] = {}  # page index → objects pdfminer read
        self.room = HELD_OBJECTS

    def __enter__(self) -> PdfiumPages:
        return self

    def __exit__(self, *exc: object) -> None:
        for index in list(self.held):
            self.drop(index)
        if self.doc is not None:
            self.doc.close()

    def adopt(self, doc: Any) -> None:
        """Take over the text pass's open document (closed when this is)."""
        self.doc = doc

    def hold(self, index: int, page: Any, textpage: Any, walked: Walked | None = None) -> bool:
        """Keep a page of the adopted document loaded with its text page (and `walked`, the walk of
        them the text pass made, when it made one), while there is room; False when there is none
        (the caller closes them)."""
        size = _page_count(_address(page.raw) or 0) + textpage.count_chars()
        if size > self.room:
            return False
        self.room -= size
        self.held[index] = (page, textpage, walked)
        return True

    def keep_mined(self, index: int, objects: dict[str, list[Obj]]) -> None:
        """Keep the objects pdfminer read of a page for the text pass (`pdf._read_left_out`), while
        there is room, so that the table pass does not parse the page again."""
        size = sum(map(len, objects.values()))
        if size <= self.room:
            self.room -= size
            self.mined[index] = objects

    def drop(self, index: int) -> None:
        """Close a held page the table pass has no use for (or is done with)."""
        self.mined.pop(index, None)
        held = self.held.pop(index, None)
        if held is not None:
            held[1].close()
            held[0].close()

    def parsed(self, page: Any) -> Any:
        """pdfplumber's `page`, its objects read by pdfium where they can be (a page already parsed
        keeps its objects)."""
        index = page.page_number - 1
        mined = self.mined.pop(index, None)
        if mined is not None and "_objects" not in vars(page):
            page._objects = mined
        if "_objects" in vars(page):
            self.drop(index)
            return page
        fast, textpage, walked = self.held.get(index) or (self.doc[index], None, None)
        try:
            objects = page_objects(fast, page, textpage, walked)
        finally:
            if index in self.held:
                self.drop(index)
            else:
                fast.close()
        if objects is not None:
            page._objects = objects
        return page


def page_objects(
    page: Any, plumber_page: Any, textpage: Any = None, walked: Walked | None = None
) -> dict[str, list[Obj]] | None:
    """pdfplumber's `objects` of `plumber_page` read from the same page opened by pdfium, or None
    when pdfium's reading could differ from pdfminer's (see the module's docstring). `textpage`:
    the page's text page when it is already loaded (one loaded before the page is turned upright
    is of no use: its characters are placed on the unturned page), `walked`: the walk of both
    (`Walked.of`) made before, of no use either on a page turned upright."""
    mediabox = tuple(float(v) for v in plumber_page.mediabox)
    rotation = int(plumber_page.rotation or 0) % 360
    if mediabox[0] or mediabox[1] or not _turn_upright(page, rotation):
        return None
    if rotation:
        textpage = walked = None
    height = float(plumber_page.height)
    doctop = float(plumber_page.initial_doctop)
    number = int(plumber_page.page_number)
    texts: dict[int | None, tuple[int, int, Matrix]] = {}  # text object → its place, itself, its form's ctm
    paths: list[tuple[int, Matrix]] = []
    text_kind, path_kind = raw.FPDF_PAGEOBJ_TEXT, raw.FPDF_PAGEOBJ_PATH
    walk = walked.objects if walked is not None else _walk(_address(page.raw) or 0, _IDENTITY)
    for obj, kind, m in walk:
        if kind == text_kind:
            texts[obj] = (len(texts), obj, m)
        elif kind == path_kind:
            paths.append((obj, m))
    char_objects = walked.char_objects if walked is not None else None
    chars = _chars(page, textpage, texts, height, doctop, number, char_objects)
    if chars is None:
        return None
    objects: dict[str, list[Obj]] = {"char": chars}
    for found in _paths(page.pdf, paths, height, doctop, number):
        objects.setdefault(found["object_type"], []).append(found)
    return objects


def image_objects(page: Any) -> list[Any]:
    """The page's top-level image objects as pypdfium2 handles; the other objects are only asked
    their type, by address (wrapping each in a typed handle costs more than the question)."""
    page_address = _address(page.raw) or 0
    count = _page_count(page_address)
    if count < 0:
        raise pdfium.PdfiumError("Failed to get number of pageobjects.")
    image = raw.FPDF_PAGEOBJ_IMAGE
    images: list[Any] = []
    for i in range(count):
        obj = _page_object(page_address, i)
        if not obj:
            raise pdfium.PdfiumError("Failed to get pageobject.")
        if _object_type(obj) == image:
            images.append(_typed(obj))
    return images


def _turn_upright(page: Any, rotation: int) -> bool:
    """Place the page's objects as pdfminer does on a page printed turned (/Rotate): in the turned
    page's own frame, so that its text reads upright. Only this opened copy of the page changes."""
    if not rotation:
        return True
    x0, y0, x1, y1 = (float(v) for v in page.get_mediabox())
    turns: dict[int, Matrix] = {
        90: (0.0, -1.0, 1.0, 0.0, -y0, x1),
        180: (-1.0, 0.0, 0.0, -1.0, x1, y1),
        270: (0.0, 1.0, -1.0, 0.0, y1, -x0),
    }
    if rotation not in turns:
        return False
    a, b, c, d, e, f = turns[rotation]
    for obj in list(_objects(page, in_form=False)):
        raw.FPDFPageObj_Transform(obj, a, b, c, d, e, f)
    return True


def _as_address(function: Any, *args: Any) -> Any:
    """pdfium's `function` as a ctypes function that takes and returns objects as plain addresses:
    pypdfium2 wraps each returned handle in a typed pointer, a cost paid per character here."""
    address = ctypes.cast(function, ctypes.c_void_p).value
    if not address:
        raise ReaderSetupError(f"pdfium has no {function.__name__}: pypdfium2 as constraints.txt pins?")
    return ctypes.CFUNCTYPE(*args)(address)


def _bare(function: Any, restype: Any) -> Any:
    """pdfium's `function` as a ctypes function that declares no argument types, for the calls made
    for every character or path segment of a page: ctypes then converts no argument, some 40% of
    the cost of such a call. Every argument must be what C takes as it is: a pointer as a
    `ctypes.c_void_p`, an out-parameter by `ctypes.byref`, a Python int only where the C type is an
    int (an index)."""
    address = ctypes.cast(function, ctypes.c_void_p).value
    if not address:
        raise ReaderSetupError(f"pdfium has no {function.__name__}: pypdfium2 as constraints.txt pins?")
    return ctypes.CFUNCTYPE(restype)(address)


_text_object = _as_address(raw.FPDFText_GetTextObject, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int)
# (text page, char index) → …, called per character with the text page as a c_void_p (`_bare`)
_bare_text_object = _bare(raw.FPDFText_GetTextObject, ctypes.c_void_p)
_bare_unicode = _bare(raw.FPDFText_GetUnicode, ctypes.c_uint)
_bare_generated = _bare(raw.FPDFText_IsGenerated, ctypes.c_int)
_bare_map_error = _bare(raw.FPDFText_HasUnicodeMapError, ctypes.c_int)
_bare_origin = _bare(raw.FPDFText_GetCharOrigin, ctypes.c_int)  # (…, double* x, double* y)
_bare_char_matrix = _bare(raw.FPDFText_GetMatrix, ctypes.c_int)  # (…, FS_MATRIX*)
# asked once per text object, which some producers make of every character
_bare_text_font = _bare(raw.FPDFTextObj_GetFont, ctypes.c_void_p)  # (text object)
_bare_font_size = _bare(raw.FPDFTextObj_GetFontSize, ctypes.c_int)  # (text object, float*)
# (font, code as an int, size as a c_float, float* width): once per font, size and character
_bare_glyph_width = _bare(raw.FPDFFont_GetGlyphWidth, ctypes.c_int)


class _Handle(ctypes.c_void_p):
    """A pointer pdfium returns, kept a ctypes value to be passed on to `_bare` calls (ctypes turns a
    plain c_void_p result into an int, which such a call would pass as a C int)."""


# a path's style and segments, asked for every path and segment of a page's drawing (`_paths`),
# the path as a c_void_p
_bare_draw_mode = _bare(raw.FPDFPath_GetDrawMode, ctypes.c_int)  # (path, int* fill, int* stroke)
_bare_stroke_width = _bare(raw.FPDFPageObj_GetStrokeWidth, ctypes.c_int)  # (path, float*)
_bare_stroke_color = _bare(raw.FPDFPageObj_GetStrokeColor, ctypes.c_int)  # (path, 4 × unsigned*)
_bare_fill_color = _bare(raw.FPDFPageObj_GetFillColor, ctypes.c_int)
_bare_segment_count = _bare(raw.FPDFPath_CountSegments, ctypes.c_int)
_bare_path_segment = _bare(raw.FPDFPath_GetPathSegment, _Handle)  # (path as c_void_p, index)
_bare_segment_point = _bare(raw.FPDFPathSegment_GetPoint, ctypes.c_int)  # (…, float* x, float* y)
_bare_segment_type = _bare(raw.FPDFPathSegment_GetType, ctypes.c_int)
_bare_segment_close = _bare(raw.FPDFPathSegment_GetClose, ctypes.c_int)
_page_count = _as_address(raw.FPDFPage_CountObjects, ctypes.c_int, ctypes.c_void_p)
_page_object = _as_address(raw.FPDFPage_GetObject, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int)
_form_count = _as_address(raw.FPDFFormObj_CountObjects, ctypes.c_int, ctypes.c_void_p)
_form_object = _as_address(raw.FPDFFormObj_GetObject, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_ulong)
_object_type = _as_address(raw.FPDFPageObj_GetType, ctypes.c_int, ctypes.c_void_p)
_object_matrix = _as_address(raw.FPDFPageObj_GetMatrix, ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
_text_font = _as_address(raw.FPDFTextObj_GetFont, ctypes.c_void_p, ctypes.c_void_p)
_glyph_width = _as_address(
    raw.FPDFFont_GetGlyphWidth,
    ctypes.c_int,
    ctypes.c_void_p,
    ctypes.c_uint32,
    ctypes.c_float,
    ctypes.POINTER(ctypes.c_float),
)
_font_embedded = _as_address(raw.FPDFFont_GetIsEmbedded, ctypes.c_int, ctypes.c_void_p)
_glyph_path = _as_address(
    raw.FPDFFont_GetGlyphPath, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint32, ctypes.c_float
)
_glyph_segments = _as_address(raw.FPDFGlyphPath_CountGlyphSegments, ctypes.c_int, ctypes.c_void_p)


# --- fonts the PDF does not embed -----------------------------------------------------------------

# A font's standing (`font_standing`): embedded or Latin; a CJK font the PDF does not embed, drawn
# with a system font that has its glyphs; one drawn without its glyphs (no CJK font on the machine)
DRAWN, UNEMBEDDED_CJK, GLYPHLESS = 0, 1, 2
_IDEOGRAPH = ord("一")  # every Chinese font encodes it; a Latin font does not
TEXT_STRIDE = 8  # `unembedded_cjk_text` asks the font of every 8th character of a page's text


def font_standing(font: int | None, known: dict[int | None, int]) -> int:
    """Whether pdfium can draw the text of `font` (a font's address) as printed. A font the PDF does
    not embed is drawn with a font of the system's: pdfium's own fonts cover Latin text, but a CJK
    font (its widths give '一' an advance, a Latin font's give none) needs a CJK font installed. Without
    one its glyphs are empty, and pdfium's text page leaves out a text object whose glyphs are all
    missing (a lone '≥' or '次' in a table cell) without a word; pdfminer reads the codes and needs no
    glyphs. Even with one, a glyph pdfium does not find in it is left out the same way (a lone '℃',
    with WenQuanYi Micro Hei installed). `known`: the page's fonts already asked about."""
    standing = known.get(font)
    if standing is None:
        standing = known[font] = _standing(font)
    return standing


def _standing(font: int | None) -> int:
    if not font or _font_embedded(font):
        return DRAWN
    width = ctypes.c_float()
    if not _glyph_width(font, _IDEOGRAPH, 1.0, ctypes.byref(width)) or width.value <= 0:
        return DRAWN
    path = _glyph_path(font, _IDEOGRAPH, 1.0)
    return UNEMBEDDED_CJK if path and _glyph_segments(path) > 0 else GLYPHLESS


def unembedded_cjk_text(textpage: Any) -> bool:
    """Whether some of the page's text (pypdfium2's text page) is in a CJK font the PDF does not embed
    (`font_standing`). The font is asked of every `TEXT_STRIDE`th character only: a page's fonts
    print runs of many characters, and asking all of them costs a quarter of reading the text. A font
    none of whose text the text page kept is not seen here; on a table page `_chars` finds it. A run
    shorter than the stride can slip between samples on a page without a table; asking every text
    object instead (a walk of the page's objects, or every character between two samples in
    different objects) cost 0.7–0.9 ms a page more on data/samples (~3% of its staging CPU), and was
    left."""
    page = _address(textpage.raw)
    known: dict[int | None, int] = {}
    last = None
    for i in range(0, raw.FPDFText_CountChars(textpage.raw), TEXT_STRIDE):
        obj = _text_object(page, i)
        if obj and obj != last:
            last = obj
            if font_standing(_text_font(obj), known) != DRAWN:
                return True
    return False


@dataclass(frozen=True)
class Walked:
    """A loaded page's objects in drawing order (`_walk`: address, kind, matrix) and the text object
    of each character of its text page: what `text_left_out` asks pdfium of a page, and what the
    table pass (`page_objects`) would ask again of the same page and text page while held."""

    objects: list[tuple[int, int, Matrix]]
    char_objects: list[int | None]

    @classmethod
    def of(cls, page: Any, textpage: Any) -> Walked:
        """Walk `page` and its text page (pypdfium2's)."""
        return cls(list(_walk(_address(page.raw) or 0, _IDENTITY)), _char_objects(textpage.raw))


def _char_objects(textpage: Any) -> list[int | None]:
    """The text object of each character of the text page (a raw handle), by address."""
    count = raw.FPDFText_CountChars(textpage)
    return list(map(_bare_text_object, repeat(ctypes.c_void_p(_address(textpage)), count), range(count)))


def text_left_out(page: Any, textpage: Any, walked: Walked | None = None) -> bool:
    """Whether pdfium's text page (pypdfium2's) of `page` left out a text object in a CJK font the
    PDF does not embed: a glyph its system font lacks, or a blank, pdfium cannot say which (`_chars`
    asks the same of a table page). `walked`: the page walked already (`Walked.of`)."""
    walked = walked or Walked.of(page, textpage)
    seen = set(walked.char_objects)
    known: dict[int | None, int] = {}
    text = raw.FPDF_PAGEOBJ_TEXT
    return any(
        kind == text and obj not in seen and font_standing(_text_font(obj), known) != DRAWN
        for obj, kind, _ in walked.objects
    )


def _address(obj: Any) -> int | None:
    return ctypes.cast(obj, ctypes.c_void_p).value


def _typed(obj: int | ctypes.c_void_p) -> Any:
    """A page object's address (or c_void_p) as pypdfium2's typed handle, for the calls made once
    in a while."""
    return ctypes.cast(obj, raw.FPDF_PAGEOBJECT)


def _chars(
    page: Any,
    loaded: Any,
    texts: dict[int | None, tuple[int, int, Matrix]],
    height: float,
    doctop: float,
    number: int,
    char_objects: list[int | None] | None = None,
) -> list[Obj] | None:
    """The page's characters in content-stream order (pdfminer's): pdfium's text page puts some
    text objects out of that order, and leaves out those that print only spaces. `loaded`: the
    page's text page when the caller has it (pypdfium2's), else it is loaded here;
    `char_objects`: the text object of each of its characters, when asked already (`Walked`)."""
    if loaded is not None:
        read = _read_chars(loaded.raw, height, doctop, number, char_objects)
    else:
        textpage = raw.FPDFText_LoadPage(page)
        if not textpage:
            return None
        try:
            read = _read_chars(textpage, height, doctop, number)
        finally:
            raw.FPDFText_ClosePage(textpage)
    if read is None:
        return None
    runs, chars = read
    # the text objects the text page left out, in drawing order (a set difference first: on most
    # pages there are none, and a page may draw a text object for every character)
    unseen = texts.keys() - {key for key, _ in runs}
    fonts: _Fonts = {}
    standings: dict[int | None, int] = {}
    for key in [key for key in texts if key in unseen] if unseen else ():
        _, obj, ctm = texts[key]
        if font_standing(_text_font(obj), standings) != DRAWN:
            return None  # a CJK font not embedded: a glyph its system font lacks, or a blank? pdfminer knows
        if (space := _blank(_typed(obj), ctm, height, doctop, number, fonts)) is not None:
            runs.append((key, len(chars)))
            chars.append(space)
    # the runs in content-stream order, each run's characters in pdfium's order, as a stable sort of
    # the characters by their text object's place gives them (a text object's place is its runs')
    if not runs:
        return chars
    last = (len(texts),)  # the place of a text object the walk did not see: after all others
    places = [texts.get(key, last)[0] for key, _ in runs]
    if all(map(le, places, islice(places, 1, None))):
        return chars  # already in content-stream order
    ends = [start for _, start in runs[1:]] + [len(chars)]
    spans = zip(places, [start for _, start in runs], ends, strict=True)
    return [char for _, start, end in sorted(spans, key=itemgetter(0)) for char in chars[start:end]]


def _blank(
    obj: Any,
    ctm: Matrix,
    height: float,
    doctop: float,
    number: int,
    fonts: _Fonts | None = None,
) -> Obj | None:
    """A space for a text object that draws nothing and that pdfium's text page left out: a printed
    space (pdfminer reads it as one). It parts two words closer than pdfplumber's tolerance
    ("1. 一般公共预算"), so it must be there; its width does not matter, it is one zero-wide space.
    `fonts`: the page's fonts already asked about (`_font`)."""
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    if not raw.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
        return None
    if left.value != right.value or bottom.value != top.value:
        return None  # it draws glyphs pdfium could not read: not a space
    size = ctypes.c_float()
    font = _font(obj, fonts)
    if font is None or not raw.FPDFTextObj_GetFontSize(obj, size):
        return None
    a, b, c, d, e, f = _times(_matrix(obj), ctm)
    if b or c or a <= 0 or d <= 0:
        return None
    descent, fontname = font
    fontsize = float(size.value)
    x = _r(e)
    y0 = _r(d * descent * fontsize + f)
    y1 = _r(d * (descent * fontsize + fontsize) + f)
    return {
        "object_type": "char",
        "page_number": number,
        "text": " ",
        "fontname": fontname,
        "size": y1 - y0,
        "adv": 0.0,
        "upright": True,
        "matrix": (a, b, c, d, x, _r(f)),
        "x0": x,
        "x1": x,
        "y0": y0,
        "y1": y1,
        "top": height - y1,
        "bottom": height - y0,
        "doctop": doctop + height - y1,
        "width": 0.0,
        "height": y1 - y0,
    }


def _read_chars(
    textpage: Any, height: float, doctop: float, number: int, char_objects: list[int | None] | None = None
) -> tuple[list[tuple[int | None, int]], list[Obj]] | None:
    """Each character pdfium's text page holds, as pdfminer's char, and the runs of characters of
    one text object: (the object, the index of the run's first character). `char_objects`: the
    text object of each character (`_char_objects`), when the caller asked already.

    A ctypes call, a `round` and building a tuple each cost more than the arithmetic, and this is
    done for every character of every table page: what is the same for every character of a text
    object (its font, font size and matrix) is asked of pdfium once per object and checked and
    built once per font, size and matrix (a producer may draw every character as an object of its
    own, as most real files here do for a good part of their text), a glyph's advance
    once per font, size and character, a baseline's box once, and a coordinate is rounded once per
    page (table columns repeat the same x row after row). Whether a character was generated is asked
    of blanks only: pdfium generates nothing but spaces and line breaks (`GenerateCharInfo` and the
    spaces `CPDF_TextPage::ProcessTextObject` puts between a text object's glyphs)."""
    fonts: dict[int | None, tuple[float, str] | None] = {}  # font → (descent per em, name)
    # text object → (font name, descent per em, font size, its font's advances at its size: code →
    # advance, its baselines: y → vertical box, font and size as pdfium takes them, matrix a b c d);
    # a text object whose box cannot be made pdfminer's way (no font metrics or size; text turned,
    # mirrored or vertical) ends it
    objects: dict[int | None, tuple[Any, ...]] = {}
    # (font, size, matrix d) → the first seven of those, shared by its text objects: some producers
    # make a text object of every character
    styles: dict[tuple[int | None, float, float], tuple[Any, ...]] = {}
    # (font, size bits, matrix bits) → a text object's entry of `objects`: what a text object of
    # that font, size and matrix shares with the others, asked of pdfium and checked once
    looks: dict[tuple[int | None, bytes, bytes], tuple[Any, ...]] = {}
    advances: dict[tuple[int | None, float], dict[int, float]] = {}  # (font, size) → code → advance
    # (matrix d, descent, size, font name) → baseline y → (its y rounded, the char as far as the
    # baseline makes it: copied and completed per character, cheaper than building a dict of 17)
    baselines: dict[tuple[float, float, float, str], dict[float, tuple[float, Obj]]] = {}
    rounded: dict[float, float] = {}  # x → round(x, 4), for every x but a zero (its sign is kept)
    x, y = ctypes.c_double(), ctypes.c_double()
    m = raw.FS_MATRIX()
    size = ctypes.c_float()
    # the bits of the size and of the matrix's a b c d as pdfium filled them: with the font, the key
    # of what a text object's characters share (`looks`); bits, not values, so -0.0 is not 0.0
    size_bits = (ctypes.c_char * 4).from_buffer(size)
    matrix_bits = (ctypes.c_char * 16).from_buffer(m)
    size_ref = ctypes.byref(size)
    width = ctypes.c_float()
    width_ref = ctypes.byref(width)
    page = ctypes.c_void_p(_address(textpage))  # passed as it is to the per-character calls (`_bare`)
    unicode_of, generated, map_error = _bare_unicode, _bare_generated, _bare_map_error
    keys = _char_objects(textpage) if char_objects is None else char_objects
    origin, char_matrix, text_font, font_size, glyph_width = (
        _bare_origin,
        _bare_char_matrix,
        _bare_text_font,
        _bare_font_size,
        _bare_glyph_width,
    )
    at_x, at_y, at_m = ctypes.byref(x), ctypes.byref(y), ctypes.byref(m)
    blanks = _GENERATED
    base = doctop + height
    runs: list[tuple[int | None, int]] = []
    chars: list[Obj] = []
    last_key: int | None = -1  # no text object's address
    add_char = chars.append
    for i in range(len(keys)):
        code = unicode_of(page, i)
        if code in blanks and generated(page, i):
            continue  # a space or line break pdfium inferred (or put in place of a printed space)
        if map_error(page, i) == 1:
            return None
        key = keys[i]
        if key != last_key:  # a text object's characters mostly come one after another
            known = objects.get(key)
            if known is None:
                handle = ctypes.c_void_p(key)
                font_key = text_font(handle)
                if not font_size(handle, size_ref) or not char_matrix(page, i, at_m):
                    return None
                look = (font_key, size_bits.raw, matrix_bits.raw)
                known = looks.get(look)
                if known is None:
                    if font_key not in fonts:
                        fonts[font_key] = _font(raw.FPDFText_GetTextObject(textpage, i))
                    font = fonts[font_key]
                    if font is None:
                        return None
                    a, b, c, d = m.a, m.b, m.c, m.d
                    if b or c or a <= 0 or d <= 0:
                        return None
                    fontsize = size.value
                    shared = (font_key, fontsize, d)
                    style = styles.get(shared) if fontsize else None  # a size of 0 or -0: not shared
                    if style is None:
                        style = styles[shared] = (
                            font[1],
                            font[0],
                            fontsize,
                            advances.setdefault((font_key, fontsize), {}),
                            baselines.setdefault((d, font[0], fontsize, font[1]), {}),
                            ctypes.c_void_p(font_key),
                            ctypes.c_float(fontsize),  # the size as pdfium gave it (a float already)
                        )
                    known = looks[look] = (*style, a, b, c, d)
                objects[key] = known
            fontname, descent, fontsize, widths, lines, font_handle, size_c, a, b, c, d = known
            last_key = key
            runs.append((key, len(chars)))  # this character is appended below, or the page is None
        advance = widths.get(code)
        if advance is None:
            if not glyph_width(font_handle, code, size_c, width_ref):
                return None
            advance = widths[code] = width.value
        origin(page, i, at_x, at_y)
        xv, yv = x.value, y.value
        if not (yv and fontsize) or (placed := lines.get(yv)) is None:
            oy = round(yv, 4)
            y0 = round(d * descent * fontsize + oy, 4)
            y1 = round(d * (descent * fontsize + fontsize) + oy, 4)
            tall = y1 - y0
            placed = lines[yv] = (
                oy,
                {
                    "object_type": "char",
                    "page_number": number,
                    "text": "",
                    "fontname": fontname,
                    "size": tall,
                    "adv": 0.0,
                    "upright": True,
                    "matrix": None,
                    "x0": 0.0,
                    "x1": 0.0,
                    "y0": y0,
                    "y1": y1,
                    "top": height - y1,
                    "bottom": height - y0,
                    "doctop": base - y1,
                    "width": 0.0,
                    "height": tall,
                },
            )
        oy, on_baseline = placed
        if not xv or (x0 := rounded.get(xv)) is None:
            x0 = rounded[xv] = round(xv, 4)
        # the advance the font's widths give (pdfminer's): pdfium's loose box would stretch to
        # the glyph's outline where it is wider (a comma of a non-embedded CJK font, 积 at 1016)
        end = xv + a * advance
        if not end or (x1 := rounded.get(end)) is None:
            x1 = rounded[end] = round(end, 4)
        wide = x1 - x0
        char = on_baseline.copy()  # its keys in pdfminer's order, kept by assigning in place
        char["text"] = chr(code)
        char["adv"] = wide / a
        char["matrix"] = (a, b, c, d, x0, oy)
        char["x0"] = x0
        char["x1"] = x1
        char["width"] = wide
        add_char(char)
    return runs, chars


_GENERATED = frozenset(map(ord, " \r\n"))  # the only characters pdfium's text page generates


def _r(v: float) -> float:
    """pdfium's single-precision coordinate, rounded back near the decimals a content stream prints,
    as pdfminer computes them in double precision: 198.12 + 3 must not become 201.11999, which
    parts two words pdfminer keeps together. Four decimals, not three: a renderer printing many
    decimals gives rows whose gaps pdfplumber's readers compare to each other, and three would
    move one row by a thousandth of a point more than its neighbours."""
    return round(float(v), 4)


def _font(obj: Any, known: _Fonts | None = None) -> tuple[float, str] | None:
    """The font's descent per unit of font size (pdfminer's: negative, from the descriptor) and its
    name; None for a font pdfium gives no metrics for, or vertical text. `known`: fonts already
    asked about, by address (a font's answer is the font's alone), where this one's is kept."""
    font = raw.FPDFTextObj_GetFont(obj)
    if not font:
        return None
    if known is not None:
        address = _address(font)
        if address not in known:
            known[address] = _font_facts(font)
        return known[address]
    return _font_facts(font)


def _font_facts(font: Any) -> tuple[float, str] | None:
    """`_font` of a font (pypdfium2's handle)."""
    ascent, descent = ctypes.c_float(), ctypes.c_float()
    if not raw.FPDFFont_GetAscent(font, 1000.0, ascent) or not raw.FPDFFont_GetDescent(font, 1000.0, descent):
        return None
    if ascent.value == descent.value:
        return None  # no metrics at all: pdfium and pdfminer would guess the descent differently
    n = raw.FPDFFont_GetBaseFontName(font, None, 0)
    buf = ctypes.create_string_buffer(max(n, 1))
    raw.FPDFFont_GetBaseFontName(font, buf, n)
    name = buf.value.decode("utf-8", "replace")
    return -abs(float(descent.value)) / 1000.0, name


# --- paths ----------------------------------------------------------------------------------------

Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _times(m: Matrix, n: Matrix) -> Matrix:
    """m then n (pdfminer's `mult_matrix(m, n)`)."""
    a0, b0, c0, d0, e0, f0 = m
    a1, b1, c1, d1, e1, f1 = n
    return (
        a0 * a1 + b0 * c1,
        a0 * b1 + b0 * d1,
        c0 * a1 + d0 * c1,
        c0 * b1 + d0 * d1,
        e0 * a1 + f0 * c1 + e1,
        e0 * b1 + f0 * d1 + f1,
    )


def _apply(m: Matrix, p: Point) -> Point:
    a, b, c, d, e, f = m
    return (a * p[0] + c * p[1] + e, b * p[0] + d * p[1] + f)


def _matrix(obj: Any) -> Matrix:
    fm = raw.FS_MATRIX()
    if not raw.FPDFPageObj_GetMatrix(obj, fm):
        raise pdfium.PdfiumError("Failed to get the object's matrix.")
    return (fm.a, fm.b, fm.c, fm.d, fm.e, fm.f)


def _objects(parent: Any, in_form: bool) -> Iterator[Any]:
    count = raw.FPDFFormObj_CountObjects(parent) if in_form else raw.FPDFPage_CountObjects(parent)
    for i in range(count):
        obj = raw.FPDFFormObj_GetObject(parent, i) if in_form else raw.FPDFPage_GetObject(parent, i)
        if obj:
            yield obj


def _walk(
    parent: int, ctm: Matrix, in_form: bool = False, fm: Any = None
) -> Iterator[tuple[int, int, Matrix]]:
    """Every object of the page in drawing order (by address), forms entered, with its kind and
    (for a path) its matrix to page space. `fm`: the matrix pdfium fills, made once for the walk."""
    count = _form_count(parent) if in_form else _page_count(parent)
    get = _form_object if in_form else _page_object
    form, path = raw.FPDF_PAGEOBJ_FORM, raw.FPDF_PAGEOBJ_PATH
    fm = raw.FS_MATRIX() if fm is None else fm
    for i in range(count):
        obj = get(parent, i)
        if not obj:
            continue
        kind = _object_type(obj)
        if kind == form:
            yield from _walk(obj, _times(_matrix_at(obj, fm), ctm), True, fm)
        else:
            yield obj, kind, _times(_matrix_at(obj, fm), ctm) if kind == path else ctm


def _matrix_at(obj: int, fm: Any = None) -> Matrix:
    """`_matrix` of an object given by its address (`fm`: the matrix to fill, when one is at hand)."""
    fm = raw.FS_MATRIX() if fm is None else fm
    if not _object_matrix(obj, ctypes.addressof(fm)):
        raise pdfium.PdfiumError("Failed to get the object's matrix.")
    return (fm.a, fm.b, fm.c, fm.d, fm.e, fm.f)


def _segments(path: Any, m: Matrix, rounded: dict[float, float], point: Any = None) -> list[Segment]:
    """The path (a c_void_p) as pdfminer's operators, points in page space: pdfium marks a closing
    point where pdfminer records an "h", and keeps a curve as three points where pdfminer has one "c".
    `rounded`: coordinates already rounded on the page (a ruling's ends are its neighbours').
    `point`: the two floats pdfium fills and their references (`_floats`), made once a page."""
    out: list[Segment] = []
    fx, fy, fx_ref, fy_ref = point or _floats()
    a, b, c, d, e, f = m
    bezier: list[Point] = []
    bezier_to, move_to = raw.FPDF_SEGMENT_BEZIERTO, raw.FPDF_SEGMENT_MOVETO
    segment_at, segment_point, segment_type, segment_close = (
        _bare_path_segment,
        _bare_segment_point,
        _bare_segment_type,
        _bare_segment_close,
    )
    for i in range(_bare_segment_count(path)):
        seg = segment_at(path, i)
        segment_point(seg, fx_ref, fy_ref)
        x, y = fx.value, fy.value
        px, py = a * x + c * y + e, b * x + d * y + f  # _apply, then _r (a zero keeps its sign)
        if not px or (rx := rounded.get(px)) is None:
            rx = rounded[px] = round(px, 4)
        if not py or (ry := rounded.get(py)) is None:
            ry = rounded[py] = round(py, 4)
        point = (rx, ry)
        kind = segment_type(seg)
        if kind == bezier_to:
            bezier.append(point)
            if len(bezier) < 3:
                continue
            out.append(("c", bezier))
            bezier = []
        elif kind == move_to:
            out.append(("m", [point]))
        else:
            out.append(("l", [point]))
        if segment_close(seg):
            out.append(("h", []))
    return out


_SUBPATH = re.compile(r"m[^m]+")


def _paths(
    pdf: Any, paths: list[tuple[int, Matrix]], height: float, doctop: float, number: int
) -> Iterator[Obj]:
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    fill_ref, stroke_ref = ctypes.byref(fill), ctypes.byref(stroke)
    rounded: dict[float, float] = {}
    # what pdfium fills, made once for the page (making a ctypes value and its reference costs
    # more than the call that fills it)
    point = _floats()
    width, width_ref = point[0], point[2]
    rgba = (ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint())
    rgba_refs = tuple(ctypes.byref(v) for v in rgba)
    stroke_pattern, fill_pattern = (
        raw.FPDFPageObj_GetRenderedStrokePattern,
        raw.FPDFPageObj_GetRenderedFillPattern,
    )
    for address, m in paths:
        path = ctypes.c_void_p(address)  # as the `_bare` calls take it
        if not _bare_draw_mode(path, fill_ref, stroke_ref):
            continue
        if not fill.value and not stroke.value:
            continue
        style = {
            "stroke": bool(stroke.value),
            "fill": bool(fill.value),
            "evenodd": fill.value == raw.FPDF_FILLMODE_ALTERNATE,
            "linewidth": float(width.value) if _bare_stroke_width(path, width_ref) else 0.0,
            "stroking_color": _color(pdf, path, _bare_stroke_color, stroke_pattern, rgba, rgba_refs),
            "non_stroking_color": _color(pdf, path, _bare_fill_color, fill_pattern, rgba, rgba_refs),
        }
        segments = _segments(path, m, rounded, point)
        shape = "".join([op for op, _ in segments])
        for sub in _SUBPATH.finditer(shape):
            start, end = sub.span()
            obj = _layout_object(segments[start:end], shape[start:end])
            if obj is not None:
                yield _placed(obj, style, height, doctop, number)


def _floats() -> tuple[Any, Any, Any, Any]:
    """Two floats for pdfium to fill, and their references."""
    x, y = ctypes.c_float(), ctypes.c_float()
    return x, y, ctypes.byref(x), ctypes.byref(y)


def _color(
    pdf: Any, path: Any, getter: Any, pattern: Any, rgba: tuple[Any, ...], refs: tuple[Any, ...]
) -> tuple[float, ...] | str:
    """The colour as RGB in 0–1 (pdfium converts every colour space to RGB; only white is asked).
    pdfium reads a pattern as white; pdfminer gives the pattern's name, which is not white.
    `path`: a c_void_p; `rgba`: the four values pdfium fills, `refs` their references."""
    r, g, b, _ = rgba
    if not getter(path, *refs):
        return (0.0,)
    if r.value == g.value == b.value == 255:
        bitmap = pattern(pdf, _typed(path))
        if bitmap:
            raw.FPDFBitmap_Destroy(bitmap)
            return "pattern"
    return (r.value / 255, g.value / 255, b.value / 255)


def _layout_object(path: list[Segment], shape: str) -> tuple[str, list[Point]] | None:
    """One subpath as pdfminer's layout object: its kind and the points its box is made from
    (pdfminer's `paint_path` for a subpath opened by "m"). `shape`: its operators, one letter each."""
    start = path[0][1][-1]
    pts = [pts[-1] if op != "h" else start for op, pts in path]
    if len(shape) > 3 and shape[-2:] == "lh" and pts[-2] == pts[0]:
        shape = shape[:-2] + "h"
        pts.pop()
    if shape in {"mlh", "ml"}:
        return "line", pts[:2]
    if shape in {"mlllh", "mllll"}:
        (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = pts
        square = (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (
            y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0
        )
        if pts[0] == pts[4] and square:
            return "rect", [pts[0], pts[2]]
    return "curve", pts


def _placed(found: tuple[str, list[Point]], style: Obj, height: float, doctop: float, number: int) -> Obj:
    kind, pts = found
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    obj: Obj = {
        "object_type": kind,
        "page_number": number,
        **style,
        "x0": x0,
        "y0": y0,
        "x1": x1,
        "y1": y1,
        "width": x1 - x0,
        "height": y1 - y0,
        "top": height - y1,
        "bottom": height - y0,
        "doctop": doctop + height - y1,
    }
    if kind != "rect":
        obj["pts"] = [(x, height - y) for x, y in pts]
    return obj
