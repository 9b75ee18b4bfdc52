"""Title recognition: which catalogued table (or performance table) a printed line is the title of.

The one title matcher of the project. Financial tables are told by their printed names
(reference/table_titles.yaml, read once by `title_catalog`) after `canonical_title` has removed
numbering, years and scope words; performance tables (绩效目标表 / 绩效自评表) by the suffix of
tables.yaml `performance_titles`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import yaml

from pipelines import REFERENCE_DIR
from pipelines.catalog.loader import catalog
from pipelines.catalog.model import TableSpec
from pipelines.errors import CatalogDataError
from pipelines.vocab.text import SENTENCE, normalise_text


def _tables() -> tuple[TableSpec, ...]:
    return catalog().tables


def _by_code() -> dict[str, TableSpec]:
    return catalog().by_code


@lru_cache(maxsize=1)
def title_catalog() -> dict[str, Any]:
    """reference/table_titles.yaml, read once: printed names, qualifier words and signatures."""
    with (REFERENCE_DIR / "table_titles.yaml").open(encoding="utf-8") as f:
        data = yaml.safe_load(f)
    if not isinstance(data, dict):
        raise CatalogDataError("table_titles.yaml: a mapping with 'titles' is required")
    return data


@lru_cache(maxsize=1)
def _title_data() -> dict[str, list[str]]:
    """The printed names of each catalogued table (reference/table_titles.yaml), validated on load."""
    titles = title_catalog().get("titles")
    if not isinstance(titles, dict):
        raise CatalogDataError("table_titles.yaml: a 'titles' mapping of table code → names is required")
    unknown = sorted(set(titles) - set(_by_code()))
    if unknown:
        raise CatalogDataError(f"table_titles.yaml: codes not in the catalog: {', '.join(unknown)}")
    out: dict[str, list[str]] = {}
    for code, names in titles.items():
        if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
            raise CatalogDataError(f"table_titles.yaml: {code} needs a list of non-empty names")
        out[code] = names
    return out


@lru_cache(maxsize=1)
def _qualifiers() -> tuple[str, ...]:
    """Words that, printed right before a catalogued name, make another table (table_titles.yaml)."""
    words = title_catalog().get("qualifiers", [])
    if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
        raise CatalogDataError("table_titles.yaml: 'qualifiers' must be a list of words")
    return tuple(words)


def table_names(code: str) -> tuple[str, ...]:
    """Every name the table is printed under: its catalog title first, then the aliases of the data file."""
    spec = _by_code()[code]
    return (spec.title_zh, *(n for n in _title_data().get(code, []) if n != spec.title_zh))


# Numbering printed before or after a title, in every form seen: 公开表1, 部门公开表 1, 预算01表, 01表,
# 表一, 表 1, 表14-2, 附表2, 附件1, (预算表 1), 一、 … (spaces are gone after normalise_text).
_NUM = r"(\d{1,2}(-\d{1,2})?|[一二三四五六七八九十]+)"
_NUMBERING_WORDS = rf"(部门)?(公开|预算|收支)?(附)?表{_NUM}|(公开|预算)?\d{{1,2}}表|附件{_NUM}"
_TITLE_LEADING = re.compile(
    rf"^(({_NUMBERING_WORDS})[:、.-]?|[一二三四五六七八九十]+、|\d{{1,2}}[、.]|\({_NUM}\))"
)
_TITLE_TRAILING = re.compile(rf"(\(({_NUMBERING_WORDS})\)|({_NUMBERING_WORDS})|\(\d{{4}}年度?\)|-\d{{1,2}})$")
# everything up to a printed year ("湖州市财政局2026年市级部门…"): department and year prefixes
_YEAR_PREFIX = re.compile(r"^.*?\d{4}年度?")
# qualifiers that name the classification a table is arranged by; any other parenthesis is dropped
_ARRANGED_BY = (
    (re.compile(r"\(按?(支出)?功能(分类)?(科目)?\)"), "(功能)"),
    (re.compile(r"\(按?(支出)?经济(分类)?(科目)?\)"), "(经济)"),
)
_PARENTHESIS = re.compile(r"\((?!功能\)|经济\))[^()]*\)")
# scope words before the table's own name: 市级部门收支预算总表, 部门综合预算收入总表, 本年一般公共预算…
_SCOPE_PREFIX = re.compile(r"^(本年度?|当年|(省|市|区|县)级|本级|部门|单位|综合预算|部门综合预算)+")
# one wording for each: 收支总体情况表 → 收支总表, 一般公共预算支出情况表 → 一般公共预算支出表,
# 收支预算总表 → 收支总表, 支出预算表 → 支出表 (预算 is the document's kind, not the table's name)
_WORDING = (
    (re.compile(r"总体情况表$"), "总表"),
    (re.compile(r"情况表$"), "表"),
    (re.compile(r"表预算表$"), "表"),
    (re.compile(r"预算总表$"), "总表"),
    (re.compile(r"预算(明细)?表$"), "表"),
    (re.compile(r"明细表$"), "表"),
    (re.compile(r"支出预算"), "支出"),
)


def canonical_title(text: str) -> str:
    """The name of a table as printed, reduced to the form the catalog's names are compared in.

    Numbering, years, the department and scope words before the name, and parenthetical remarks
    go; wording that provinces vary without changing the table (总体情况表, 预算总表) is unified.
    """
    return _canonical_title(text)


@lru_cache(maxsize=1 << 15)
def _canonical_title(text: str) -> str:
    t = normalise_text(text)
    for _ in range(3):
        before = t
        t = _TITLE_LEADING.sub("", t)
        t = _TITLE_TRAILING.sub("", t)
        t = t.strip(":：、.-")
        if t == before:
            break
    if (m := _YEAR_PREFIX.match(t)) and t[m.end() :].endswith("表"):
        t = t[m.end() :]
    for pattern, repl in _ARRANGED_BY:
        t = pattern.sub(repl, t)
    t = _PARENTHESIS.sub("", t)
    arranged = next((q for q in ("(功能)", "(经济)") if q in t), "")
    t = _SCOPE_PREFIX.sub("", t.replace(arranged, ""))
    for pattern, repl in _WORDING:
        t = pattern.sub(repl, t)
    return t + arranged


@lru_cache(maxsize=1)
def _alias_index() -> list[tuple[str, tuple[str, ...]]]:
    """Every canonical name → the tables printed under it, longest name first.

    A name can belong to a budget and a final-account table alike ('"三公"经费支出表').
    """
    index: dict[str, list[str]] = {}
    for spec in _tables():
        for name in table_names(spec.code):
            exact = name.startswith("=")  # a short name ("支出表") that must be the whole title
            key = ("=" if exact else "") + canonical_title(name.removeprefix("="))
            codes = index.setdefault(key, [])
            if spec.code not in codes:
                codes.append(spec.code)
    return sorted(
        ((a, tuple(c)) for a, c in index.items() if a.strip("=")), key=lambda pair: -len(pair[0].strip("="))
    )


# the end of an organisation's name, printed before a short table name ("西南大学" + "支出表")
_ORGANISATION = re.compile(
    r"(大学|学院|学校|医院|局|厅|院|委员会|委|办公室|办事处|中心|部|所|站|馆|会|政府|集团|公司)$"
)


def title_to_table_code(line: str, doc_kind: str | None = None, department: str | None = None) -> str | None:
    """Given one printed line, return the catalog id if the line is a standard table's title.

    The line may carry the department name, the year and numbering (01表, 附件1, 公开01表) around
    the table name; a sentence that merely mentions a table (it has punctuation) is not a title.
    When a name is shared by a budget and a final-account table, the word 预算/决算 in the line
    decides, then the kind of the document (`doc_kind`), then the catalog order. The document's
    `department`, when known, is taken off the front ("西南大学收入预算表" is its 收入表).
    """
    return _title_to_table_code(line, doc_kind, department)


@lru_cache(maxsize=1 << 15)
def _title_to_table_code(line: str, doc_kind: str | None, department: str | None) -> str | None:
    """`title_to_table_code`, remembered per line: a page's lines are asked about by pdfium's text,
    then again by pdfplumber's, and running headers repeat on every page."""
    text = _normal(line)
    if not text or len(text) > 80:
        return None
    if "表" not in text and _names_say_table():
        return None  # every catalogued name ends in 表, which canonical_title keeps or rewords
    name = canonical_title(text)
    if department:
        name = canonical_title(name.removeprefix(normalise_text(department)))
    # a table arranged by function is the catalog's table of that name (支出表(功能) = 支出表)
    for candidate in dict.fromkeys((name, name.removesuffix("(功能)"))):
        for alias, codes in _alias_index():
            if alias.startswith("="):
                prefix = candidate.removesuffix(alias[1:])
                if prefix != candidate and prefix and _ORGANISATION.search(prefix):
                    return _choose(codes, text, doc_kind)
                continue
            if candidate.endswith(alias):
                prefix = candidate[: -len(alias)]
                if SENTENCE.search(prefix) or prefix.endswith(("说明", "的")):
                    return None
                if alias.startswith(("收", "支")) and prefix.endswith(_qualifiers()):
                    continue  # 政府性基金 + 收支总表: another table than the 收支总表
                return _choose(codes, text, doc_kind)
    return None


@lru_cache(maxsize=1)
def _names_say_table() -> bool:
    """Whether every catalogued name holds 表, so a line without 表 names no catalogued table."""
    return all("表" in alias for alias, _ in _alias_index())


@lru_cache(maxsize=1 << 15)
def _normal(line: str) -> str:
    """`normalise_text` of a printed line, remembered: every title question starts with it."""
    return normalise_text(line)


def is_title_like(line: str) -> bool:
    """A line that reads like the title of some table, catalogued or not: short, unpunctuated, ends in 表.

    Such a line opens a table only where a unit line or a grid follows it (a table of contents lists
    titles too); an uncatalogued one is loaded generically under its canonical title.
    """
    return _is_title_like(line)


@lru_cache(maxsize=1 << 15)
def _is_title_like(line: str) -> bool:
    text = _normal(line)
    if "表" not in text:
        return False  # its canonical title cannot end in 表 (no rewording adds one)
    name = canonical_title(text)
    name = name.removesuffix("(功能)").removesuffix("(经济)")
    if not (2 <= len(name) <= 40) or not name.endswith("表") or SENTENCE.search(name):
        return False
    return not re.match(r"^(第[一二三四五六七八九十]+部分|目录|附表?$)", text) and not name.endswith(
        ("说明表", "部门预算表", "部门决算表", "公开表", "预算公开表", "决算公开表")
    )


def _choose(codes: tuple[str, ...], text: str, doc_kind: str | None) -> str:
    if len(codes) == 1:
        return codes[0]
    word = "final_account" if "决算" in text else "budget" if "预算" in text else None
    for kind in (word, doc_kind):
        chosen = [c for c in codes if _by_code()[c].doc_kind == kind]
        if kind and chosen:
            return chosen[0]
    return codes[0]


def titles_in(
    lines: list[str], doc_kind: str | None = None, *, generic: bool = False
) -> list[tuple[int, int, str]]:
    """(first line, line count, code) of each table title among consecutive printed lines.

    A title may wrap onto a second line ("公开09表：一般公共预算"三公"经费、会议费、培训费" /
    "支出预算表"); the pair is taken only when neither line is a title on its own. With `generic`,
    a title the catalog does not know gets its canonical title as code, and a line that prints
    only a table number ("表5", with the title missing from the text layer) gets UNTITLED_CODE,
    unless a title follows within two lines.
    """
    found: list[tuple[int, int, str]] = []
    i = 0
    while i < len(lines):
        code = title_code(lines[i], doc_kind, generic=generic)
        if code:
            found.append((i, 1, code))
            i += 1
            continue
        if i + 1 < len(lines) and _may_wrap(lines[i], lines[i + 1]):
            code = title_to_table_code(lines[i] + lines[i + 1], doc_kind)
            if code and not title_to_table_code(lines[i + 1], doc_kind):
                found.append((i, 2, code))
                i += 2
                continue
        if generic and is_table_number(lines[i]):
            following = lines[i + 1 : i + 3]
            # the number printed just under a title (标题 / 06表 / 单位：元) is that title's
            after_title = bool(found) and found[-1][0] + found[-1][1] + 2 > i
            if not after_title and not any(
                title_to_table_code(f, doc_kind) or is_title_like(f) for f in following
            ):
                found.append((i, 1, UNTITLED_CODE))
        i += 1
    return found


def title_code(line: str, doc_kind: str | None = None, *, generic: bool = False) -> str | None:
    """The code one printed line opens a table under: the catalog's, or with `generic` the canonical
    title of a title-like line the catalog does not know. Every reader asks this one question."""
    return _title_code(line, doc_kind, generic)


@lru_cache(maxsize=1 << 15)
def _title_code(line: str, doc_kind: str | None, generic: bool) -> str | None:
    return title_to_table_code(line, doc_kind) or (_generic_code(line) if generic else None)


UNTITLED_CODE = "未命名表"
_TABLE_NUMBER = re.compile(rf"^({_NUMBERING_WORDS})$")


def is_table_number(line: str) -> bool:
    """A line that prints only a table's number: 表5, 公开表10, 部门公开表1, 附表14, 表14-1."""
    return bool(_TABLE_NUMBER.match(_normal(line)))


# performance forms extract/performance/ reads: indicator grids, not amount tables
_PERFORMANCE_FORM = re.compile(r"绩效目标(填报)?表|绩效自评表")


def _generic_code(line: str) -> str | None:
    """The code of an uncatalogued table: its canonical title. A performance form (绩效目标表,
    绩效自评表) is left to extract/performance/, not loaded generically as well."""
    if not is_title_like(line):
        return None
    name = canonical_title(line)
    return None if _PERFORMANCE_FORM.search(_normal(line)) else name


def _may_wrap(first: str, second: str) -> bool:
    """A wrapped title: a short unpunctuated continuation that ends like a table name (…表)."""
    a, b = _normal(first), _normal(second)
    return bool(a) and 0 < len(b) <= 12 and b.endswith("表") and not SENTENCE.search(b)


def performance_title_code(line: str) -> str | None:
    """The performance table code when the line is such a table's title (not a sentence naming one)."""
    text = normalise_text(line)
    if not text or len(text) > 60:
        return None
    titles = catalog().performance
    m = _performance_suffix(titles.suffix).search(text)
    if not m:
        return None
    prefix = text[: m.start()]
    if SENTENCE.search(prefix) or "见" in prefix or re.search(r"的[\u4e00-\u9fff]{0,6}$", prefix):
        return None  # "详见单位的项目绩效目标表": a sentence pointing at the table, not its title
    kind = next((k for k, word in titles.kinds.items() if m.group(1).startswith(word)), None)
    return titles.code_for(kind, titles.whole_word in prefix) if kind else None


@lru_cache(maxsize=4)
def _performance_suffix(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def performance_tables() -> dict[str, str]:
    """Performance table code → its title (B11 整体绩效目标表 … PS2 项目支出绩效自评表)."""
    return {code: title for code, (_, _, title) in catalog().performance.tables.items()}
