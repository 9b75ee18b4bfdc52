"""Errors and logging: everything the project raises on purpose is a YujuesuanError of its layer, and
a reader that fails on a file logs the traceback while the file gets its clear status."""

from __future__ import annotations

import ast
import importlib
import logging
import zipfile
from pathlib import Path
from typing import Any

import pytest

from pipelines import errors
from pipelines.catalog.loader import CatalogError
from pipelines.errors import (
    CatalogDataError,
    LoadError,
    ReaderError,
    ReportError,
    RuleError,
    SourceFileError,
    YujuesuanError,
)
from pipelines.extract.document import extract_document
from pipelines.load.migrations import MigrationError
from pipelines.validate.engine import RuleSqlError
from pipelines.validate.rules import RuleCatalogError
from tests.conftest import PROJECT

PACKAGE = PROJECT / "pipelines"

# Raised on purpose but outside the hierarchy, each for a reason: click's exceptions are the CLI's way
# to print a message and exit 1/2; dagster's Failure fails a step; SystemExit ends the bench tools;
# the YAML ConstructorError is caught and turned into a CatalogError by the loader itself.
# pdfium.PdfiumError: extract/pdfium_page.py's `image_objects` re-implements pypdfium2's `get_objects`
# for the images only, and fails the way the library does so that the callers' `except PdfiumError`
# still holds.
ALLOWED = {"click.ClickException", "click.UsageError", "click.BadParameter", "dg.Failure", "SystemExit",
           "yaml.constructor.ConstructorError", "pdfium.PdfiumError"}  # fmt: skip


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and (base := _dotted(node.value)):
        return f"{base}.{node.attr}"
    return None


def _imports(tree: ast.Module) -> dict[str, str]:
    """Every name a file imports anywhere (functions import lazily), → its module path."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}:{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.split(".")[0]] = alias.name
    return names


def _resolve(name: str, module: Any, imports: dict[str, str]) -> Any:
    head, *rest = name.split(".")
    if hasattr(module, head):
        obj = getattr(module, head)
    elif head in imports:
        where = imports[head]
        if ":" in where:
            mod, attr = where.split(":")
            obj = getattr(importlib.import_module(mod), attr)
        else:
            obj = importlib.import_module(where)
    else:
        obj = __builtins__[head] if isinstance(__builtins__, dict) else getattr(__builtins__, head)
    for part in rest:
        obj = getattr(obj, part)
    return obj


def _raised() -> list[tuple[str, str, Any]]:
    """(file:line, name, class) of every `raise Name(...)` / `raise Name` in the package."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module = importlib.import_module(".".join(path.relative_to(PROJECT).with_suffix("").parts))
        imports = _imports(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Raise) or node.exc is None:
                continue
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            name = _dotted(target)
            if name is None:
                continue
            try:
                obj = _resolve(name, module, imports)
            except (AttributeError, KeyError, ImportError):
                continue  # a local variable (`raise exc`): a re-raise of something already caught
            if isinstance(obj, type) and issubclass(obj, BaseException):
                found.append((f"{path.relative_to(PROJECT)}:{node.lineno}", name, obj))
    return found


def test_every_deliberate_error_is_in_the_hierarchy() -> None:
    raised = _raised()
    assert len(raised) > 80  # the scan sees the package's raises
    outside = [(where, name) for where, name, cls in raised if not issubclass(cls, YujuesuanError)]
    assert not [o for o in outside if o[1] not in ALLOWED], "raise a YujuesuanError of the layer instead"


@pytest.mark.parametrize(
    ("error", "layer"),
    [
        (CatalogError, CatalogDataError),
        (SourceFileError, ReaderError),
        (MigrationError, LoadError),
        (RuleCatalogError, RuleError),
        (RuleSqlError, RuleError),
        (errors.WarehouseNotFoundError, FileNotFoundError),  # older `except FileNotFoundError` still works
        (errors.DocumentNotFoundError, KeyError),
    ],
)
def test_errors_sit_under_their_layer(error: type[Exception], layer: type[Exception]) -> None:
    assert issubclass(error, layer) and issubclass(error, YujuesuanError)


def test_layers_are_distinct() -> None:
    layers = [CatalogDataError, ReaderError, LoadError, RuleError, ReportError]
    assert all(not issubclass(a, b) for a in layers for b in layers if a is not b)


def _records(caplog: pytest.LogCaptureFixture, path: Path) -> list[logging.LogRecord]:
    return [r for r in caplog.records if str(path) in r.getMessage()]


def test_a_reader_failing_on_a_file_logs_the_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """python-docx fails on a damaged package: traceback of the library's error, status `failed`."""
    path = tmp_path / "damaged.docx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document>not closed")
    with caplog.at_level(logging.WARNING):
        doc = extract_document(path)
    assert doc.status == "failed" and doc.error and doc.error.split(":")[0] in {"corrupt", "not_a_docx"}
    (record,) = _records(caplog, path)
    assert record.levelno == logging.ERROR and record.exc_info is not None
    assert isinstance(record.exc_info[1], SourceFileError) and record.exc_info[1].__cause__ is not None


def test_a_diagnosed_file_logs_a_warning_with_its_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    with caplog.at_level(logging.WARNING):
        doc = extract_document(path)
    assert doc.status == "failed" and doc.error == "empty: the file is empty (0 bytes)"
    (record,) = _records(caplog, path)
    assert record.levelno == logging.WARNING and record.exc_info is not None


def test_a_reader_bug_is_logged_and_recorded(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipelines.extract.docx as docx

    def broken(path: Path) -> None:
        raise ZeroDivisionError("a bug in the reader")

    monkeypatch.setattr(docx, "read_docx", broken)
    path = tmp_path / "any.docx"
    path.write_bytes(b"PK")
    with caplog.at_level(logging.WARNING):
        doc = extract_document(path)
    assert doc.status == "failed" and doc.error == "internal_error: ZeroDivisionError: a bug in the reader"
    (record,) = _records(caplog, path)
    assert record.levelno == logging.ERROR and record.exc_info is not None
    assert record.exc_info[0] is ZeroDivisionError
