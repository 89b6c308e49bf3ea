"""The append-only screening decision log: append, read, and the latest decision per record.

There is deliberately no update or delete: a changed mind is a new, later decision. Re-ingesting the
same workbook is a no-op because a decision from a file is keyed by (source_hash, row_key), also
when two processes append the same file at once (the later one skips the rows the first committed).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from lreview.decisions import DECISION_VALUES, ROLES, STAGES, Decision
from lreview.errors import StoreError
from lreview.store.base import StoreBase, insert_new
from lreview.store.schema import decisions
from lreview.store.upsert import chunks

_FIELDS = (
    "record_id",
    "stage",
    "decision",
    "reviewer",
    "reason",
    "batch_id",
    "source_file",
    "source_hash",
    "row_key",
    "created_at",
    "id",
    "role",
    "notes",
)


def _check(position: int, decision: Decision) -> None:
    where = f"decision {position} (record {decision.record_id})"
    if decision.stage not in STAGES:
        raise StoreError(f"{where}: stage {decision.stage!r} is not one of {', '.join(STAGES)}")
    if decision.decision not in DECISION_VALUES:
        raise StoreError(f"{where}: {decision.decision!r} is not one of {', '.join(DECISION_VALUES)}")
    if decision.role not in ROLES:
        raise StoreError(f"{where}: role {decision.role!r} is not one of {', '.join(ROLES)}")
    if not decision.reviewer:
        raise StoreError(f"{where}: reviewer is empty")
    if (decision.source_hash is None) != (decision.row_key is None):
        raise StoreError(f"{where}: give both source_hash and row_key, or neither")


class DecisionLog(StoreBase):
    """Methods of `Store` for the decision log."""

    def append_decisions(self, review_id: str, batch: Sequence[Decision]) -> int:
        """Append decisions in one transaction; those already logged from the same file row are skipped.

        Returns how many were appended.
        """
        for position, decision in enumerate(batch):
            _check(position, decision)
        now = datetime.now(UTC)
        with self._write(f"logging {len(batch)} decisions of review {review_id}") as conn:
            hashes = sorted({d.source_hash for d in batch if d.source_hash is not None})
            logged: set[tuple[str, str]] = set()
            for part in chunks(hashes):
                query = sa.select(decisions.c.source_hash, decisions.c.row_key).where(
                    decisions.c.review_id == review_id, decisions.c.source_hash.in_(part)
                )
                logged.update((h, k) for h, k in conn.execute(query))
            rows: list[dict[str, Any]] = []
            for d in batch:
                if d.source_hash is not None and d.row_key is not None:
                    if (d.source_hash, d.row_key) in logged:
                        continue
                    logged.add((d.source_hash, d.row_key))
                rows.append(
                    {
                        "review_id": review_id,
                        "record_id": d.record_id,
                        "stage": d.stage,
                        "decision": d.decision,
                        "reviewer": d.reviewer,
                        "reason": d.reason,
                        "batch_id": d.batch_id,
                        "source_file": d.source_file,
                        "source_hash": d.source_hash,
                        "row_key": d.row_key,
                        "created_at": d.created_at or now,
                        "role": d.role,
                        "notes": d.notes,
                    }
                )
            if not rows:
                return 0
            # a concurrent append of the same file commits first: its rows are skipped here too
            key = ("review_id", "source_hash", "row_key")
            return len(conn.execute(insert_new(conn, decisions, key), rows).all())

    def decisions(
        self, review_id: str, stage: str | None = None, *, upto: int | None = None
    ) -> list[Decision]:
        """The log of a review (optionally one stage, and only entries with id <= `upto`) in the order
        it was appended."""
        query = (
            sa.select(*(decisions.c[name] for name in _FIELDS))
            .where(decisions.c.review_id == review_id)
            .order_by(decisions.c.id)
        )
        if stage is not None:
            query = query.where(decisions.c.stage == stage)
        if upto is not None:
            query = query.where(decisions.c.id <= upto)
        with self._read("reading decisions") as conn:
            return [Decision(**row._asdict()) for row in conn.execute(query).all()]

    def latest_decisions(
        self, review_id: str, stage: str, *, reviewer: str | None = None
    ) -> dict[int, Decision]:
        """record id -> the decision logged last for it at this stage (optionally by one reviewer)."""
        latest: dict[int, Decision] = {}
        for decision in self.decisions(review_id, stage):
            if reviewer is None or decision.reviewer == reviewer:
                latest[decision.record_id] = decision
        return latest
