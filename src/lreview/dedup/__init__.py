"""Deduplication: normalise, block, compare, cluster (with never-merge guards), merge, possible pairs.

Pure library over `Record`s, no database access. Entry points: `dedupe`, `dedupe_incremental`,
`dedupe_files` (the `lreview dedupe` command).
"""

from lreview.dedup.dedupe import dedupe, dedupe_incremental
from lreview.dedup.files import DedupSummary, dedupe_files
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
    "DedupSummary",
    "IncrementalResult",
    "PossiblePair",
    "RelatedPair",
    "dedupe",
    "dedupe_files",
    "dedupe_incremental",
    "pair_key",
    "record_key",
]
