"""The dynamic partitions: one per source file version, keyed by content hash."""

import dagster as dg

SOURCE_FILES = "source_files"
source_files = dg.DynamicPartitionsDefinition(name=SOURCE_FILES)
