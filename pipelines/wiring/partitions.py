"""The dynamic partitions: one per source file version, keyed by content hash, and the run tags
that say which file a partition is (its key is a hash) and, once extracted, whose document it is."""

import dagster as dg

SOURCE_FILES = "source_files"
source_files = dg.DynamicPartitionsDefinition(name=SOURCE_FILES)

FILE_TAG = "yujuesuan/file"  # the file name, set when the run is requested
DEPARTMENT_TAG = "yujuesuan/department"  # set by the load step once the title is read
YEAR_TAG = "yujuesuan/fiscal_year"
BATCH_TAG = "yujuesuan/batch"  # the runs one schedule tick (or one CLI call) launched together
