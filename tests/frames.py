"""Dump what the normalise stage makes of each file of a folder, one text file per document, so two
versions of the normaliser can be compared (a change meant to be faster must normalise the same).

    python -m tests.frames FOLDER OUT [--cache DIR] [--profile FILE]
    python -m tests.frames --diff BEFORE AFTER

Each file lists the document's status, error and warnings after normalising, then every row of every
frame (facts, tables and each extra frame) with the frame's schema, as sorted text lines; Decimals
keep their printed scale, so 1.0 and 1.00 differ. `--cache DIR` keeps the extracted documents as
pickles, so a second run normalises the same readings without extracting again. The CPU seconds of
`normalise_document` (process time, not wall) are printed per document and in total: on a shared
machine, take the least of a few runs, each in its own process (a second run in one process would
find the normaliser's caches warm). `--profile` writes a cProfile of the normalise calls alone.
"""

from __future__ import annotations

import cProfile
import hashlib
import pickle
import sys
import time
from pathlib import Path

import polars as pl

from pipelines.extract.types import ExtractedDocument
from pipelines.normalise.types import NormalisedDocument


def _frame(name: str, df: pl.DataFrame) -> list[str]:
    head = [f"{name} schema {list(df.schema.items())!r}", f"{name} height {df.height}"]
    return head + sorted(f"{name} row {row!r}" for row in df.rows())


def frames(n: NormalisedDocument) -> list[str]:
    """The normalised document as lines: status and warnings in order, then each frame's rows sorted."""
    doc = n.document
    out = [f"status {doc.status} {doc.error!r}"]
    out += [f"warning {w}" for w in doc.warnings]
    out += _frame("facts", n.facts) + _frame("tables", n.tables)
    for name in sorted(n.extras):
        out += _frame(f"extra {name}", n.extras[name])
    return out


def diff(before: Path, after: Path) -> list[str]:
    """Every line that differs between two dumps (the first few of each file)."""
    out: list[str] = []
    for old in sorted(before.iterdir()):
        new = after / old.name
        a = old.read_text(encoding="utf-8").splitlines()
        b = new.read_text(encoding="utf-8").splitlines() if new.exists() else []
        if a == b:
            continue
        out.append(f"{old.name}: {len(a)} lines before, {len(b)} after")
        gone, came = sorted(set(a) - set(b)), sorted(set(b) - set(a))
        out += [f"  - {x}" for x in gone[:5]] + [f"  + {y}" for y in came[:5]]
    out += [f"{new.name}: only after" for new in sorted(after.iterdir()) if not (before / new.name).exists()]
    return out


def _extracted(path: Path, cache: Path | None) -> ExtractedDocument:
    from pipelines.extract.document import extract_document

    if cache is None:
        return extract_document(path)
    key = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    pickled = cache / f"{path.name}.{key}.pickle"
    if not pickled.exists():
        cache.mkdir(parents=True, exist_ok=True)
        pickled.write_bytes(pickle.dumps(extract_document(path)))
    doc: ExtractedDocument = pickle.loads(pickled.read_bytes())  # a fresh copy: normalising mutates it
    return doc


def main(argv: list[str]) -> None:
    if argv[0] == "--diff":
        found = diff(Path(argv[1]), Path(argv[2]))
        print("\n".join(found) or "no frame differs")
        return
    from pipelines.extract.formats import SUPPORTED_SUFFIXES
    from pipelines.normalise.document import normalise_document

    options = dict(zip(argv[2::2], argv[3::2], strict=True))
    cache = Path(options["--cache"]) if "--cache" in options else None
    profile = cProfile.Profile() if "--profile" in options else None
    import numpy  # noqa: F401  (polars imports it on first use: a one-off import is not the normaliser's)

    folder, out = Path(argv[0]), Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    total = 0.0
    for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in SUPPORTED_SUFFIXES):
        doc = _extracted(path, cache)
        start = time.process_time()
        if profile is not None:
            profile.enable()
        n = normalise_document(doc)
        if profile is not None:
            profile.disable()
        spent = time.process_time() - start
        total += spent
        print(f"{spent:8.3f} s  {path.name}", file=sys.stderr)
        (out / f"{path.name}.txt").write_text("\n".join(frames(n)) + "\n", encoding="utf-8")
    print(f"{total:8.3f} s  normalise_document CPU in total", file=sys.stderr)
    if profile is not None:
        profile.dump_stats(options["--profile"])


if __name__ == "__main__":
    main(sys.argv[1:])
