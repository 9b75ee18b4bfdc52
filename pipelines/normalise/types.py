"""What normalising one document yields: its own light module, so the Dagster definitions (an asset's
type) and the writer (staging's read-back) know the type without importing the normaliser (~0.3 s)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

    from pipelines.extract.types import ExtractedDocument


@dataclass
class NormalisedDocument:
    document: ExtractedDocument
    facts: pl.DataFrame
    tables: pl.DataFrame
    # fact tables of another grain (fact_narrative_figure, fact_project, …) → the document's rows
    extras: dict[str, pl.DataFrame] = field(default_factory=dict)
