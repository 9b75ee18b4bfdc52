"""OCR for PDF pages without a usable text layer (scans), so they are read like any other page.

A page is rendered with pypdfium2, straightened (a scan is rarely level), read by RapidOCR
(PP-OCRv4, ONNX models shipped inside the wheel: no download at run time), and its ruling lines
are found in the image (morphological opening). The result is handed to pdfplumber as the page's
objects — one `char` per recognised character, in PDF points, and one `line` per ruling — so the
same lattice and word-position readers that read text pages read the scan. Every character keeps
its recognition confidence; a table cell's confidence is the lowest of its characters'. On a ruled
page, the amount cells the detector read badly (letter-spaced digits split or lost, an amount
wrapped in a narrow cell) are cropped from the grid and recognised again, cell by cell.

rapidocr and OpenCV are imported only when a page needs OCR: documents with a text layer never
load them. `YUJUESUAN_OCR=0` (or `yujuesuan ingest --no-ocr`) switches OCR off; `YUJUESUAN_OCR_DPI`
sets the rendering resolution.
"""

from __future__ import annotations

import bisect
import itertools
import os
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from pipelines.extract.types import BBox, OcrWord, RawRow

ENV = "YUJUESUAN_OCR"
DPI_ENV = "YUJUESUAN_OCR_DPI"
# an OCR'd page may take this much longer than the page time budget (YUJUESUAN_PAGE_SECONDS)
SLOWER_ENV = "YUJUESUAN_OCR_PAGE_FACTOR"
DEFAULT_SLOWER = 4.0
DEFAULT_DPI = 200
ENGINE = "rapidocr-onnxruntime/PP-OCRv4"
ENGINE_PREFIX = "ocr/"  # doc_table.engine of a table read from OCR'd pages: ocr/pdfplumber-words …
LOW_CONFIDENCE = 0.9  # a digit recognised with less confidence than this is flagged
_PHANTOM_CONFIDENCE = 0.8  # a mark in a gap read less surely than this is a phantom
_MAX_SKEW = 2.0  # degrees: a scan tilted more than this is not straightened (nor measured)
_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "Q": "0", "D": "0", "l": "1", "I": "1", "|": "1"})
_NUMBERISH = re.compile(r"^[-−]?[\dOoQDlI|,，.．]+$")
_DASHES = {"-", "—", "－", "‐", "_", "–"}
# an amount whose thousands commas and decimal point the recogniser confused: "2.525,876.72"
_MIXED_MARKS = re.compile(r"^[-−]?\d{1,3}(?:[.,]\d{3})+[.,]\d{2}$")
# an amount whose decimal point the recogniser read as a space or a stray mark: "2,525,876 72"
_LOST_POINT = re.compile(r"^([-−]?\d{1,3}(?:,\d{3})+|[-−]?\d+)[ ·:：,，]?(\d{2})$")
# a cell that prints one amount, read whole: no leading zero, thousands commas in place
_AMOUNT = re.compile(r"^[-−]?(?:\d{1,3}(?:,\d{3})+|0|[1-9]\d*)(?:\.\d{1,2})?$")
_NUMBER_MARKS = set("0123456789OoQDlI|,，.．-−")


def enabled() -> bool:
    """OCR is on unless YUJUESUAN_OCR says 0/off/false/no."""
    return os.environ.get(ENV, "1").strip().lower() not in {"0", "off", "false", "no"}


def available() -> bool:
    """Whether the recogniser loads (rapidocr, onnxruntime and its model): the advice on an unreadable
    page differs when OCR could not run at all."""
    try:
        _engine()
    except Exception:  # ImportError, a missing shared library, a broken model file
        return False
    return True


def dpi() -> int:
    return int(os.environ.get(DPI_ENV, DEFAULT_DPI))


def page_factor() -> float:
    """How many page budgets an OCR'd page may take: reading an image costs far more than text."""
    return float(os.environ.get(SLOWER_ENV, DEFAULT_SLOWER))


@dataclass
class OcrPage:
    """One page read by OCR: its characters and rulings in PDF points (top-left origin)."""

    number: int
    width: float
    height: float
    chars: list[dict[str, Any]] = field(default_factory=list)  # text, x0, top, x1, bottom, conf
    rules: list[BBox] = field(default_factory=list)  # zero-width or zero-height segments
    words: list[OcrWord] = field(default_factory=list)  # the recogniser's text boxes
    skew: float = 0.0  # degrees the image was turned to level it
    seconds: float = 0.0

    def lines(self) -> list[str]:
        """The page's text, box by box, one printed line per string (left to right)."""
        rows: list[list[OcrWord]] = []
        for w in sorted(self.words, key=lambda w: (w.bbox[1] + w.bbox[3]) / 2):
            mid = (w.bbox[1] + w.bbox[3]) / 2
            if rows and abs(mid - _mid(rows[-1][-1].bbox)) < 0.5 * (w.bbox[3] - w.bbox[1]):
                rows[-1].append(w)
            else:
                rows.append([w])
        return [" ".join(w.text for w in sorted(r, key=lambda w: w.bbox[0])) for r in rows]

    def plumber_objects(self, page_number: int) -> dict[str, list[dict[str, Any]]]:
        """pdfplumber's `objects` of the page: the recognised characters and the rulings."""
        chars = [_char(c, page_number, self.height) for c in self.chars]
        lines = [_line(r, page_number, self.height) for r in self.rules]
        return {"char": chars, "line": lines}

    def cell_confidence(self, row: RawRow) -> tuple[float | None, ...]:
        """Each cell's confidence: the lowest of the characters inside the row's band that spell it."""
        if row.bbox is None:
            return tuple(None for _ in row.cells)
        top, bottom = row.bbox[1] - 1, row.bbox[3] + 1
        band = [c for c in self.chars if top <= (c["top"] + c["bottom"]) / 2 <= bottom]
        out: list[float | None] = []
        for text in row.cells:
            wanted = re.sub(r"\s", "", text)
            out.append(_spelt_confidence(band, wanted) if wanted else None)
        return tuple(out)


@dataclass
class OcrRun:
    """The pages of one document read by OCR, and what went wrong on the others."""

    pages: dict[int, OcrPage] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    tried: set[int] = field(default_factory=set)  # pages given to the recogniser, read or not
    unavailable: bool = False  # the recogniser could not be loaded (see `available`)

    @property
    def seconds(self) -> float:
        return sum(p.seconds for p in self.pages.values())

    def note(self) -> str | None:
        """The document's warning: which pages were read by OCR, and how surely."""
        if not self.pages:
            return None
        confs = [c["conf"] for p in self.pages.values() for c in p.chars]
        low = sum(c < LOW_CONFIDENCE for c in confs)
        listed = _ranges(sorted(self.pages))
        return (
            f"ocr: pages {listed} have no usable text layer and were read by OCR ({ENGINE}, "
            f"{self.seconds:.0f} s); {low} of {len(confs)} characters below confidence {LOW_CONFIDENCE}"
        )


def _ranges(numbers: list[int]) -> str:
    out: list[str] = []
    for _, group in itertools.groupby(enumerate(numbers), key=lambda t: t[1] - t[0]):
        run = [n for _, n in group]
        out.append(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}")
    return ", ".join(out)


def _mid(b: BBox) -> float:
    return (b[1] + b[3]) / 2


def _spelt_confidence(band: list[dict[str, Any]], wanted: str) -> float | None:
    """The lowest confidence of a run of characters (left to right) that spells `wanted`."""
    ordered = sorted(band, key=lambda c: c["x0"])
    texts = "".join(c["text"] for c in ordered)
    at = texts.find(wanted)
    if at < 0:
        return None
    return min(float(c["conf"]) for c in ordered[at : at + len(wanted)])


def _char(c: dict[str, Any], page_number: int, height: float) -> dict[str, Any]:
    w, h = c["x1"] - c["x0"], c["bottom"] - c["top"]
    return {
        "object_type": "char",
        "page_number": page_number,
        "text": c["text"],
        "fontname": "OCR",
        "size": h,
        "adv": w,
        "upright": True,
        "x0": c["x0"],
        "x1": c["x1"],
        "top": c["top"],
        "bottom": c["bottom"],
        "doctop": c["top"],
        "y0": height - c["bottom"],
        "y1": height - c["top"],
        "width": w,
        "height": h,
        "matrix": (1.0, 0.0, 0.0, 1.0, c["x0"], height - c["bottom"]),
        "stroking_color": None,
        "non_stroking_color": (0.0,),
        "ocr_conf": c["conf"],
    }


def _line(r: BBox, page_number: int, height: float) -> dict[str, Any]:
    x0, top, x1, bottom = r
    return {
        "object_type": "line",
        "page_number": page_number,
        "x0": x0,
        "x1": x1,
        "top": top,
        "bottom": bottom,
        "doctop": top,
        "y0": height - bottom,
        "y1": height - top,
        "width": x1 - x0,
        "height": bottom - top,
        "pts": [(x0, height - top), (x1, height - bottom)],
        "linewidth": 0.5,
        "stroke": True,
        "fill": False,
        "stroking_color": (0.0,),
        "non_stroking_color": (0.0,),
    }


@lru_cache(maxsize=1)
def _engine() -> Any:
    """The recogniser, loaded once per process (about a second): only when a page needs it."""
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR(print_verbose=False)


def has_ink(image: Any) -> bool:
    """Anything printed on the page image: a blank scan is not worth a recogniser pass."""
    import numpy as np

    small = image[:: max(1, image.shape[0] // 400), :: max(1, image.shape[1] // 300)]
    return bool(np.count_nonzero(small < 128) > 0.0005 * small.size)


def read_image(image: Any, number: int, width: float, height: float) -> OcrPage:
    """OCR one grey page image whose full extent is `width` × `height` points."""
    started = time.monotonic()
    scale = image.shape[1] / width
    out = OcrPage(number, width, height)
    if not has_ink(image):
        return out
    out.skew = skew_angle(image)
    if out.skew:
        image = _rotated(image, out.skew)
    rules = ruling_lines(image)
    out.rules = [_to_points(r, scale) for r in rules]
    result, _ = _engine()(image, use_cls=False, return_word_box=True)
    for box in result or []:
        _add_box(out, box, scale, image)
    out.chars = _without_doubles(out.chars)
    reread_cells(out, image, grid_cells(rules, tol=max(4.0, 1.5 * scale)), scale)
    out.seconds = time.monotonic() - started
    return out


def _without_doubles(chars: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Two detector boxes that overlap read the shared character twice ("…上缴收入其" | "其他收入"):
    of two same characters on one line covering the same place, the surer one is kept."""
    drop: set[int] = set()
    ordered = sorted(range(len(chars)), key=lambda k: (chars[k]["text"], chars[k]["x0"]))
    for i, k in enumerate(ordered):
        a = chars[k]
        for m in ordered[i + 1 :]:
            b = chars[m]
            if b["text"] != a["text"] or b["x0"] >= a["x1"]:
                break
            overlap = min(a["x1"], b["x1"]) - max(a["x0"], b["x0"])
            narrow = min(a["x1"] - a["x0"], b["x1"] - b["x0"])
            same_line = min(a["bottom"], b["bottom"]) > max(a["top"], b["top"])
            if same_line and narrow > 0 and overlap > 0.5 * narrow:
                drop.add(k if a["conf"] < b["conf"] else m)
    return [c for k, c in enumerate(chars) if k not in drop]


def read_pdf_page(pdf: Any, index: int, resolution: int | None = None) -> OcrPage:
    """Render page `index` (0-based) of an open pypdfium2 document and OCR it."""
    page = pdf[index]
    try:
        width, height = page.get_size()
        bitmap = page.render(scale=(resolution or dpi()) / 72, grayscale=True)
        image = bitmap.to_numpy()
        if image.ndim == 3:
            image = image[:, :, 0]
        return read_image(image, index + 1, width, height)
    finally:
        page.close()


def _add_box(out: OcrPage, box: list[Any], scale: float, image: Any = None) -> None:
    """One text box of the recogniser: its characters (with their own boxes) and the box itself."""
    quad, text, score = box[0], str(box[1]), float(box[2])
    char_boxes, char_texts, char_confs = (box[3], box[4], box[5]) if len(box) >= 6 else ([], [], [])
    xs, ys = [p[0] for p in quad], [p[1] for p in quad]
    top, bottom = min(ys) / scale, max(ys) / scale
    # the detector pads its boxes; the printed glyphs fill about the middle two thirds
    pad = 0.15 * (bottom - top)
    top, bottom = top + pad, bottom - pad
    chars: list[dict[str, Any]] = []
    if len(char_texts) == len(char_boxes) and char_texts:
        for cb, ct, cc in zip(char_boxes, char_texts, char_confs, strict=True):
            x0, x1 = min(p[0] for p in cb) / scale, max(p[0] for p in cb) / scale
            for k, ch in enumerate(ct):  # a "word" of several letters is shared out evenly
                step = (x1 - x0) / len(ct)
                chars.append({"text": ch, "x0": x0 + k * step, "x1": x0 + (k + 1) * step, "conf": float(cc)})
    else:  # no character boxes: share the box out, a Chinese character twice as wide as a digit
        weights = [2.0 if ord(ch) > 0x2E80 else 1.0 for ch in text]
        x, x_end = min(xs) / scale, max(xs) / scale
        unit = (x_end - x) / (sum(weights) or 1.0)
        for ch, wgt in zip(text, weights, strict=True):
            chars.append({"text": ch, "x0": x, "x1": x + wgt * unit, "conf": score})
            x += wgt * unit
    ink = _ink_height(image, xs, ys) if image is not None else 0.7 * (max(ys) - min(ys))
    em = _em(chars, ink / scale)
    _fit_glyphs(chars, em)
    chars = _repaired(_without_phantoms(chars, em))
    _close_gaps(chars, em)
    for c in chars:
        if c["text"].strip():
            out.chars.append({**c, "top": top, "bottom": bottom})
    printed = "".join(c["text"] for c in chars).strip()
    if printed:
        conf = min((c["conf"] for c in chars if c["text"].strip()), default=score)
        out.words.append(OcrWord(printed, (min(xs) / scale, top, max(xs) / scale, bottom), conf))


def _repaired(chars: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Digits read as look-alike letters inside a number, a decimal point read as a gap or a stray
    mark ("2,525,876 72", "2,525,87672") and a number spaced apart ("178. 42"), put right; a
    repaired character counts as uncertain."""
    out: list[dict[str, Any]] = []
    for token in _tokens(chars):
        text = "".join(c["text"] for c in token)
        if _NUMBERISH.match(text) and sum(ch.isdigit() for ch in text) >= 3:
            fixed = text.translate(_DIGIT_LOOKALIKES)
            for c, ch in zip(token, fixed, strict=True):
                if ch != c["text"]:
                    c.update(text=ch, conf=min(c["conf"], LOW_CONFIDENCE / 2))
        out.extend(token)
    _dash_for_one(out)
    for token in _tokens(out):
        if _MIXED_MARKS.match("".join(c["text"] for c in token)):
            # the last mark before two digits is the point, the others are thousands commas
            marks = [c for c in token if c["text"] in ".,"]
            for c, mark in zip(marks, [","] * (len(marks) - 1) + ["."], strict=True):
                if c["text"] != mark:
                    c.update(text=mark, conf=min(c["conf"], LOW_CONFIDENCE / 2))
    text = "".join(c["text"] for c in out)
    m = _LOST_POINT.match(text)
    if m and len(m.group(0)) > len(m.group(1)) + 2:  # the point read as a gap or a stray mark
        sep = out[len(m.group(1))]
        sep.update(text=".", conf=min(sep["conf"], LOW_CONFIDENCE / 2))
        return out
    pieces = text.split()
    if len(pieces) > 1 and _NUMBERISH.match("".join(pieces)) and _broken(pieces):
        out = [c for c in out if c["text"] != " "]
        text = text.replace(" ", "")
        m = _LOST_POINT.match(text)
    if m and "," in m.group(1) and len(m.group(0)) == len(m.group(1)) + 2:
        # no mark at all between the thousands groups and the cents
        k = len(m.group(1))
        x = out[k]["x0"]
        out.insert(k, {"text": ".", "x0": x, "x1": x, "conf": LOW_CONFIDENCE / 2})
    return out


def _broken(pieces: list[str]) -> bool:
    """Pieces of one number spaced apart ("178. 42"): one ends or starts at a mark."""
    return any(p[0] in ".,，．" or p[-1] in ".,，．" for p in pieces)


def _dash_for_one(chars: list[dict[str, Any]]) -> None:
    """一 read as a dash: before the enumeration comma (一、 十一、) or between Chinese characters;
    一 lost altogether before the comma that opens a label (its single stroke is the easiest to miss)."""
    if chars and chars[0]["text"] == "、" and len(chars) > 1 and _is_cjk(chars[1]["text"]):
        first = chars[0]
        chars.insert(0, {**first, "x1": first["x0"], "text": "一", "conf": LOW_CONFIDENCE / 2})
    for k, c in enumerate(chars):
        if c["text"] not in _DASHES:
            continue
        before = chars[k - 1]["text"] if k else ""
        after = chars[k + 1]["text"] if k + 1 < len(chars) else ""
        if after == "、" or (_is_cjk(before) and _is_cjk(after)):
            c["text"] = "一"


def _is_cjk(ch: str) -> bool:
    return len(ch) == 1 and "\u4e00" <= ch <= "\u9fff"


def _tokens(chars: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Runs of characters between spaces (spaces are tokens of their own)."""
    out: list[list[dict[str, Any]]] = []
    for c in chars:
        if not out or (c["text"] == " ") != (out[-1][-1]["text"] == " "):
            out.append([c])
        else:
            out[-1].append(c)
    return out


def _em(chars: list[dict[str, Any]], ink: float) -> float:
    """The printed size of the box's characters: the usual step between neighbouring Chinese
    characters (they are square and set solid), kept near the height of the ink in the box (the
    detector pads its boxes by varying amounts; spaced characters step further than their size)."""
    steps: list[float] = sorted(
        (float(b["x0"]) + float(b["x1"]) - float(a["x0"]) - float(a["x1"])) / 2
        for a, b in itertools.pairwise(chars)
        if _is_cjk(a["text"]) and _is_cjk(b["text"])
    )
    if not steps:
        return ink
    return min(1.25 * ink, max(0.8 * ink, steps[len(steps) // 2]))


def _ink_height(image: Any, xs: list[float], ys: list[float]) -> float:
    """The height of the printed rows inside a text box (pixels): rows where ink crosses more
    than a sliver of the box, so a ruling running through it does not count."""
    import numpy as np

    x0, x1 = max(0, int(min(xs))), int(max(xs)) + 1
    y0, y1 = max(0, int(min(ys))), int(max(ys)) + 1
    box = image[y0:y1, x0:x1]
    if box.size == 0:
        return 0.7 * (max(ys) - min(ys))
    dark = (box < 160).sum(axis=1)
    rows = np.flatnonzero(dark > 0.02 * box.shape[1])
    if rows.size == 0:
        return 0.7 * (max(ys) - min(ys))
    return float(rows[-1] - rows[0] + 1)


def _glyph_width(ch: str, height: float) -> float:
    """How wide a printed character is, in text heights: a Chinese character is square."""
    if ord(ch) >= 0x2E80:
        return height
    if ch in ".,:;'|!":
        return 0.3 * height
    return 0.6 * height


def _fit_glyphs(chars: list[dict[str, Any]], height: float) -> None:
    """The recogniser's character boxes fill the whole stretch up to the next character, so
    spaced characters (类  款  项, two header cells in one box) seem to touch; each box is
    narrowed to its glyph's printed width around its centre, so real gaps stay gaps."""
    for c in chars:
        width = _glyph_width(c["text"], height) if c["text"].strip() else 0.0
        if width and c["x1"] - c["x0"] > 1.15 * width:
            mid = (c["x0"] + c["x1"]) / 2
            c["x0"], c["x1"] = mid - width / 2, mid + width / 2


def _without_phantoms(chars: list[dict[str, Any]], height: float) -> list[dict[str, Any]]:
    """A doubtful punctuation mark the recogniser put in the blank between two cells of one
    box (上级补助收入：事业收入) is not printed: dropped, the gap stays."""
    out: list[dict[str, Any]] = []
    for k, c in enumerate(chars):
        ch = c["text"]
        if (
            0 < k < len(chars) - 1
            and not ch.isalnum()
            and c["conf"] < _PHANTOM_CONFIDENCE
            and chars[k + 1]["x0"] - chars[k - 1]["x1"] > height
        ):
            continue
        out.append(c)
    return out


def _close_gaps(chars: list[dict[str, Any]], height: float) -> None:
    """Characters of one word touch, as a text layer's do; a space or a gap wider than half a
    text height separates words (a box the detector ran over two table cells)."""
    for a, b in itertools.pairwise(chars):
        if a["text"] == " " or b["text"] == " ":
            continue
        gap = b["x0"] - a["x1"]
        if 0 < gap < 0.5 * height:
            a["x1"] = b["x0"]
        elif gap <= 0:
            a["x1"] = max(a["x0"], b["x0"])


def skew_angle(image: Any) -> float:
    """The tilt of the printed lines (degrees), from the angle whose row profile is sharpest."""
    import cv2
    import numpy as np

    small = cv2.resize(image, None, fx=600 / image.shape[1], fy=600 / image.shape[1])
    ink = (small < 160).astype(np.float32)
    if ink.sum() < 50:
        return 0.0
    h, w = ink.shape
    best, best_score = 0.0, -1.0
    for angle in np.arange(-_MAX_SKEW, _MAX_SKEW + 0.001, 0.1):
        m = cv2.getRotationMatrix2D((w / 2, h / 2), float(angle), 1.0)
        turned = cv2.warpAffine(ink, m, (w, h), flags=cv2.INTER_NEAREST)
        score = float(np.var(turned.sum(axis=1)))
        if score > best_score:
            best, best_score = float(angle), score
    return round(best, 1) if abs(best) >= 0.15 else 0.0


def _rotated(image: Any, angle: float) -> Any:
    import cv2

    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)


def ruling_lines(image: Any) -> list[BBox]:
    """Horizontal and vertical rulings of a page image (pixels), as zero-thickness segments.

    Morphological opening with a long thin kernel keeps only strokes longer than a few
    characters, so text never passes for a ruling.
    """
    import cv2

    pad = 16  # a ruling printed at the very edge of the image is found like any other
    padded = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)
    ink = cv2.adaptiveThreshold(padded, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15)
    h, w = ink.shape
    out: list[BBox] = []
    for horizontal in (True, False):
        length = max(20, (w if horizontal else h) // 40)
        kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1) if horizontal else (1, length))
        mask = cv2.morphologyEx(ink, cv2.MORPH_OPEN, kernel)
        # bridge the breaks a scan leaves in a ruling
        close = cv2.getStructuringElement(cv2.MORPH_RECT, (9, 1) if horizontal else (1, 9))
        mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, close)
        n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        for k in range(1, n):
            x, y, bw, bh, _ = stats[k]
            x, y = x - pad, y - pad
            if horizontal and bw >= 2 * length and bh <= max(8, w // 150):
                mid = float(y + bh / 2)
                out.append((float(x), mid, float(x + bw), mid))
            elif not horizontal and bh >= 2 * length and bw <= max(8, w // 150):
                mid = float(x + bw / 2)
                out.append((mid, float(y), mid, float(y + bh)))
    return out + _clipped_borders(out, tol=max(4, w // 200))


def _clipped_borders(rules: list[BBox], tol: float) -> list[BBox]:
    """The outer border of a grid the scan clipped (a table printed to the page's edge): where
    several horizontal rulings end at the same x and no vertical ruling runs there, one does."""
    horizontals = [r for r in rules if r[1] == r[3]]
    verticals = [r[0] for r in rules if r[0] == r[2]]
    out: list[BBox] = []
    for side in (0, 2):
        ends = sorted(r[side] for r in horizontals)
        for x in {round(e) for e in ends}:
            same = [r for r in horizontals if abs(r[side] - x) <= tol]
            if len(same) >= 5 and not any(abs(v - x) <= tol for v in verticals):
                out.append((float(x), min(r[1] for r in same), float(x), max(r[1] for r in same)))
                verticals.append(float(x))
    return out


def _to_points(r: BBox, scale: float) -> BBox:
    return (r[0] / scale, r[1] / scale, r[2] / scale, r[3] / scale)


def grid_cells(rules: list[BBox], tol: float = 4.0) -> list[BBox]:
    """The cells of the page's ruled grids (pixels): between two neighbouring horizontal rulings,
    the stretches between the vertical rulings crossing that band, ruled above and below along
    their whole width (the part of a merged cell is not a cell)."""
    horizontals = [r for r in rules if r[1] == r[3]]
    verticals = [r for r in rules if r[0] == r[2] and r[1] != r[3]]

    def ruled(y: float, xa: float, xb: float) -> bool:
        return any(abs(h[1] - y) <= tol and h[0] <= xa + tol and h[2] >= xb - tol for h in horizontals)

    cells: list[BBox] = []
    ys = _clustered([h[1] for h in horizontals], tol)
    for ya, yb in itertools.pairwise(ys):
        xs = _clustered([v[0] for v in verticals if v[1] <= ya + tol and v[3] >= yb - tol], tol)
        pairs = itertools.pairwise(xs)
        cells += [(xa, ya, xb, yb) for xa, xb in pairs if ruled(ya, xa, xb) and ruled(yb, xa, xb)]
    return cells


def _clustered(values: list[float], tol: float) -> list[float]:
    """Positions within `tol` of each other taken as one (their mean), in order."""
    groups: list[list[float]] = []
    for v in sorted(values):
        if groups and v - groups[-1][-1] <= tol:
            groups[-1].append(v)
        else:
            groups.append([v])
    return [sum(g) / len(g) for g in groups]


@dataclass
class _Cell:
    """A grid cell that may print an amount: what the page read in it, and how surely."""

    box: BBox  # pixels
    inside: list[int]  # indices of the page's characters in the cell
    text: str
    conf: float

    @property
    def amount(self) -> bool:
        return bool(_AMOUNT.match(self.text))


def reread_cells(out: OcrPage, image: Any, cells: list[BBox], scale: float) -> None:
    """Amount cells of a ruled grid read again whole, by the recogniser alone.

    The detector splits letter-spaced digits into pieces and loses some ("0. 00" read "00"), the
    more so in narrow cells where an amount wraps ("0.0" over "0"). Once the grid is known, each
    cell holding only number marks and doubtful marks (or ink and nothing read), whose reading is
    not a sure amount — not one amount, a doubtful digit, or decimal places unlike its column's —
    is cropped line by line and recognised again; the cell reading replaces the page's when it is
    one amount and reads better. Cells read surely cost nothing."""
    if not cells:
        return
    by_mid = sorted(range(len(out.chars)), key=lambda k: out.chars[k]["top"] + out.chars[k]["bottom"])
    mids = [out.chars[k]["top"] + out.chars[k]["bottom"] for k in by_mid]  # twice the middle
    candidates: list[_Cell] = []
    for box in cells:
        x0, top, x1, bottom = (v / scale for v in box)
        band = by_mid[bisect.bisect_left(mids, 2 * top) : bisect.bisect_right(mids, 2 * bottom)]
        inside = sorted(k for k in band if x0 <= (out.chars[k]["x0"] + out.chars[k]["x1"]) / 2 <= x1)
        text = _cell_text([out.chars[k] for k in inside])
        sure = [out.chars[k]["text"] for k in inside if out.chars[k]["conf"] >= LOW_CONFIDENCE]
        if any(ch not in _NUMBER_MARKS for ch in sure) or (text and set(text) <= _DASHES | {"−"}):
            continue  # words (a doubtful mark may be a misread digit), or a dash for nothing
        conf = min((float(out.chars[k]["conf"]) for k in inside), default=0.0)
        candidates.append(_Cell(box, inside, text, conf))
    doubtful = [c for c in candidates if not _sure(c, _points_style(c, candidates))]
    crops = [(c, _cell_lines(image, c.box, scale)) for c in doubtful]
    crops = [(c, lines) for c, lines in crops if 0 < len(lines) <= 3]
    if not crops:
        return
    import cv2

    images = [cv2.cvtColor(img, cv2.COLOR_GRAY2BGR) for _, lines in crops for img, _ in lines]
    read, _ = _engine().text_rec(images)
    drop: set[int] = set()
    added: list[dict[str, Any]] = []
    at = 0
    for cell, lines in crops:
        texts = read[at : at + len(lines)]
        at += len(lines)
        text = "".join(str(t).replace(" ", "") for t, _ in texts)
        if _NUMBERISH.match(text):
            text = text.translate(_DIGIT_LOOKALIKES).replace("，", ",").replace("．", ".")
        new = _Cell(cell.box, [], text, min(float(s) for _, s in texts))
        style = _points_style(cell, candidates)
        if not new.amount or _rank(new, style) <= _rank(cell, style) or _digits(new) < _digits(cell):
            continue  # the recogniser alone may merge a doubled digit ("5571" read "571"): never fewer
        drop.update(cell.inside)
        boxes = [b for _, b in lines]
        left, right = min(b[0] for b in boxes) / scale, max(b[2] for b in boxes) / scale
        top, bottom = boxes[0][1] / scale, boxes[0][3] / scale
        step = (right - left) / len(text)
        added += [
            {"text": ch, "x0": left + k * step, "x1": left + (k + 1) * step, "top": top, "bottom": bottom}
            | {"conf": new.conf}
            for k, ch in enumerate(text)
        ]
    out.chars = [c for k, c in enumerate(out.chars) if k not in drop] + added


def _cell_text(chars: list[dict[str, Any]]) -> str:
    """The characters of a cell, line by line (top to bottom), left to right, without spaces."""
    rows: list[list[dict[str, Any]]] = []
    for c in sorted(chars, key=lambda c: c["top"] + c["bottom"]):
        mid, half = (c["top"] + c["bottom"]) / 2, (c["bottom"] - c["top"]) / 2
        if rows and abs(mid - (rows[-1][0]["top"] + rows[-1][0]["bottom"]) / 2) < half:
            rows[-1].append(c)
        else:
            rows.append([c])
    return "".join(c["text"] for r in rows for c in sorted(r, key=lambda c: c["x0"])).replace(" ", "")


def _digits(cell: _Cell) -> int:
    """How many digits an amount reading has (0 for a reading that is no amount)."""
    return sum(ch.isdigit() for ch in cell.text) if cell.amount else 0


def _places(text: str) -> int:
    """How many decimal places an amount prints."""
    return len(text.rpartition(".")[2]) if "." in text else 0


def _points_style(cell: _Cell, cells: list[_Cell]) -> int | None:
    """How many decimal places the amounts of the cell's column print (most of those read
    surely), else the page's; None when nothing tells."""

    def same_column(other: _Cell) -> bool:
        mid, other_mid = (cell.box[0] + cell.box[2]) / 2, (other.box[0] + other.box[2]) / 2
        return other.box[0] <= mid <= other.box[2] and cell.box[0] <= other_mid <= cell.box[2]

    for peers in ([c for c in cells if same_column(c)], cells):
        counts = Counter(_places(c.text) for c in peers if c.amount and c.conf >= LOW_CONFIDENCE)
        if counts:
            return counts.most_common(1)[0][0]
    return None


def _sure(cell: _Cell, style: int | None) -> bool:
    return cell.amount and cell.conf >= LOW_CONFIDENCE and style in (None, _places(cell.text))


def _rank(cell: _Cell, style: int | None) -> tuple[bool, bool, float]:
    """How well a reading of a cell stands: one amount, printed like its column's, confidence."""
    return (cell.amount, style in (None, _places(cell.text)), cell.conf)


def _cell_lines(image: Any, box: BBox, scale: float) -> list[tuple[Any, BBox]]:
    """The printed lines of a grid cell: each line's crop (padded as the detector pads) and the
    box of its ink (pixels). Rulings running through the cell are not ink; specks are skipped."""
    import numpy as np

    margin = max(2, round(scale))  # clear of the rulings
    x0, y0 = max(0, int(box[0]) + margin), max(0, int(box[1]) + margin)
    x1, y1 = int(box[2]) - margin + 1, int(box[3]) - margin + 1
    cell = image[y0:y1, x0:x1]
    if cell.shape[0] < 4 or cell.shape[1] < 4:
        return []
    dark = cell < 160
    dark[dark.sum(axis=1) > 0.6 * cell.shape[1], :] = False
    dark[:, dark.sum(axis=0) > 0.6 * cell.shape[0]] = False
    if dark.sum() < 2 * scale * scale:
        return []
    spans: list[list[int]] = []
    for r in np.flatnonzero(dark.any(axis=1)):
        if spans and r - spans[-1][1] <= max(2, int(scale)):
            spans[-1][1] = int(r)
        else:
            spans.append([int(r), int(r)])
    out: list[tuple[Any, BBox]] = []
    for a, b in spans:
        line = dark[a : b + 1]
        if line.sum() < scale * scale or b - a + 1 < 2.5 * scale:
            continue  # a speck, or what a ruling left: digits stand taller than 2.5 points
        cols = np.flatnonzero(line.any(axis=0))
        if cols[-1] - cols[0] > 25 * (b - a + 1):
            continue  # no amount is so long for its height
        pad = max(2, (b - a + 1) // 4)
        crop = cell[max(0, a - pad) : b + 1 + pad, max(0, cols[0] - pad) : cols[-1] + 1 + pad]
        out.append((crop, (float(x0 + cols[0]), float(y0 + a), float(x0 + cols[-1] + 1), float(y0 + b + 1))))
    return out
