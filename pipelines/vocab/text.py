"""Text forms every match of the catalog uses: printed labels with markup, quotes and spaces unified."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any, TypeVar, cast

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


SHORT_TEXT = 64  # a cell or a label, not a page of prose
SPACES = re.compile(r"\s+")
_F = TypeVar("_F", bound=Callable[..., Any])


def remember_short(fn: _F) -> _F:
    """`fn` of a text (and positional arguments), remembered for texts up to SHORT_TEXT characters.

    A table's cells and labels are read again by every stage (coverage, alignment, facts); a page
    of prose is computed each time. `fn` must return what no caller changes (a str, a frozen value).
    """
    cached = lru_cache(maxsize=1 << 15)(fn)

    @wraps(fn)
    def call(text: str, *args: Any) -> Any:
        return cached(text, *args) if len(text) <= SHORT_TEXT else fn(text, *args)

    return cast(_F, call)


@remember_short
def normalise_text(text: str) -> str:
    """NFKC, unified quotes, markup stripped, all whitespace removed: the form every match uses."""
    text = MARKUP.sub("", text)
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return SPACES.sub("", text)


def strip_numbering(label: str) -> str:
    """Remove list numbering (一、 （一） 1. （1）) from a row label so it can be matched by name."""
    return re.sub(rf"^{LIST_NUMBER}\s*", "", label)
