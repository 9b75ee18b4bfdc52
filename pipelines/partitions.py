"""The dynamic partitions: one per source file version, keyed by content hash."""

import dagster as dg

source_files = dg.DynamicPartitionsDefinition(name="source_files")
