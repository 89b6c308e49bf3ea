"""Deduplication: normalise, block, compare, cluster (with never-merge guards), merge, possible pairs.

Pure library over `Record`s: no database and no files (`lreview dedupe` reads and writes those in
`lreview.pipeline.dedupe_files`). Entry points: `dedupe` (and `cluster_batch`, which also returns what
an incremental run needs), `dedupe_incremental` (re-cluster only what added records change, same
result; see `incremental`).
"""

from lreview.dedup.dedupe import Clustering, cluster_batch, dedupe
from lreview.dedup.incremental import NotIncremental, dedupe_incremental
from lreview.dedup.index import MemoryIndex, PreviousRun, blocking_values, fingerprint
from lreview.dedup.result import (
    Cluster,
    DedupOptions,
    DedupResult,
    IncrementalResult,
    PossiblePair,
    RelatedPair,
    pair_key,
    record_key,
)

__all__ = [
    "Cluster",
    "Clustering",
    "DedupOptions",
    "DedupResult",
    "IncrementalResult",
    "MemoryIndex",
    "NotIncremental",
    "PossiblePair",
    "PreviousRun",
    "RelatedPair",
    "blocking_values",
    "cluster_batch",
    "dedupe",
    "dedupe_incremental",
    "fingerprint",
    "pair_key",
    "record_key",
]
