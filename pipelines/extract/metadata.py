"""What a document says about itself: kind, fiscal year, region, department and scope (docs/domain.md §1).

Everything is read from the printed text, never from the file name (published names are often
wrong): the cover title (which may run over two to four lines), the labelled lines of the table
pages (`部门名称：…`, `预算单位：…`, `部门（单位）：…`, `编制部门：…`), the part headings
(`第二部分 2024年度部门决算情况说明`) and, last, the performance tables' `主管部门` cells. A value that
the text does not settle stays None and `DocumentMeta.notes` says why; a fragment of a heading
(`第二部分`, `局`, `-1-松坪县公安局`) is never taken for a name.

Region comes from the start of the department's full name (or the title), checked against a
gazetteer of China's 34 provincial-level and 333 prefecture-level divisions
(`reference/china_regions.csv`); below a prefecture the county is the printed `…区/县/旗`. A
central department (国家信访局, a university directly under 教育部) has no region and
`admin_level` 中央.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from pipelines import REFERENCE_DIR
from pipelines.catalog import normalise_text, title_to_table_code
from pipelines.extract.types import DocumentMeta

_MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
_CJK = r"\u4e00-\u9fff"

# ---------------------------------------------------------------------------------------------
# the gazetteer


@dataclass(frozen=True)
class _Gazetteer:
    provinces: dict[str, str]  # printed form (full or short) → province
    prefectures: dict[str, tuple[str, str]]  # printed form → (province, prefecture)
    direct: dict[str, str]  # county-level unit administered by the province itself → province


@cache
def _gazetteer() -> _Gazetteer:
    provinces: dict[str, str] = {}
    prefectures: dict[str, tuple[str, str]] = {}
    direct: dict[str, str] = {}
    with (REFERENCE_DIR / "china_regions.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            forms = [row["name"]] + ([row["short_name"]] if row["short_name"] else [])
            for form in forms:
                if row["level"] == "省级":
                    provinces[form] = row["name"]
                elif row["level"] == "地级":
                    prefectures[form] = (row["province"], row["name"])
                else:
                    direct[form] = row["province"]
    return _Gazetteer(provinces, prefectures, direct)


def _longest_prefix(text: str, pos: int, names: Iterable[str]) -> str | None:
    best = None
    for name in names:
        if text.startswith(name, pos) and (best is None or len(name) > len(best)):
            best = name
    return best


_PARTY = re.compile(r"^(中共|中国共产党|共青团)")
# a county below a prefecture (or a municipality): 普陀区, 安居区, 石柱土家族自治县, 达尔罕茂明安联合旗
_COUNTY = re.compile(rf"[{_CJK}]{{2,12}}?自治[县旗]|[{_CJK}]{{1,5}}?(?:区|县|旗)")
# …区 that are zones, neighbourhoods or parts of a name, not counties
_NOT_COUNTY = re.compile(
    r"(社区|园区|景区|片区|辖区|市区|校区|小区|开发区|高新区|示范区|试验区|保税区|合作区|工业区|功能区|新城区)$"
    r"|[局委办厅院部会所处队站室]"
)
# a county-level city printed alone at the start (昆山市财政局): two to four characters before 市
_COUNTY_CITY = re.compile(rf"^[{_CJK}]{{2,4}}?市")


@dataclass(frozen=True)
class _Region:
    province: str | None = None
    city: str | None = None
    county: str | None = None
    end: int = 0  # characters of the name the region took (after a 中共 prefix)

    @property
    def found(self) -> bool:
        return bool(self.province or self.city or self.county)


def _parse_region(name: str) -> _Region:
    """The region printed at the very start of a name: province, prefecture, then county."""
    gz = _gazetteer()
    text = _PARTY.sub("", name)
    offset = len(name) - len(text)
    pos, province, city, county = 0, None, None, None
    if p := _longest_prefix(text, 0, gz.provinces):
        province, pos = gz.provinces[p], len(p)
    if province not in _MUNICIPALITIES:
        c = _longest_prefix(text, pos, gz.prefectures)
        if c and province in (None, gz.prefectures[c][0]):
            province, city = gz.prefectures[c]
            pos += len(c)
        elif (d := _longest_prefix(text, pos, gz.direct)) and province in (None, gz.direct[d]):
            province, county = gz.direct[d], d
            pos += len(d)
    if county is None and (province or city):
        m = _COUNTY.match(text, pos)
        # a 新区 is a district under a municipality (浦东新区), elsewhere a zone (南太湖新区)
        zone = m is not None and m.group().endswith("新区") and province not in _MUNICIPALITIES
        if m and not zone and not _NOT_COUNTY.search(m.group()):
            county, pos = m.group(), m.end()
    elif county is None and not province:  # a county (or county-level city) printed alone
        m = _COUNTY.match(text)
        if not m or re.search("[市省]", m.group()):
            m = _COUNTY_CITY.match(text)
        if m and not _NOT_COUNTY.search(m.group()) and m.group() not in gz.prefectures:
            county, pos = m.group(), m.end()
    return _Region(province, city, county, offset + pos if (province or city or county) else 0)


def region_of(department: str) -> tuple[str | None, str | None, str | None]:
    """(province, city, county) as printed at the start of a department's full name.

    A municipality (北京/天津/上海/重庆) has no city; a prefecture's province comes from the
    gazetteer when the name omits it (遂宁市 → 四川省).
    """
    r = _parse_region(department)
    return r.province, r.city, r.county


# ---------------------------------------------------------------------------------------------
# central (中央) departments

_CENTRAL_PREFIX = re.compile(r"^(国家|中国|中华人民共和国|中央|中共中央|全国|国务院|最高人民|共青团中央)")
_MINISTRIES = frozenset(
    re.findall(
        r"\S+",
        "外交部 国防部 教育部 科学技术部 工业和信息化部 公安部 国家安全部 民政部 司法部 财政部 "
        "人力资源和社会保障部 自然资源部 生态环境部 住房和城乡建设部 交通运输部 水利部 农业农村部 商务部 "
        "文化和旅游部 退役军人事务部 应急管理部 审计署 海关总署 税务总局 市场监管总局 广电总局 体育总局",
    )
)
# a narrative that says the unit answers to the centre (西南大学 "是教育部直属…")
_CENTRAL_CUE = re.compile(r"(教育部|中央|部委)直属|中央(部门|本级|高校|级)|部属高校|直属高校")


def _is_central_name(name: str) -> bool:
    name = re.sub(r"^\[\d+\]|^\d+[-\s]", "", name)
    return bool(_CENTRAL_PREFIX.match(name)) or name in _MINISTRIES


# ---------------------------------------------------------------------------------------------
# lines of the cover

_CN_YEAR = re.compile(r"[二][〇○零][〇○零一二三四五六七八九]{2}(?=年)")
_CN_DIGITS = str.maketrans("〇○零一二三四五六七八九", "00012345678" + "9")
_PAGE_NUMBER = re.compile(r"^[-—–─_·.\s]*(第?\d{1,3}页?(共\d+页)?|\d{1,3}/\d{1,3})[-—–─_·.\s]*$")
_DATE = re.compile(
    r"^(\d{4}|[〇○零一二三四五六七八九十]{4})年([\d〇○零一二三四五六七八九十]{1,2}月)?"
    r"([\d〇○零一二三四五六七八九十]{1,3}日)?$"
)
_SIGN_OFF = re.compile(
    r"^(初审|复审|终审|审核|审签|审批|联系人|联系电话|电话|保密审查|主要负责人|部门主要负责人)"
)
_LEAD_JUNK = re.compile(
    r"^([.·•,，。、:：;；\-—–─_*#>\s]+|附[件表]\s*[一二三四五六七八九十\d]+[:：、.]?|"
    r"\d{1,3}[.、．]|[-—–─]?\d{1,3}[-—–─](?=\D)|\d{1,3}(?![\d年月日号])(?=[" + _CJK + r"])|"
    r"[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+、)"
)
_STOP = re.compile(r"^(目录|目次|第[一二三四五六七八九十\d]+部分)|[.…·]{4,}")
_HEADING = re.compile(
    r"^(第[一二三四五六七八九十\d]+部分|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）])"
)
_YEAR = re.compile(r"((?:19|20)\d{2})年度?")
_KIND_WORD = re.compile(r"决算|预算|绩效(自评|评价|考评|目标)")
_PERFORMANCE = re.compile(r"绩效(自评|评价|考评)(报告|结果|表)?|绩效目标表")
_PROGRAMME = r"(部门|单位)?(综合)?"
_WHOLE_BUDGET = re.compile(rf"{_PROGRAMME}(预算|决算)(公开|情况|说明|报告|报表|草案|$)")
_LEVEL_WORD = re.compile(r"(省|市|区|县|州|旗|乡|镇)级$")
_MARKER = re.compile(r"[(（](本级|汇总)[)）]|(?<=[" + _CJK + r"])本级$")
_PLACEHOLDER = re.compile(r"X{2,}|×{2,}|\*{2,}|某某|○○")
_ORG_END = re.compile(
    r"(局|厅|委|办|院|部|室|会|处|所|中心|站|队|校|学|馆|社|团|署|行|府|场|园|台|宫|段|厂|司|组|科|股|协|盟|联|港|库|庭|狱|关)$"
)
_NOT_NAME = re.compile(r"\d|年度?|预算|决算|部分|情况|说明|报表|目录|公开|单位:|[:：]")


def _clean(line: str) -> str:
    """A line with page numbers, list numbering and stray punctuation taken off its start."""
    text = normalise_text(line)
    if _PAGE_NUMBER.match(text) or _DATE.match(text):
        return ""
    previous = None
    while previous != text:
        previous, text = text, _LEAD_JUNK.sub("", text, count=1)
    # a year in Chinese numerals ("二〇二四年度部门决算") reads as digits
    text = _CN_YEAR.sub(lambda m: m.group().translate(_CN_DIGITS), text)
    return text.strip("-—–─_·.,，。、;；")


def _plausible_name(name: str | None) -> bool:
    """A department's name, not a heading, a region alone or a fragment (庆市…, 局, 第二部分)."""
    if not name or len(name) < 3 or _NOT_NAME.search(name) or not _ORG_END.search(name):
        return False
    if re.match(rf"^[{_CJK}](市|省)", name):
        return False  # no province or city has a one-character name: a title cut after its first line
    region = _parse_region(name)
    return not (region.found and region.end >= len(name))


def _strip_name(raw: str) -> tuple[str, str | None]:
    """(name without its scope marker and trailing noise, the marker 本级/汇总 if printed)."""
    marker = None
    if m := _MARKER.search(raw):
        marker = m.group(1) or "本级"
        raw = raw[: m.start()] + raw[m.end() :]
    raw = re.sub(r"[(（][^)）]*(预算|决算|盖章|表格|文字)[^)）]*[)）]", "", raw)
    raw = re.sub(r"^\[\d+\]|^\d{2,}[-—－]?", "", raw)  # "[105]教育部", "312-政府办"
    raw = re.sub(r"(?<=[局厅委办院室会处所心站队校])部门$", "", raw)  # "…办公室部门" (DOMAIN §1.5)
    raw = _LEVEL_WORD.sub("", raw)
    return raw.strip("-—–─_·.,，。、;；:： "), marker


# ---------------------------------------------------------------------------------------------
# the title


@dataclass
class _Title:
    text: str
    kind: str | None
    year: int | None
    name: str | None  # the department part, may be a bare region or None
    marker: str | None
    programme: str | None  # 部门 | 单位 as the kind phrase prints it


def _kind_of(text: str) -> str | None:
    if _PERFORMANCE.search(text) and not _WHOLE_BUDGET.search(text):
        return "performance"
    if "决算" in text:
        return "final_account"
    if "预算" in text:
        return "budget"
    return None


def _parse_title(text: str) -> _Title:
    kind_at = _KIND_WORD.search(text)
    cut = kind_at.start() if kind_at else len(text)
    year = _YEAR.search(text[:cut]) or _YEAR.search(text)
    head = text[:cut]
    programme = None
    if m := re.search(rf"{_PROGRAMME}$", head):
        programme = m.group(1)
        head = head[: m.start()]
    head = re.sub(r"(专项资金|项目支出|部门整体支出|整体支出|项目)$", "", head)
    pre, mid = (head[: year.start()], head[year.end() :]) if year and year.start() < cut else (head, "")
    # the name sits after the year ("2023年度广元市…办公室单位决算") or before it ("西南大学2021年度…")
    (after, after_mark), (before, before_mark) = _strip_name(mid), _strip_name(pre)
    marker = after_mark or before_mark
    if _plausible_name(after):
        name = after
        if _parse_region(before).found and not _parse_region(after).found:
            name = before + after  # "上海市普陀区2024年社会福利院单位预算"
    elif _plausible_name(before):
        name = before
    else:
        name = after or before  # a bare region ("上海市普陀区2026年区级部门预算") or nothing
    return _Title(text, _kind_of(text), int(year.group(1)) if year else None, name or None, marker, programme)


def _title(head: list[str]) -> _Title | None:
    """The cover title: the widest window of up to four consecutive cover lines that names a year
    and a kind and yields a plausible department (a title split over lines is joined)."""
    block: list[str] = []
    for raw in head[:40]:
        norm = normalise_text(raw)
        if _STOP.search(norm) or _HEADING.match(norm) or title_to_table_code(norm):
            break
        line = _clean(raw)
        if not line:
            continue
        block.append(line)
    best: _Title | None = None
    for end in range(min(len(block), 12)):
        found: list[_Title] = []
        for start in range(end, max(-1, end - 4), -1):
            lines = block[start : end + 1]
            if any(":" in ln or len(ln) > 50 or _SIGN_OFF.match(ln) for ln in lines):
                break
            text = "".join(lines)
            # the kind word ends on the window's last line ("…部门预" / "算" is one title)
            if any(m.end() > len(text) - len(block[end]) for m in _KIND_WORD.finditer(text)):
                found.append(_parse_title(text))
        dated = [t for t in found if t.year] or found
        if dated:
            plausible = [t for t in dated if _plausible_name(t.name)]
            best = plausible[-1] if plausible else dated[0]
            below = _strip_name(block[end + 1]) if end + 1 < len(block) else ("", None)
            if not plausible and _plausible_name(below[0]):  # "2024年度部门决算" / "XX县公安局"
                best.text, best.name = best.text + block[end + 1], below[0]
                best.marker = best.marker or below[1]
            break
    return best


# ---------------------------------------------------------------------------------------------
# labelled lines

_STRONG = (
    r"预算主管部门|部门\(单位\)名称|部门\(单位\)|部门名称|单位名称|预算单位名称|预算单位|"
    r"编制部门|编制单位|填报单位|部门"
)
_WEAK = r"主管部门(及代码)?|实施单位"
_LABEL_COLON = re.compile(rf"(?:^|\s)({_STRONG})\s*[:：]\s*(.+)$")
_LABEL_CELL = re.compile(rf"^\s*({_STRONG}|{_WEAK})(?:\s+(\S+))?\s*$|^\s*({_STRONG}|{_WEAK})\s+(\S+)")
_NEXT_LABEL = re.compile(r"\s+\S{0,6}[:：]|\s{2,}|\t")


def _labelled(lines: list[str]) -> tuple[Counter[str], Counter[str], Counter[str], Counter[str]]:
    """Department names printed after a label: (strong names, weak names, markers, label words).

    Strong labels head a table page (`部门名称：`, `预算单位：`, `编制部门：`); weak ones are the
    performance tables' `主管部门` / `实施单位` cells, which may name the supervising ministry.
    """
    strong: Counter[str] = Counter()
    weak: Counter[str] = Counter()
    markers: Counter[str] = Counter()
    words: Counter[str] = Counter()
    pending: str | None = None
    for raw in lines:
        line = unicodedata.normalize("NFKC", raw).replace("（", "(").replace("）", ")")
        if not line.strip():
            continue
        label, value = None, None
        if m := _LABEL_COLON.search(line):
            label, value = m.group(1), _NEXT_LABEL.split(m.group(2).strip(), maxsplit=1)[0]
        elif m := _LABEL_CELL.match(line):
            label = m.group(1) or m.group(3)
            value = m.group(2) or m.group(4)
            if value is None:
                pending = label
                continue
        elif pending:
            label, value = pending, line.strip().split()[0] if line.split() else None
        pending = None
        if not label or not value:
            continue
        name, marker = _strip_name(re.sub(r"\s+", "", value))
        if not _plausible_name(name) and not (_is_central_name(name) and len(name) >= 3):
            continue
        is_weak = bool(re.match(_WEAK, label))
        (weak if is_weak else strong)[name] += 1
        if not is_weak:
            if marker:
                markers[marker] += 1
            words["单位" if "单位" in label and "部门" not in label else "部门"] += 1
    return strong, weak, markers, words


# ---------------------------------------------------------------------------------------------
# part headings

_HEADING_KIND = re.compile(rf"((?:19|20)\d{{2}})年度?{_PROGRAMME}(预算|决算)")
_HEADING_SCOPE = re.compile(r"(部门|单位)(概况|基本情况|综合预算|预算|决算|收支)")


def _headings(lines: list[str]) -> list[str]:
    out = []
    for raw in lines:
        line = normalise_text(raw)
        if line and len(line) <= 40 and (_HEADING.match(line) or "表" in line[-3:]):
            out.append(line)
    return out


# ---------------------------------------------------------------------------------------------


def detect_metadata(
    lines: list[str], table_codes: list[str] | None = None, body: list[str] | None = None
) -> DocumentMeta:
    """Kind, year, region, department and scope from the cover `lines` (the first pages or lines),
    the standard tables found (`table_codes`) and every line of the document (`body`)."""
    body = body if body is not None else lines
    meta = DocumentMeta()
    notes = meta.notes
    title = _title(lines)
    headings = _headings(body)
    strong, weak, markers, label_words = _labelled(body)

    # kind and fiscal year: the title, then the part headings, then the tables found
    if title:
        meta.title, meta.doc_kind, meta.fiscal_year = title.text, title.kind, title.year
    heading_hits = [m for h in headings if (m := _HEADING_KIND.search(h))]
    if meta.doc_kind is None and heading_hits:
        meta.doc_kind = "final_account" if heading_hits[0].group(4) == "决算" else "budget"
    if meta.doc_kind is None and table_codes:
        finals = sum(c.startswith("D") for c in table_codes)
        budgets = sum(c.startswith("B") for c in table_codes)
        if finals or budgets:
            meta.doc_kind = "final_account" if finals > budgets else "budget"
        elif any(c.startswith("PS") for c in table_codes):
            meta.doc_kind = "performance"
    if meta.doc_kind is None:
        if title:
            meta.doc_kind = "other"
            notes.append("doc_kind: the title names no budget, final account or performance evaluation")
        else:
            notes.append("doc_kind: no title, part heading or standard table says budget or final account")
    if meta.fiscal_year is None:
        years = Counter(int(m.group(1)) for m in heading_hits)
        if years:
            meta.fiscal_year = years.most_common(1)[0][0]
        else:
            notes.append("fiscal_year: no year in the title or the part headings")

    # department: the title's name, else (or if the title's is a fragment of it) the labelled one
    name = title.name if title and _plausible_name(title.name) else None
    labelled = strong.most_common(1)[0][0] if strong else None
    if labelled and (name is None or (labelled != name and labelled.endswith(name))):
        name = labelled  # the cover's "江苏省委办公厅", the tables' "中共江苏省委办公厅"
    if name is None:
        # a 主管部门 that is a ministry (教育部 over 西南大学) is the supervisor, not the publisher
        local = [w for w, _ in weak.most_common() if not _is_central_name(w)]
        name = local[0] if local else None
    placeholder = bool(name and _PLACEHOLDER.search(name))
    if placeholder:
        notes.append(f"department: '{name}' is a template placeholder")
    elif name is None:
        notes.append("department: no department name in the title or a 部门名称/预算单位 line")
    meta.department = None if placeholder else name

    # scope: a printed (本级)/(汇总), else 部门 or 单位 from the kind phrase, headings or labels
    marker = title.marker if title and title.marker else None
    marker = marker or (markers.most_common(1)[0][0] if markers else None)
    heading_words = Counter(m.group(1) for h in headings if (m := _HEADING_SCOPE.search(h)))
    if marker:
        meta.scope = marker
    elif title and title.programme:
        meta.scope = title.programme
    elif heading_words:
        meta.scope = heading_words.most_common(1)[0][0]
    elif label_words:
        meta.scope = label_words.most_common(1)[0][0]
    else:
        notes.append("scope: neither 本级/汇总 nor 部门/单位 is printed in the title or the headings")

    # region: the start of the department's name, else of the title
    region = _parse_region(name) if name else _Region()
    if not region.found and title:
        region = _parse_region(title.name or "")
        if not region.found:
            region = _parse_region(title.text)
    central = not region.found and bool(
        (name and _is_central_name(name))
        or any(_is_central_name(w) for w in weak)
        or any(_CENTRAL_CUE.search(normalise_text(ln)) for ln in body[:400])
    )
    if central and name:
        meta.admin_level = "中央"
        notes.append("region: a central (中央) department has no province, city or county")
    elif region.found:
        meta.province, meta.city, meta.county = region.province, region.city, region.county
        if meta.department:
            meta.admin_level = "县级" if region.county else "市级" if region.city else "省级"
        if region.county and not region.province:
            notes.append(f"province, city: not printed above {region.county} (no gazetteer of counties)")
        elif (
            region.county
            and not region.city
            and region.province not in _MUNICIPALITIES
            and region.county not in _gazetteer().direct
        ):
            notes.append(f"city: not printed between {region.province} and {region.county}")
    else:
        notes.append("region: no province, city or county at the start of the department's name or title")
    return meta


def unread_metadata(reason: str) -> DocumentMeta:
    """The metadata of a file whose text could not be read at all (scanned, encrypted, corrupt)."""
    return DocumentMeta(notes=[f"metadata: not read, the file's text is unreadable ({reason})"])
