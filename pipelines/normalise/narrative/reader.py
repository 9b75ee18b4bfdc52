"""Figures: a paragraph read into (subject, figure) rows — fixed phrases, changes, shares, amounts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from pipelines.normalise.narrative.labels import (
    _COUNT_LABELS,
    _ECON_PARENTS,
    _EXPENDITURE_PARTS,
    _FUND_WORD,
    _GENERIC_TOTALS,
    _INCOME_LINES,
    _INCOME_METRICS,
    _LABELS,
    _VEHICLE_KINDS,
    _WEAK_LABELS,
    _default_share_basis,
)
from pipelines.normalise.narrative.lookups import (
    _class_labels,
    _econ_by_name,
    _is_class_name,
    _names_item,
    resolve_function_chain,
)
from pipelines.normalise.narrative.patterns import (
    _AMOUNT,
    _CHAIN,
    _CHAIN_KUAN,
    _CHANGE,
    _CLASS_PREFIX,
    _COMPARE,
    _COMPOSITION,
    _COUNT,
    _DASH_CHAIN,
    _FILLER,
    _FLAT,
    _HARD_STOP,
    _INCREASE,
    _INHERIT,
    _ITEM_LIST,
    _LEVEL_MARK,
    _LIST_END,
    _PAREN,
    _PCT_CHANGE,
    _PHRASES,
    _RATE,
    _SENTENCE_END,
    _SHARE,
    _THRESHOLD,
    _WHOLE_BUDGET,
    _Part,
)
from pipelines.vocab.numbers import CENT, UNIT_FACTORS

# ---------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Subject:
    metric: str
    qualifier: str | None
    text: str


@dataclass
class _Event:
    """Something found in a paragraph, before the statement it belongs to is decided."""

    start: int
    end: int
    kind: str  # amount | count | change | flat | pct_change | share | rate | chain | prior | phrase | skip
    match: re.Match[str]
    subject: _Subject | None = None
    basis: str | None = None
    ref_year: int | None = None
    parts: tuple[_Part, ...] = ()  # phrase: its figures
    component_of: int | None = None  # index of the parent amount event (composition lists)
    econ: bool = False  # a component named by an economic classification item
    label: str = ""  # a component's name as printed before it


@dataclass(frozen=True)
class _Figure:
    """What a row says, apart from the subject and statement it belongs to."""

    kind: str
    printed: str
    value: Decimal | None = None
    percent: Decimal | None = None
    decimals: int | None = None
    unit: str | None = None
    basis: str | None = None
    ref_year: int | None = None
    direction: str | None = None


@dataclass(frozen=True)
class _Row:
    statement: int
    subject: _Subject
    pos: int
    figure: _Figure


def _to_decimal(num: str) -> Decimal:
    return Decimal(num.replace(",", ""))


def _decimals(num: str) -> int:
    return len(num.split(".")[1]) if "." in num else 0


def _money(num: str, unit: str) -> Decimal:
    value = _to_decimal(num) * UNIT_FACTORS[unit]
    # beyond quantize's precision: kept unrounded, and dropped before the frame (fit_decimal_rows)
    return value.quantize(CENT) if value.adjusted() < 20 else value


def _amount(kind: str, num: str, unit: str, basis: str | None = None, ref_year: int | None = None) -> _Figure:
    return _Figure(kind, num + unit, _money(num, unit), None, _decimals(num), unit, basis, ref_year)


def _find_label(
    window: str, labels: dict[str, str], *, class_labels: bool = False
) -> tuple[int, str, str] | None:
    """The rightmost label in `window` (longest on a tie) if only filler follows: (start, label, metric)."""
    best: tuple[int, int, str] | None = None  # end, length, label
    for label in labels:
        pos = window.rfind(label)
        if pos >= 0 and (best is None or (pos + len(label), len(label)) > best[:2]):
            best = (pos + len(label), len(label), label)
    if best is None:
        return None
    end, length, label = best
    gap = _PAREN.sub("", window[end:])
    if not _FILLER.match(gap) or (labels[label] in _INCOME_METRICS and "支出" in gap):
        return None  # "一般公共预算拨款支出…" is not an income
    if not class_labels and _LEVEL_MARK.search(window[end:]):
        return None  # "差旅费（款）支出200万元": an economic classification line, not the 三公/会议 figure
    start = end - length
    if class_labels and not _CLASS_PREFIX.match(window[:start]):
        return None
    return start, label, labels[label]


def _sentence_bounds(text: str, pos: int) -> tuple[int, int]:
    start = max(text.rfind(ch, 0, pos) for ch in _SENTENCE_END) + 1
    ends = [i for i in (text.find(ch, pos) for ch in _SENTENCE_END) if i >= 0]
    return start, (min(ends) + 1 if ends else len(text))


def _clause_start(text: str, pos: int, floor: int) -> int:
    """Where the clause holding `pos` starts (after the last , ; 。 ! ?), but not before `floor`."""
    cut = floor
    for m in _HARD_STOP.finditer(text, floor, pos):
        cut = m.end()
    return cut


def _matches(pattern: re.Pattern[str], text: str, *needed: str) -> Iterator[re.Match[str]]:
    """`pattern.finditer(text)`, or nothing when a literal every match holds is not in the text: a
    chain pattern tries a lazy scan from every position, most of a paragraph's reading time."""
    return pattern.finditer(text) if all(n in text for n in needed) else iter(())


class _Reader:
    """Reads one paragraph's figures in order, tracking the statement the paragraph is about."""

    def __init__(self, text: str, last_statement: int) -> None:
        self.text = text
        self.events: list[_Event] = []
        self.taken = [False] * len(text)
        self.last_statement = last_statement
        self.rows: list[_Row] = []
        self.gpb_paragraph = "一般公共预算" in text
        self.last_count: tuple[int, str] | None = None  # sentence and metric of the last count read

    # -- finding: every pattern claims its characters, the more specific ones first -------------

    def _free(self, m: re.Match[str]) -> bool:
        return not any(self.taken[m.start() : m.end()])

    def _take(self, event: _Event) -> None:
        for i in range(event.start, event.end):
            self.taken[i] = True
        self.events.append(event)

    def find(self) -> None:
        t = self.text
        for pattern, parts in _PHRASES:
            for m in pattern.finditer(t):
                if self._free(m):
                    self._take(_Event(m.start(), m.end(), "phrase", m, parts=parts))
        for m in _THRESHOLD.finditer(t):
            if self._free(m):
                self._take(_Event(m.start(), m.end(), "skip", m))
        for m in _matches(_CHAIN, t, "(类)", "(款)", "(项)"):
            if self._free(m):
                self._chain(m)
        for m in _matches(_CHAIN_KUAN, t, "(类)", "(款)"):
            if self._free(m):
                self._chain(m)
        for m in _matches(_DASH_CHAIN, t, "-", "科目"):
            if self._free(m) and _is_class_name(re.sub(r"^\d{1,2}[、.]", "", m["c"])):
                self._chain(m)
        for pattern, kind in ((_CHANGE, "change"), (_PCT_CHANGE, "pct_change"), (_FLAT, "flat")):
            for m in pattern.finditer(t):
                if self._free(m):
                    self._change(m, kind)
        for m in _SHARE.finditer(t):
            if self._free(m):
                self._take(_Event(m.start(), m.end(), "share", m))
        for m in _RATE.finditer(t):
            if self._free(m):
                basis = "budget_initial" if m["b"] == "年初" else "budget"
                self._take(_Event(m.start(), m.end(), "rate", m, basis=basis))
        for pattern, kind in ((_COUNT, "count"), (_AMOUNT, "amount")):
            for m in pattern.finditer(t):
                if self._free(m):
                    self._take(_Event(m.start(), m.end(), kind, m))
        self.events.sort(key=lambda e: e.start)
        self._mark_lists()

    def _chain(self, m: re.Match[str]) -> None:
        class_name = re.sub(r"^(?:\d{1,2}[、.]|\(\d{1,2}\))", "", m["c"])
        code = resolve_function_chain(class_name, m["k"], m.groupdict().get("x"))
        start = m.end("c") - len(class_name)
        subject = _Subject("function_item", code, self.text[start : m.end()])
        self._take(_Event(start, m.end(), "chain", m, subject=subject))

    def _compare_before(self, pos: int) -> re.Match[str] | None:
        """The comparison phrase ("与2023年度相比", "较年初预算数") nearest before `pos` in its sentence."""
        found = None
        for m in _COMPARE.finditer(self.text, _sentence_bounds(self.text, pos)[0], pos):
            found = m
        return found

    def _change(self, m: re.Match[str], kind: str) -> None:
        cmp = self._compare_before(m.start())
        if cmp is None:
            return  # "增加3人", "减少了开支": not a comparison
        if kind == "flat":
            between = self.text[cmp.end() : m.start()]
            if _HARD_STOP.search(between) or len(between) > 15:
                return
        year = cmp["year"] or self._adjacent_year(cmp)
        event = _Event(m.start(), m.end(), kind, m, basis="budget" if cmp["budget"] else "prior_year")
        event.ref_year = int(year) if year else None
        event.subject = self._change_subject(cmp, m.start())
        if cmp["prev"] and self._free(cmp):
            self._take(_Event(cmp.start(), cmp.end(), "prior", cmp, ref_year=event.ref_year))
        self._take(event)

    def _adjacent_year(self, cmp: re.Match[str]) -> str | None:
        """The year of a comparison phrase just before this one ("比2024年较去年增加")."""
        for m in _COMPARE.finditer(self.text, max(0, cmp.start() - 12), cmp.start()):
            if m.end() == cmp.start() and m["year"]:
                return m["year"]
        return None

    def _change_subject(self, cmp: re.Match[str], verb: int) -> _Subject | None:
        """The subject printed around a comparison: "收、支与…相比", "…相比，财政拨款收、支总计各减少"."""
        t = self.text
        segments = [t[_clause_start(t, verb, cmp.end()) : verb]]
        if not _HARD_STOP.search(t, cmp.end(), verb):  # the comparison opens the verb's clause
            segments.append(
                t[_clause_start(t, cmp.start(), _sentence_bounds(t, cmp.start())[0]) : cmp.start()]
            )
        for i, seg in enumerate(segments):
            labelled = self._labelled(seg)
            if labelled:
                return labelled[0]
            bare = re.sub(r"决算数?|数", "", seg)
            if bare in {"收入", "支出"}:
                return _Subject(f"bare:{bare}", None, seg)
            if i == 1 and _WHOLE_BUDGET.match(seg):
                return _Subject("whole", None, seg)  # "2026年预算比2025年预算增加…": no metric of its own
        return None

    def _labelled(self, window: str) -> tuple[_Subject, int] | None:
        """The subject a label in `window` names, and where the label ends."""
        found = _find_label(window, _LABELS)
        if found:
            metric = found[2]
            if metric in {"fiscal_opening", "fiscal_closing"} and self.gpb_paragraph:
                metric = metric.replace("fiscal_", "gpb_")
            return _Subject(metric, None, found[1].rstrip(":")), found[0] + len(found[1])
        found = _find_label(window, _class_labels(), class_labels=True)
        if found:
            return _Subject("function_class", found[2], found[1]), found[0] + len(found[1])
        found = _find_label(window, _WEAK_LABELS)
        if (
            found
            and not _FUND_WORD.search(window[: found[0]])
            and not (found[1].startswith("支出") and _names_item(window[: found[0]]))
        ):
            return _Subject(found[2], None, found[1]), found[0] + len(found[1])
        return None

    def _mark_lists(self) -> None:
        """Amounts inside "(包含…)" after an amount, or in "主要包括:" after 人员经费/公用经费."""
        t = self.text
        amounts = [i for i, e in enumerate(self.events) if e.kind == "amount"]
        for idx in amounts:
            m = _COMPOSITION.match(t, self.events[idx].end)
            if m:
                close = t.find(")", m.end())
                self._components(idx, m.end(), close if close >= 0 else len(t), econ=False)
        for m in _ITEM_LIST.finditer(t):
            stop = _LIST_END.search(t, m.end())
            parents = [i for i in amounts if self.events[i].end <= m.start()]
            if parents:
                self._components(parents[-1], m.end(), stop.start() if stop else len(t), econ=True)

    def _components(self, parent: int, start: int, end: int, *, econ: bool) -> None:
        """Mark the amounts printed in [start, end) as parts of the parent amount, named by what precedes
        each; an itemised 经济分类 list with a name not in the list is dropped whole (its sum would be
        short)."""
        items = [
            (i, e)
            for i, e in enumerate(self.events)
            if e.kind == "amount" and start <= e.start < end and e.component_of is None
        ]
        for i, e in items:
            before = self.text[self.events[i - 1].end if i else start : e.start]
            e.label = re.sub(r"^\((?:包含|其中|包括|含):?", "", re.split(r"[,;。、:]", before)[-1])
            e.component_of, e.econ = parent, econ
        if econ and any(e.label not in _econ_by_name() for _, e in items):
            for _, e in items:
                e.kind = "skip"

    # -- reading: decide each figure's subject and statement, in order -------------------------

    def read(self) -> list[_Row]:
        head: tuple[_Subject, int] | None = None  # the statement the paragraph is on
        bases_of: dict[int, set[str | None]] = {}  # statement → bases of the amounts it has
        parent_of: dict[int, tuple[_Subject, int]] = {}  # amount event → its subject and statement
        prev_end = 0
        for idx, e in enumerate(self.events):
            if e.kind == "phrase":
                self._phrase(e)
            elif e.kind == "chain" and e.subject is not None:
                head = (e.subject, self._new_statement())
                bases_of[head[1]] = set()
            elif e.kind == "count":
                self._count(e, prev_end)
            elif e.kind == "amount" and e.component_of is not None:
                if e.component_of in parent_of:
                    self._component(e, *parent_of[e.component_of])
            elif e.kind == "amount":
                after_chain = idx > 0 and self.events[idx - 1].kind == "chain"
                head = self._amount(e, head, bases_of, prev_end, after_chain)
                if head is not None:
                    parent_of[idx] = head
            elif e.kind in {"change", "pct_change", "flat"}:
                prior = self.events[idx - 1] if idx and self.events[idx - 1].kind == "prior" else None
                head = self._changes(e, prior, head, bases_of)
            elif e.kind in {"share", "rate"} and head is not None:
                self._ratio(e, head)
            prev_end = e.end
        return self.rows

    def _new_statement(self) -> int:
        self.last_statement += 1
        return self.last_statement

    def _emit(self, statement: int, subject: _Subject, pos: int, figure: _Figure) -> None:
        self.rows.append(_Row(statement, subject, pos, figure))

    def _amount(
        self,
        e: _Event,
        head: tuple[_Subject, int] | None,
        bases_of: dict[int, set[str | None]],
        prev_end: int,
        after_chain: bool,
    ) -> tuple[_Subject, int] | None:
        """An amount: its own label, the name chain just before it, or the statement's subject after
        "预算为/决算为/共计"."""
        t = self.text
        window = t[_clause_start(t, e.start, prev_end) : e.start]
        labelled = self._labelled(window)
        if after_chain and labelled and labelled[0].text in _GENERIC_TOTALS and head is not None:
            labelled = head[0], labelled[1]
        basis = self._amount_basis(window[labelled[1] :] if labelled else window, e.start)
        if labelled:
            subject = labelled[0]
        elif head is not None and (
            _INHERIT.match(_PAREN.sub("", window)) or (after_chain and _FILLER.match(window))
        ):
            subject = head[0]
        else:
            return None  # unclear subject: left out, and the statement ends here
        same = head is not None and (head[0].metric, head[0].qualifier) == (subject.metric, subject.qualifier)
        if head is None or not same or basis in bases_of[head[1]]:
            head = (subject, self._new_statement())
            bases_of[head[1]] = set()
        bases_of[head[1]].add(basis)
        year = self._compared_year(window, e.start)
        figure = _amount("amount", e.match["num"], e.match["unit"], "prior_year" if year else basis, year)
        self._emit(head[1], subject, e.start, figure)
        return head

    def _compared_year(self, window: str, pos: int) -> int | None:
        """The year an amount is of when the sentence compares with that year before it: "与2016年度
        相比（2016年度部门支出预算安排为8,648.07万元）" states the prior-year figure."""
        years = set(re.findall(r"(\d{4})年", _COMPARE.sub("", window)))
        s_start = _sentence_bounds(self.text, pos)[0]
        for m in _COMPARE.finditer(self.text, s_start, pos):
            if m["year"] in years:
                return int(m["year"])
        return None

    def _amount_basis(self, words: str, pos: int) -> str | None:
        """A budget figure set against the actual ("预算为19.3万元，支出决算为11.57万元").

        `words` is what stands between the label and the number (or the whole clause when the amount
        has no label of its own); a budget document's own figures are not "budget" figures.
        """
        s_start, s_end = _sentence_bounds(self.text, pos)
        if "决算" not in self.text[s_start:s_end]:
            return None
        if "年初预算" in words:
            return "budget_initial"
        return "budget" if "预算" in words else None

    def _component(self, e: _Event, parent: _Subject, statement: int) -> None:
        subject = _Subject(parent.metric, None, e.label)
        if e.econ:
            if parent.metric not in _ECON_PARENTS:
                return
            subject = _Subject("econ_item", _econ_by_name()[e.label], e.label)
        figure = _amount("component", e.match["num"], e.match["unit"], basis=parent.metric)
        self._emit(statement, subject, e.start, figure)

    def _count(self, e: _Event, prev_end: int) -> None:
        window = self.text[_clause_start(self.text, e.start, prev_end) : e.start]
        found = _find_label(window, _COUNT_LABELS)
        sentence = _sentence_bounds(self.text, e.start)[0]
        if found and found[2] in _VEHICLE_KINDS and self.last_count == (sentence, "vehicles_purchased"):
            return  # "安排购置车辆0辆，其中：…用车0辆": what is bought, not the fleet
        if found:
            self.last_count = (sentence, found[2])
            num, unit = e.match["num"], e.match["unit"]
            figure = _Figure("count", num + unit, Decimal(num), decimals=0, unit=unit)
            self._emit(self._new_statement(), _Subject(found[2], None, found[1]), e.start, figure)

    def _phrase(self, e: _Event) -> None:
        statement = self._new_statement()
        m = e.match
        for part in e.parts:
            num = m[part.group]
            if part.unit is None:
                figure = _amount("amount", num, m["u"])
            else:
                figure = _Figure("count", num + part.unit, Decimal(num), decimals=0, unit=part.unit)
            self._emit(
                statement, _Subject(part.metric, part.qualifier, m.group(0)), m.start(part.group), figure
            )

    def _changes(
        self,
        e: _Event,
        prior: _Event | None,
        head: tuple[_Subject, int] | None,
        bases_of: dict[int, set[str | None]],
    ) -> tuple[_Subject, int] | None:
        """A change (and its percentage) on the subject it names, else on the current statement."""
        subject = e.subject
        if subject is not None and subject.metric == "whole":
            return head  # the whole budget changed: not a figure of the current statement
        if subject is not None and subject.metric.startswith("bare:"):
            subject = self._bare_subject(subject, head)
        if subject is None:
            if head is None:
                return None
            subject, statement = head
        elif head is not None and (head[0].metric, head[0].qualifier) == (subject.metric, subject.qualifier):
            statement = head[1]
        else:
            head = (subject, self._new_statement())
            statement = head[1]
            bases_of[statement] = set()
        m, basis, year = e.match, e.basis, e.ref_year
        if prior is not None:
            figure = _amount("amount", prior.match["prev"], prior.match["prev_unit"], "prior_year", year)
            self._emit(statement, subject, prior.match.start("prev"), figure)
        if e.kind == "flat":
            figure = _Figure(
                "change", m["flat"], Decimal("0.00"), basis=basis, ref_year=year, direction="flat"
            )
            self._emit(statement, subject, e.start, figure)
            return head
        direction = "increase" if m["dir"] in _INCREASE else "decrease"
        if e.kind == "change":
            delta = _money(m["num"], m["unit"])
            figure = _Figure(
                "change",
                m["dir"] + m["num"] + m["unit"],
                delta if direction == "increase" else -delta,
                None,
                _decimals(m["num"]),
                m["unit"],
                basis,
                year,
                direction,
            )
            self._emit(statement, subject, e.start, figure)
        if m["pct"]:
            word = m["dir2"] if e.kind == "change" else m["dir"]
            figure = _Figure(
                "change_pct",
                word + m["pct"] + "%",
                None,
                _to_decimal(m["pct"]),
                _decimals(m["pct"]),
                "%",
                basis,
                year,
                "increase" if word in _INCREASE else "decrease",
            )
            self._emit(statement, subject, m.start("pct"), figure)
        return head

    def _bare_subject(self, bare: _Subject, head: tuple[_Subject, int] | None) -> _Subject | None:
        """ "收入较去年增加" / "支出较去年增加": the total, when the paragraph is on income / expenditure."""
        if head is None:
            return None
        if bare.metric == "bare:收入" and head[0].metric in _INCOME_LINES:
            return _Subject("total_income", None, bare.text)
        if bare.metric == "bare:支出" and head[0].metric in _EXPENDITURE_PARTS:
            return _Subject("total_expenditure", None, bare.text)
        return None

    def _ratio(self, e: _Event, head: tuple[_Subject, int]) -> None:
        """ "占Y%" (share of a total) or "完成预算的X%" (rate) of the current statement's subject."""
        subject, statement = head
        pct = e.match["pct"]
        basis = e.basis
        if e.kind == "share":
            named = _find_label(e.match["base"], _LABELS) if e.match["base"] else None
            basis = named[2] if named else _default_share_basis(subject.metric)
        figure = _Figure(e.kind, e.match.group(0), None, _to_decimal(pct), _decimals(pct), "%", basis)
        self._emit(statement, subject, e.start, figure)
