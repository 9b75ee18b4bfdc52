"""The rule catalog: `expectations/rules/*.yaml` read into `Rule`s (see expectations/README.md).

A rule is data: its SQL yields the checks, and the GX suite, the asset checks, `dq_rule` and the
report are all built from the same entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipelines import RULES_DIR
from pipelines.errors import RuleError

SHAPES_DIR = RULES_DIR.parent / "shapes"
FAMILY_ORDER = (
    "HRBXNPCTE"  # docs/domain.md §7: hierarchy, row, balance, cross-table, narrative, performance, codes,
    # text; E: extraction doubt (the reading checks itself, normalise/coverage.py)
)
SEVERITIES = ("error", "warning")
COMPARISONS = ("eq", "le", "ratio", "flag")
SCOPES = ("ROW", "COL", "TAB", "NAR", "DOC")
# the columns a rule's SQL yields, per comparison type: what the engine needs to score a check, and what
# it may carry for the report. The engine rejects a column outside these sets, and a missing required one.
_LOCATION = frozenset({"table_code", "row_key", "measure", "row_no", "page", "line_no", "note", "unit"})
REQUIRED_COLUMNS: dict[str, frozenset[str]] = {
    "eq": frozenset({"expected", "actual", "n_terms"}),
    "le": frozenset({"expected", "actual", "n_terms"}),
    "ratio": frozenset({"actual", "numerator", "denominator", "eps", "decimals"}),
    "flag": frozenset({"ok"}),
}
OPTIONAL_COLUMNS: dict[str, frozenset[str]] = {
    "eq": _LOCATION,
    "le": _LOCATION,
    "ratio": _LOCATION,
    "flag": _LOCATION | {"expected", "actual"},
}
DOC_KINDS = ("final_account", "budget", "performance")


class RuleCatalogError(RuleError, ValueError):
    """A rule file that does not follow expectations/README.md."""


@dataclass(frozen=True)
class Rule:
    id: str
    family: str
    severity: str
    scope: str
    doc_kinds: tuple[str, ...]
    comparison: str
    description: str
    description_zh: str
    sql: str
    source: str  # the yaml file it came from, for error messages
    test: dict[str, Any] = field(default_factory=dict)  # clean case and planted fault (tests/validate)

    def applies_to(self, doc_kind: str | None) -> bool:
        return doc_kind in self.doc_kinds


_REQUIRED = (
    "id",
    "family",
    "severity",
    "scope",
    "doc_kinds",
    "comparison",
    "description",
    "description_zh",
)


_PARAM = re.compile(r"\{(\w+)\}")


def shape_sql(
    shape: str,
    mapping: list[list[Any]] | None = None,
    params: dict[str, Any] | None = None,
    folder: Path = SHAPES_DIR,
) -> str:
    """A rule's SQL from a shared shape (expectations/shapes/<shape>.sql), its `mapping` rows and `params`.

    The shape's leading `--` comment lines document it and are not part of the SQL. `{mapping}` becomes
    the mapping rows as SQL tuples, one a line (strings quoted, integers as printed); every other
    `{name}` becomes the param of that name, an identifier or an integer. A placeholder the rule does not
    fill, or a param or mapping the shape does not use, is a catalog error.
    """
    path = folder / f"{shape}.sql"
    if not path.is_file():
        raise RuleCatalogError(f"unknown rule shape {shape!r} (no {path.name} in {folder})")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    while lines and lines[0].startswith("--"):
        lines.pop(0)
    template = "".join(lines)

    def literal(value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise RuleCatalogError(f"shape {shape}: mapping value {value!r} is not a string or an integer")
        return str(value) if isinstance(value, int) else "'" + value.replace("'", "''") + "'"

    values: dict[str, str] = {}
    for name, value in (params or {}).items():
        if isinstance(value, bool) or not (
            isinstance(value, int) or re.fullmatch(r"[a-z_][a-z0-9_]*", str(value))
        ):
            raise RuleCatalogError(f"shape {shape}: param {name} = {value!r} is not an identifier or integer")
        values[name] = str(value)
    if mapping is not None:
        values["mapping"] = ",\n".join("    (" + ", ".join(literal(v) for v in row) + ")" for row in mapping)
    wanted = set(_PARAM.findall(template))
    if wanted != set(values):
        raise RuleCatalogError(f"shape {shape} takes {sorted(wanted)}, the rule gives {sorted(values)}")
    return _PARAM.sub(lambda m: values[m.group(1)], template)


def _rule(entry: dict[str, Any], source: str) -> Rule:
    if entry.get("shape"):
        if entry.get("sql"):
            raise RuleCatalogError(f"{source}: rule {entry.get('id', '?')} has both a shape and sql")
        try:
            sql = shape_sql(str(entry["shape"]), entry.get("mapping"), entry.get("params"))
        except RuleCatalogError as exc:
            raise RuleCatalogError(f"{source}: rule {entry.get('id', '?')}: {exc}") from exc
        entry = {**entry, "sql": sql}
    missing = [k for k in (*_REQUIRED, "sql") if not entry.get(k)]
    if missing:
        raise RuleCatalogError(f"{source}: rule {entry.get('id', '?')} lacks {', '.join(missing)}")
    rule = Rule(
        id=str(entry["id"]),
        family=str(entry["family"]),
        severity=str(entry["severity"]),
        scope=str(entry["scope"]),
        doc_kinds=tuple(entry["doc_kinds"]),
        comparison=str(entry["comparison"]),
        description=str(entry["description"]).strip(),
        description_zh=str(entry["description_zh"]).strip(),
        sql=str(entry["sql"]),
        source=source,
        test=dict(entry.get("test") or {}),
    )
    problems = [
        f"{name} {value!r}"
        for name, value, allowed in (
            ("family", rule.family, tuple(FAMILY_ORDER)),
            ("severity", rule.severity, SEVERITIES),
            ("comparison", rule.comparison, COMPARISONS),
            ("scope", rule.scope, SCOPES),
        )
        if value not in allowed
    ]
    problems += [f"doc kind {k!r}" for k in rule.doc_kinds if k not in DOC_KINDS]
    if not rule.id.startswith(rule.family):
        problems.append(f"an id that does not start with its family {rule.family!r}")
    if "$document_id" not in rule.sql:
        problems.append("sql without $document_id")
    if problems:
        raise RuleCatalogError(f"{source}: rule {rule.id} has {', '.join(problems)}")
    return rule


_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_rules(folder: Path = RULES_DIR) -> list[Rule]:
    """Every rule of the catalog, in evaluation order (family, then id); ids are unique."""
    rules: list[Rule] = []
    for path in sorted(folder.glob("*.yaml")):
        # libyaml's safe loader when built with it: the catalog is read once per batch, 10× faster
        entries = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER) or []
        rules.extend(_rule(entry, path.name) for entry in entries)
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise RuleCatalogError(f"rule id {rule.id} is defined twice")
        seen.add(rule.id)
    return sorted(rules, key=lambda r: (FAMILY_ORDER.index(r.family), r.id))
