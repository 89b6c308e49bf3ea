"""Deduplicate every record of a review in the store, honouring humans' verdicts on possible pairs.

The whole review is clustered again on each run (the clustering is deterministic and fast enough for
reviews of 10^5 records), so a record harvested today joins the cluster of an earlier duplicate; a
decision logged on any member of a cluster holds for the whole cluster, so such a record inherits
that decision and is never sent to reviewers again.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from lreview.config import ReviewConfig
from lreview.dedup import DedupOptions, dedupe, pair_key
from lreview.errors import InputError
from lreview.pipeline.common import open_store, table
from lreview.pipeline.tables import cell, write_csv
from lreview.store import DuplicateVerdict, Store, StoredRecord


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
    related = config.dedup.related
    result = dedupe(records, DedupOptions(decisions=decisions, related=related))
    clusters = [[ids[c.canonical], *(ids[m] for m in c.members if m != c.canonical)] for c in result.clusters]
    # related pairs (preprint/published, abstract/article, report/registration of one study) are
    # kept with the run's parameters: [record id, record id, reason]
    linked = [[ids[p.a], ids[p.b], p.reason] for p in result.related]
    run_id = store.save_clusters(
        config.review_id,
        clusters,
        {"related": related, "human_decisions": len(decisions), "related_pairs": linked},
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


def related_pairs(store: Store, review_id: str) -> list[tuple[int, int, str]]:
    """The latest dedup run's related record pairs (a, b, reason); reasons `study NCT...` link a
    report to the registration of its study (one study, several reports)."""
    pairs = store.latest_dedup_params(review_id).get("related_pairs", [])
    return [(int(a), int(b), str(reason)) for a, b, reason in pairs]


def deduplicate(config: ReviewConfig) -> DedupStepSummary:
    """Open the store and deduplicate the review (the unit a flow task retries)."""
    with open_store(config) as store:
        return deduplicate_store(config, store)


# ---- the possible-duplicates queue: export for a human, ingest their verdicts ---------------------

PAIR_COLUMNS = ["record_a", "record_b", "score", "verdict", "decided_by", "title_a", "title_b",
                "authors_a", "authors_b", "year_a", "year_b", "journal_a", "journal_b", "pages_a",
                "pages_b", "doi_a", "doi_b", "source_a", "source_b"]  # fmt: skip
VERDICTS = {"same": "confirmed", "duplicate": "confirmed", "yes": "confirmed",
            "different": "rejected", "distinct": "rejected", "no": "rejected"}  # fmt: skip


def export_possible_duplicates(config: ReviewConfig, output: Path) -> int:
    """Write the pending possible duplicates as a CSV a human fills in (verdict: same/different)."""
    with open_store(config) as store:
        pairs = store.duplicate_pairs(config.review_id, status="pending")
        records = store.get_records(config.review_id, [i for p in pairs for i in (p.record_a, p.record_b)])
    rows: list[dict[str, Any]] = []
    for p in pairs:
        row: dict[str, Any] = {"record_a": p.record_a, "record_b": p.record_b, "score": p.score}
        for side, rid in (("a", p.record_a), ("b", p.record_b)):
            r = records[rid].record
            row |= {
                f"title_{side}": r.title, f"authors_{side}": "; ".join(r.authors[:6]),
                f"year_{side}": r.year or "", f"journal_{side}": r.journal or r.journal_abbrev,
                f"pages_{side}": r.pages, f"doi_{side}": r.doi or "", f"source_{side}": r.source,
            }  # fmt: skip
        rows.append(row)
    write_csv(output, pd.DataFrame(rows, columns=PAIR_COLUMNS), float_format="%.3f")
    return len(pairs)


def decide_possible_duplicates(config: ReviewConfig, path: Path) -> tuple[int, DedupStepSummary]:
    """Log the verdicts of a filled-in pairs CSV (all rows checked first; rows logged before from the
    same file are skipped), then deduplicate again with the verdicts."""
    try:
        data = path.read_bytes()
        text = data.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from None
    digest = hashlib.sha256(data).hexdigest()
    rows = list(csv.DictReader(io.StringIO(text)))
    with open_store(config) as store:
        known = {(p.record_a, p.record_b) for p in store.duplicate_pairs(config.review_id)}
        verdicts: list[DuplicateVerdict] = []
        for line, row in enumerate(rows, start=2):
            verdict = cell(row.get("verdict")).casefold()
            if not verdict:
                continue  # not decided yet: stays pending
            where = f"{path}: row {line}"
            status = VERDICTS.get(verdict)
            if status is None:
                raise InputError(f"{where}: verdict {row.get('verdict')!r} is not same/different")
            who = cell(row.get("decided_by"))
            if who not in config.review.reviewers:
                raise InputError(f"{where}: decided_by {who!r} is not in review.reviewers of the config")
            try:
                a, b = sorted((int(cell(row["record_a"])), int(cell(row["record_b"]))))
            except (KeyError, TypeError, ValueError):
                raise InputError(f"{where}: record_a/record_b must be record numbers") from None
            if (a, b) not in known:
                raise InputError(
                    f"{where}: pair {a}-{b} is not a possible duplicate of review {config.review_id}"
                )
            verdicts.append(DuplicateVerdict(a, b, status, who, str(path), digest, str(line)))
        appended = store.append_duplicate_verdicts(config.review_id, verdicts)
        summary = deduplicate_store(config, store)
    return appended, summary
