"""Plain values the store takes and returns: runs, upsert counts, stored records, decisions, rankings.

`Decision` and the decision vocabulary live in `lreview.decisions` (a bottom layer that screening
and PRISMA share); `lreview.store` re-exports them because they are the row shape of the decision log.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from lreview.records import Record

RUN_STATUSES = ("running", "succeeded", "failed")
PAIR_STATUSES = ("pending", "confirmed", "rejected")


@dataclass(frozen=True, slots=True)
class RunInfo:
    """One search run (e.g. one PubMed harvest of one saved search) as stored."""

    id: int
    review_id: str
    search_name: str
    source: str
    query: str
    mindate: date | None
    maxdate: date | None
    status: str
    started_at: datetime
    finished_at: datetime | None
    count_reported: int | None
    n_fetched: int | None
    n_new: int | None
    n_updated: int | None
    n_missing: int | None
    query_translation: str | None
    warnings: tuple[str, ...]
    errors: tuple[str, ...]
    tool_version: str


@dataclass(frozen=True, slots=True)
class UpsertCounts:
    """What one `store_records` call did: records first seen, revised, or seen again unchanged."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: UpsertCounts) -> UpsertCounts:
        return UpsertCounts(
            self.new + other.new, self.updated + other.updated, self.unchanged + other.unchanged
        )


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A record's current version with its store id (the id decisions, clusters and ranks refer to)."""

    id: int
    record: Record
    missing_from_source: bool = False


@dataclass(frozen=True, slots=True)
class FileImport:
    """One imported export file (each file content is imported once per review)."""

    id: int
    review_id: str
    source: str
    path: str
    sha256: str
    n_records: int
    imported_at: datetime


@dataclass(frozen=True, slots=True)
class ModelRunInfo:
    """One fitted ranking model: enough to reproduce it (name, version, params, seed, training size)."""

    id: int
    review_id: str
    model: str
    model_version: str
    params: dict[str, Any]
    seed: int | None
    n_train: int
    n_included: int
    created_at: datetime


def rank_order(scores: Mapping[int, float]) -> list[tuple[int, float]]:
    """(record id, score) best first, as rankings are stored: highest score, ties by lower record id."""
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


@dataclass(frozen=True, slots=True)
class RankedRecord:
    """A record's place in a ranking (rank 1 = most likely relevant)."""

    record_id: int
    score: float
    rank: int


@dataclass(frozen=True, slots=True)
class Ranking:
    """A model run and the ranking it produced, best first."""

    model_run: ModelRunInfo
    entries: tuple[RankedRecord, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class DuplicatePair:
    """A possible duplicate awaiting (or carrying) a human decision; record_a < record_b."""

    id: int
    record_a: int
    record_b: int
    score: float
    status: str  # one of PAIR_STATUSES
    decided_by: str | None
    decided_at: datetime | None


@dataclass(frozen=True, slots=True)
class DuplicateVerdict:
    """One logged human verdict on a possible duplicate (the pair record_a < record_b, in any order
    when appending); the latest verdict on a pair is its status. `source_hash` + `row_key` make
    re-reading the same pairs file a no-op; `id` and `decided_at` are filled in by the store."""

    record_a: int
    record_b: int
    verdict: str  # one of PAIR_STATUSES ("pending": back in the queue)
    decided_by: str
    source_file: str | None = None
    source_hash: str | None = None
    row_key: str | None = None
    decided_at: datetime | None = None
    id: int | None = None
