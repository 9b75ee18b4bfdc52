"""Build the reports an ingest writes (latest.html and the run's own report) from a warehouse and save
them in a comparable form, so two versions of the report code can be compared (a change meant to be
faster must report the same).

    python -m tests.report.dump WAREHOUSE OUT
    python -m tests.report.dump --diff BEFORE AFTER

Run it from each version's checkout on the same warehouse (for example one made by `yujuesuan ingest
FOLDER --warehouse W`). Both reports are built as after a first ingest of every document, together
as the CLI builds them (`write_reports`). In the saved HTML each picture is replaced by the digest of
its decoded pixels (a change of PNG encoding is no change; a changed pixel is), the PNG bytes are
counted apart, and the build time and generation time are blanked. The CPU seconds of the build
(process time, not wall) are printed: on a shared machine, take the least of a few runs, each in its
own process.

The reports are then built a second time in the same folder, as the next batch builds them, its
pictures taken from the picture cache the first build left; the dump checks that they read the same
(the footer's count of pictures drawn and kept aside) and prints that build's CPU seconds too.
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
]
# the footer's account of how the pictures were made: drawn now, or kept from an earlier report
DRAWN = re.compile(r"[0-9]+ pictures from [0-9]+ pages \(only each picture's band is drawn[^)]*\)")


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


def dump(warehouse: Path, out: Path) -> None:
    from pipelines.load.warehouse import reader
    from pipelines.report.html import RunEntry, write_reports

    with reader(warehouse) as con:
        documents = con.execute("select document_id, source_path from dim_document order by source_path")
        entries = [RunEntry(doc_id, Path(path).name, "added") for doc_id, path in documents.fetchall()]
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.process_time()
        whole, own = write_reports(warehouse, Path(tmp), entries)  # as the CLI writes them
        cpu = time.process_time() - started
        assert own is not None
        for name, files in (("latest", whole.latest), ("run", own.path)):
            html, png_bytes = comparable(files.read_text(encoding="utf-8"))
            (out / f"{name}.html").write_text(html, encoding="utf-8")
            print(f"{name}.html: {png_bytes:,} bytes of PNG")
        print(f"build: {cpu:.2f} CPU-s, {whole.report.pictures} pictures in latest.html")
        started = time.process_time()
        again, own_again = write_reports(warehouse, Path(tmp), entries)  # the next batch's: pictures kept
        cpu = time.process_time() - started
        assert own_again is not None
        same = True
        for name, path in (("latest", again.latest), ("run", own_again.path)):
            first = DRAWN.sub("PICTURES", (out / f"{name}.html").read_text(encoding="utf-8"))
            second = DRAWN.sub("PICTURES", comparable(path.read_text(encoding="utf-8"))[0])
            if first != second:
                same = False
                lines = difflib.unified_diff(first.splitlines(), second.splitlines(), lineterm="", n=1)
                print(f"{name}.html built again differs:", *list(lines)[:40], sep="\n")
        kept = again.report.pictures_kept
        print(
            f"built again: {cpu:.2f} CPU-s, {kept} pictures from the cache, {'same' if same else 'DIFFERENT'}"
        )


def diff(before: Path, after: Path) -> int:
    changed = 0
    for name in ("latest.html", "run.html"):
        a = (before / name).read_text(encoding="utf-8").splitlines()
        b = (after / name).read_text(encoding="utf-8").splitlines()
        lines = list(difflib.unified_diff(a, b, f"{before / name}", f"{after / name}", lineterm="", n=1))
        changed += bool(lines)
        print("\n".join(lines[:200]) if lines else f"{name}: same")
    return 1 if changed else 0


def main(argv: list[str]) -> None:
    if len(argv) == 3 and argv[0] == "--diff":
        sys.exit(diff(Path(argv[1]), Path(argv[2])))
    if len(argv) == 2:
        dump(Path(argv[0]), Path(argv[1]))
        return
    sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
