"""Read the catalog's data files (tables.yaml, vocabulary.yaml) and refuse a broken entry loudly.

Every error names the file and the entry (`tables.yaml: B04: identity total: unknown measure 'x'`), so
whoever edits the data sees what to fix without reading Python. Checked: YAML keys written twice,
duplicate table codes, unknown keys, regexes that do not compile, measures missing from the
vocabulary, identities / 栏次 / layouts naming a measure the table lacks, concepts not defined.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from pipelines.catalog.model import Concept, Measure, MeasureTerm, TableSpec, TextPanel
from pipelines.errors import CatalogDataError

CATALOG_DIR = Path(__file__).resolve().parent
TABLES_FILE = CATALOG_DIR / "tables.yaml"
VOCABULARY_FILE = CATALOG_DIR / "vocabulary.yaml"

DOC_KINDS = ("budget", "final_account")
SIDES = ("收入", "支出")
BASES = ("current", "prior_year", "budget", "final", "carryover")
_TABLE_KEYS = {
    "code", "slug", "title_zh", "doc_kind", "measures", "column_order", "panels", "footer_totals",
    "line_keys", "class_lines", "form_fields", "identities", "class_columns", "text_layout",
}  # fmt: skip
_MEASURE_KEYS = {"concept", "label_zh", "name_en", "definition", "side", "role", "basis"}


class CatalogError(CatalogDataError):
    """A catalog data file is broken; the message names the file and the entry."""

    def __init__(self, path: Path, entry: str, problem: str) -> None:
        super().__init__(f"{path.name}: {entry}: {problem}")
        self.path = path
        self.entry = entry


# libyaml's parser when PyYAML has it: the catalog is read at the start of every process that
# extracts or loads, and the pure-Python parser takes most of that (0.4 s of 0.7 s)
_SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_SAFE_LOADER):  # type: ignore[valid-type,misc]
    """safe_load that refuses a mapping key written twice (YAML would silently keep the last)."""


def _unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    mapping: dict[Any, Any] = loader.construct_mapping(node, deep=deep)
    return mapping


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def read_yaml(path: Path) -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as f:
            data = yaml.load(f, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as e:
        where = f"line {e.problem_mark.line + 1}" if e.problem_mark else "yaml"
        raise CatalogError(path, where, e.problem or str(e)) from e
    except yaml.YAMLError as e:
        raise CatalogError(path, "yaml", str(e).replace("\n", " ")) from e
    if not isinstance(data, dict):
        raise CatalogError(path, "file", "a mapping is required at the top level")
    return data


def _regex(path: Path, entry: str, pattern: Any) -> str:
    if not isinstance(pattern, str) or not pattern:
        raise CatalogError(path, entry, f"a regex string is required, got {pattern!r}")
    try:
        re.compile(pattern)
    except re.error as e:
        raise CatalogError(path, entry, f"regex {pattern!r} does not compile: {e}") from e
    return pattern


def _text(path: Path, entry: str, value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CatalogError(path, entry, f"{what} must be a non-empty string, got {value!r}")
    return value


# --------------------------------------------------------------------------------------------- vocabulary


@dataclass(frozen=True)
class Vocabulary:
    """vocabulary.yaml: concepts, the stored measure codes, and the concepts of lines and table columns."""

    concepts: dict[str, Concept]
    measures: dict[str, MeasureTerm]
    line_concepts: dict[str, str]
    table_concepts: dict[str, dict[str, str]]
    # performance money lines: line_key → {"whole": concept, "project": concept}
    performance_line_concepts: dict[str, dict[str, str]]


def load_vocabulary(path: Path = VOCABULARY_FILE) -> Vocabulary:
    data = read_yaml(path)
    concepts: dict[str, Concept] = {}
    for name, c in (data.get("concepts") or {}).items():
        entry = f"concept {name}"
        if not isinstance(c, dict):
            raise CatalogError(path, entry, "a mapping is required")
        side = c.get("side")
        if side is not None and side not in SIDES:
            raise CatalogError(path, entry, f"side must be one of {', '.join(SIDES)} or empty, got {side!r}")
        concepts[name] = Concept(
            name,
            _text(path, entry, c.get("label_zh"), "label_zh"),
            _text(path, entry, c.get("name_en"), "name_en"),
            _text(path, entry, c.get("definition"), "definition"),
            side,
            _text(path, entry, c.get("role"), "role"),
        )
    measures: dict[str, MeasureTerm] = {}
    for code, m in (data.get("measures") or {}).items():
        entry = f"measure {code}"
        if not isinstance(m, dict):
            raise CatalogError(path, entry, "a mapping is required")
        if unknown := set(m) - _MEASURE_KEYS:
            raise CatalogError(path, entry, f"unknown keys {sorted(unknown)}")
        concept = concepts.get(m.get("concept", ""))
        if concept is None:
            raise CatalogError(path, entry, f"unknown concept {m.get('concept')!r}")
        basis = m.get("basis", "current")
        if basis not in BASES:
            raise CatalogError(path, entry, f"basis must be one of {', '.join(BASES)}, got {basis!r}")
        side = m.get("side", concept.side)
        if side is not None and side not in SIDES:
            raise CatalogError(path, entry, f"side must be one of {', '.join(SIDES)}, got {side!r}")
        measures[code] = MeasureTerm(
            code,
            _text(path, entry, m.get("label_zh", concept.label_zh), "label_zh"),
            _text(path, entry, m.get("name_en", concept.name_en), "name_en"),
            _text(path, entry, m.get("definition", concept.definition), "definition"),
            side,
            _text(path, entry, m.get("role", concept.role), "role"),
            concept.concept,
            basis,
        )
    line_concepts: dict[str, str] = {}
    for key, concept_name in (data.get("line_concepts") or {}).items():
        if concept_name not in concepts:
            raise CatalogError(path, f"line {key}", f"unknown concept {concept_name!r}")
        line_concepts[key] = concept_name
    table_concepts: dict[str, dict[str, str]] = {}
    for code, mapping in (data.get("table_concepts") or {}).items():
        if not isinstance(mapping, dict):
            raise CatalogError(path, f"table_concepts {code}", "a mapping measure → concept is required")
        for measure, concept_name in mapping.items():
            if concept_name not in concepts:
                raise CatalogError(
                    path, f"table_concepts {code}.{measure}", f"unknown concept {concept_name!r}"
                )
        table_concepts[code] = dict(mapping)
    performance: dict[str, dict[str, str]] = {}
    for key, value in (data.get("performance_line_concepts") or {}).items():
        by_scope = value if isinstance(value, dict) else {"whole": value, "project": value}
        if set(by_scope) != {"whole", "project"}:
            raise CatalogError(path, f"performance line {key}", "a concept, or {whole: …, project: …}")
        for concept_name in by_scope.values():
            if concept_name not in concepts:
                raise CatalogError(path, f"performance line {key}", f"unknown concept {concept_name!r}")
        performance[key] = dict(by_scope)
    return Vocabulary(concepts, measures, line_concepts, table_concepts, performance)


# --------------------------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class PerformanceTitles:
    """How a performance table's title is told: the suffix regex and, per code, kind and scope."""

    suffix: str
    whole_word: str
    kinds: dict[str, str]  # kind → word its printed suffix starts with (targets → 绩效目标)
    tables: dict[str, tuple[str, bool, str]]  # code → (kind, whole, title_zh)

    def code_for(self, kind: str, whole: bool) -> str | None:
        return next((c for c, (k, w, _) in self.tables.items() if k == kind and w == whole), None)


@dataclass(frozen=True)
class Catalog:
    """Everything tables.yaml and vocabulary.yaml say, checked against each other."""

    tables: tuple[TableSpec, ...]
    by_code: dict[str, TableSpec]
    sectioned_line_keys: frozenset[str]
    performance: PerformanceTitles
    vocabulary: Vocabulary


def _expand(path: Path, entry: str, items: Any, shared: dict[str, Any]) -> list[Any]:
    """A list whose bare names are replaced by the shared entry (a list is spliced in place)."""
    if not isinstance(items, list):
        raise CatalogError(path, entry, f"a list is required, got {type(items).__name__}")
    out: list[Any] = []
    for item in items:
        if isinstance(item, str):
            if item not in shared:
                raise CatalogError(path, entry, f"unknown shared entry {item!r}")
            value = shared[item]
            out.extend(value if isinstance(value, list) else [value])
        else:
            out.append(item)
    return out


def _measures(path: Path, entry: str, items: Any, shared: dict[str, Any]) -> tuple[Measure, ...]:
    out: list[Measure] = []
    for m in _expand(path, entry, items, shared):
        if not isinstance(m, dict) or set(m) - {"measure", "label", "patterns"}:
            raise CatalogError(path, entry, f"a measure is {{measure, label, patterns}}, got {m!r}")
        code = _text(path, entry, m.get("measure"), "measure")
        label = _text(path, f"{entry} {code}", m.get("label"), "label")
        patterns = m.get("patterns") or [re.escape(label)]
        if not isinstance(patterns, list):
            raise CatalogError(path, f"{entry} {code}", "patterns must be a list of regexes")
        out.append(Measure(code, label, tuple(_regex(path, f"{entry} {code}", p) for p in patterns)))
    return tuple(out)


def _pairs(path: Path, entry: str, items: Any, shared: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for pair in _expand(path, entry, items, shared):
        if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[1], str)):
            raise CatalogError(path, entry, f"a [regex, name] pair is required, got {pair!r}")
        out.append((_regex(path, f"{entry} {pair[1]}", pair[0]), pair[1]))
    return tuple(out)


def _table(path: Path, t: Any, shared: dict[str, Any]) -> TableSpec:
    if not isinstance(t, dict):
        raise CatalogError(path, "tables", f"each table is a mapping, got {t!r}")
    code = _text(path, "tables", t.get("code"), "code")
    if unknown := set(t) - _TABLE_KEYS:
        raise CatalogError(path, code, f"unknown keys {sorted(unknown)}")
    doc_kind = t.get("doc_kind")
    if doc_kind not in DOC_KINDS:
        raise CatalogError(path, code, f"doc_kind must be one of {', '.join(DOC_KINDS)}, got {doc_kind!r}")
    measures = _measures(path, f"{code} measures", t.get("measures", []), shared)
    footer = _measures(path, f"{code} footer_totals", t.get("footer_totals", []), shared)
    form = _measures(path, f"{code} form_fields", t.get("form_fields", []), shared)
    every = [m.measure for m in (*measures, *footer, *form)]
    if dup := sorted({m for m in every if every.count(m) > 1}):
        raise CatalogError(path, code, f"measures listed twice: {', '.join(dup)}")
    known = set(every)

    def check(entry: str, names: Any) -> tuple[str, ...]:
        if not isinstance(names, list | tuple):
            raise CatalogError(path, f"{code} {entry}", "a list of measures is required")
        for name in names:
            if name not in known:
                raise CatalogError(
                    path, f"{code} {entry}", f"unknown measure {name!r} (not a column of {code})"
                )
        return tuple(names)

    identities: list[tuple[str, tuple[str, ...]]] = []
    for ident in t.get("identities", []):
        if not isinstance(ident, dict) or set(ident) != {"total", "parts"}:
            raise CatalogError(path, f"{code} identities", f"an identity is {{total, parts}}, got {ident!r}")
        entry = f"identity {ident['total']}"
        identities.append((check(entry, [ident["total"]])[0], check(entry, ident["parts"])))
    line_keys = {
        str(panel): _pairs(path, f"{code} line_keys {panel or 'rows'}", items, shared)
        for panel, items in (t.get("line_keys") or {}).items()
    }
    text_layout = []
    for i, panel in enumerate(t.get("text_layout", []), 1):
        entry = f"{code} text_layout {i}"
        if not isinstance(panel, dict) or set(panel) != {"keys", "columns"}:
            raise CatalogError(path, entry, "a text panel is {keys, columns}")
        columns = _pairs(path, entry, panel["columns"], shared)
        check(f"text_layout {i}", [m for _, m in columns])
        text_layout.append(TextPanel(tuple(panel["keys"]), columns))
    class_columns = {str(k): v for k, v in (t.get("class_columns") or {}).items()}
    check("class_columns", list(class_columns.values()))
    return TableSpec(
        code,
        _text(path, code, t.get("slug"), "slug"),
        _text(path, code, t.get("title_zh"), "title_zh"),
        (),
        doc_kind,
        measures,
        column_order=check("column_order", t.get("column_order", [])),
        panel_names=tuple(t.get("panels", [])),
        footer_totals=footer,
        line_keys=line_keys,
        class_lines=bool(t.get("class_lines", False)),
        form_fields=form,
        identities=tuple(identities),
        class_columns=class_columns,
        text_layout=tuple(text_layout),
    )


def _performance(path: Path, data: Any) -> PerformanceTitles:
    entry = "performance_titles"
    if not isinstance(data, dict):
        raise CatalogError(path, entry, "a mapping {suffix, whole_word, kinds, tables} is required")
    kinds = data.get("kinds") or {}
    tables: dict[str, tuple[str, bool, str]] = {}
    for t in data.get("tables", []):
        code = _text(path, entry, t.get("code"), "code")
        if code in tables:
            raise CatalogError(path, f"{entry} {code}", "duplicate code")
        if t.get("kind") not in kinds:
            raise CatalogError(path, f"{entry} {code}", f"unknown kind {t.get('kind')!r}")
        tables[code] = (
            t["kind"],
            bool(t.get("whole")),
            _text(path, f"{entry} {code}", t.get("title_zh"), "title"),
        )
    return PerformanceTitles(
        _regex(path, f"{entry} suffix", data.get("suffix")),
        _text(path, entry, data.get("whole_word"), "whole_word"),
        dict(kinds),
        tables,
    )


def load_catalog(tables_path: Path = TABLES_FILE, vocabulary_path: Path = VOCABULARY_FILE) -> Catalog:
    """Both files, validated against each other; raises CatalogError naming the file and entry."""
    vocabulary = load_vocabulary(vocabulary_path)
    data = read_yaml(tables_path)
    shared = data.get("shared") or {}
    tables = tuple(_table(tables_path, t, shared) for t in data.get("tables") or [])
    by_code: dict[str, TableSpec] = {}
    for spec in tables:
        if spec.code in by_code:
            raise CatalogError(tables_path, spec.code, "duplicate table code")
        by_code[spec.code] = spec
    used: set[str] = set()
    for spec in tables:
        for m in spec.all_measures():
            if m.measure not in vocabulary.measures:
                raise CatalogError(
                    tables_path,
                    f"{spec.code} {m.measure}",
                    f"unknown measure (not in {vocabulary_path.name})",
                )
            used.add(m.measure)
    if unused := sorted(set(vocabulary.measures) - used):
        raise CatalogError(vocabulary_path, "measures", f"no table has these measures: {', '.join(unused)}")
    for code, mapping in vocabulary.table_concepts.items():
        table = by_code.get(code)
        if table is None:
            raise CatalogError(vocabulary_path, f"table_concepts {code}", "unknown table code")
        for measure in mapping:
            if measure not in {m.measure for m in table.all_measures()}:
                raise CatalogError(
                    vocabulary_path, f"table_concepts {code}.{measure}", "not a column of the table"
                )
    sectioned = data.get("sectioned_line_keys") or []
    return Catalog(
        tables,
        by_code,
        frozenset(sectioned),
        _performance(tables_path, data.get("performance_titles")),
        vocabulary,
    )


def catalog_digest(*paths: Path) -> str:
    """sha256 of the catalog's data files: a warehouse rewrites its vocabulary when it changes."""
    h = hashlib.sha256()
    for path in paths or (TABLES_FILE, VOCABULARY_FILE):
        h.update(path.read_bytes())
    return h.hexdigest()


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    """The project's catalog, loaded once."""
    return load_catalog()
