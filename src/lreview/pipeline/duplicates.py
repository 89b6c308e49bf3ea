"""Deduplicate every record of a review in the store, honouring humans' verdicts on possible pairs.

The whole review is clustered again on each run (the clustering is deterministic and fast enough for
reviews of 10^5 records), so a record harvested today joins the cluster of an earlier duplicate; a
decision logged on any member of a cluster holds for the whole cluster, so such a record inherits
that decision and is never sent to reviewers again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lreview.config import ReviewConfig
from lreview.dedup import DedupOptions, dedupe, pair_key
from lreview.pipeline.common import open_store, table
from lreview.store import Store, StoredRecord


@dataclass(frozen=True)
class DedupStepSummary:
    """What one deduplication of the review found; the per-source counts PRISMA reports."""

    review_id: str
    dedup_run: int
    identified_by_source: dict[str, int]
    records: int
    publications: int
    possible_pending: int
    new_possible: int

    @property
    def duplicates_removed(self) -> int:
        return self.records - self.publications

    def rows(self) -> list[dict[str, Any]]:
        rows = [{"count": k, "value": v} for k, v in sorted(self.identified_by_source.items())]
        rows += [
            {"count": "records identified (all sources)", "value": self.records},
            {"count": "duplicates removed", "value": self.duplicates_removed},
            {"count": "distinct publications", "value": self.publications},
            {"count": "possible duplicates awaiting a human", "value": self.possible_pending},
        ]
        return rows

    def format(self) -> str:
        return "\n".join([f"deduplication of review {self.review_id}", table(self.rows())])


def deduplicate_store(
    config: ReviewConfig, store: Store, stored: Sequence[StoredRecord] | None = None
) -> DedupStepSummary:
    """Cluster the review's records (`stored`, if already read), save clusters, queue possible pairs."""
    stored = list(store.iter_records(config.review_id)) if stored is None else stored
    ids = [s.id for s in stored]
    records = [s.record for s in stored]
    position = {record_id: i for i, record_id in enumerate(ids)}
    decisions = {
        pair_key(records[position[p.record_a]], records[position[p.record_b]]): p.status == "confirmed"
        for p in store.duplicate_pairs(config.review_id)
        if p.status != "pending" and p.record_a in position and p.record_b in position
    }
    result = dedupe(records, DedupOptions(decisions=decisions))
    clusters = [[ids[c.canonical], *(ids[m] for m in c.members if m != c.canonical)] for c in result.clusters]
    run_id = store.save_clusters(
        config.review_id, clusters, {"related": "related", "human_decisions": len(decisions)}
    )
    new_pairs = store.add_duplicate_pairs(
        config.review_id, [(ids[p.a], ids[p.b], p.score) for p in result.possible]
    )
    return DedupStepSummary(
        review_id=config.review_id,
        dedup_run=run_id,
        identified_by_source=store.count_by_source(config.review_id),
        records=len(records),
        publications=len(result.clusters),
        possible_pending=len(store.duplicate_pairs(config.review_id, status="pending")),
        new_possible=new_pairs,
    )


def deduplicate(config: ReviewConfig) -> DedupStepSummary:
    """Open the store and deduplicate the review (the unit a flow task retries)."""
    with open_store(config) as store:
        return deduplicate_store(config, store)
