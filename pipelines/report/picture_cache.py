"""Pictures kept between reports, so a batch draws only the pictures of its new findings.

The pages of the current documents show their findings (reports/documents/). Drawing all their
pictures again (a pdfium render of the band, a crop, a PNG encode: ~10 ms each) made a batch's
report cost grow with the warehouse. A picture is determined by the source file's bytes (its
sha256), the page, what is drawn on it (the row band, or the phrase of a text check) and the
drawing code and libraries, so it is kept under a key of exactly those, in a SQLite file in the
reports folder, and the next report takes it from there.

Retention: a build of the whole warehouse's pages (`prune`) removes the pictures that none of its
reports showed, but those of the documents whose pages it kept as they were (`keep_sources`, by the
source's sha256, kept beside each picture), so the cache holds what the current pages show and no
more. The reports and pages embed their pictures, so none ever depends on the cache. A cache that
cannot be read or written costs drawing again, never the report.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from functools import cache
from pathlib import Path

log = logging.getLogger(__name__)

FILE_NAME = ".pictures.sqlite"


# where pdfium looks for the system fonts it draws a non-embedded font with (its Linux defaults)
FONT_FOLDERS = (
    "/usr/share/fonts",
    "/usr/share/X11/fonts/Type1",
    "/usr/share/X11/fonts/TTF",
    "/usr/local/share/fonts",
)


def _fonts() -> str:
    """The system's font files (path, size, mtime): a font installed or removed redraws the pictures."""
    found = []
    for folder in FONT_FOLDERS:
        for path in sorted(Path(folder).rglob("*")) if Path(folder).is_dir() else []:
            try:
                st = path.stat()
            except OSError:
                continue
            if path.is_file():
                found.append(f"{path}:{st.st_size}:{st.st_mtime_ns}")
    return "\n".join(found)


@cache
def drawing_version() -> str:
    """What else decides a picture's pixels: the drawing code (crops.py, whole), the versions of
    pdfium, pypdfium2 and Pillow, and the system fonts pdfium draws non-embedded fonts with. Any
    change of them draws every picture again."""
    import PIL
    import pypdfium2 as pdfium

    crops = Path(__file__).with_name("crops.py").read_bytes()
    versions = f"{pdfium.PYPDFIUM_INFO}|{pdfium.PDFIUM_INFO}|{PIL.__version__}|{_fonts()}".encode()
    return hashlib.sha256(crops + b"\0" + versions).hexdigest()


class PictureCache:
    """PNGs by key (see `key`), in `file`; `None` keeps nothing (every picture is drawn).

    A text check's picture may be "phrase not on the page": it is kept too (no PNG, 0 occurrences),
    so its page is not opened again either. `hits` and `stored` count what this instance took from
    the file and put in it.
    """

    def __init__(self, file: Path | None) -> None:
        self.file = file
        self.hits = 0
        self.stored = 0
        self._used: set[str] = set()  # keys taken or drawn by this build
        self._new: dict[str, tuple[bytes | None, int, str | None]] = {}
        self._con: sqlite3.Connection | None = None
        self._broken = file is None

    @classmethod
    def for_reports(cls, out_dir: Path) -> PictureCache:
        return cls(out_dir / FILE_NAME)

    @staticmethod
    def key(kind: str, sha256: str, page: int, detail: object) -> str:
        """The picture's identity: kind ('band' or 'text'), source bytes, page, what is drawn on it."""
        payload = json.dumps([drawing_version(), kind, sha256, page, detail], ensure_ascii=False, default=str)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def _connection(self) -> sqlite3.Connection | None:
        if self._broken or self.file is None:
            return None
        if self._con is None:
            try:
                self._con = sqlite3.connect(self.file, timeout=30, isolation_level=None)
                self._con.execute(
                    "create table if not exists pictures "
                    "(key text primary key, png blob, occurrences integer, source text)"
                )
                columns = {r[1] for r in self._con.execute("pragma table_info(pictures)")}
                if "source" not in columns:  # a cache of an earlier version: its pictures name no source
                    self._con.execute("alter table pictures add column source text")
            except sqlite3.Error as exc:
                self._fail(exc)
        return self._con

    def _fail(self, exc: Exception) -> None:
        log.warning("picture cache %s not used: %s", self.file, exc)
        self._broken = True
        if self._con is not None:
            self._con.close()
            self._con = None

    def get(self, key: str) -> tuple[bytes | None, int] | None:
        """The kept picture (PNG or None, occurrences on the page), or None when it is not kept."""
        self._used.add(key)
        if key in self._new:
            return self._new[key][:2]
        con = self._connection()
        if con is None:
            return None
        try:
            row = con.execute("select png, occurrences from pictures where key = ?", [key]).fetchone()
        except sqlite3.Error as exc:
            self._fail(exc)
            return None
        if row is None:
            return None
        self.hits += 1
        return row[0], row[1]

    def put(self, key: str, png: bytes | None, occurrences: int = 1, source: str | None = None) -> None:
        """Keep a picture just drawn of the file whose sha256 is `source` (written by `save`, in one
        transaction)."""
        self._used.add(key)
        self._new[key] = (png, occurrences, source)

    def save(self, *, prune: bool = False, keep_sources: set[str] | frozenset[str] = frozenset()) -> int:
        """Write the pictures drawn; with `prune` (a build of the whole warehouse's pages) remove the
        kept ones that this build did not show, but those of the files in `keep_sources` (documents
        whose pages were kept as they are). Returns how many were removed."""
        con = self._connection()
        removed = 0
        if con is None:
            return 0
        try:
            con.execute("begin immediate")
            con.executemany(
                "insert or replace into pictures (key, png, occurrences, source) values (?, ?, ?, ?)",
                [(k, png, n, source) for k, (png, n, source) in self._new.items()],
            )
            if prune:
                con.execute("create temp table if not exists shown (key text primary key)")
                con.execute("delete from shown")
                con.executemany("insert or ignore into shown values (?)", [(k,) for k in self._used])
                con.execute("create temp table if not exists kept_sources (source text primary key)")
                con.execute("delete from kept_sources")
                con.executemany("insert or ignore into kept_sources values (?)", [(s,) for s in keep_sources])
                removed = con.execute(
                    "delete from pictures where key not in (select key from shown) "
                    "and (source is null or source not in (select source from kept_sources))"
                ).rowcount
                con.execute("delete from shown")
                con.execute("delete from kept_sources")
            con.execute("commit")
        except sqlite3.Error as exc:
            self._fail(exc)
            return 0
        self.stored += len(self._new)
        self._new.clear()
        return removed

    def keys(self) -> set[str]:
        """The keys kept in the file (for tests and inspection)."""
        con = self._connection()
        if con is None:
            return set()
        return {r[0] for r in con.execute("select key from pictures")}

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None
