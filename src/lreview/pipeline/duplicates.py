"""Deduplicate every record of a review in the store, honouring humans' verdicts on possible pairs.

Each run stores the clusters of all the review's records, exactly as clustering all of them again
would give (the same partition and canonical records): a record harvested today joins the cluster of
an earlier duplicate, and a decision logged on any member of a cluster holds for the whole cluster,
so such a record inherits that decision and is never sent to reviewers again.

A run is incremental (`lreview.dedup.dedupe_incremental`: only records near the added or revised
ones are compared and re-clustered) when the index the last run left (`dedup_index.py`) describes
that run, this lreview version and the same `[dedup] related` option. It clusters every record
again ("full") when there is no such index (first run, the file deleted, another version or option,
a dedup run by another machine), when a revised record's deduplication keys changed, or when the
store and the index disagree (a record gone, the clusters not the index's); the summary says which
and why. A human verdict changed since the last run is handled incrementally.
"""

from __future__ import annotations

import csv
import hashlib
import io
import sqlite3
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from lreview.config import ReviewConfig
from lreview.dedup import (
    DedupOptions,
    NotIncremental,
    RelatedPair,
    cluster_batch,
    dedupe_incremental,
    pair_key,
)
from lreview.errors import InputError
from lreview.pipeline.common import open_store, table
from lreview.pipeline.dedup_index import StoredIndex, expected_meta, write_index
from lreview.pipeline.tables import cell, write_csv
from lreview.store import DuplicateVerdict, Store, StoredRecord
from lreview.store.base import gc_paused

Pair = tuple[int, int]


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
    mode: str = "full"  # "full (why)" or "incremental (N records re-clustered)"

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
        return "\n".join([f"deduplication of review {self.review_id}: {self.mode}", table(self.rows())])


@dataclass(frozen=True)
class _Run:
    run_id: int
    records: int
    publications: int
    new_possible: int
    mode: str


def dedup_index_path(config: ReviewConfig) -> Path:
    """Where the last dedup run's index is kept (see `dedup_index`)."""
    return config.output_dir / "cache" / "dedup-index.sqlite"


def deduplicate_store(
    config: ReviewConfig, store: Store, stored: Sequence[StoredRecord] | None = None
) -> DedupStepSummary:
    """Cluster the review's records, save the clusters, queue possible pairs; incrementally when the
    last run's index allows (see the module docstring), else over `stored` (if already read) or all."""
    with gc_paused():  # a quarter of an incremental run at 100,000 records
        return _deduplicate(config, store, stored)


def _deduplicate(
    config: ReviewConfig, store: Store, stored: Sequence[StoredRecord] | None
) -> DedupStepSummary:
    review_id, related = config.review_id, config.dedup.related
    versions = store.record_versions(review_id)
    human = {
        (p.record_a, p.record_b): p.status == "confirmed"
        for p in store.duplicate_pairs(review_id)
        if p.status != "pending" and p.record_a in versions and p.record_b in versions
    }
    last_run = store.input_marks(review_id)["upto_dedup_run"]
    index = StoredIndex.open(dedup_index_path(config), expected_meta(review_id, last_run, related))
    why = "first run" if not last_run else "no index of the previous run"
    run = None
    if index is not None:
        try:
            run = _incremental(config, store, index, versions, human, last_run)
        except NotIncremental as exc:
            why = str(exc)
        except (sqlite3.Error, UnicodeError) as exc:
            why = f"index unreadable ({exc})"
        finally:
            index.close()
    if run is None:
        run = _full(config, store, stored, versions, human, why)
    return DedupStepSummary(
        review_id=review_id,
        dedup_run=run.run_id,
        identified_by_source=store.count_by_source(review_id),
        records=run.records,
        publications=run.publications,
        possible_pending=len(store.duplicate_pairs(review_id, status="pending")),
        new_possible=run.new_possible,
        mode=run.mode,
    )


def _full(
    config: ReviewConfig,
    store: Store,
    stored: Sequence[StoredRecord] | None,
    versions: Mapping[int, str],
    human: Mapping[Pair, bool],
    why: str,
) -> _Run:
    review_id, related = config.review_id, config.dedup.related
    stored = sorted(store.iter_records(review_id) if stored is None else stored, key=lambda s: s.id)
    ids = [s.id for s in stored]
    records = [s.record for s in stored]
    position = {record_id: i for i, record_id in enumerate(ids)}
    decisions = {
        pair_key(records[position[a]], records[position[b]]): same
        for (a, b), same in human.items()
        if a in position and b in position
    }
    batch = cluster_batch(records, DedupOptions(decisions=decisions, related=related))
    result = batch.result
    clusters = [[ids[c.canonical], *(ids[m] for m in c.members if m != c.canonical)] for c in result.clusters]
    linked = [(ids[p.a], ids[p.b], p.reason) for p in result.related]
    run_id = store.save_clusters(review_id, clusters, _params(related, len(decisions), linked))
    new_pairs = store.add_duplicate_pairs(review_id, [(ids[p.a], ids[p.b], p.score) for p in result.possible])
    path = dedup_index_path(config)
    try:
        write_index(
            path,
            {rid: (records[n], batch.keys[n]) for n, rid in enumerate(ids)},
            {(ids[i], ids[j]): v for (i, j), v in batch.links.items()},
            [RelatedPair(ids[p.a], ids[p.b], p.reason) for p in batch.studies],
            versions,
            {pair: same for pair, same in human.items() if pair[0] in position and pair[1] in position},
            expected_meta(review_id, run_id, related),
        )
    except (OSError, sqlite3.Error, UnicodeError):
        with suppress(OSError):
            path.unlink()  # the next run is a full one
    return _Run(run_id, len(records), len(clusters), new_pairs, f"full ({why})")


def _incremental(
    config: ReviewConfig,
    store: Store,
    index: StoredIndex,
    versions: Mapping[int, str],
    human: Mapping[Pair, bool],
    last_run: int,
) -> _Run:
    review_id, related = config.review_id, config.dedup.related
    known = index.versions()
    gone = known.keys() - versions.keys()
    if gone:
        raise NotIncremental(f"record {min(gone)} of the previous run is no longer in the store")
    changed_ids = [rid for rid, raw in versions.items() if known.get(rid) != raw]
    changed = {rid: s.record for rid, s in store.get_records(review_id, changed_ids).items()}
    clusters = store.latest_clusters(review_id)
    if sum(len(c) for c in clusters) != len(known):
        raise NotIncremental(f"dedup run {last_run} does not hold the records its index holds")

    def fetch(ids: Sequence[int] | Any) -> dict[int, Any]:
        return {rid: s.record for rid, s in store.get_records(review_id, list(ids)).items()}

    result = dedupe_incremental(index, clusters, changed, human, fetch, DedupOptions(related=related))
    mode = f"incremental ({len(result.reclustered)} records re-clustered)"
    if not result.reclustered and not result.possible:
        return _Run(last_run, len(versions), len(clusters), 0, mode)  # nothing changed: the run stands
    kept = [c for c in clusters if result.reclustered.isdisjoint(c)]
    partition = sorted([*kept, *(list(c) for c in result.clusters)], key=min)  # numbered as a full run
    linked = [(p.a, p.b, p.reason) for p in result.related]
    params = _params(related, len(human), linked) | {"incremental": len(result.reclustered)}
    run_id = store.save_clusters(review_id, partition, params)
    new_pairs = store.add_duplicate_pairs(review_id, [(p.a, p.b, p.score) for p in result.possible])
    index.update(
        result,
        changed,
        {rid: versions[rid] for rid in changed},
        human,
        expected_meta(review_id, run_id, related),
    )
    return _Run(run_id, len(versions), len(partition), new_pairs, mode)


def _params(related: str, decisions: int, linked: Sequence[tuple[int, int, str]]) -> dict[str, Any]:
    # related pairs (preprint/published, abstract/article, report/registration of one study) are
    # kept with the run's parameters: [record id, record id, reason]
    return {"related": related, "human_decisions": decisions, "related_pairs": [list(p) for p in linked]}


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
