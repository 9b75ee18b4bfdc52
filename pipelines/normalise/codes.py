"""Functional (类/款/项) and economic codes: recognise, rebuild split codes, and their hierarchy."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache

from pipelines import REFERENCE_DIR
from pipelines.extract.catalog import normalise_text, strip_numbering

_CODE = re.compile(r"^\d{3}(\d{2}){0,2}$")


@dataclass(frozen=True)
class CodeEntry:
    code: str
    level: str  # 类 | 款 | 项
    name: str
    parent_code: str | None


def is_code(text: str) -> bool:
    """A 3/5/7-digit classification code (201, 20103, 2010301; 301, 30101)."""
    return bool(_CODE.match(normalise_text(text)))


def code_kind(code: str) -> str:
    """Economic codes start with 3 (301 工资福利支出), functional expenditure codes with 2."""
    return "econ" if code.startswith("3") else "func"


def level_of(code: str) -> str:
    return {3: "类", 5: "款", 7: "项"}[len(code)]


def parent_of(code: str) -> str | None:
    return code[:-2] if len(code) > 3 else None


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


def _load(name: str) -> dict[str, CodeEntry]:
    with (REFERENCE_DIR / name).open(encoding="utf-8") as f:
        return {
            r["code"]: CodeEntry(r["code"], r["level"], r["name"], r["parent_code"] or None)
            for r in csv.DictReader(f)
        }


@lru_cache(maxsize=1)
def functional_codes() -> dict[str, CodeEntry]:
    return _load("functional_codes.csv")


@lru_cache(maxsize=1)
def economic_codes() -> dict[str, CodeEntry]:
    return _load("economic_codes.csv")


# 类 names of earlier editions of the 政府收支分类科目, still printed in older documents
_FORMER_CLASS_NAMES = {
    "文化体育与传媒支出": "207",
    "医疗卫生与计划生育支出": "210",
    "医疗卫生支出": "210",
    "资源勘探信息等支出": "215",
    "资源勘探电力信息等支出": "215",
    "国土海洋气象等支出": "220",
    "国土资源气象等支出": "220",
}


@lru_cache(maxsize=1)
def _class_by_name() -> dict[str, str]:
    names = {normalise_text(e.name): e.code for e in functional_codes().values() if e.level == "类"}
    return {**_FORMER_CLASS_NAMES, **names}


def class_code_for_label(label: str) -> str | None:
    """The 类 code of a summary-table line such as "八、社会保障和就业支出" (D01, D04)."""
    return _class_by_name().get(strip_numbering(normalise_text(label)))
