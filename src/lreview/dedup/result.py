"""The plain values deduplication takes and returns: options, clusters, possible and related pairs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from lreview.records import Record

PairKey = frozenset[str]


def record_key(record: Record) -> str:
    """A record's stable identity for human decisions: `source:source_id`."""
    return f"{record.source}:{record.source_id}"


def pair_key(a: Record, b: Record) -> PairKey:
    """The key of a human decision about two records (order does not matter)."""
    return frozenset((record_key(a), record_key(b)))


@dataclass(frozen=True, slots=True)
class DedupOptions:
    """How to deduplicate.

    related: "related" (default) links preprint vs published version and conference abstract vs
    full article as related pairs without merging them; "merge" treats them as duplicates.
    decisions: human verdicts on pairs (`pair_key` → True = same publication, False = different);
    they override the automatic decision in both directions.
    """

    related: Literal["related", "merge"] = "related"
    decisions: Mapping[PairKey, bool] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Cluster:
    """One publication: member input positions, the canonical member and the merged record."""

    members: tuple[int, ...]
    canonical: int
    record: Record


@dataclass(frozen=True, slots=True)
class PossiblePair:
    """Two records (input positions) a human should look at; `reasons` says what agreed and what not."""

    a: int
    b: int
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RelatedPair:
    """Two versions of one work kept apart on purpose (preprint/published, abstract/article)."""

    a: int
    b: int
    reason: str


@dataclass(frozen=True, slots=True)
class DedupResult:
    """Clusters over the input: `cluster_of[i]` is the index into `clusters` of input record i."""

    cluster_of: list[int]
    clusters: list[Cluster]
    possible: list[PossiblePair]
    related: list[RelatedPair]


@dataclass(frozen=True, slots=True)
class IncrementalResult:
    """Where each new record went: an existing cluster id, or a fresh id above all existing ones."""

    cluster_of_new: list[int]
    joined_existing: list[bool]  # True when that new record joined a cluster that was already stored
    possible: list[PossiblePair]  # positions: existing records first (0..len(existing)-1), then new
    related: list[RelatedPair]
