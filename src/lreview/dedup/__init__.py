"""Deduplication: normalise, block, compare, cluster (with never-merge guards), merge, possible pairs.

Pure library over `Record`s: no database and no files (`lreview dedupe` reads and writes those in
`lreview.pipeline.dedupe_files`). Entry points: `dedupe`, `dedupe_incremental`.
"""

from lreview.dedup.dedupe import dedupe, dedupe_incremental
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
    "DedupOptions",
    "DedupResult",
    "IncrementalResult",
    "PossiblePair",
    "RelatedPair",
    "dedupe",
    "dedupe_incremental",
    "pair_key",
    "record_key",
]
