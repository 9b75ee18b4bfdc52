"""The rule catalog: `expectations/rules/*.yaml` read into `Rule`s (see expectations/README.md).

A rule is data: its SQL yields the checks, and the GX suite, the asset checks, `dq_rule` and the
report are all built from the same entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipelines import PROJECT_DIR

RULES_DIR = PROJECT_DIR / "expectations" / "rules"
FAMILY_ORDER = (
    "HRBXNPCTE"  # DOMAIN.md §7: hierarchy, row, balance, cross-table, narrative, performance, codes, text;
    # E: extraction doubt (the reading checks itself, normalise/coverage.py)
)
SEVERITIES = ("error", "warning")
COMPARISONS = ("eq", "le", "ratio", "flag")
SCOPES = ("ROW", "COL", "TAB", "NAR", "DOC")
DOC_KINDS = ("final_account", "budget", "performance")


class RuleCatalogError(ValueError):
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
    "sql",
)


def _rule(entry: dict[str, Any], source: str) -> Rule:
    missing = [k for k in _REQUIRED if not entry.get(k)]
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
