"""Text → paragraphs with provenance: table rows and page numbers dropped, wrapped lines joined."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from pipelines.extract.types import TextBlock
from pipelines.normalise.narrative.patterns import (
    _BARE_NUMBER,
    _HEADING,
    _NO_QUOTES,
    _OPERATORS,
    _PAGE_NUMBER,
    _SEPARATOR_ROW,
    _UNIT_START,
)
from pipelines.vocab.text import MARKUP

# ---------------------------------------------------------------------------------------------
# Text → paragraphs with provenance
# ---------------------------------------------------------------------------------------------


@dataclass
class _Paragraph:
    """Normalised prose with, for every character, the page and line it was printed on."""

    text: str = ""
    section: int = 0  # the heading it follows (一、 / （二） / 1、 …): one section states one scope
    pages: list[int | None] = field(default_factory=list)
    lines: list[int | None] = field(default_factory=list)

    def add(self, text: str, page: int | None, line_no: int | None) -> None:
        self.text += text
        self.pages.extend([page] * len(text))
        self.lines.extend([line_no] * len(text))


def _clean(line: str) -> str:
    """Markup stripped, NFKC, quotes and spaces removed (one space kept between two digits)."""
    text = unicodedata.normalize("NFKC", MARKUP.sub("", line))
    text = text.translate(_NO_QUOTES)
    return re.sub(r"\s+", lambda m: " " if _between_digits(text, m) else "", text).strip()


def _between_digits(text: str, m: re.Match[str]) -> bool:
    return m.start() > 0 and m.end() < len(text) and text[m.start() - 1].isdigit() and text[m.end()].isdigit()


def _is_table_row(line: str) -> bool:
    """A row of a table rather than prose: delimited cells, ≥2 bare numbers, or an indicator row."""
    if "\t" in line or _SEPARATOR_ROW.match(line):
        return True
    stripped = line.strip()
    if stripped.startswith("|") and stripped.count("|") >= 3:
        return True
    tokens = unicodedata.normalize("NFKC", stripped).split()
    if any(t in _OPERATORS for t in tokens):
        return True
    bare = 0
    for i, token in enumerate(tokens):
        if _BARE_NUMBER.match(token):
            following = tokens[i + 1] if i + 1 < len(tokens) else ""
            if not _UNIT_START.match(following):
                bare += 1
    return bare >= 2


def _paragraphs(texts: list[TextBlock]) -> list[_Paragraph]:
    """Join wrapped lines into paragraphs, dropping table rows and page numbers."""
    lines: list[tuple[str, int | None, int | None]] = []
    for block in texts:
        for raw in block.text.split("\n") if block.page is not None else [block.text]:
            lines.append((raw, block.page, block.line_no))
    kinds = [
        "blank" if not raw.strip() else "table" if _is_table_row(raw) else "prose" for raw, _, _ in lines
    ]
    _absorb_table_fragments(kinds)

    paragraphs: list[_Paragraph] = []
    current = _Paragraph()
    current_heading = False
    section = 0

    def close() -> None:
        nonlocal current, current_heading
        if current.text:
            paragraphs.append(current)
        current, current_heading = _Paragraph(), False

    for (raw, page, line_no), kind in zip(lines, kinds, strict=True):
        if kind == "table":
            close()
            continue
        if kind == "blank" or _PAGE_NUMBER.match(raw):
            if kind == "blank" and page is None and current.text and current.text[-1] in "。;:!?":
                close()
            continue
        is_markdown_heading = raw.lstrip().startswith("#")
        text = _clean(raw)
        if not text:
            continue
        heading = bool(_HEADING.match(text)) or is_markdown_heading
        starts_new = heading or current_heading
        ends_sentence = bool(current.text) and current.text[-1] in "。;:!?"
        if starts_new or (page is None and ends_sentence):
            close()
        section += heading
        current.section = section
        current.add(text, page, line_no)
        current_heading = is_markdown_heading
    close()
    return paragraphs


def _absorb_table_fragments(kinds: list[str]) -> None:
    """A short run of prose lines between two table rows is a wrapped cell (DOCX table dumps)."""
    rows = [i for i, k in enumerate(kinds) if k != "blank"]
    i = 0
    while i < len(rows):
        if kinds[rows[i]] != "prose":
            i += 1
            continue
        j = i
        while j < len(rows) and kinds[rows[j]] == "prose":
            j += 1
        if i > 0 and j < len(rows) and j - i <= 3 and kinds[rows[i - 1]] == kinds[rows[j]] == "table":
            for k in range(i, j):
                kinds[rows[k]] = "table"
        i = j
