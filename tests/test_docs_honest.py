"""Docs kept honest: every command and option, make target, environment variable, rule family and
vocabulary name the code has is named in README.md or docs/*.md. Adding one without a line of
documentation fails here, with the name."""

from __future__ import annotations

import re
from collections.abc import Iterator

import click
import pytest

from pipelines.catalog import concepts, measure_terms
from pipelines.cli import cli
from pipelines.validate.rules import load_rules
from tests.conftest import PROJECT

DOCS = [PROJECT / "README.md", *sorted((PROJECT / "docs").glob("*.md"))]
TEXT = "\n".join(p.read_text(encoding="utf-8") for p in DOCS)


def _commands(command: click.Command, path: tuple[str, ...]) -> Iterator[tuple[str, click.Command]]:
    yield " ".join(path), command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(cli, ("yujuesuan",)))


def test_every_command_and_option_is_documented() -> None:
    missing = [name for name, _ in COMMANDS[1:] if name not in TEXT]
    for name, command in COMMANDS:
        options = [
            o for p in command.params if isinstance(p, click.Option) for o in p.opts + p.secondary_opts
        ]
        missing += [f"{name} {o}" for o in options if o.startswith("--") and o != "--help" and o not in TEXT]
    assert not missing, f"not in README.md or docs/*.md: {missing}"
    assert {"yujuesuan ingest", "yujuesuan export"} <= {name for name, _ in COMMANDS}  # the walk works


def test_every_make_target_is_documented() -> None:
    makefile = (PROJECT / "Makefile").read_text(encoding="utf-8")
    phony = re.search(r"^\.PHONY:(.*)$", makefile, re.MULTILINE)
    assert phony is not None
    targets = phony.group(1).split()
    assert {"test", "test-fast", "lint", "run"} <= set(targets)
    assert not [t for t in targets if f"make {t}" not in TEXT], "make targets without a line in the docs"


def _settings() -> set[str]:
    found: set[str] = set()
    for path in (PROJECT / "pipelines").rglob("*.py"):
        found |= set(re.findall(r"\bYUJUESUAN_[A-Z0-9_]+", path.read_text(encoding="utf-8")))
    return found


def test_every_environment_variable_is_documented() -> None:
    settings = _settings()
    assert "YUJUESUAN_WAREHOUSE" in settings
    assert not sorted(v for v in settings if v not in TEXT), "YUJUESUAN_* read in pipelines/, not documented"


def _family_paragraphs() -> str:
    """The paragraphs (blank-line separated) of the docs that talk about rule families."""
    return "\n".join(p for p in re.split(r"\n\s*\n", TEXT) if "famil" in p.lower())


def test_every_rule_family_is_documented() -> None:
    prefixes = {m.group(0) for r in load_rules() if (m := re.match(r"[A-Z]+", r.id))}
    families = {r.family for r in load_rules()}
    assert {"H", "N", "XD"} <= prefixes | families
    text = _family_paragraphs()
    missing = sorted(
        f for f in prefixes | families if not re.search(rf"(?<![A-Za-z0-9_]){f}(?![A-Za-z0-9_])", text)
    )
    assert not missing, f"rule families (id prefixes) not named where the docs list the families: {missing}"


@pytest.mark.parametrize("kind", ["concept", "measure"])
def test_every_vocabulary_name_is_documented(kind: str) -> None:
    """docs/data-dictionary.md lists the vocabulary (python -m pipelines.docs); a new name must reach it."""
    names = set(concepts()) if kind == "concept" else {m.measure for m in measure_terms()}
    assert len(names) > 20
    assert not sorted(n for n in names if f"`{n}`" not in TEXT), f"{kind}s missing from the docs"
