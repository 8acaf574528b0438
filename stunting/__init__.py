"""Peta Stunting domain package: from e-PPGBM exports and boundary files to a parquet store.

Layers (see README "Architecture"): nothing in this package imports streamlit.
"""

import os

# Arrow's default allocator (mimalloc) keeps what an import's chunks and merge freed, and
# release_unused() returns only the calling thread's part: a 1M-row import sat about 130 MB higher
# before its merge and about 150 MB higher at its peak than with the C library's allocator, at the
# same CPU (docs/scale.md). Read by pyarrow when it is first imported, so set here, before any
# module of this package imports it; an explicit choice in the environment wins, and a process that
# imported pyarrow earlier keeps its allocator. Dask's local workers inherit it.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
