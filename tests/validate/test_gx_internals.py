"""The places where gx.py reaches into GX's internals (`configuration_once`, `plain_metric_ids`,
`jinja_bytecode_cache`) change nothing GX computes or renders, and are tied to the GX version they
were read in.

When GX is upgraded, `test_the_patches_are_for_the_installed_gx` fails on purpose: read GX's
`Expectation.configuration`, `_get_runtime_kwargs`/`_get_success_kwargs`/`_get_domain_kwargs`,
`IDDict.to_id` with `convert_to_json_serializable` (great_expectations/util.py) and
`render/view/view.py` (`DefaultJinjaView.__init__` making `Environment(...)`) again, check that the
patches still hold (the other tests here), then set `PATCHED_GX`. Until then the patches are not
installed (the version differs) and GX runs as released.
"""

from __future__ import annotations

import inspect
import re
import shutil
from pathlib import Path
from typing import Any

import great_expectations
import pytest
from great_expectations.expectations.expectation import Expectation

from pipelines.validate import gx
from pipelines.validate.gx import build_data_docs, run_suite
from tests.validate.test_gx import RULES, _checks


def test_the_patches_are_for_the_installed_gx() -> None:
    assert great_expectations.__version__ == gx.PATCHED_GX, "GX changed: re-check gx.py's patches"
    from great_expectations.core import id_dict
    from great_expectations.render.view import view
    from great_expectations.util import convert_to_json_serializable

    # what the patches rely on, as GX 1.24.1 has it
    assert "self.env = Environment(" in inspect.getsource(view.DefaultJinjaView.__init__)
    assert isinstance(Expectation.__dict__["configuration"], property)
    for name in gx.ONCE_PER_CALL:
        source = inspect.getsource(inspect.unwrap(getattr(Expectation, name)))
        assert "self.configuration" in source or "self._get_success_kwarg" in source, name
    gx.plain_metric_ids()
    assert gx._GX_JSON[0] is convert_to_json_serializable  # what `to_id` called, replaced by ours
    assert "convert_to_json_serializable(data=" in inspect.getsource(id_dict.IDDict.to_id)


def _unpatched(monkeypatch: pytest.MonkeyPatch) -> None:
    """GX as released, for this test: the wrapped methods and the configuration property restored."""
    gx.configuration_once()
    for name in gx.ONCE_PER_CALL:
        monkeypatch.setattr(Expectation, name, inspect.unwrap(getattr(Expectation, name)))
    monkeypatch.setattr(Expectation, "configuration", gx._BUILT_CONFIGURATION[0])
    from great_expectations.core import id_dict

    gx.plain_metric_ids()
    monkeypatch.setattr(id_dict, "convert_to_json_serializable", gx._GX_JSON[0])


def _expectations() -> list[Any]:
    from great_expectations.expectations.core.expect_column_values_to_be_between import (
        ExpectColumnValuesToBeBetween,
    )

    return [
        ExpectColumnValuesToBeBetween(column="slack_H01", min_value=0),
        ExpectColumnValuesToBeBetween(
            column="slack_R01", min_value=0, max_value=9, mostly=0.5, strict_max=True,
            meta={"rule_id": "R01"}, description="d",
            result_format={"result_format": "SUMMARY", "partial_unexpected_count": 3},
        ),
    ]  # fmt: skip


def _counting(built: property, calls: list[int]) -> property:
    """GX's configuration property, counting the configurations it builds."""
    assert built.fget is not None
    fget = built.fget

    def build(expectation: Any) -> Any:
        calls.append(1)
        return fget(expectation)

    return property(build)


def test_configuration_is_built_once_per_call_with_the_same_kwargs(monkeypatch: pytest.MonkeyPatch) -> None:
    """GX's kwargs methods return what they return unpatched (the unwrapped methods, with the property
    as GX defines it), and build the configuration once a call instead of once a key."""
    gx.configuration_once()
    built = gx._BUILT_CONFIGURATION[0]
    runtime = [None, {}, {"result_format": "COMPLETE"}, {"result_format": {"result_format": "BASIC"}}]
    for expectation in _expectations():
        for name in gx.ONCE_PER_CALL:
            patched = getattr(expectation, name)
            args = [[rc] for rc in runtime] if name == "_get_runtime_kwargs" else [[]]
            for arg in args:
                with monkeypatch.context() as m:
                    m.setattr(Expectation, "configuration", built)
                    m.setattr(Expectation, name, inspect.unwrap(getattr(Expectation, name)))
                    released = getattr(expectation, name)(*arg)
                calls: list[int] = []
                with monkeypatch.context() as m:
                    m.setattr(gx, "_BUILT_CONFIGURATION", [_counting(built, calls)])
                    assert patched(*arg) == released, (name, arg)
                assert len(calls) == 1, name


def _normalised(result: Any) -> dict[str, Any]:
    """A stored validation result less what differs from run to run (times, GX's generated ids)."""
    text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<id>", str(result))
    return {"text": re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+(\+00:00|Z)?|\d{8}T\d{6}\.\d+Z", "<t>", text)}


def test_the_verdict_and_stored_result_are_gx_s_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Judged with the patch and by GX as released: the same verdict, the same stored result (each
    expectation's unexpected values and index list), read back from GX's store."""
    checks = _checks({"H01": ["0", "-0.000001", "3", "-2"], "R01": ["0"], "X08": ["-100", "1"]})

    def judged(folder: Path) -> tuple[Any, list[Any]]:
        verdict = run_suite(checks, RULES, "final_account", "same", docs_dir=folder)
        context = gx._context(great_expectations, folder)
        store = context.validation_results_store
        return verdict, [store.get(k).to_json_dict() for k in store.list_keys()]

    gx.configuration_once()
    gx.plain_metric_ids()
    patched = judged(tmp_path / "patched")
    with monkeypatch.context() as m:
        _unpatched(m)
        released = judged(tmp_path / "released")
    assert patched[0] == released[0] and patched[0].failed_check_ids == frozenset({1, 3, 5})
    assert len(patched[1]) == len(released[1]) == 1
    assert _normalised(patched[1]) == _normalised(released[1])
    lists = {r["expectation_config"]["kwargs"]["column"]: r["result"] for r in patched[1][0]["results"]}
    assert lists["slack_H01"]["unexpected_index_list"] == [1, 3]
    assert lists["slack_H01"]["unexpected_count"] == 2
    assert lists["slack_X08"]["unexpected_index_list"] == [0]


def test_metric_ids_are_gx_s_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every value GX's metric ids convert while judging (recorded from a verdict with GX's own
    converter), and values of the kinds `_plain_json` hands back to GX's (numpy numbers, a subclass
    of dict, NaN, a set, a date), convert to what GX's converter makes of them: the same JSON, of
    the same types."""
    import datetime

    import numpy as np
    from great_expectations.core import id_dict
    from great_expectations.core.id_dict import IDDict

    gx.plain_metric_ids()
    theirs = gx._GX_JSON[0]
    seen: list[Any] = []

    def recording(data: Any) -> Any:
        seen.append(data)
        return theirs(data)

    with monkeypatch.context() as m:
        m.setattr(id_dict, "convert_to_json_serializable", recording)
        checks = _checks({"H01": ["0", "-0.000001", "3"], "R01": ["0"], "X08": ["-100", "1"]})
        run_suite(checks, RULES, "final_account", "ids")
    assert len(seen) > 50 and any(isinstance(v.get("result_format"), dict) for v in seen)
    others = [
        {"a": np.int64(3), "b": np.float64(0.5), "c": float("nan"), "d": (None, True, 1.5)},
        IDDict({"column": "slack_H01", "row_condition": None}),
        {1: {2, 3}, "day": datetime.date(2024, 1, 2), "bools": [np.bool_(True), False]},
    ]
    for data in [*seen, *others]:
        ours, gxs = gx._plain_json(data), theirs(data)
        assert ours == gxs and repr(ours) == repr(gxs), data  # repr: True is not 1, 1 is not 1.0
    kwargs = [IDDict(d) for d in [*seen, *others] if isinstance(d, dict) and len(d) > 1]
    ids = [k.to_id() for k in kwargs]  # the patch installed
    with monkeypatch.context() as m:
        m.setattr(id_dict, "convert_to_json_serializable", theirs)
        assert ids == [k.to_id() for k in kwargs]


def _pages(site: Path) -> dict[str, str]:
    """Every page of a Data Docs site, less what differs between two renderings of the same results
    (times, generated ids, the links' cache-busting stamps)."""
    out = {}
    for page in sorted(site.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<id>", text)
        text = re.sub(r"'_run_time_sort': [\d.]+", "<sort>", text)
        text = re.sub(r"\d{4}-\d\d-\d\d[T ][\d:.]+(\+00:00|Z)?|\d{8}T\d{6}\.\d+Z", "<t>", text)
        out[re.sub(r"\d{8}T\d{6}\.\d+Z", "<t>", str(page.relative_to(site)))] = text
    return out


def test_data_docs_are_the_same_built_incrementally_and_with_cached_templates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The site as this module builds it (only the pages not rendered yet; Jinja's compiled templates
    kept in the site's folder and read back on the next build) has the pages, and their content, of a
    site GX builds whole without the bytecode cache: the custom styles GX includes in every page too."""
    import jinja2
    from great_expectations.render.view import view

    docs = tmp_path / "gx"
    site = docs / "gx" / gx.SITE
    run_suite(_checks({"H01": ["-1", "0"], "R01": ["0"]}), RULES, "final_account", "doc1", docs_dir=docs)
    build_data_docs(docs)  # a site not built yet: whole
    run_suite(_checks({"H01": ["0"], "X08": ["-3"]}), RULES, "final_account", "doc2", docs_dir=docs)
    first = site / "validations"
    kept = {p: p.stat().st_mtime_ns for p in first.rglob("*.html")}
    build_data_docs(docs)  # incremental, with the templates compiled by the first build
    assert kept and all(p.stat().st_mtime_ns == t for p, t in kept.items())  # doc1's page not rendered again
    assert any((docs / "gx" / "uncommitted" / "jinja_bytecode").iterdir())
    every = {p: p.stat().st_mtime_ns for p in first.rglob("*.html")}
    build_data_docs(docs)  # nothing new: no result's page rendered again (GX reads no identifier as all)
    assert len(every) == 2 and all(p.stat().st_mtime_ns == t for p, t in every.items())
    ours = _pages(site)

    whole = tmp_path / "whole"
    shutil.copytree(docs, whole, ignore=shutil.ignore_patterns("data_docs", "jinja_bytecode"))
    with monkeypatch.context() as m:
        m.setattr(gx, "_jinja_cache", [])
        m.setattr(gx, "jinja_bytecode_cache", lambda directory: None)
        m.setattr(view, "Environment", jinja2.Environment)
        build_data_docs(whole)
    theirs = _pages(whole / "gx" / gx.SITE)
    assert sorted(ours) == sorted(theirs) and len(ours) == 4  # index, the suite, doc1 and doc2
    for name in ours:
        assert ours[name] == theirs[name], name
    styles = docs / "gx" / "plugins" / "custom_data_docs" / "styles" / "data_docs_custom_styles.css"
    custom = styles.read_text(encoding="utf-8").strip().splitlines()[0]
    assert all(custom in text for text in ours.values())
    doc2 = next(text for name, text in ours.items() if "doc2" in name)
    assert "slack_X08" in doc2 and "1 unexpected values found" in doc2  # the failed rule, its count
