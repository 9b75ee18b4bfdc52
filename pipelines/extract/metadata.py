"""What a document says about itself: kind, fiscal year, region and department (DOMAIN.md §1)."""

from __future__ import annotations

import re

from pipelines.extract.catalog import normalise_text, title_to_table_code
from pipelines.types import DocumentMeta

_MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
# prefecture city → province, for titles that omit the province (DOMAIN §1.4)
_CITY_PROVINCE = {
    "遂宁市": "四川省",
    "广元市": "四川省",
    "成都市": "四川省",
    "南京市": "江苏省",
    "苏州市": "江苏省",
}
_FINAL = re.compile(r"(\d{4})年度?(.{0,40}?)(部门|单位)?决算")
_BUDGET = re.compile(r"(\d{4})年度?(.{0,40}?)(部门|单位)?预算")
_KIND_SUFFIX = re.compile(r"(\d{4})年度?.*$")
_REGION = re.compile(
    r"^(中共)?(?P<prov>[\u4e00-\u9fa5]{2,3}?(省|自治区))?(?P<city>[\u4e00-\u9fa5]{2,4}?(市|州|盟))?"
    r"(?P<dist>[\u4e00-\u9fa5]{1,4}?(区|县|旗))?"
)

_LABELLED_DEPT = re.compile(
    r"^(预算主管部门|主管部门|部门名称|单位名称|部门\(单位\)名称|编制单位|编制部门|预算单位|部门)[:](.+?)(单位[:].*)?$"
)


def _is_bare_region(name: str) -> bool:
    prov, city, county = region_of(name)
    return name == "".join(p for p in (prov, city, county) if p)


def detect_metadata(lines: list[str], table_codes: list[str] | None = None) -> DocumentMeta:
    """Read the title (the first non-empty lines, joined) and fall back to table titles for the kind."""
    head = [normalise_text(ln) for ln in lines if normalise_text(ln)][:15]
    meta = DocumentMeta()
    title = _title(head)
    meta.title = title
    if title:
        final, budget = _FINAL.search(title), _BUDGET.search(title)
        if final:
            meta.doc_kind, meta.fiscal_year = "final_account", int(final.group(1))
        elif budget:
            meta.doc_kind, meta.fiscal_year = "budget", int(budget.group(1))
        meta.department = _department(title)
    labelled = next((m.group(2) for ln in head if (m := _LABELLED_DEPT.match(ln))), None)
    if labelled and (meta.department is None or _is_bare_region(meta.department)):
        meta.department = labelled
    if meta.doc_kind is None and table_codes:
        if any(c.startswith("D") for c in table_codes):
            meta.doc_kind = "final_account"
        elif any(c.startswith("B") for c in table_codes):
            meta.doc_kind = "budget"
    if meta.fiscal_year is None:
        years = [int(m.group(1)) for ln in head for m in re.finditer(r"(20\d{2})年度?", ln)]
        meta.fiscal_year = years[0] if years else None
    if meta.department:
        if "(本级)" in meta.department:
            meta.scope = "本级"
        meta.province, meta.city, meta.county = region_of(meta.department)
    return meta


def _title(head: list[str]) -> str | None:
    """The title: the first lines up to the one naming the year and 预算/决算 (seed 003 splits it in 3)."""
    joined = ""
    for line in head[:6]:
        if title_to_table_code(line) or line.startswith(("目录", "第一部分")):
            break
        joined += line.lstrip("#")
        if re.search(r"\d{4}年度?.*(预算|决算)", joined):
            return joined
    for line in head:
        if re.search(r"\d{4}年度?.{0,40}(预算|决算)", line) and not title_to_table_code(line):
            return line.lstrip("#")
    return None


def _department(title: str) -> str | None:
    """The title minus its year-and-kind phrase ("…2024年度部门决算", "…2025年部门预算情况说明")."""
    name = _KIND_SUFFIX.sub("", title).strip()
    if not name:
        after = re.sub(r"^\d{4}年度?", "", title)
        name = re.sub(r"(部门|单位)?(预算|决算).*$", "", after)
    return name or None


def region_of(department: str) -> tuple[str | None, str | None, str | None]:
    """(province, city, county) as printed at the start of a department's full name."""
    for muni in _MUNICIPALITIES:
        name = department.removeprefix("中共")
        if name.startswith(muni):
            rest = name[len(muni) :]
            m = re.match(r"^([\u4e00-\u9fa5]{1,4}?(区|县))", rest)
            return muni, None, m.group(1) if m else None
    m = _REGION.match(department)
    if not m:
        return None, None, None
    prov, city, dist = m.group("prov"), m.group("city"), m.group("dist")
    if prov is None and city is not None:
        prov = _CITY_PROVINCE.get(city)
    return prov, city, dist
