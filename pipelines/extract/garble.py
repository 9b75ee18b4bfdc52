"""How much of a PDF page's text layer is unreadable, so garbage is never loaded as text.

A PDF can look right on screen while its text layer is junk: fonts without a ToUnicode map (the
characters come out as private-use code points, control characters, "(cid:123)" runs or Latin
mojibake such as "ÊÕÈë"), or a wrong CMap that turns every Chinese character into another, rare
one. The measure counts, per page, the characters that cannot be real text of a Chinese
disclosure; a page where they make up `GARBLED_SHARE` or more is garbled.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pypdfium2.raw as pdfium_c

GARBLED_SHARE = 0.3  # real samples score 0.00; every broken text layer we built scores above 0.6
MIN_PAGE_CHARS = 20  # pages with fewer textual characters are not judged (blank, numbers only)
MIN_LETTERS = 200  # a document needs this many letters before its share of Chinese means anything
MIN_CJK_SHARE = 0.3  # below this share of Chinese among its letters, a document is not Chinese text

_CID_RUN = re.compile(r"\(cid:\d+\)")
_BAD_CATEGORIES = {"Co", "Cn", "Cs", "Cc"}  # private use, unassigned, surrogate, control
_LATIN1_IN_USE = set("·×÷°±¥§²³")  # Latin-1 signs Chinese documents do print


@dataclass(frozen=True)
class Garble:
    """Counts for one page (or, summed, a document).

    `chars` counts the textual characters: everything but spaces, ASCII digits and ASCII
    punctuation, which survive a broken font and would dilute the share on table pages.
    """

    chars: int = 0
    garbled: int = 0
    letters: int = 0
    cjk: int = 0
    rare: int = 0  # Chinese characters outside GB 2312

    @property
    def share(self) -> float:
        return self.garbled / self.chars if self.chars else 0.0

    @property
    def score(self) -> float:
        """The share of unreadable text: garbled characters, or rare ones among the Chinese."""
        return max(self.share, self.rare / self.cjk if self.cjk >= MIN_PAGE_CHARS else 0.0)

    @property
    def is_garbled(self) -> bool:
        """Too many garbled characters, or Chinese that is mostly rare characters (a wrong CMap,
        whose digits turned into letters that would dilute the share)."""
        if self.chars < MIN_PAGE_CHARS:
            return False
        return self.share >= GARBLED_SHARE or (
            self.cjk >= MIN_PAGE_CHARS and self.rare >= GARBLED_SHARE * self.cjk
        )

    @property
    def cjk_share(self) -> float:
        return self.cjk / self.letters if self.letters else 1.0

    @property
    def not_chinese(self) -> bool:
        """Plenty of letters and hardly any Chinese: Latin junk where a disclosure prints Chinese."""
        return self.letters >= MIN_LETTERS and self.cjk_share < MIN_CJK_SHARE

    def __add__(self, other: Garble) -> Garble:
        return Garble(
            self.chars + other.chars,
            self.garbled + other.garbled,
            self.letters + other.letters,
            self.cjk + other.cjk,
            self.rare + other.rare,
        )


def is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\U00020000" <= ch <= "\U0003ffff"


@lru_cache(maxsize=32768)
def _is_common_hanzi(ch: str) -> bool:
    """In GB 2312 (the 6 763 common simplified characters): disclosures print nothing else.

    A wrong CMap maps codes to arbitrary characters, most of them outside this set.
    """
    try:
        ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def measure_text(text: str, map_errors: int = 0) -> Garble:
    """Score a page's extracted text; `map_errors` are characters pdfium could not map to Unicode.

    Garbled: U+FFFD, private-use, control and unassigned characters, "(cid:N)" runs, Chinese
    characters outside GB 2312, Latin-1/Extended characters (GBK bytes read as Latin-1), and
    whatever pdfium reports as unmapped.
    """
    text = _CID_RUN.sub("\ufffd", text)  # one unmapped glyph, as pdfminer prints it
    chars = bad = cjk = rare = letters = latin = 0
    # each distinct character is judged once and counted as often as it is printed
    for ch, n in Counter(text).items():
        c_chars, c_bad, c_cjk, c_rare, c_letters, c_latin = _judged(ch)
        chars += n * c_chars
        bad += n * c_bad
        cjk += n * c_cjk
        rare += n * c_rare
        letters += n * c_letters
        latin += n * c_latin
    # a character can be both unmapped and odd-looking: take the larger count, not the sum
    garbled = max(bad + rare + latin, map_errors)
    return Garble(chars, min(garbled, chars), letters, cjk, rare)


@lru_cache(maxsize=32768)
def _judged(ch: str) -> tuple[int, int, int, int, int, int]:
    """One character's counts for `measure_text`: (textual, bad, cjk, rare, letter, latin junk)."""
    if ch.isspace():
        return 0, 0, 0, 0, 0, 0
    if ch == "\ufffd" or unicodedata.category(ch) in _BAD_CATEGORIES:
        return 1, 1, 0, 0, 0, 0
    if ch.isascii() and not ch.isalpha():
        return 0, 0, 0, 0, 0, 0  # digits and ASCII punctuation: neutral
    if is_cjk(ch):
        return 1, 0, 1, int(not _is_common_hanzi(ch)), 1, 0
    latin = "\u0080" <= ch <= "\u024f" and ch not in _LATIN1_IN_USE
    return 1, 0, 0, 0, int(ch.isalpha()), int(latin)


def unicode_map_errors(textpage: Any, samples: int = 50) -> int:
    """Characters of a pdfium text page whose font gives no valid Unicode (no or broken ToUnicode).

    Estimated from an even sample of at most `samples` characters: a broken font breaks most of a
    page, and asking pdfium about every character would cost more than reading the text.
    """
    count = textpage.count_chars()
    if count <= 0:
        return 0
    step = max(1, count // samples)
    probed = range(0, count, step)
    errors = sum(1 for k in probed if pdfium_c.FPDFText_HasUnicodeMapError(textpage.raw, k) == 1)
    return round(errors * int(count) / len(probed))


REEXPORT = "export the file again from its source with the fonts embedded"


def unreadable_advice(pages: Collection[int], ocr: str, tried: Collection[int] = ()) -> str:
    """What to do about pages whose text layer is unreadable, from what OCR did with them.

    `ocr`: "off" (YUJUESUAN_OCR / --no-ocr), "unavailable" (the recogniser could not be loaded),
    "on" (then `tried` are the pages OCR read or tried to read) or "not_asked" (the caller reads the
    text layer alone). OCR is on by default, so "OCR the file" is only said when it was not tried.
    """
    if ocr == "off":
        return f"OCR is switched off (YUJUESUAN_OCR=0 or --no-ocr): ingest it with OCR on, or {REEXPORT}"
    if ocr == "unavailable":
        return f"OCR is not available (rapidocr-onnxruntime cannot be loaded): install it, or {REEXPORT}"
    if ocr == "not_asked":
        return f"the fonts lack a usable ToUnicode map: OCR the file or {REEXPORT}"
    failed = sorted(set(pages) & set(tried))
    missed = sorted(set(pages) - set(tried))
    said = []
    if failed:
        said.append(f"OCR was tried on page{'s' if len(failed) > 1 else ''} {_listed(failed)} and read no "
                    "usable Chinese there either (the page images print junk too)")  # fmt: skip
    if missed:
        said.append(
            f"OCR ran out of time before reading page{'s' if len(missed) > 1 else ''} {_listed(missed)}"
        )
    return "; ".join([*said, REEXPORT])


def _listed(pages: list[int], most: int = 10) -> str:
    shown = ", ".join(map(str, pages[:most]))
    return shown + (f" and {len(pages) - most} more" if len(pages) > most else "")
