"""Moved to `pipelines.catalog` (tables.yaml, vocabulary.yaml and their loader); kept as a re-export.

Import from `pipelines.catalog` in new code: this module will go once nothing imports it.
"""

from pipelines.catalog import *  # noqa: F403
from pipelines.catalog import __all__  # noqa: F401
