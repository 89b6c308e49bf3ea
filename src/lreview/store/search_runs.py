"""Search runs: one row per harvest of one saved search, with its window, counts and messages.

A run is `running` until `finish_run` closes it; a run left `running` belonged to a process that
died, and `fail_unfinished_runs` closes it as failed (call it while holding the review's lock).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row

from lreview import __version__
from lreview.errors import StoreError
from lreview.store.base import StoreBase
from lreview.store.models import RUN_STATUSES, RunInfo
from lreview.store.schema import search_runs


def _run_info(row: Row[Any]) -> RunInfo:
    values = row._asdict()
    values["warnings"] = tuple(values["warnings"] or ())
    values["errors"] = tuple(values["errors"] or ())
    return RunInfo(**values)


class SearchRuns(StoreBase):
    """Methods of `Store` for search runs."""

    def start_run(
        self,
        review_id: str,
        search_name: str,
        query: str,
        *,
        source: str = "PubMed",
        mindate: date | None = None,
        maxdate: date | None = None,
        tool_version: str = __version__,
    ) -> int:
        """Log a search run as `running`; return its id."""
        with self._write("starting a search run") as conn:
            row = conn.execute(
                sa.insert(search_runs).returning(search_runs.c.id),
                {
                    "review_id": review_id,
                    "search_name": search_name,
                    "source": source,
                    "query": query,
                    "mindate": mindate,
                    "maxdate": maxdate,
                    "status": "running",
                    "started_at": datetime.now(UTC),
                    "warnings": [],
                    "errors": [],
                    "tool_version": tool_version,
                },
            )
            return int(row.scalar_one())

    def finish_run(
        self,
        run_id: int,
        status: str,
        *,
        count_reported: int | None = None,
        n_fetched: int | None = None,
        n_new: int | None = None,
        n_updated: int | None = None,
        n_missing: int | None = None,
        query_translation: str | None = None,
        warnings: Sequence[str] = (),
        errors: Sequence[str] = (),
    ) -> None:
        """Close a run as `succeeded` or `failed` with what it found."""
        if status not in RUN_STATUSES[1:]:
            raise StoreError(f"search run {run_id}: status {status!r} is not succeeded/failed")
        with self._write(f"finishing search run {run_id}") as conn:
            result = conn.execute(
                sa.update(search_runs)
                .where(search_runs.c.id == run_id)
                .values(
                    status=status,
                    finished_at=datetime.now(UTC),
                    count_reported=count_reported,
                    n_fetched=n_fetched,
                    n_new=n_new,
                    n_updated=n_updated,
                    n_missing=n_missing,
                    query_translation=query_translation,
                    warnings=list(warnings),
                    errors=list(errors),
                )
            )
            if result.rowcount != 1:
                raise StoreError(f"{self.url}: no search run {run_id}")

    def fail_unfinished_runs(self, review_id: str, error: str) -> int:
        """Mark runs still `running` (their process died) as failed with `error`; return how many."""
        with self._write("failing unfinished runs") as conn:
            result = conn.execute(
                sa.update(search_runs)
                .where(search_runs.c.review_id == review_id, search_runs.c.status == "running")
                .values(status="failed", finished_at=datetime.now(UTC), errors=[error])
            )
            return int(result.rowcount)

    def run(self, run_id: int) -> RunInfo:
        """One search run by id."""
        with self._read(f"reading search run {run_id}") as conn:
            row = conn.execute(sa.select(search_runs).where(search_runs.c.id == run_id)).one_or_none()
        if row is None:
            raise StoreError(f"{self.url}: no search run {run_id}")
        return _run_info(row)

    def runs(self, review_id: str) -> list[RunInfo]:
        """All search runs of a review, oldest first."""
        query = sa.select(search_runs).where(search_runs.c.review_id == review_id).order_by(search_runs.c.id)
        with self._read("listing search runs") as conn:
            return [_run_info(row) for row in conn.execute(query)]

    def last_successful_run(self, review_id: str, search_name: str) -> RunInfo | None:
        """The latest `succeeded` run of this saved search (its maxdate is where the next one starts)."""
        query = (
            sa.select(search_runs)
            .where(
                search_runs.c.review_id == review_id,
                search_runs.c.search_name == search_name,
                search_runs.c.status == "succeeded",
            )
            .order_by(search_runs.c.id.desc())
            .limit(1)
        )
        with self._read("reading the last successful run") as conn:
            row = conn.execute(query).one_or_none()
        return None if row is None else _run_info(row)
