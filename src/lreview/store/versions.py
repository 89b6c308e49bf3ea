"""A living review's frozen versions: the records and included publications each version held.

`lreview prisma --new-version` appends one; nothing is ever changed. The newest is "the previous
version" of PRISMA 2020's flow diagram for an updated review.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from lreview.store.base import StoreBase
from lreview.store.schema import review_versions


@dataclass(frozen=True, slots=True)
class ReviewVersion:
    """One frozen version of a review."""

    id: int
    number: int  # 1 for the first version of the review
    created_at: datetime
    records: tuple[int, ...]
    included: tuple[int, ...]
    counts: dict[str, Any]


class Versions(StoreBase):
    """Methods of `Store` for living-review versions."""

    def freeze_version(
        self, review_id: str, records: Sequence[int], included: Sequence[int], counts: Mapping[str, Any]
    ) -> int:
        """Append a frozen version; return its id."""
        values = {"review_id": review_id, "created_at": datetime.now(UTC), "records": sorted(records),
                  "included": sorted(included), "counts": dict(counts)}  # fmt: skip
        with self._write(f"freezing a version of review {review_id}") as conn:
            return int(
                conn.execute(sa.insert(review_versions).returning(review_versions.c.id), values).scalar_one()
            )

    def versions(self, review_id: str) -> list[ReviewVersion]:
        """The review's frozen versions, oldest first."""
        query = (
            sa.select(review_versions)
            .where(review_versions.c.review_id == review_id)
            .order_by(review_versions.c.id)
        )
        with self._read("reading review versions") as conn:
            return [
                ReviewVersion(r.id, n, r.created_at, tuple(r.records), tuple(r.included), dict(r.counts))
                for n, r in enumerate(conn.execute(query), start=1)
            ]
