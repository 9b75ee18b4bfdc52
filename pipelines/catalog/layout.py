"""A plain-text table's column layout, read from its catalog template (`TableSpec.text_layout`)."""

from __future__ import annotations

import re

from pipelines.catalog.model import TableSpec
from pipelines.vocab.grid import Column, Layout, Panel, relative_years
from pipelines.vocab.text import normalise_text


def text_layout(spec: TableSpec, header_text: str) -> Layout:
    """The columns of a plain-text table: the template's panels, with the value columns whose
    header word the printed header carries (e.g. a "2024年预算数" column beside "2025年预算数").

    Columns are numbered left to right over all panels, keys first within each panel.
    """
    text = relative_years([[normalise_text(header_text)]])[0][0]
    panels: list[Panel] = []
    index = 0
    for i, tp in enumerate(spec.text_layout):
        columns: list[Column] = []
        for key in tp.keys:
            columns.append(Column(index, "key", key))
            index += 1
        for word, measure in tp.columns:
            if re.search(word, text):
                label = next((m.label_zh for m in spec.measures if m.measure == measure), measure)
                columns.append(Column(index, "value", label, measure))
                index += 1
        name = spec.panel_names[i] if i < len(spec.panel_names) else None
        panels.append(Panel(name, tuple(columns)))
    return Layout(0, tuple(panels), ())
