"""The regular expressions the narrative is read with, over normalised text (NFKC, no spaces)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# ---------------------------------------------------------------------------------------------
# Regular expressions over normalised text
# ---------------------------------------------------------------------------------------------

_NUM = r"(?<![\d.,])(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?"
_MONEY = r"(?:亿元|万元|元)"
_DIR = r"(?:增加|减少|增长|下降|上升|降低|提高)"
_INCREASE = {"增加", "增长", "上升", "提高"}
_FLAT_WORDS = r"(?:无增减|持平|无变化|没有变化)"

_COMPARE = re.compile(
    r"(?:与|较|比)(?:(?P<year>\d{4})年度?(?:(?P<prev>" + _NUM + r")(?P<prev_unit>" + _MONEY + r"))?"
    r"|上一?年度?|去年|(?P<budget>(?:年初|全年)?预算))"
    r"(?:支出数|决算数|预算数|数|同期)?(?:相比|相较)?,?"
)
_CHANGE = re.compile(
    r"(?P<dir>" + _DIR + r")了?(?P<num>" + _NUM + r")(?P<unit>" + _MONEY + r")"
    r"(?:[,、]?(?P<dir2>" + _DIR + r")了?(?P<pct>" + _NUM + r")%)?"
)
_PCT_CHANGE = re.compile(r"(?P<dir>" + _DIR + r")了?(?P<pct>" + _NUM + r")%")
_FLAT = re.compile(r"(?P<flat>" + _FLAT_WORDS + r")")
_SHARE = re.compile(r"占(?P<base>[^,;。%\d]{0,20}?)的?(?P<pct>" + _NUM + r")%")
_RATE = re.compile(r"完成(?P<b>全年|年初)?预算数?的?(?P<pct>" + _NUM + r")%")
_AMOUNT = re.compile(r"(?P<num>" + _NUM + r")(?P<unit>" + _MONEY + r")")
_COUNT = re.compile(r"(?P<num>(?<![\d.,])\d+)(?P<unit>辆|台\(套\)|台)")
# a price threshold, not a figure: "单价100万元（含）以上设备"
_THRESHOLD = re.compile(r"单价" + _NUM + _MONEY + r"(?:\(含\))?以[上下]")
_CHAIN = re.compile(
    r"(?P<c>[^,;:。、()]+?)\(类\)"
    r"(?P<k>(?:[^,;:。、()]|\([^()类款项]{1,3}\))+?)\(款\)"
    r"(?P<x>(?:[^,;:。、()]|\([^()类款项]{1,3}\))+?)\(项\)"
)
# a 类/款 chain without its 项 ("公共安全支出（类）检察（款）：2018年预算支出合计…")
_CHAIN_KUAN = re.compile(r"(?P<c>[^,;:。、()]+?)\(类\)(?P<k>(?:[^,;:。、()]|\([^()类款项]{1,3}\))+?)\(款\)")
# the same chain printed "一般公共服务支出-政府办公厅（室）及相关机构事务-行政运行"科目 (Shanghai budgets)
_DASH_CHAIN = re.compile(
    r"(?P<c>[^,;:。、()\-]+?)-(?P<k>(?:[^,;:。、()\-]|\([^()]{1,3}\))+?)-"
    r"(?P<x>(?:[^,;:。、()\-]|\([^()]{1,3}\))+?)(?=科目)"
)
_COMPOSITION = re.compile(r"\((?:包含|其中|包括|含)[:]?")
_ITEM_LIST = re.compile(r"主要包括[:]?")
_LIST_END = re.compile(r"[;。!?]")
_PERSONS = r"(?P<p>\d+)人(?:次)?"
_MONEY_GROUP = r"(?P<x>" + _NUM + r")(?P<u>" + _MONEY + r")"


@dataclass(frozen=True)
class _Part:
    """One figure of a fixed phrase: the regex group holding it and what it is (unit None = money)."""

    group: str
    metric: str
    unit: str | None = None
    qualifier: str | None = None


# fixed phrases read as a whole before labels are looked at: 实物量, equipment, 绩效 counts
_PHRASES: tuple[tuple[re.Pattern[str], tuple[_Part, ...]], ...] = (
    (
        re.compile(r"因公出国\(境\)(?:共计)?(?P<g>\d+)个团组,?" + _PERSONS),
        (_Part("g", "outbound_groups", "个"), _Part("p", "outbound_persons", "人")),
    ),
    (
        re.compile(r"因公出国\(境\)团组(?P<g>\d+)[个次],?出国\(境\)" + _PERSONS),
        (_Part("g", "outbound_groups", "个"), _Part("p", "outbound_persons", "人")),
    ),
    (
        re.compile(r"国内公务接待(?P<b>\d+)批次,?" + _PERSONS),
        (_Part("b", "reception_batches", "批次"), _Part("p", "reception_persons", "人")),
    ),
    (
        re.compile(r"(?<!国\(境\))外事接待(?P<b>\d+)批次,?" + _PERSONS),
        (_Part("b", "reception_fa_batches", "批次"), _Part("p", "reception_fa_persons", "人")),
    ),
    (
        re.compile(r"国\(境\)外公务接待(?P<b>\d+)批次,?" + _PERSONS),
        (_Part("b", "reception_overseas_batches", "批次"), _Part("p", "reception_overseas_persons", "人")),
    ),
    (
        re.compile(
            r"(?<!购置)单价100万元(?:\(含\))?以上(?:专用)?设备(?:\(不含车辆\))?(?P<n>\d+)台(?:\(套\))?"
        ),
        (_Part("n", "equipment_over_1m", "台(套)"),),
    ),
    (
        re.compile(r"常年项目绩效分析。?该类项目总数(?P<n>\d+)个,涉及预算总金额" + _MONEY_GROUP),
        (
            _Part("n", "project_category_projects", "个", "recurring"),
            _Part("x", "project_category_funds", None, "recurring"),
        ),
    ),
    (
        re.compile(
            r"(?:阶段\(一次性\)|一次性|阶段性?)项目绩效分析。?该类项目总数(?P<n>\d+)个,涉及预算总金额"
            + _MONEY_GROUP
        ),
        (
            _Part("n", "project_category_projects", "个", "one_off"),
            _Part("x", "project_category_funds", None, "one_off"),
        ),
    ),
    (
        re.compile(r"对(?P<n>\d+)个项目开展了?(?:绩效)?(?:自评|评价)[^。]*?涉及资金" + _MONEY_GROUP),
        (_Part("n", "evaluated_projects", "个"), _Part("x", "evaluated_project_funds")),
    ),
    (
        re.compile(r"对(?P<n>\d+)个项目开展了?(?:绩效)?(?:自评|评价)"),
        (_Part("n", "evaluated_projects", "个"),),
    ),
    (
        re.compile(r"绩效自评的(?:\d{4}年度?)?项目(?P<n>\d+)个,涉及(?:预算)?(?:金额|资金)" + _MONEY_GROUP),
        (_Part("n", "evaluated_projects", "个"), _Part("x", "evaluated_project_funds")),
    ),
    (
        re.compile(r"编报绩效目标的项目共?(?P<n>\d+)个,涉及(?:项目)?预算资金" + _MONEY_GROUP),
        (_Part("n", "target_projects", "个"), _Part("x", "target_project_funds")),
    ),
    (
        re.compile(r"绩效目标管理,涉及(?:一般公共预算)?(?:当年)?(?:财政拨款)?" + _MONEY_GROUP),
        (_Part("x", "target_project_funds"),),
    ),
)

# words that may stand between a label and its number ("支出决算为", "均为", "(类)" …)
_FILLER = re.compile(
    r"^(?:均为|均|各|为|是|共计|合计|总计|总额|总金额|金额|支出|收入|决算数?|预算数?|年初|全年|财政拨款|"
    r"达到|达|约|累计|实际|安排|执行|当年|本年度?|数|共|有|保有量|科目|:|\d{4}年度?)*$"
)
_PAREN = re.compile(r"\([^()]*\)")
_LEVEL_MARK = re.compile(r"\((?:类|款|项)\)")
# what may precede a 类 name in a class list ("(1)", "其中:", "主要用于以下方面:")
_CLASS_PREFIX = re.compile(
    r"^(?:[、,:;]|其中|主要用于以下方面|主要用于|\(?\d{1,2}\)|\d{1,2}[、.]|[一二三四五六七八九十]+、|"
    r"\([一二三四五六七八九十]+\)|\d{4}年度?)*$"
)
# an unlabelled amount takes the statement's subject only after words like these
_INHERIT = re.compile(r"^:?(?:(?:支出)?(?:(?:全年|年初)?预算数?|决算数?)为|共计(?:支出)?)$")
_HARD_STOP = re.compile(r"[,;。!?]")
# a comparison of the budget (or final account) as a whole, not of the statement's subject
_WHOLE_BUDGET = re.compile(r"^\d{4}年度?(?:部门)?(?:预算|决算)数?$")
_SENTENCE_END = "。!?"
_HEADING = re.compile(
    r"^(?:第[一二三四五六七八九十\d]+部分|[一二三四五六七八九十]+[、.]|[(][一二三四五六七八九十\d]{1,3}[)]"
    r"|\d{1,2}[、.](?!\d))"
)

_QUOTES = "\"'“”‘’「」『』"
_NO_QUOTES = str.maketrans("", "", _QUOTES)  # str.translate table deleting them
_PAGE_NUMBER = re.compile(r"^\s*[-—–]?\s*\d{1,3}\s*[-—–]?\s*$")
_SEPARATOR_ROW = re.compile(r"^[\s|:\-\t]+$")
_BARE_NUMBER = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?$")
_UNIT_START = re.compile(
    r"^(?:亿元|万元|元|%|年|月|日|个|辆|人|批次|次|台|套|项|名|期|件|家|户|分|天|份|条|篇|余|万|亩)"
)
_OPERATORS = {"=", "＝", "≥", "≤", ">", "<", "≧", "≦"}
