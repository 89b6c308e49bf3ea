"""The possible-duplicates queue: pairs dedup was unsure about, and humans' verdicts on them as an
append-only log (a changed mind is a new, later verdict; a pair's status is its latest verdict).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

import sqlalchemy as sa

from lreview.errors import StoreError
from lreview.store.base import StoreBase, insert_new
from lreview.store.models import PAIR_STATUSES, DuplicatePair, DuplicateVerdict
from lreview.store.schema import duplicate_pairs, duplicate_verdicts
from lreview.store.upsert import chunks


def _check(position: int, verdict: DuplicateVerdict) -> None:
    where = f"verdict {position} (pair {verdict.record_a}-{verdict.record_b})"
    if verdict.verdict not in PAIR_STATUSES:
        raise StoreError(f"{where}: status {verdict.verdict!r} is not one of {', '.join(PAIR_STATUSES)}")
    if not verdict.decided_by:
        raise StoreError(f"{where}: decided_by is empty")
    if (verdict.source_hash is None) != (verdict.row_key is None):
        raise StoreError(f"{where}: give both source_hash and row_key, or neither")


class DuplicateQueue(StoreBase):
    """Methods of `Store` for possible duplicates and their verdicts."""

    def add_duplicate_pairs(self, review_id: str, pairs: Iterable[tuple[int, int, float]]) -> int:
        """Queue possible duplicates (a, b, score); pairs already known are kept as they are."""
        wanted = {(min(a, b), max(a, b)): score for a, b, score in pairs}
        with self._write(f"queueing possible duplicates of review {review_id}") as conn:
            query = sa.select(duplicate_pairs.c.record_a, duplicate_pairs.c.record_b).where(
                duplicate_pairs.c.review_id == review_id
            )
            known = {(a, b) for a, b in conn.execute(query)}
            rows = [
                {"review_id": review_id, "record_a": a, "record_b": b, "score": s}
                for (a, b), s in wanted.items()
                if (a, b) not in known
            ]
            if not rows:
                return 0
            key = ("review_id", "record_a", "record_b")
            return len(conn.execute(insert_new(conn, duplicate_pairs, key), rows).all())

    def append_duplicate_verdicts(self, review_id: str, verdicts: Sequence[DuplicateVerdict]) -> int:
        """Log verdicts in one transaction (all or none); those already logged from the same file row
        are skipped. Returns how many were appended; StoreError for a pair not in the queue."""
        for position, verdict in enumerate(verdicts):
            _check(position, verdict)
        now = datetime.now(UTC)
        wanted = sorted({(min(v.record_a, v.record_b), max(v.record_a, v.record_b)) for v in verdicts})
        with self._write(f"logging {len(verdicts)} duplicate verdicts of review {review_id}") as conn:
            pair_ids: dict[tuple[int, int], int] = {}
            for part in chunks(sorted({a for a, _ in wanted})):
                query = sa.select(
                    duplicate_pairs.c.record_a, duplicate_pairs.c.record_b, duplicate_pairs.c.id
                ).where(duplicate_pairs.c.review_id == review_id, duplicate_pairs.c.record_a.in_(part))
                pair_ids.update(((a, b), pid) for a, b, pid in conn.execute(query))
            rows = []
            for v in verdicts:
                pair = (min(v.record_a, v.record_b), max(v.record_a, v.record_b))
                if pair not in pair_ids:
                    raise StoreError(f"review {review_id}: no possible-duplicate pair {pair[0]}-{pair[1]}")
                rows.append(
                    {
                        "review_id": review_id,
                        "pair_id": pair_ids[pair],
                        "verdict": v.verdict,
                        "decided_by": v.decided_by,
                        "decided_at": v.decided_at or now,
                        "source_file": v.source_file,
                        "source_hash": v.source_hash,
                        "row_key": v.row_key,
                    }
                )
            if not rows:
                return 0
            key = ("review_id", "source_hash", "row_key")
            return len(conn.execute(insert_new(conn, duplicate_verdicts, key), rows).all())

    def decide_duplicate_pair(
        self, review_id: str, record_a: int, record_b: int, status: str, decided_by: str
    ) -> None:
        """Log one verdict on a possible duplicate (confirmed/rejected, or back to pending)."""
        self.append_duplicate_verdicts(review_id, [DuplicateVerdict(record_a, record_b, status, decided_by)])

    def duplicate_pairs(self, review_id: str, status: str | None = None) -> list[DuplicatePair]:
        """Possible duplicates of the review with their latest verdict (optionally only those with
        one status; never decided = pending), highest score first."""
        latest = (
            sa.select(duplicate_verdicts.c.pair_id, sa.func.max(duplicate_verdicts.c.id).label("id"))
            .where(duplicate_verdicts.c.review_id == review_id)
            .group_by(duplicate_verdicts.c.pair_id)
            .subquery()
        )
        verdict = duplicate_verdicts.alias("verdict")
        pair_status = sa.func.coalesce(verdict.c.verdict, "pending")
        query = (
            sa.select(
                duplicate_pairs.c.id,
                duplicate_pairs.c.record_a,
                duplicate_pairs.c.record_b,
                duplicate_pairs.c.score,
                pair_status.label("status"),
                verdict.c.decided_by,
                verdict.c.decided_at,
            )
            .outerjoin(latest, latest.c.pair_id == duplicate_pairs.c.id)
            .outerjoin(verdict, verdict.c.id == latest.c.id)
            .where(duplicate_pairs.c.review_id == review_id)
            .order_by(duplicate_pairs.c.score.desc(), duplicate_pairs.c.id)
        )
        if status is not None:
            query = query.where(pair_status == status)
        with self._read("reading possible duplicates") as conn:
            return [DuplicatePair(**row._asdict()) for row in conn.execute(query)]

    def duplicate_verdicts(self, review_id: str) -> list[DuplicateVerdict]:
        """The review's verdict log in the order it was appended."""
        query = (
            sa.select(
                duplicate_pairs.c.record_a,
                duplicate_pairs.c.record_b,
                duplicate_verdicts.c.verdict,
                duplicate_verdicts.c.decided_by,
                duplicate_verdicts.c.source_file,
                duplicate_verdicts.c.source_hash,
                duplicate_verdicts.c.row_key,
                duplicate_verdicts.c.decided_at,
                duplicate_verdicts.c.id,
            )
            .join(duplicate_pairs, duplicate_pairs.c.id == duplicate_verdicts.c.pair_id)
            .where(duplicate_verdicts.c.review_id == review_id)
            .order_by(duplicate_verdicts.c.id)
        )
        with self._read("reading duplicate verdicts") as conn:
            return [DuplicateVerdict(**row._asdict()) for row in conn.execute(query)]
