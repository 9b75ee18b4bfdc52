"""Dump what the extract stage reads from each file of a folder, one text file per document, so two
versions of the reader can be compared with `diff -r` (a change meant to be faster must read the same).

    python -m tests.readings FOLDER OUT
    python -m tests.readings --diff BEFORE AFTER   # readings exactly, boxes within 0.15 pt

Each file lists the document's status and metadata, every table's cells (page, table, row, column,
printed text) with its engine, unit, pages and printed numbers, the narrative text of every page
and the performance tables. Boxes are rounded to 0.1 pt in a separate `.boxes` file: a reader that
takes coordinates from another library may differ there by rounding without reading otherwise.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path

from pipelines.extract.types import BBox, ExtractedDocument


def _box(b: BBox | None) -> str:
    return "-" if b is None else ",".join(f"{v:.1f}" for v in b)


def readings(doc: ExtractedDocument) -> tuple[list[str], list[str]]:
    """The document's readings as lines, and its boxes as lines."""
    out = [f"status {doc.status} {doc.error}", f"pages {doc.page_count} ocr {doc.ocr_pages}"]
    out += [f"meta {k} {v}" for k, v in dataclasses.asdict(doc.meta).items()]
    out += [f"warning {w}" for w in doc.warnings]
    boxes: list[str] = []
    for t, table in enumerate(doc.tables):
        out.append(f"table {t} {table.table_code} {table.title!r} unit={table.unit} engine={table.engine}")
        out.append(f"table {t} pages={table.pages} empty_note={table.empty_note!r}")
        for r, row in enumerate(table.rows):
            out.append(f"cell {t} {r} page={row.page} span={row.span_from}")
            out += [f"cell {t} {r} {c} {text!r}" for c, text in enumerate(row.cells)]
            boxes.append(f"row {t} {r} {_box(row.bbox)}")
        out += [f"printed {t} {n.page} {n.text}" for n in table.printed]
        boxes += [f"region {t} {p} {_box(b)}" for p, b in table.regions]
        boxes += [f"printed {t} {n.page} {n.text} {_box(n.bbox)}" for n in table.printed]
    for block in doc.texts:
        out += [f"text {block.page} {block.line_no} {ln!r}" for ln in block.text.split("\n")]
    for p, perf in enumerate(doc.performance):
        out += [f"performance {p} {line}" for line in repr(perf).split(", ")]
    return out, boxes


def _numbers(line: str) -> tuple[str, list[float]]:
    head, _, box = line.rpartition(" ")
    try:
        return head, [float(v) for v in box.split(",")]
    except ValueError:
        return line, []


def diff(before: Path, after: Path, tolerance: float = 0.15) -> list[str]:
    """Every reading that differs between two dumps, and every box that moved more than `tolerance`."""
    out: list[str] = []
    for old in sorted(before.iterdir()):
        new = after / old.name
        a = old.read_text(encoding="utf-8").splitlines()
        b = new.read_text(encoding="utf-8").splitlines() if new.exists() else []
        if len(a) != len(b):
            out.append(f"{old.name}: {len(a)} lines before, {len(b)} after")
            continue
        for x, y in zip(a, b, strict=True):
            if old.suffix == ".boxes":
                (hx, vx), (hy, vy) = _numbers(x), _numbers(y)
                same = (
                    hx == hy
                    and len(vx) == len(vy)
                    and all(abs(u - v) <= tolerance for u, v in zip(vx, vy, strict=True))
                )
            else:
                same = x == y
            if not same:
                out.append(f"{old.name}: {x!r} -> {y!r}")
    return out


def main(argv: list[str]) -> None:
    if argv[0] == "--diff":
        found = diff(Path(argv[1]), Path(argv[2]))
        print("\n".join(found) or "no reading differs; no box moved more than 0.15 pt")
        return
    from pipelines.extract import ocr
    from pipelines.extract.document import extract_document

    os.environ[ocr.ENV] = "0"
    folder, out = Path(argv[0]), Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(p for p in folder.iterdir() if p.suffix.lower() == ".pdf"):
        lines, boxes = readings(extract_document(path))
        (out / f"{path.name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        (out / f"{path.name}.boxes").write_text("\n".join(boxes) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
