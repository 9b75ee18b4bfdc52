"""Imported first by the extraction workers' server (`batch._pool`'s preload): the cyclic garbage
collector off while the server imports the extractor.

Its collections during those imports found little and cost 0.03–0.09 CPU-s a run (0.32 rather than
0.35–0.41 CPU-s for the imports, measured alone). The server only forks after them, and each worker
turns the collector on again with the imports frozen (`collector.quiet`). Imported for this alone:
importing it changes the importing process.
"""

import gc

gc.disable()
