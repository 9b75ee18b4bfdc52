"""Departments across years and kinds: `dim_department`, its aliases and the review table.

A document links to a canonical department of its region by a normalised name (no region, year,
预算/决算 words, scope marks or punctuation), so 上海市普陀区人民政府办公室（部门）2025 and
普陀区人民政府办公室 2026 are one department. A name that is only *close* to a known one is never
merged: the document gets its own department and `dq_department_match` holds the pair for a reviewer
(`decide_match` applies the decision). A 单位 (unit) document's parent is the 部门 of its region whose
document names the unit in its text (具体包括：…); several candidates, or none, go to review too.

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


def _find_parent(con: duckdb.DuckDBPyConnection, unit_id: str, document_id: str | None) -> None:
    """The unit's parent: the 部门 of its region with the same name (its 本部), else whose documents'
    text names the unit. One candidate links; several, or none (for a newly loaded unit), go to review."""
    unit = con.execute(
        "select province, city, county, norm_name, canonical_name from dim_department "
        "where department_id = ?",
        [unit_id],
    ).fetchone()
    assert unit is not None
    region, norm, name = unit[:3], unit[3], unit[4]
    aliases = con.execute("select alias from dim_department_alias where department_id = ?", [unit_id])
    names = sorted({_nfkc(name), norm, *(_nfkc(a) for (a,) in aliases.fetchall())}, key=len)
    names = [n for n in names if len(n) >= 4]
    candidates = con.execute(
        f"""
        with parents as (
            select department_id, canonical_name, norm_name from dim_department
            where level = '部门' and {_REGION_MATCH}
        ),
        mentions as (
            select p.department_id, any_value(p.canonical_name) as name,
                   min(d.document_id || ' p.' || coalesce(t.page, t.line_no)) as source
            from parents as p
            join dim_document as d on d.department_id = p.department_id
            join doc_text as t on t.document_id = d.document_id
            where exists (select 1 from unnest(?::varchar[]) as u(n)
                          where contains(regexp_replace(t.text, '\\s+', '', 'g'), u.n))
            group by p.department_id
        )
        select department_id, canonical_name, 'same name' from parents where norm_name = ?
        union all
        select department_id, name, 'named in ' || source from mentions
        where department_id not in (select department_id from parents where norm_name = ?)
        """,
        [*region, names, norm, norm],
    ).fetchall()
    same = [c for c in candidates if c[2] == "same name"]
    chosen = same if same else candidates
    if len(chosen) == 1:
        parent_id, _, source = chosen[0]
        con.execute(
            "update dim_department set parent_department_id = ?, parent_source = ? where department_id = ?",
            [parent_id, source, unit_id],
        )
        con.execute(
            "update dq_department_match set status = 'accepted', decided_at = ? "
            "where department_id = ? and relation = 'no_parent' and status = 'open'",
            [_now(), unit_id],
        )
        return
    if document_id is None:
        return
    if not chosen:
        _open(con, document_id, unit_id, name, "no_parent", None, None, None,
              "no loaded 部门 document of the region names this unit")  # fmt: skip
    for cand_id, cand_name, source in chosen:
        _open(con, document_id, unit_id, name, "parent", cand_id, cand_name, None,
              f"one of {len(chosen)} possible parents ({source})")  # fmt: skip


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
