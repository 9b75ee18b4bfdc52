"""Build the reports an ingest writes (latest.html, the documents' pages and the run's own report) from
a warehouse and save them in a comparable form, so two versions of the report code can be compared (a
change meant to be faster must report the same).

    python -m tests.report.dump WAREHOUSE OUT
    python -m tests.report.dump --diff BEFORE AFTER
    python -m tests.report.dump --split BEFORE AFTER

`--split` compares a dump of the report code before the index and pages (one latest.html with every
document's section) with one after: run.html the same, each page's section the same as that
document's section of the old latest.html, and the index's summary the old summary with its links
pointing at the pages.

Run it from each version's checkout on the same warehouse (for example one made by `yujuesuan ingest
FOLDER --warehouse W`). The reports are built as after a first ingest of every document, together
as the CLI builds them (`write_reports`), and saved as OUT/latest.html (the index), OUT/run.html and
OUT/documents/<id>.html (each current document's page). In the saved HTML each picture is replaced
by the digest of its decoded pixels (a change of PNG encoding is no change; a changed pixel is), the
PNG bytes are counted apart, and the build time and generation time are blanked. The CPU seconds of
the build (process time, not wall) are printed: on a shared machine, take the least of a few runs,
each in its own process.

The reports are then built a second time in the same folder, as the next batch builds them: no page
is written again (no validation changed) and the index and the run's report read the same, their
pictures taken from the picture cache the first build left. A third build writes every page again
(`rebuild`), its pictures from the cache: the pages must read as the first build's. Each build's CPU
seconds are printed.
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import io
import re
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

PICTURE = re.compile(r"data:image/png;base64,([A-Za-z0-9+/=]+)")
VARYING = [
    (re.compile(r"Data quality — [0-9: -]+</title>"), "Data quality — TIME</title>"),
    (re.compile(r"Generated [0-9: +-]+ from <code>[^<]*</code>"), "Generated TIME from <code>W</code>"),
    (re.compile(r"report built in\s+[0-9.]+ s\."), "report built in SECONDS s."),
    (re.compile(r"index built in\s+[0-9.]+ s\."), "index built in SECONDS s."),
]
# the footer's account of how the pictures were made: drawn now, or kept from an earlier report
DRAWN = re.compile(r"[0-9]+ pictures from [0-9]+ pages \(only each picture's band is drawn[^)]*\)")
# the index's account of the pages this build wrote (and the pictures drawn for them)
WRITTEN = re.compile(r"[0-9]+ document pages; [0-9]+ written by this build\s+\([^)]*\),")


def _pixels(match: re.Match[str]) -> str:
    picture = Image.open(io.BytesIO(base64.b64decode(match.group(1)))).convert("RGB")
    digest = hashlib.sha256(picture.tobytes()).hexdigest()[:16]
    return f"picture {picture.width}x{picture.height} {digest}"


def comparable(html: str) -> tuple[str, int]:
    """The HTML with pictures as pixel digests and times blanked, and the pictures' PNG bytes."""
    png_bytes = sum(len(base64.b64decode(m)) for m in PICTURE.findall(html))
    html = PICTURE.sub(_pixels, html)
    for pattern, blank in VARYING:
        html = pattern.sub(blank, html)
    return html, png_bytes


def _same(first: str, second: str, name: str) -> bool:
    """The two builds' HTML read the same but for the account of pictures drawn and pages written."""
    a, b = (WRITTEN.sub("WRITTEN", DRAWN.sub("PICTURES", html)) for html in (first, second))
    if a != b:
        lines = difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm="", n=1)
        print(f"{name} built again differs:", *list(lines)[:40], sep="\n")
    return a == b


def dump(warehouse: Path, out: Path) -> None:
    from pipelines.load.warehouse import reader
    from pipelines.report.html import RunEntry, write_report, write_reports

    with reader(warehouse) as con:
        documents = con.execute("select document_id, source_path from dim_document order by source_path")
        entries = [RunEntry(doc_id, Path(path).name, "added") for doc_id, path in documents.fetchall()]
    (out / "documents").mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.process_time()
        whole, own = write_reports(warehouse, Path(tmp), entries)  # as the CLI writes them
        cpu = time.process_time() - started
        assert own is not None and whole.pages is not None
        saved = [("latest.html", whole.latest), ("run.html", own.path)]
        saved += [(f"documents/{p.name}", p) for p in sorted(whole.pages.glob("*.html"))]
        png_total = 0
        for name, path in saved:
            html, png_bytes = comparable(path.read_text(encoding="utf-8"))
            (out / name).write_text(html, encoding="utf-8")
            png_total += png_bytes if name != "run.html" else 0
        print(f"latest.html: {whole.latest.stat().st_size:,} bytes, {len(saved) - 2} document pages")
        print(f"pages: {png_total:,} bytes of PNG; run.html: {comparable(own.path.read_text('utf-8'))[1]:,}")
        print(f"build: {cpu:.2f} CPU-s, {whole.report.pictures} pictures in the pages")
        started = time.process_time()
        again, own_again = write_reports(warehouse, Path(tmp), entries)  # the next batch's: nothing changed
        cpu = time.process_time() - started
        assert own_again is not None
        same = again.report.pages_written == 0
        for name, path in (("latest.html", again.latest), ("run.html", own_again.path)):
            first = (out / name).read_text(encoding="utf-8")
            same &= _same(first, comparable(path.read_text(encoding="utf-8"))[0], name)
        print(
            f"built again: {cpu:.2f} CPU-s, {again.report.pages_written} pages written, "
            f"{own_again.report.pictures_kept} pictures from the cache, {'same' if same else 'DIFFERENT'}"
        )
        started = time.process_time()
        rebuilt = write_report(warehouse, Path(tmp), rebuild=True)  # every page again: pictures kept
        cpu = time.process_time() - started
        same = rebuilt.report.pages_written == len(saved) - 2
        for name, _ in saved[2:]:
            first = (out / name).read_text(encoding="utf-8")
            same &= _same(first, comparable((Path(tmp) / name).read_text(encoding="utf-8"))[0], name)
        print(
            f"pages rebuilt: {cpu:.2f} CPU-s, {rebuilt.report.pictures_kept} pictures from the cache, "
            f"{'same' if same else 'DIFFERENT'}"
        )


def diff(before: Path, after: Path) -> int:
    changed = 0
    names = {p.relative_to(folder).as_posix() for folder in (before, after) for p in folder.rglob("*.html")}
    for name in sorted(names):
        a, b = (
            (folder / name).read_text(encoding="utf-8").splitlines() if (folder / name).exists() else []
            for folder in (before, after)
        )
        lines = list(difflib.unified_diff(a, b, f"{before / name}", f"{after / name}", lineterm="", n=1))
        changed += bool(lines)
        print("\n".join(lines[:200]) if lines else f"{name}: same")
    return 1 if changed else 0


def _section(html: str, document_id: str) -> str:
    start = html.index(f'<section class="doc" id="doc-{document_id}">')
    return html[start : html.index("</section>", start) + len("</section>")]


def split(before: Path, after: Path) -> int:
    """A single-file dump (before) against an index-and-pages dump (after): see the module."""
    same = {"run.html": (before / "run.html").read_text("utf-8") == (after / "run.html").read_text("utf-8")}
    latest = (before / "latest.html").read_text(encoding="utf-8")
    ids = re.findall(r'<section class="doc" id="doc-([^"]+)">', latest)
    same["a page per document"] = sorted(ids) == sorted(p.stem for p in (after / "documents").glob("*.html"))
    for doc_id in ids:
        page = after / "documents" / f"{doc_id}.html"
        same[page.name] = page.exists() and _section(latest, doc_id) == _section(
            page.read_text("utf-8"), doc_id
        )
    index = (after / "latest.html").read_text(encoding="utf-8")
    summary = latest[latest.index('<h2 id="summary">') : latest.index('<section class="doc"')]
    summary = re.sub(r'href="#doc-([^"]+)"', r'href="documents/\1.html"', summary)
    same["index summary"] = (
        summary.rstrip() == index[index.index('<h2 id="summary">') : index.index("<footer")].rstrip()
    )
    same["no picture in the index"] = "data:" not in index
    for name, ok in same.items():
        print(f"{name}: {'same' if ok else 'DIFFERENT'}")
    return 0 if all(same.values()) else 1


def main(argv: list[str]) -> None:
    if len(argv) == 3 and argv[0] == "--diff":
        sys.exit(diff(Path(argv[1]), Path(argv[2])))
    if len(argv) == 3 and argv[0] == "--split":
        sys.exit(split(Path(argv[1]), Path(argv[2])))
    if len(argv) == 2:
        dump(Path(argv[0]), Path(argv[1]))
        return
    sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
