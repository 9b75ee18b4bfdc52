"""The cyclic garbage collector in our long-lived processes: the CLI's, the extraction workers'.

Their start-up imports (Dagster's, the extractor's) leave hundreds of thousands of objects that live
until exit, and every full collection walked them all again: 1.1–1.9 CPU-s of a rendered ingest in
the CLI's process, 8% of a worker's CPU. `gc.freeze` moves them out of the collector's view, as the
gc docs suggest for long-lived start-up objects, and a larger young generation makes the full
collections rarer. Nothing depends on when garbage is collected: a run's objects are freed the same,
a little later.
"""

from __future__ import annotations

import gc

THRESHOLDS = (20_000, 20, 20)  # young generation 20,000 allocations (Python's default: 700)


def quiet() -> None:
    """Freeze what the process holds now (its start-up), collect young garbage less often, and turn
    the collector on (a start-up may have turned it off for its imports)."""
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    gc.enable()
