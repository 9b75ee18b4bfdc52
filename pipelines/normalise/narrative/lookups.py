"""Reference lookups: functional class and item names, economic codes, resolving a 类/款/项 chain."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pipelines.normalise.narrative.patterns import _NO_QUOTES
from pipelines.vocab.codes import economic_codes, functional_codes

# ---------------------------------------------------------------------------------------------
# Reference lookups
# ---------------------------------------------------------------------------------------------


def _norm(text: str) -> str:
    """NFKC, no whitespace, no quotes: the form labels and names are compared in."""
    return "".join(unicodedata.normalize("NFKC", text).translate(_NO_QUOTES).split())


@lru_cache(maxsize=1 << 12)
def _loose(name: str) -> str:
    """A name compared loosely inside one parent (5.4: "…缴费" = "…缴费支出", a missing 及)."""
    name = re.sub(r"\((类|款|项)\)", "", _norm(name)).replace("及", "")
    return name.removesuffix("支出")


_KUAN_ALIASES = {_loose("行政事业单位离退休"): "20805"}


@lru_cache(maxsize=1)
def _class_labels() -> dict[str, str]:
    """类 names (and "name(类)" without the trailing 支出) → 类 code."""
    labels: dict[str, str] = {}
    for entry in functional_codes().values():
        if entry.level != "类":
            continue
        name = _norm(entry.name)
        labels[name] = entry.code
        labels[f"{name.removesuffix('支出')}(类)"] = entry.code
    return labels


@lru_cache(maxsize=1)
def _econ_by_name() -> dict[str, str]:
    # the 部门支出经济分类 (3xx) the 说明 speaks in; the 政府预算 list (5xx) reuses some of its names
    names = {_norm(e.name): e.code for e in economic_codes().values() if e.code.startswith("3")}
    names.update({"其他交通费": "30239", "维修费": "30213", "因公出国(境)费": "30212"})
    return names


@lru_cache(maxsize=1)
def _item_stems() -> frozenset[str]:
    """Functional 款 / 项 names without their trailing 支出: "住房改革" of 住房改革支出 (22102)."""
    return frozenset(
        stem
        for e in functional_codes().values()
        if e.level != "类" and len(stem := _norm(e.name).removesuffix("支出")) >= 2
    )


def _names_item(prefix: str) -> bool:
    """Whether a weak label ("支出预算") follows a 款 / 项 name: "住房改革支出预算数为7,243.45万元" is that
    item's amount, not the budget's total."""
    return any(prefix.endswith(stem) for stem in _item_stems())


def _is_class_name(name: str) -> bool:
    return any(_loose(e.name) == _loose(name) for e in functional_codes().values() if e.level == "类")


def resolve_function_chain(class_name: str, kuan_name: str, xiang_name: str | None = None) -> str | None:
    """The 7-digit code of a "类 / 款 / 项" name chain (5-digit without a 项), resolved top-down
    (DOMAIN 5.4 step 5)."""
    codes = functional_codes().values()
    classes = [e for e in codes if e.level == "类" and _loose(e.name) == _loose(class_name)]
    if len(classes) != 1:
        return None
    kuan_key = _loose(kuan_name)
    kuans = [e for e in codes if e.parent_code == classes[0].code and _loose(e.name) == kuan_key]
    if not kuans and _KUAN_ALIASES.get(kuan_key, "").startswith(classes[0].code):
        kuans = [e for e in codes if e.code == _KUAN_ALIASES[kuan_key]]
    if len(kuans) != 1 or xiang_name is None:
        return kuans[0].code if len(kuans) == 1 else None
    items = [e for e in codes if e.parent_code == kuans[0].code and _loose(e.name) == _loose(xiang_name)]
    return items[0].code if len(items) == 1 else None
