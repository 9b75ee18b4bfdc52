"""Dagster wiring, the top layer: assets, asset checks, the batch job, partitions and resources.

Each asset is a thin call into the stage packages below; `pipelines/defs.py` assembles them into the
one `Definitions` (the code location)."""
