"""Functional (类/款/项) and economic codes: recognise, rebuild split codes, and their hierarchy.

The reference lists (pipelines/reference/) are per-year aware: `valid_from`/`valid_to` bound the years
a code's standard name is in the 政府收支分类科目, and `code_aliases.csv` holds the names a code was
printed under in other editions (医疗卫生与计划生育支出 → 卫生健康支出 in 2019, …) or in common
variants. Every list is validated when it is loaded: a broken reference file fails loudly.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache

from pipelines import REFERENCE_DIR
from pipelines.errors import CatalogDataError
from pipelines.vocab.text import clean_label, normalise_text, remember_short, strip_numbering

_CODE = re.compile(r"^\d{3}(\d{2}){0,2}$")
_LEVELS = {3: "类", 5: "款", 7: "项"}


@dataclass(frozen=True)
class CodeEntry:
    code: str
    level: str  # 类 | 款 | 项
    name: str
    parent_code: str | None
    valid_from: int | None = None  # first fiscal year the code is listed under this name (None: always)
    valid_to: int | None = None  # last fiscal year (None: still current)

    def valid_in(self, year: int | None) -> bool:
        if year is None:
            return True
        return (self.valid_from is None or year >= self.valid_from) and (
            self.valid_to is None or year <= self.valid_to
        )


@dataclass(frozen=True)
class CodeAlias:
    """Another name a code is printed under: a former edition's name or a common variant."""

    code: str
    alias: str
    valid_from: int | None = None
    valid_to: int | None = None


def is_code(text: str) -> bool:
    """A 3/5/7-digit classification code (201, 20103, 2010301; 301, 30101, 3021101)."""
    return bool(_CODE.match(normalise_text(text)))


def code_kind(code: str) -> str:
    """Economic codes start with 3 (部门预算支出经济分类, 301 工资福利支出) or 5 (政府预算支出经济分类,
    501 机关工资福利支出); functional expenditure codes start with 2."""
    return "econ" if code[:1] in {"3", "5"} else "func"


def level_of(code: str) -> str:
    return _LEVELS[len(code)]


def parent_of(code: str) -> str | None:
    return code[:-2] if len(code) > 3 else None


@remember_short
def is_classification_code(text: str) -> bool:
    """A code of a listed functional or economic class, or a revenue code (10x/11x 收入分类).

    341 or 125001 is not: a unit's code, which heads the unit's block in some templates.
    """
    text = normalise_text(text)
    return is_code(text) and (text[:2] in {"10", "11"} or text[:3] in _class_codes())


# a code and a name in one cell: "2010801 行政运行", "2010801-行政运行", "[2010501]行政运行", "【201】…"
_CODE_NAME = re.compile(r"^[\[【(]?(\d{3}(?:\d{2}){0,2})[\]】)]?\s*[-－—–_:：.、]?\s*([^\d\s\-－—–.].*)$")
# what follows a number in a sentence or a count, never a classification name
_NOT_A_NAME = re.compile(r"^(年|万|元|个|人|次|台|辆|%|月|日|号|平方|亿|千|余|名|家|项|类|款)")


@remember_short
def split_code_name(text: str) -> tuple[str, str] | None:
    """(code, name) of a cell that prints both, or None. The code must belong to a known class."""
    flat = re.sub(r"\s+", " ", normalise_text_keep_spaces(text)).strip()
    m = _CODE_NAME.match(flat)
    if not m or _NOT_A_NAME.match(m.group(2)) or not is_classification_code(m.group(1)):
        return None
    name = clean_label(m.group(2)).lstrip("-－—–")
    return (m.group(1), name) if name else None


def normalise_text_keep_spaces(text: str) -> str:
    """NFKC and markup removal like `normalise_text`, but single spaces kept (they separate tokens)."""
    return " ".join(normalise_text(part) for part in text.split())


def join_split_code(parts: list[str]) -> str | None:
    """Rebuild a code printed across 类 | 款 | 项 columns ("201" "03" "01" → "2010301").

    When the full code sits in the first sub-column (the Chongqing 决算 template) it is used as is.
    """
    parts = [normalise_text(p) for p in parts]
    parts = [p for p in parts if p]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0] if is_code(parts[0]) else None
    if not is_code(parts[0]) or len(parts[0]) != 3:
        return parts[0] if is_code(parts[0]) else None
    code = parts[0]
    for p in parts[1:3]:
        if not p.isdigit() or len(p) > 2:
            return None
        code += p.zfill(2)
    return code


def _year(text: str | None) -> int | None:
    return int(text) if text and text.strip() else None


def _validate(entries: dict[str, CodeEntry], name: str) -> None:
    """Each code's level fits its length, its parent exists one level up, and its years are ordered."""
    for e in entries.values():
        problem = None
        if not _CODE.match(e.code) or _LEVELS.get(len(e.code)) != e.level:
            problem = f"level {e.level!r} does not fit the code"
        elif not e.name.strip():
            problem = "empty name"
        elif len(e.code) > 3 and (e.parent_code != e.code[:-2] or e.parent_code not in entries):
            problem = f"parent {e.parent_code!r} is not {e.code[:-2]} or is not listed"
        elif len(e.code) == 3 and e.parent_code:
            problem = "a 类 has no parent"
        elif e.valid_from and e.valid_to and e.valid_from > e.valid_to:
            problem = "valid_from after valid_to"
        if problem:
            raise CatalogDataError(f"{name}: code {e.code}: {problem}")


def _load(name: str) -> dict[str, CodeEntry]:
    entries: dict[str, CodeEntry] = {}
    with (REFERENCE_DIR / name).open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["code"] in entries:
                raise CatalogDataError(f"{name}: code {r['code']} listed twice")
            entries[r["code"]] = CodeEntry(
                r["code"],
                r["level"],
                r["name"],
                r["parent_code"] or None,
                _year(r.get("valid_from")),
                _year(r.get("valid_to")),
            )
    _validate(entries, name)
    return entries


@lru_cache(maxsize=1)
def functional_codes() -> dict[str, CodeEntry]:
    return _load("functional_codes.csv")


@lru_cache(maxsize=1)
def economic_codes() -> dict[str, CodeEntry]:
    return _load("economic_codes.csv")


@lru_cache(maxsize=1)
def code_aliases() -> tuple[CodeAlias, ...]:
    """The alias table, each alias checked against the code lists."""
    known = {**functional_codes(), **economic_codes()}
    out: list[CodeAlias] = []
    with (REFERENCE_DIR / "code_aliases.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            alias = CodeAlias(r["code"], r["alias"], _year(r["valid_from"]), _year(r["valid_to"]))
            if alias.code not in known:
                raise CatalogDataError(f"code_aliases.csv: {alias.alias!r} names unknown code {alias.code}")
            if not alias.alias.strip() or name_key(alias.alias) == name_key(known[alias.code].name):
                raise CatalogDataError(
                    f"code_aliases.csv: {alias.code}: alias {alias.alias!r} is empty or the name"
                )
            if alias.valid_from and alias.valid_to and alias.valid_from > alias.valid_to:
                raise CatalogDataError(
                    f"code_aliases.csv: {alias.code} {alias.alias}: valid_from after valid_to"
                )
            out.append(alias)
    return tuple(out)


# classes of the 部门支出经济分类 that documents print but the seeds never did (DOMAIN §5.2)
_EXTRA_ECON_CLASSES = {"309", "311", "313"}


@lru_cache(maxsize=1)
def _class_codes() -> frozenset[str]:
    classes = {c for c in (*functional_codes(), *economic_codes()) if len(c) == 3}
    return frozenset(classes | _EXTRA_ECON_CLASSES)


def name_key(text: str) -> str:
    """A printed name made comparable with the standard list (DOMAIN §5.4): NFKC, no whitespace,
    quotes and list numbering removed, level markers (类)(款)(项) and a leading 其中: dropped."""
    t = normalise_text(text)
    t = re.sub(r"[\"'“”‘’]", "", t)
    t = re.sub(r"^其中[:：]?", "", t)
    t = strip_numbering(t)
    return re.sub(r"\((类|款|项)\)", "", t)


@lru_cache(maxsize=64)
def name_index(year: int | None) -> dict[str, tuple[CodeEntry, ...]]:
    """Normalised name → the codes printed under it in `year`'s edition (functional and economic).

    A 类 name is also indexed without its trailing 支出 (documents print 一般公共服务（类）).
    """
    index: dict[str, list[CodeEntry]] = {}

    def add(key: str, entry: CodeEntry) -> None:
        listed = index.setdefault(key, [])
        if entry not in listed:
            listed.append(entry)

    entries = {**functional_codes(), **economic_codes()}
    names = [(e, e.name) for e in entries.values() if e.valid_in(year)]
    names += [(entries[a.code], a.alias) for a in code_aliases() if _alias_valid(a, year)]
    for entry, name in names:
        key = name_key(name)
        add(key, entry)
        if entry.level == "类" and key.endswith("支出") and len(key) > 4:
            add(key.removesuffix("支出"), entry)
    return {k: tuple(v) for k, v in index.items()}


def _alias_valid(alias: CodeAlias, year: int | None) -> bool:
    return year is None or (
        (alias.valid_from is None or year >= alias.valid_from)
        and (alias.valid_to is None or year <= alias.valid_to)
    )


def class_code_for_label(label: str, year: int | None = None) -> str | None:
    """The 类 code of a summary-table line such as "八、社会保障和就业支出" (D01, D04).

    Names of earlier editions are accepted whatever the year: a summary line is matched by name only.
    """
    key = name_key(label)
    for y in (year, None):
        found = {
            e.code for e in name_index(y).get(key, ()) if e.level == "类" and code_kind(e.code) == "func"
        }
        if len(found) == 1:
            return found.pop()
    return None
