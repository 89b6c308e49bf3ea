"""What later steps store about records: dedup clusters, model runs and rankings, screening batches
(possible-duplicate pairs and their verdicts are in `duplicates.py`). Records are referred to by their
store id (`StoredRecord.id`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from lreview import __version__
from lreview.store.base import StoreBase, insert_rows
from lreview.store.models import (
    ModelRunInfo,
    RankedRecord,
    Ranking,
    rank_order,
)
from lreview.store.schema import (
    cluster_members,
    decisions,
    dedup_runs,
    model_runs,
    rankings,
    raw_records,
)


class Analyses(StoreBase):
    """Methods of `Store` for dedup, ranking and batches."""

    # ---- dedup ------------------------------------------------------------------------------------

    def save_clusters(
        self, review_id: str, clusters: Sequence[Sequence[int]], params: Mapping[str, Any]
    ) -> int:
        """Log a dedup run and its clusters (record ids, canonical one first); return the run id."""
        with self._write(f"saving {len(clusters)} clusters of review {review_id}") as conn:
            run_id = int(
                conn.execute(
                    sa.insert(dedup_runs).returning(dedup_runs.c.id),
                    {
                        "review_id": review_id,
                        "params": dict(params),
                        "tool_version": __version__,
                        "created_at": datetime.now(UTC),
                    },
                ).scalar_one()
            )
            rows = [
                (run_id, rid, number, pos == 0)
                for number, members in enumerate(clusters, start=1)
                for pos, rid in enumerate(members)
            ]
            insert_rows(conn, cluster_members, rows)
        return run_id

    def latest_clusters(self, review_id: str, *, upto_run: int | None = None) -> list[list[int]]:
        """The clusters of the review's latest dedup run (or the latest with id <= `upto_run`),
        canonical record first; [] if never run."""
        last_run = sa.select(sa.func.max(dedup_runs.c.id)).where(dedup_runs.c.review_id == review_id)
        if upto_run is not None:
            last_run = last_run.where(dedup_runs.c.id <= upto_run)
        query = (
            sa.select(cluster_members.c.cluster_id, cluster_members.c.record_id)
            .where(cluster_members.c.dedup_run_id == last_run.scalar_subquery())
            .order_by(
                cluster_members.c.cluster_id, cluster_members.c.canonical.desc(), cluster_members.c.record_id
            )
        )
        clusters: dict[int, list[int]] = {}
        with self._read("reading clusters") as conn:
            for cluster_id, record_id in conn.execute(query).all():  # fetchall: 3x faster on psycopg
                clusters.setdefault(cluster_id, []).append(record_id)
        return list(clusters.values())

    def latest_dedup_params(self, review_id: str) -> dict[str, Any]:
        """The parameters (and related pairs) stored with the review's latest dedup run; {} if none."""
        query = (
            sa.select(dedup_runs.c.params)
            .where(dedup_runs.c.review_id == review_id)
            .order_by(dedup_runs.c.id.desc())
            .limit(1)
        )
        with self._read("reading the latest dedup run") as conn:
            params = conn.execute(query).scalar()
        return dict(params) if isinstance(params, dict) else {}

    # ---- ranking ----------------------------------------------------------------------------------

    def add_model_run(
        self,
        review_id: str,
        *,
        model: str,
        model_version: str,
        params: Mapping[str, Any],
        seed: int | None,
        n_train: int,
        n_included: int,
    ) -> int:
        """Log a fitted ranking model; return its id."""
        with self._write(f"logging a model run of review {review_id}") as conn:
            return int(
                conn.execute(
                    sa.insert(model_runs).returning(model_runs.c.id),
                    {
                        "review_id": review_id,
                        "model": model,
                        "model_version": model_version,
                        "params": dict(params),
                        "seed": seed,
                        "n_train": n_train,
                        "n_included": n_included,
                        "created_at": datetime.now(UTC),
                    },
                ).scalar_one()
            )

    def save_ranking(self, model_run_id: int, scores: Mapping[int, float]) -> None:
        """Store a model run's scores; rank 1 is the highest score (ties: lower record id first)."""
        order = rank_order(scores)
        rows = [(model_run_id, rid, float(score), n) for n, (rid, score) in enumerate(order, start=1)]
        with self._write(f"saving the ranking of model run {model_run_id}") as conn:
            insert_rows(conn, rankings, rows)

    def latest_ranking(self, review_id: str, *, model_run_id: int | None = None) -> Ranking | None:
        """The review's latest model run (or run `model_run_id`) with its ranking, best first; None if
        there is no such run."""
        query = sa.select(model_runs).where(model_runs.c.review_id == review_id)
        if model_run_id is not None:
            query = query.where(model_runs.c.id == model_run_id)
        with self._read("reading a ranking") as conn:
            run = conn.execute(query.order_by(model_runs.c.id.desc()).limit(1)).one_or_none()
            if run is None:
                return None
            entries = conn.execute(
                sa.select(rankings.c.record_id, rankings.c.score, rankings.c.rank)
                .where(rankings.c.model_run_id == run.id)
                .order_by(rankings.c.rank)
            )
            ranked = tuple(RankedRecord(rid, score, rank) for rid, score, rank in entries)
        return Ranking(ModelRunInfo(**run._asdict()), ranked)

    def input_marks(self, review_id: str) -> dict[str, int]:
        """The newest raw record version, dedup run and decision of a review (0 where none): what a
        model run records so that its inputs can be read back as they were (`iter_records(upto_raw=)`,
        `latest_clusters(upto_run=)`, `decisions(upto=)`)."""
        marks = {
            "upto_raw": raw_records.c.id,
            "upto_dedup_run": dedup_runs.c.id,
            "upto_decision": decisions.c.id,
        }
        with self._read("reading the store's newest ids") as conn:
            return {
                key: int(
                    conn.execute(
                        sa.select(sa.func.coalesce(sa.func.max(column), 0)).where(
                            column.table.c.review_id == review_id
                        )
                    ).scalar_one()
                )
                for key, column in marks.items()
            }
