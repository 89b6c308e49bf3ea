"""The record store: `Store.open(url)` on a SQLite file or a PostgreSQL database (see store.py)."""

from lreview.decisions import DECISION_VALUES, STAGES, Decision
from lreview.store.batches import BatchInfo
from lreview.store.models import (
    DuplicatePair,
    DuplicateVerdict,
    FileImport,
    ModelRunInfo,
    RankedRecord,
    Ranking,
    RunInfo,
    StoredRecord,
    UpsertCounts,
    rank_order,
)
from lreview.store.store import Store
from lreview.store.versions import ReviewVersion

__all__ = [
    "BatchInfo",
    "DECISION_VALUES",
    "STAGES",
    "Decision",
    "DuplicatePair",
    "DuplicateVerdict",
    "FileImport",
    "ModelRunInfo",
    "RankedRecord",
    "ReviewVersion",
    "Ranking",
    "RunInfo",
    "Store",
    "StoredRecord",
    "UpsertCounts",
    "rank_order",
]
