"""Text forms every match of the catalog uses: printed labels with markup, quotes and spaces unified."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_QUOTES = str.maketrans({"“": '"', "”": '"', "「": '"', "」": '"', "＂": '"', "'": '"', "‘": '"', "’": '"'})
# the markup of converted exports: [bookmark: …] anchors, <b>/<br> tags, **bold**, and a Markdown
# heading marker (#…# then a space or the end; "#DIV/0!" is text) — the one markup pattern
MARKUP = re.compile(r"\[bookmark:[^\]]*\]|<[^>]+>|\*\*|^\s*#+(?:\s+|$)")
# list numbering before a label or a row: 一、 （一） (1) 1. 1、 — but not 1.5, a decimal — the one pattern
LIST_NUMBER = r"(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+[.、](?!\d))"
LIST_NUMBERING = re.compile(rf"^{LIST_NUMBER}")
SENTENCE = re.compile(r"[，。；：:,;]")


def clean_label(text: str) -> str:
    """A label as printed, with markup and whitespace removed but its characters kept (for display)."""
    return re.sub(r"\s+", "", MARKUP.sub("", text))


def normalise_text(text: str) -> str:
    """NFKC, unified quotes, markup stripped, all whitespace removed: the form every match uses.

    A table's cells and labels are normalised again and again by every stage that reads them, so
    short texts are remembered (a few MB at most); a page of prose is not."""
    return _normalised_short(text) if len(text) <= _SHORT else _normalised(text)


_SHORT = 64
_SPACES = re.compile(r"\s+")


def _normalised(text: str) -> str:
    text = MARKUP.sub("", text)
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return _SPACES.sub("", text)


_normalised_short = lru_cache(maxsize=1 << 15)(_normalised)


def strip_numbering(label: str) -> str:
    """Remove list numbering (一、 （一） 1. （1）) from a row label so it can be matched by name."""
    return re.sub(rf"^{LIST_NUMBER}\s*", "", label)
