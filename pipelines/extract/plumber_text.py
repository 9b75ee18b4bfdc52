"""pdfplumber's words, cell texts and text lines, computed without its general machinery.

pdfplumber's `extract_words`, `extract_text` and `Page.extract_text_lines` serve every direction,
setting and layout; the readers here ask them for upright text read left to right, with blanks
dropped, thousands of times a page (one `extract_text` per table cell). These functions give the
same words, texts and lines for that case by the same rules — characters grouped by line with
pdfplumber's clustering (a chain of tops each within the tolerance of the last), sorted by x0, cut
into words where pdfplumber cuts them — and hand any other case (a turned character) to pdfplumber.
"""

from __future__ import annotations

from functools import partial
from itertools import groupby
from operator import is_, itemgetter
from typing import Any

from pdfplumber.utils.text import LIGATURES, extract_text, extract_words

Obj = dict[str, Any]

_X0, _X1, _TOP, _BOTTOM, _UPRIGHT = (itemgetter(k) for k in ("x0", "x1", "top", "bottom", "upright"))
_IS_TRUE = partial(is_, True)


def _cluster(values: list[float], tolerance: float) -> dict[float, int]:
    """pdfplumber's `make_cluster_dict`: each distinct value → its cluster, clusters chained."""
    out: dict[float, int] = {}
    ordered = sorted(set(values))
    if tolerance == 0 or len(ordered) < 2:
        return {v: i for i, v in enumerate(ordered)}
    group = 0
    last = ordered[0]
    for v in ordered:
        if v > last + tolerance:
            group += 1
        out[v] = group
        last = v
    return out


def _lines_of(chars: list[Obj], tolerance: float) -> list[list[Obj]]:
    """pdfplumber's `cluster_objects(chars, top, tolerance)` then each line sorted by x0: each char
    put in its cluster's list in page order (pdfplumber's stable sort by cluster), not sorted there."""
    tops = list(map(_TOP, chars))
    if tops and tolerance > 0 and not max(tops) > min(tops) + tolerance:
        # one line (a cell's text, mostly): no top is past its predecessor's by more than the tolerance
        return [sorted(chars, key=_X0)]
    ids = list(map(_cluster(tops, tolerance).__getitem__, tops))
    lines: list[list[Obj]] = [[] for _ in range(max(ids, default=-1) + 1)]  # cluster ids run 0, 1, …
    for char, i in zip(chars, ids, strict=True):
        lines[i].append(char)
    for line in lines:
        line.sort(key=_X0)
    return lines


def _split(chars: list[Obj], x_tolerance: float, y_tolerance: float) -> list[list[Obj]]:
    """The chars of each word, as pdfplumber's `WordExtractor.iter_extract_tuples` groups them for
    upright chars, default directions, blanks dropped, no punctuation split, in its order."""
    out: list[list[Obj]] = []
    append = out.append
    for line in _lines_of(chars, y_tolerance):
        current: list[Obj] = []
        last_x0 = last_x1 = last_top = 0.0  # of the word's last char, once the word has one
        for char in line:
            text = char["text"]
            if text.isspace():
                if current:
                    append(current)
                current = []
            elif text == "":  # pdfplumber's punctuation test (`"" in ""`): a word of its own
                if current:
                    append(current)
                append([char])
                current = []
            else:
                x0, top = char["x0"], char["top"]
                if not current:
                    current = [char]
                elif x0 < last_x0 or x0 > last_x1 + x_tolerance or abs(top - last_top) > y_tolerance:
                    append(current)
                    current = [char]
                else:
                    current.append(char)
                last_x0, last_x1, last_top = x0, char["x1"], top
        if current:
            append(current)
    return out


def _words(chars: list[Obj], x_tolerance: float, y_tolerance: float) -> list[tuple[Obj, list[Obj]]]:
    """(word, its chars) as pdfplumber's `WordExtractor.iter_extract_tuples` gives them (`_split`)."""
    return [_merged(cs) for cs in _split(chars, x_tolerance, y_tolerance)]


_LIGATURE_CHARS = frozenset("".join(LIGATURES))


def _spelled(chars: list[Obj]) -> str:
    """The word's text, ligatures expanded as pdfplumber does (per char's whole text)."""
    text = "".join([c["text"] or "" for c in chars])
    if _LIGATURE_CHARS.isdisjoint(text):
        return text
    return "".join(LIGATURES.get(c["text"], c["text"] or "") for c in chars)


def _merged(chars: list[Obj]) -> tuple[Obj, list[Obj]]:
    """pdfplumber's `WordExtractor.merge_chars` for an upright word (min and max keep the first
    of equal values, as here)."""
    first = chars[0]
    x0, top, x1, bottom = first["x0"], first["top"], first["x1"], first["bottom"]
    for c in chars[1:]:
        if c["x0"] < x0:
            x0 = c["x0"]
        if c["top"] < top:
            top = c["top"]
        if c["x1"] > x1:
            x1 = c["x1"]
        if c["bottom"] > bottom:
            bottom = c["bottom"]
    word = {
        "text": _spelled(chars),
        "x0": x0,
        "x1": x1,
        "top": top,
        "doctop": top + (first["doctop"] - first["top"]),
        "bottom": bottom,
        "upright": first["upright"],
        "height": bottom - top,
        "width": x1 - x0,
        "direction": "ltr",
    }
    return word, chars


def _upright(chars: list[Obj]) -> bool:
    return all(map(_IS_TRUE, map(_UPRIGHT, chars)))


def words(chars: list[Obj], x_tolerance: float = 3, y_tolerance: float = 3) -> list[Obj]:
    """`pdfplumber.utils.extract_words(chars, x_tolerance=…, y_tolerance=…, keep_blank_chars=False)`."""
    if not _upright(chars):
        return extract_words(chars, x_tolerance=x_tolerance, y_tolerance=y_tolerance, keep_blank_chars=False)
    return [w for w, _ in _words(chars, x_tolerance, y_tolerance)]


def text(chars: list[Obj]) -> str:
    """`pdfplumber.utils.extract_text(chars)` with its defaults: words joined by a space, lines
    (words clustered by top within 3 pt, in pdfplumber's order) by a newline."""
    if not chars:
        return ""
    if not _upright(chars):
        return str(extract_text(chars))
    found = _split(chars, 3, 3)
    if len(found) == 1:
        return _spelled(found[0])
    spelled = [_spelled(cs) for cs in found]
    tops = [min(map(_TOP, cs)) for cs in found]  # a word's top (merge_chars)
    cluster = _cluster(tops, 3)
    ids = [cluster[t] for t in tops]
    order = sorted(range(len(found)), key=ids.__getitem__)
    return "\n".join(
        " ".join(spelled[i] for i in members) for _, members in groupby(order, key=ids.__getitem__)
    )


def _line_words(page: Any) -> list[list[tuple[str, list[Obj]]]] | None:
    """The words (text, chars) of pdfplumber's (non-layout) text map of the page, line by line; None
    when pdfplumber must answer (a turned char, a word holding a space or a line break: a char whose
    text is several letters; a blank char on its own parts words and is in none)."""
    chars = page.chars
    if not _upright(chars):
        return None
    found = [(_spelled(cs), cs) for cs in _split(chars, 3, 3)]
    if any(" " in text or "\n" in text for text, _ in found):
        return None
    # pdfplumber's text map keeps the words in extraction order (presorted) and starts a line where
    # the cluster of a word's top (its chars' highest, merge_chars) changes
    tops = [min(map(_TOP, cs)) for _, cs in found]
    cluster = _cluster(tops, 3)
    ids = [cluster[t] for t in tops]
    return [[found[i] for i in members] for _, members in groupby(range(len(found)), key=ids.__getitem__)]


def _line_text(words: list[tuple[str, list[Obj]]]) -> str:
    """A text map line: each word after the first preceded by one space once the line has letters
    (a word of chars without text adds none)."""
    out = ""
    for text, _ in words:
        if out:
            out += " "
        out += text
    return out


def page_text(page: Any) -> str:
    """`page.extract_text()`: the lines of the text map joined by newlines."""
    lines = _line_words(page)
    if lines is None:
        return str(page.extract_text())
    return "\n".join(_line_text(words) for words in lines)


def text_lines(page: Any) -> list[Obj] | None:
    """`page.extract_text_lines(return_chars=False)`: text, x0, top, x1, bottom of each printed line
    without its surrounding spaces (lines of spaces only left out); None when pdfplumber must answer.
    Every letter of a line is a char's (spaces are the text map's own), so the line's box is that
    of its chars that print a letter."""
    lines = _line_words(page)
    if lines is None:
        return None
    out: list[Obj] = []
    for words in lines:
        text = _line_text(words).strip(" ")
        if not text.strip():
            continue  # blank: pdfplumber's search drops it
        boxed = [c for spelled, cs in words if spelled for c in cs if c["text"]]
        out.append(
            {
                "text": text,
                "x0": min(map(_X0, boxed)),
                "top": min(map(_TOP, boxed)),
                "x1": max(map(_X1, boxed)),
                "bottom": max(map(_BOTTOM, boxed)),
            }
        )
    return out
