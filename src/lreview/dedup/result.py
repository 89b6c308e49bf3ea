"""The plain values deduplication takes and returns: options, clusters, possible and related pairs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from lreview.dedup.compare import Verdict
from lreview.dedup.keys import Keys
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
    """What an incremental run changed: `clusters` replace every stored cluster holding one of
    `reclustered` (record ids; canonical first, then the others ascending); pairs name record ids."""

    clusters: list[tuple[int, ...]]
    reclustered: frozenset[int]
    possible: list[PossiblePair]
    related: list[RelatedPair]  # every related pair of the review across clusters, as a full run's
    compared: frozenset[int]  # the records whose pairs were compared again (part of `reclustered`)
    links: dict[tuple[int, int], Verdict]  # every link touching `compared` (replaces the stored ones)
    added: dict[int, Keys]  # the keys of the records the previous run did not have
    studies: list[RelatedPair]  # the study links that touch those records (in one cluster or across)
