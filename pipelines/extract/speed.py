"""Extraction alone, timed: pages per CPU-second of `extract_document` over a folder's PDFs.

The whole-ingest benchmark (`make bench`) hides how fast the reader itself is behind Dagster,
validation and the report; this figure is the reader's own, beside pypdfium2's raw text of the same
pages (the floor). CPU seconds of this process, so a busy shared machine disturbs it little.

    python -m pipelines.extract.speed FOLDER [FOLDER ...]
"""

from __future__ import annotations

import os
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Rate:
    """Pages read and the CPU seconds they took."""

    files: int
    pages: int
    seconds: float
    floor_seconds: float
    peak_rss_mib: float

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0

    @property
    def floor_pages_per_second(self) -> float:
        return self.pages / self.floor_seconds if self.floor_seconds else 0.0


def _cpu() -> float:
    return time.process_time()


def floor_seconds(files: list[Path]) -> float:
    """pypdfium2's raw text of every page: the least any reader of these pages must spend."""
    import pypdfium2 as pdfium

    start = _cpu()
    for f in files:
        doc = pdfium.PdfDocument(str(f))
        try:
            for i in range(len(doc)):
                page = doc[i]
                text = page.get_textpage()
                text.get_text_range()
                text.close()
                page.close()
        finally:
            doc.close()
    return _cpu() - start


def extraction_rate(files: list[Path]) -> Rate:
    """`extract_document` over the files, and the floor over the same files."""
    from pipelines.extract.document import extract_document

    pages = 0
    start = _cpu()
    for f in files:
        pages += extract_document(f).page_count
    seconds = _cpu() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return Rate(len(files), pages, seconds, floor_seconds(files), rss)


def main(argv: list[str]) -> None:
    """One line per folder. OCR is switched off: a scan's cost is the OCR engine's, not the reader's."""
    from pipelines.extract import ocr

    os.environ[ocr.ENV] = "0"
    for folder in argv or ["data/samples"]:
        files = sorted(p for p in Path(folder).iterdir() if p.suffix.lower() == ".pdf")
        rate = extraction_rate(files)
        if not rate.floor_seconds:
            print(f"{folder}: no PDF pages")
            continue
        share = rate.pages_per_second / rate.floor_pages_per_second
        print(
            f"{folder}: {rate.files} PDFs, {rate.pages} pages; extraction {rate.seconds:.1f} CPU-s "
            f"({rate.pages_per_second:.1f} pages/CPU-s); floor {rate.floor_pages_per_second:.0f} "
            f"pages/CPU-s ({share:.1%} of it); peak RSS {rate.peak_rss_mib:.0f} MiB"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
