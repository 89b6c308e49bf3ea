"""Screening batches as stored: who was issued which publications, in which workbook, in which round.

Batches are appended, never changed: a reviewer's *current* batch for a stage and kind is their newest
one; older ones are superseded (their workbooks move to the archive) but still accepted back, so a
decision returned late in an old workbook is never lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from lreview.store.base import StoreBase
from lreview.store.schema import batch_items, batches


@dataclass(frozen=True, slots=True)
class BatchInfo:
    """One issued batch (one workbook) and its record ids in workbook order."""

    id: int
    review_id: str
    reviewer: str
    stage: str
    kind: str  # "screen" | "conflicts"
    round: int
    issued: str  # checksum of the issued record ids, as written into the workbook
    file: str
    model_run_id: int | None
    created_at: datetime
    record_ids: tuple[int, ...]


_COLUMNS = ("id", "review_id", "reviewer", "stage", "kind", "round", "issued", "file", "model_run_id",
            "created_at")  # fmt: skip


class Batches(StoreBase):
    """Methods of `Store` for screening batches."""

    def issue_batch(
        self,
        review_id: str,
        *,
        reviewer: str,
        stage: str,
        kind: str,
        round: int,
        record_ids: Sequence[int],
        issued: str,
        file: str,
        model_run_id: int | None = None,
    ) -> int:
        """Log a batch handed to a reviewer (record ids in workbook order); return its id."""
        with self._write(f"issuing a {kind} batch to {reviewer}") as conn:
            values = {"review_id": review_id, "reviewer": reviewer, "stage": stage, "kind": kind,
                      "round": round, "issued": issued, "file": file, "model_run_id": model_run_id,
                      "created_at": datetime.now(UTC)}  # fmt: skip
            batch_id = int(conn.execute(sa.insert(batches).returning(batches.c.id), values).scalar_one())
            if record_ids:
                rows = enumerate(record_ids)
                conn.execute(sa.insert(batch_items), [{"batch_id": batch_id, "record_id": r, "position": i}
                                                      for i, r in rows])  # fmt: skip
        return batch_id

    def batches(self, review_id: str, *, batch_id: int | None = None) -> list[BatchInfo]:
        """Every batch of the review (or only batch `batch_id`), oldest first, with its record ids."""
        query = sa.select(*(batches.c[c] for c in _COLUMNS)).where(batches.c.review_id == review_id)
        items = (
            sa.select(batch_items.c.batch_id, batch_items.c.record_id)
            .join(batches, batches.c.id == batch_items.c.batch_id)
            .where(batches.c.review_id == review_id)
            .order_by(batch_items.c.batch_id, batch_items.c.position)
        )
        if batch_id is not None:
            query, items = query.where(batches.c.id == batch_id), items.where(batches.c.id == batch_id)
        with self._read("reading batches") as conn:
            ids: dict[int, list[int]] = {}
            for batch_id, record_id in conn.execute(items):
                ids.setdefault(batch_id, []).append(record_id)
            return [
                BatchInfo(**row._asdict(), record_ids=tuple(ids.get(row.id, ())))
                for row in conn.execute(query.order_by(batches.c.id))
            ]

    def next_round(self, review_id: str) -> int:
        """The number of the next emit round (1 for the first)."""
        query = sa.select(sa.func.max(batches.c.round)).where(batches.c.review_id == review_id)
        with self._read("reading batch rounds") as conn:
            return int(conn.execute(query).scalar() or 0) + 1
