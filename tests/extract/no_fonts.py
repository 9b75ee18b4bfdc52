"""Read PDFs as on a machine without a CJK font: pdfium initialised with one empty font folder.

pdfium looks for system fonts in folders of its own (/usr/share/fonts, …), not through fontconfig
(FONTCONFIG_FILE changes nothing); the user font paths of its library configuration replace those
folders. pypdfium2 initialises pdfium on import, so this destroys and initialises it again before a
document is opened: run it in a process of its own,

    python -m tests.extract.no_fonts EMPTY_FOLDER FILE.pdf ...

It prints, as JSON, what the tests ask of each file: pdfium's raw text and pdfminer's of each page,
the text pass's lines, whether the table pass read each page's objects from pdfium (None: left to
pdfminer), the standing of each font (`font_standing`), and the extracted tables and warnings.
"""

from __future__ import annotations

import ctypes
import json
import sys
from pathlib import Path
from typing import Any


def without_system_fonts(folder: Path) -> Any:
    """pdfium initialised again with `folder` as its only font folder; the buffer returned must be
    kept while pdfium runs."""
    import pypdfium2._library_scope as scope
    import pypdfium2.raw as raw

    scope.destroy_lib()
    name = ctypes.c_char_p(str(folder).encode())
    paths = (ctypes.POINTER(ctypes.c_char) * 2)()  # the folder, then a null pointer ending the list
    paths[0] = ctypes.cast(name, ctypes.POINTER(ctypes.c_char))
    config = raw.FPDF_LIBRARY_CONFIG(version=2, m_pUserFontPaths=paths, m_pIsolate=None, m_v8EmbedderSlot=0)
    raw.FPDF_InitLibraryWithConfig(config)
    scope.bases.LIBRARY_AVAILABLE = True
    return name, paths


def read(path: Path) -> dict[str, Any]:
    import pdfplumber
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    from pipelines.extract import pdfium_page
    from pipelines.extract.document import extract_document
    from pipelines.extract.pdf import read_page_texts

    doc = pdfium.PdfDocument(str(path))
    raw_text, objects, standings = [], [], set()
    with pdfplumber.open(path) as plumber:
        mined = [page.extract_text() for page in plumber.pages]
        for i in range(len(doc)):
            page = doc[i]
            textpage = page.get_textpage()
            raw_text.append(textpage.get_text_range())
            known: dict[int | None, int] = {}
            for obj, kind, _ in pdfium_page._walk(pdfium_page._address(page.raw) or 0, pdfium_page._IDENTITY):
                if kind == raw.FPDF_PAGEOBJ_TEXT:
                    standings.add(pdfium_page.font_standing(pdfium_page._text_font(obj), known))
            textpage.close()
            objects.append(pdfium_page.page_objects(page, plumber.pages[i]) is not None)
            page.close()
    doc.close()
    extracted = extract_document(path)
    return {
        "pdfium": raw_text,
        "pdfminer": mined,
        "lines": [p.lines for p in read_page_texts(path)],
        "pdfium_objects": objects,
        "standings": sorted(standings),
        "rows": [list(r.cells) for t in extracted.tables for r in t.rows],
        "warnings": extracted.warnings,
    }


def main(argv: list[str]) -> int:
    kept = without_system_fonts(Path(argv[0]))
    print(json.dumps({name: read(Path(name)) for name in argv[1:]}, ensure_ascii=False))
    del kept
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
