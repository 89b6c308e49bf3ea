"""Deduplicate records: keys → candidate pairs → pair decisions → guarded clusters → canonical records.

`dedupe` clusters one batch; `dedupe_incremental` places new records of a living review against the
stored clusters without re-clustering those. Both honour human pair decisions. No I/O here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lreview.dedup import merge
from lreview.dedup.block import candidate_pairs
from lreview.dedup.cluster import Clusters
from lreview.dedup.compare import DISTINCT, DUPLICATE, POSSIBLE, RELATED, Verdict, compare
from lreview.dedup.keys import keys_of
from lreview.dedup.maybe import possible_pairs
from lreview.dedup.result import (
    Cluster,
    DedupOptions,
    DedupResult,
    IncrementalResult,
    RelatedPair,
    record_key,
)
from lreview.dedup.studies import study_links
from lreview.records import Record


@dataclass(frozen=True, slots=True)
class _Outcome:
    clusters: Clusters
    verdicts: dict[tuple[int, int], Verdict]


def dedupe(records: Sequence[Record], options: DedupOptions | None = None) -> DedupResult:
    """Cluster `records` into publications; see `DedupResult`."""
    options = options or DedupOptions()
    outcome = _cluster(records, None, None, options)
    groups = outcome.clusters.groups()
    cluster_of = [0] * len(records)
    clusters: list[Cluster] = []
    for index, members in enumerate(groups):
        for position in members:
            cluster_of[position] = index
        clusters.append(
            Cluster(tuple(members), merge.canonical(records, members), merge.merged(records, members))
        )
    return DedupResult(
        cluster_of=cluster_of,
        clusters=clusters,
        possible=possible_pairs(outcome.verdicts, cluster_of),
        related=_related(outcome.verdicts, cluster_of) + _studies(records, cluster_of),
    )


def dedupe_incremental(
    existing: Sequence[Record],
    existing_cluster_ids: Sequence[int],
    new: Sequence[Record],
    options: DedupOptions | None = None,
) -> IncrementalResult:
    """Assign each of `new` to an existing cluster id or a fresh one; stored clusters are never changed."""
    options = options or DedupOptions()
    if len(existing) != len(existing_cluster_ids):
        raise ValueError("existing and existing_cluster_ids differ in length")
    records = [*existing, *new]
    old: list[int | None] = [*existing_cluster_ids, *([None] * len(new))]
    outcome = _cluster(records, old, range(len(existing), len(records)), options)
    clusters = outcome.clusters
    next_id = max(existing_cluster_ids, default=-1) + 1
    fresh: dict[int, int] = {}
    cluster_of_new: list[int] = []
    joined: list[bool] = []
    for position in range(len(existing), len(records)):
        stored = clusters.existing_id(position)
        if stored is not None:
            cluster_of_new.append(stored)
            joined.append(True)
            continue
        root = clusters.find(position)
        if root not in fresh:
            fresh[root] = next_id
            next_id += 1
        cluster_of_new.append(fresh[root])
        joined.append(False)
    labels = [*existing_cluster_ids, *cluster_of_new]
    return IncrementalResult(
        cluster_of_new=cluster_of_new,
        joined_existing=joined,
        possible=possible_pairs(outcome.verdicts, labels),
        related=_related(outcome.verdicts, labels) + _studies(records, labels),
    )


def _cluster(
    records: Sequence[Record],
    existing: Sequence[int | None] | None,
    only: Iterable[int] | None,
    options: DedupOptions,
) -> _Outcome:
    keys = [keys_of(r) for r in records]
    clusters = Clusters(keys, existing)
    if existing is not None:
        first_of: dict[int, int] = {}
        for position, old in enumerate(existing):
            if old is not None:
                clusters.join(first_of.setdefault(old, position), position)
    link_related = options.related == "related"
    verdicts: dict[tuple[int, int], Verdict] = {}
    for i, j in sorted(candidate_pairs(keys, only)):
        verdict = compare(keys[i], keys[j], link_related)
        if verdict.decision != DISTINCT or verdict.guard:  # plain "distinct" needs no further work
            verdicts[(i, j)] = verdict
    human = _human_pairs(records, options)
    for (i, j), same in human.items():
        if not same:
            clusters.forbid(i, j)
    for (i, j), verdict in verdicts.items():
        if verdict.guard and (i, j) not in human:
            clusters.forbid(i, j)
    for (i, j), same in human.items():
        stored_pair = existing is not None and existing[i] is not None and existing[j] is not None
        if same and not stored_pair:  # incremental runs never re-cluster stored records
            clusters.join(i, j)
    confirmed = sorted(
        (
            (v.score, i, j, v)
            for (i, j), v in verdicts.items()
            if v.decision == DUPLICATE and (i, j) not in human
        ),
        key=lambda item: (-item[0], item[1], item[2]),
    )
    for _, i, j, verdict in confirmed:
        reason = clusters.union(i, j, verdict.overrides)
        if reason is not None:
            verdicts[(i, j)] = Verdict(POSSIBLE, verdict.score, (*verdict.reasons, reason))
    for pair in human:
        verdicts.pop(pair, None)
    return _Outcome(clusters, verdicts)


def _human_pairs(records: Sequence[Record], options: DedupOptions) -> dict[tuple[int, int], bool]:
    if not options.decisions:
        return {}
    positions: dict[str, list[int]] = defaultdict(list)
    for position, record in enumerate(records):
        positions[record_key(record)].append(position)
    pairs: dict[tuple[int, int], bool] = {}
    for key, same in options.decisions.items():
        if len(key) != 2:
            continue
        first, second = sorted(key)
        for i in positions.get(first, ()):
            for j in positions.get(second, ()):
                pairs[(min(i, j), max(i, j))] = same
    return pairs


def _related(verdicts: dict[tuple[int, int], Verdict], labels: Sequence[int]) -> list[RelatedPair]:
    related = [
        (i, j, v) for (i, j), v in verdicts.items() if v.decision == RELATED and labels[i] != labels[j]
    ]
    return [RelatedPair(i, j, v.reasons[-1]) for i, j, v in sorted(related, key=lambda item: item[:2])]


def _studies(records: Sequence[Record], labels: Sequence[int]) -> list[RelatedPair]:
    """Reports linked to the registration of their study (`studies.study_links`), across clusters."""
    return [p for p in study_links(records) if labels[p.a] != labels[p.b]]
