"""The report templates' bytecode cache: compiled once, loaded by the next process, never a failure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader

from pipelines.report.html import TEMPLATES, _TemplateCache, format_number, unit_label


class _Counting(Environment):
    compiled = 0

    def compile(self, *args: Any, **kwargs: Any) -> Any:
        _Counting.compiled += 1
        return super().compile(*args, **kwargs)


def _load(cache: _TemplateCache) -> str:
    """The report template's code, as a new process's environment gets it."""
    env = _Counting(loader=FileSystemLoader(TEMPLATES), bytecode_cache=cache, autoescape=True)
    env.filters.update(num=format_number, unit_label=unit_label)
    return env.get_template("report.html.j2").root_render_func.__code__.co_code.hex()


def test_compiled_templates_are_kept_and_loaded_again(tmp_path: Path) -> None:
    _Counting.compiled = 0
    first = _load(_TemplateCache(str(tmp_path)))
    assert _Counting.compiled == 1 and len(list(tmp_path.glob("*.cache"))) == 1
    assert _load(_TemplateCache(str(tmp_path))) == first
    assert _Counting.compiled == 1  # the second environment compiled nothing


def test_a_cache_that_cannot_be_written_only_costs_the_compilation(tmp_path: Path) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    cache = _TemplateCache(str(gone))
    gone.rmdir()  # the folder vanished (a temp dir cleaned), as a full disk would fail the write
    _Counting.compiled = 0
    assert _load(cache) == _load(cache)
    assert _Counting.compiled == 2
