"""Departments across years and kinds: `dim_department`, its aliases and the review table.

A document links to a canonical department of its region by a normalised name (no region, year,
预算/决算 words, scope marks or punctuation), so 上海市普陀区人民政府办公室（部门）2025 and
普陀区人民政府办公室 2026 are one department. A name that is only *close* to a known one is never
merged: the document gets its own department and `dq_department_match` holds the pair for a reviewer
(`decide_match` applies the decision).

A 单位 (unit) document's parent comes from what the documents print: the 部门 document's list of its
units (预算单位构成: "具体包括：1. …本部 2. …中心", a 序号/单位名称 table, or "包括：A、B。"), kept in
`dim_department_unit` with its page, or the unit document's own 主管部门 line. Matching is by region
and normalised name. One such parent links, with its evidence in `parent_source`; several, or a
parent known only because a 部门's text mentions the unit somewhere, go to review; never a silent
link.

Runs inside the load transaction, after the document's `dim_document` and `doc_text` rows.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import UTC, datetime

import duckdb

from pipelines.errors import LoadInputError

SIMILAR = 0.9  # Jaro-Winkler of two norm names above which a reviewer must say whether they are one
_BRACKET = re.compile(r"[(（\[【][^)）\]】]*[)）\]】]")
_YEAR = re.compile(r"(19|20)\d{2}年度?|[〇零一二三四五六七八九]{4}年度?")
_KIND = re.compile(r"(部门|单位)?(综合)?(收支)?(预算|决算)(公开)?(说明|报告|情况)?$")
_SCOPE_END = re.compile(r"(本级|本部|汇总)$")
_PUNCT = re.compile(r"[^\w]|_", re.UNICODE)

# a sentence introducing a 部门's list of units; the list follows the colon
_LIST_START = re.compile(
    r"(?:具体包括|单位包括|单位构成[^。：:\n]{0,20}?包括|预算单位[^。：:\n]{0,30}?包括)[^：:\n。]{0,20}[：:]"
)
_ITEM = re.compile(r"(?:^|\n)[ \t]*(\d{1,2})[ \t]*[.．、]?[ \t]*(?=\S)")
_TABLE_HEAD = re.compile(r"^\s*序号\s*单位名称.*$", re.M)
_NOT_OWN_BUDGET = re.compile(r"不单列预算|不单独编制|并入本部|未独立核算")
_SELF_MARK = re.compile(r"[(（]?(本部|本级|机关)[)）]?$")
_LEAD = re.compile(r"^(下属|所属)?(行政|事业|参公)?(单位)?")
_SCOPE_ITEM = re.compile(r"(预算|决算)$")
_SUPERVISOR = re.compile(r"(?:预算)?主管部门[：:]\s*([^\s，,。；;]{2,40})")


def _listed(text: str) -> list[tuple[int, str, bool, int]]:
    """The units a 部门 document lists as its own (预算单位构成): (number, printed name, has own budget,
    offset of the item in `text`).

    Numbered lines after "具体包括：" (or a 序号/单位名称 table), wrapped lines allowed, or an inline
    "包括：A、B。" list. A list whose first line is not item 1 (内设机构 headings, prose) is no list.
    """
    for start in _LIST_START.finditer(text):
        rest = _TABLE_HEAD.sub("", text[start.end() : start.end() + 3000], count=1)
        items: list[tuple[int, str, bool, int]] = []
        marks = list(_ITEM.finditer(rest))
        if marks and marks[0].group(1) == "1" and not rest[: marks[0].start()].strip():
            expected = 1
            for i, m in enumerate(marks):
                if int(m.group(1)) != expected:
                    break
                end = marks[i + 1].start() if i + 1 < len(marks) else len(rest)
                body = rest[m.end() : end]
                if i + 1 == len(marks) or int(marks[i + 1].group(1)) != expected + 1:
                    body = body.split("\n", 1)[0]  # the last item: its own line only
                items.append((expected, *_unit_name(body), start.end() + m.end()))
                expected += 1
        else:
            sentence = rest.split("。", 1)[0]
            if "\n\n" not in sentence and "、" in sentence and not re.match(r"\s*[（(]", sentence):
                parts = [part for part in re.split(r"、", sentence.replace("\n", "")) if part.strip()]
                items = [(n, *_unit_name(part), start.end()) for n, part in enumerate(parts, 1)]
        # a list of scopes (…本级决算、下属行政事业单位决算) names no unit: the next list may
        if items and all(len(i[1]) >= 4 for i in items) and not any(_SCOPE_ITEM.search(i[1]) for i in items):
            return items
    return []


def listed_units(text: str) -> list[tuple[int, str, bool]]:
    """The units a 部门 document lists as its own: (number, printed name, has a budget of its own)."""
    return [(seq, name, own) for seq, name, own, _ in _listed(text)]


def _unit_name(body: str) -> tuple[str, bool]:
    """The name at the head of a list item and whether the unit keeps a budget of its own."""
    own = _NOT_OWN_BUDGET.search(body) is None
    head = re.split(r"[，,。；;：:\n]|\s{2,}", body.strip(), maxsplit=1)[0]
    head = _NOT_OWN_BUDGET.split(head)[0]
    return _LEAD.sub("", _nfkc(head)).strip(), own


def printed_supervisor(text: str) -> str | None:
    """The 主管部门 a document prints (a 单位 budget's cover or its project tables), if one."""
    m = _SUPERVISOR.search(text)
    return re.sub(r"^\d+[-－—]", "", m.group(1)) if m else None  # "312-政府办": the code printed first


def _nfkc(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def norm_name(name: str, regions: tuple[str | None, ...] = ()) -> str:
    """The match key of a printed department name within its region.

    Region names are removed wherever printed (中共上海市普陀区委… and 中共普陀区委… agree), then
    bracketed remarks, years, the kind phrase (部门预算, 单位决算 …), scope marks and punctuation.
    """
    text = _BRACKET.sub("", _nfkc(name))
    for region in sorted({_nfkc(r) for r in regions if r}, key=len, reverse=True):
        text = text.replace(region, "")
    text = _YEAR.sub("", text)
    previous = None
    while previous != text:
        previous, text = text, _SCOPE_END.sub("", _KIND.sub("", text))
    return _PUNCT.sub("", text) or _PUNCT.sub("", _nfkc(name))


def level_of(scope: str | None) -> str:
    """部门 (the consolidated department, its 本级 or 汇总 publication) or 单位 (a budget unit)."""
    return "单位" if scope == "单位" else "部门"


def _department_id(region: tuple[str | None, ...], norm: str, level: str) -> str:
    key = "|".join([*(r or "" for r in region), norm, level])
    return "dep_" + hashlib.sha256(key.encode()).hexdigest()[:12]


_REGION_MATCH = (
    "province is not distinct from ? and city is not distinct from ? and county is not distinct from ?"
)


def link_document(con: duckdb.DuckDBPyConnection, document_id: str) -> str | None:
    """Link one loaded document to its department (creating it), record the alias, find relations."""
    row = con.execute(
        "select province, city, county, department, scope, status from dim_document where document_id = ?",
        [document_id],
    ).fetchone()
    if row is None or not row[3] or row[5] in ("failed", "template"):
        return None
    region, printed, scope = (row[0], row[1], row[2]), row[3], row[4]
    level = level_of(scope)
    norm = norm_name(printed, region)
    dep_id = _department_id(region, norm, level)
    exists = con.execute("select 1 from dim_department where department_id = ?", [dep_id]).fetchone()
    if exists is None:
        con.execute(
            "insert into dim_department (department_id, province, city, county, canonical_name, norm_name, "
            "level, created_by_document) values (?, ?, ?, ?, ?, ?, ?, ?)",
            [dep_id, *region, printed, norm, level, document_id],
        )
        _near_matches(con, document_id, dep_id, printed, region, norm, level)
    else:  # the longest printed name is the most complete (上海市普陀区… over 普陀区…)
        con.execute(
            "update dim_department set canonical_name = ? where department_id = ? "
            "and length(canonical_name) < length(?)",
            [printed, dep_id, printed],
        )
    con.execute(
        "insert into dim_department_alias (department_id, alias, scope, document_id) values (?, ?, ?, ?) "
        "on conflict do nothing",
        [dep_id, printed, scope, document_id],
    )
    con.execute("update dim_document set department_id = ? where document_id = ?", [dep_id, document_id])
    _record_printed(con, document_id, dep_id, level, region, norm)
    if level == "单位":
        _find_parent(con, dep_id, document_id)
    else:
        for (unit_id,) in con.execute(
            f"select department_id from dim_department where level = '单位' and parent_department_id is null "
            f"and {_REGION_MATCH}",
            list(region),
        ).fetchall():
            _find_parent(con, unit_id, None)
    return dep_id


def read_printed_once(con: duckdb.DuckDBPyConnection) -> int:
    """The migration of a warehouse made before dim_department_printed: every linked document's
    printed units or 主管部门 recorded once, then every unit without a parent looked for again."""
    if con.execute("select 1 from meta_department_printed").fetchone():
        return 0
    rows = con.execute(
        "select d.document_id, d.department_id, dep.level, dep.province, dep.city, dep.county, dep.norm_name "
        "from dim_document as d join dim_department as dep using (department_id) order by d.document_id"
    ).fetchall()
    for document_id, dep_id, level, *region, norm in rows:
        _record_printed(con, document_id, dep_id, level, tuple(region), norm)
    for (unit_id,) in con.execute(
        "select department_id from dim_department where level = '单位' and parent_department_id is null"
    ).fetchall():
        _find_parent(con, unit_id, None)
    con.execute("insert into meta_department_printed values (?)", [_now()])
    return len(rows)


def link_unlinked(con: duckdb.DuckDBPyConnection) -> int:
    """Link the documents of a warehouse made before dim_department (the migration); how many."""
    rows = con.execute(
        "select document_id from dim_document where department_id is null and department is not null "
        "and status not in ('failed', 'template') order by ingested_at, document_id"
    ).fetchall()
    for (document_id,) in rows:
        link_document(con, document_id)
    return len(rows)


def _near_matches(
    con: duckdb.DuckDBPyConnection,
    document_id: str,
    dep_id: str,
    printed: str,
    region: tuple[str | None, ...],
    norm: str,
    level: str,
) -> None:
    """A new department whose name is close to a known one of the region: a pair to review."""
    rows = con.execute(
        f"""
        select department_id, canonical_name, jaro_winkler_similarity(norm_name, ?) as sim
        from dim_department
        where department_id <> ? and level = ? and {_REGION_MATCH}
          and (jaro_winkler_similarity(norm_name, ?) >= {SIMILAR}
               or (length(norm_name) >= 2 and length(?) >= 2
                   and (contains(norm_name, ?) or contains(?, norm_name))))
        order by sim desc
        """,
        [norm, dep_id, level, *region, norm, norm, norm, norm],
    ).fetchall()
    for cand_id, cand_name, sim in rows:
        _open(con, document_id, dep_id, printed, "same_department", cand_id, cand_name, sim,
              f"normalised names differ ({norm!r}); not merged without review")  # fmt: skip


def _open(
    con: duckdb.DuckDBPyConnection,
    document_id: str,
    dep_id: str,
    printed: str,
    relation: str,
    cand_id: str | None,
    cand_name: str | None,
    sim: float | None,
    reason: str,
) -> None:
    con.execute(
        "insert into dq_department_match (document_id, department_id, printed_name, relation, "
        "candidate_department_id, candidate_name, similarity, reason, status) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, 'open')",
        [document_id, dep_id, printed, relation, cand_id, cand_name, sim, reason],
    )


def _record_printed(
    con: duckdb.DuckDBPyConnection,
    document_id: str,
    dep_id: str,
    level: str,
    region: tuple[str | None, ...],
    norm: str,
) -> None:
    """Keep what the document prints about its units (a 部门) or its 主管部门 (a 单位), with the page."""
    blocks = con.execute(
        "select coalesce(page, line_no), text from doc_text where document_id = ? order by block_no",
        [document_id],
    ).fetchall()
    text, starts = "", []
    for place, block in blocks:
        starts.append((len(text), place))
        text += block + "\n"

    def page_of(at: int) -> int | None:
        return max((p for s, p in starts if s <= at), default=None) if at >= 0 else None

    rows: list[tuple[object, ...]] = []
    if level == "部门":
        for seq, name, own, at in _listed(text):
            unit_norm = norm_name(name, region)
            is_self = unit_norm == norm or bool(_SELF_MARK.search(name))
            rows.append((document_id, dep_id, "unit", seq, name, unit_norm, is_self, own, page_of(at)))
    elif (boss := printed_supervisor(text)) is not None:
        rows.append((document_id, dep_id, "supervisor", 1, boss, norm_name(boss, region), False, True,
                     page_of(text.find(boss))))  # fmt: skip
    con.execute("delete from dim_department_printed where document_id = ?", [document_id])
    if rows:
        con.executemany("insert into dim_department_printed values (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def _find_parent(con: duckdb.DuckDBPyConnection, unit_id: str, document_id: str | None) -> None:
    """The unit's parent, from what documents print: a 部门 of its region listing the unit among its
    units, the 主管部门 the unit's document names, or a 部门 of the same name (its 本部). One parent
    links, with the evidence; several, or only a 部门 whose text mentions the unit, go to review."""
    unit = con.execute(
        "select province, city, county, norm_name, canonical_name from dim_department "
        "where department_id = ?",
        [unit_id],
    ).fetchone()
    assert unit is not None
    region, norm, name = unit[:3], unit[3], unit[4]
    printed = con.execute(
        f"""
        with parents as (
            select department_id, canonical_name, norm_name from dim_department
            where level = '部门' and {_REGION_MATCH}
        )
        select p.department_id, p.canonical_name,
            'listed as unit ' || r.seq || ' (' || r.printed_name || ') of ' || r.document_id
                || coalesce(' p.' || r.page, '')
        from dim_department_printed as r join parents as p using (department_id)
        where r.relation = 'unit' and not r.is_self and r.norm_name = ?
        union all
        select p.department_id, p.canonical_name,
            '主管部门 ' || r.printed_name || ' printed in ' || r.document_id || coalesce(' p.' || r.page, '')
        from dim_department_printed as r join parents as p on p.norm_name = r.norm_name
        where r.relation = 'supervisor' and r.department_id = ?
        union all
        select department_id, canonical_name, 'same name' from parents where norm_name = ?
        """,
        [*region, norm, unit_id, norm],
    ).fetchall()
    found: dict[str, tuple[str, list[str]]] = {}
    for cand_id, cand_name, why in printed:
        found.setdefault(cand_id, (cand_name, []))[1].append(why)
    if len(found) == 1:
        ((parent_id, (_, why)),) = found.items()
        con.execute(
            "update dim_department set parent_department_id = ?, parent_source = ? where department_id = ?",
            [parent_id, "; ".join(sorted(why)), unit_id],
        )
        con.execute(
            "update dq_department_match set status = 'accepted', decided_at = ? "
            "where department_id = ? and relation in ('no_parent', 'parent') and status = 'open' "
            "and (relation = 'no_parent' or candidate_department_id = ?)",
            [_now(), unit_id, parent_id],
        )
        return
    if document_id is None:
        return
    if found:
        for cand_id, (cand_name, why) in found.items():
            _open(con, document_id, unit_id, name, "parent", cand_id, cand_name, None,
                  f"one of {len(found)} possible parents ({'; '.join(why)})")  # fmt: skip
        return
    mentions = _mentions(con, unit_id, region, name, norm)
    if not mentions:
        _open(con, document_id, unit_id, name, "no_parent", None, None, None,
              "no loaded 部门 document lists this unit; its document prints no 主管部门")  # fmt: skip
    for cand_id, cand_name, source in mentions:
        _open(con, document_id, unit_id, name, "parent", cand_id, cand_name, None,
              f"named in {source}, not in its list of units: for review")  # fmt: skip


def _mentions(
    con: duckdb.DuckDBPyConnection, unit_id: str, region: tuple[str | None, ...], name: str, norm: str
) -> list[tuple[str, str, str]]:
    """部门 of the region whose documents mention the unit's name somewhere in their text."""
    aliases = con.execute("select alias from dim_department_alias where department_id = ?", [unit_id])
    names = sorted({_nfkc(name), norm, *(_nfkc(a) for (a,) in aliases.fetchall())}, key=len)
    names = [n for n in names if len(n) >= 4]
    return [
        (str(a), str(b), str(c))
        for a, b, c in con.execute(
            """
            select p.department_id, any_value(p.canonical_name),
                   min(d.document_id || ' p.' || coalesce(t.page, t.line_no))
            from dim_department as p
            join dim_document as d on d.department_id = p.department_id
            join doc_text as t on t.document_id = d.document_id
            where p.level = '部门' and p.province is not distinct from ? and p.city is not distinct from ?
              and p.county is not distinct from ?
              and exists (select 1 from unnest(?::varchar[]) as u(n)
                          where contains(regexp_replace(t.text, '\\s+', '', 'g'), u.n))
            group by p.department_id
            """,
            [*region, names],
        ).fetchall()
    ]


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def decide_match(con: duckdb.DuckDBPyConnection, document_id: str, candidate_department_id: str | None,
                 accept: bool) -> None:  # fmt: skip
    """A reviewer's verdict on an open match of `document_id`.

    Accepting `same_department` moves the document's department (aliases and documents) into the
    candidate; accepting `parent` (or naming a parent for `no_parent`) sets the unit's parent.
    """
    rows = con.execute(
        "select department_id, relation, candidate_department_id from dq_department_match "
        "where document_id = ? and status = 'open' and candidate_department_id is not distinct from ?",
        [document_id, candidate_department_id],
    ).fetchall()
    if not rows:
        raise LoadInputError(f"no open department match for {document_id} → {candidate_department_id}")
    dep_id, relation, cand = rows[0]
    status = "accepted" if accept else "rejected"
    con.execute(
        "update dq_department_match set status = ?, decided_at = ? where document_id = ? "
        "and status = 'open' and candidate_department_id is not distinct from ?",
        [status, _now(), document_id, candidate_department_id],
    )
    if not accept or cand is None:
        return
    if relation == "same_department":
        con.execute("update dim_document set department_id = ? where department_id = ?", [cand, dep_id])
        con.execute(
            "insert into dim_department_alias (department_id, alias, scope, document_id) "
            "select ?, alias, scope, document_id from dim_department_alias "
            "where department_id = ? on conflict do nothing",
            [cand, dep_id],
        )
        con.execute("delete from dim_department_alias where department_id = ?", [dep_id])
        con.execute("update dim_department set parent_department_id = ? where parent_department_id = ?",
                    [cand, dep_id])  # fmt: skip
        con.execute("delete from dim_department where department_id = ?", [dep_id])
    else:
        con.execute(
            _SET_PARENT,
            [cand, dep_id],
        )
        con.execute(
            "update dq_department_match set status = 'rejected', decided_at = ? where department_id = ? "
            "and relation in ('parent', 'no_parent') and status = 'open'",
            [_now(), dep_id],
        )


_SET_PARENT = (
    "update dim_department set parent_department_id = ?, parent_source = 'review' where department_id = ?"
)


def set_parent(con: duckdb.DuckDBPyConnection, unit_id: str, parent_id: str) -> None:
    """A reviewer names a unit's parent that no loaded document states (closes its no_parent row)."""
    con.execute(
        _SET_PARENT,
        [parent_id, unit_id],
    )
    con.execute(
        "update dq_department_match set status = 'accepted', decided_at = ?, candidate_department_id = ? "
        "where department_id = ? and relation = 'no_parent' and status = 'open'",
        [_now(), parent_id, unit_id],
    )
