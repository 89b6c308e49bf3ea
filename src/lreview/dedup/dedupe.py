"""Deduplicate records: keys → candidate pairs → pair decisions → guarded clusters → canonical records.

`dedupe` clusters one batch; `incremental.dedupe_incremental` re-clusters only what new records of a
living review can change, with the same result. Both honour human pair decisions. No I/O here.

The clustering (`resolve`) runs on pair verdicts alone: guards and human "different" verdicts forbid
pairs, human "same" verdicts join, then confirmed pairs are joined best score first (ties: lower
positions first) unless a cluster-level check refuses (the pair then becomes a possible duplicate).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from lreview.dedup import merge
from lreview.dedup.block import candidate_pairs
from lreview.dedup.cluster import Clusters
from lreview.dedup.compare import DISTINCT, DUPLICATE, POSSIBLE, RELATED, Verdict, compare
from lreview.dedup.keys import Keys, keys_of
from lreview.dedup.maybe import possible_pairs
from lreview.dedup.result import Cluster, DedupOptions, DedupResult, RelatedPair, record_key
from lreview.dedup.studies import study_links
from lreview.records import Record

Pair = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Outcome:
    """Clusters over positions and the verdicts after clustering (refused pairs became possible,
    human-decided pairs removed)."""

    clusters: Clusters
    verdicts: dict[Pair, Verdict]


@dataclass(frozen=True, slots=True)
class Clustering:
    """A batch's result together with what an incremental run needs of it: keys and links."""

    result: DedupResult
    keys: list[Keys]
    links: dict[Pair, Verdict]  # every candidate pair whose verdict is not a plain "distinct"
    studies: list[RelatedPair]  # every study link (`studies.study_links`), in clusters or across


def dedupe(records: Sequence[Record], options: DedupOptions | None = None) -> DedupResult:
    """Cluster `records` into publications; see `DedupResult`."""
    return cluster_batch(records, options).result


def cluster_batch(records: Sequence[Record], options: DedupOptions | None = None) -> Clustering:
    """`dedupe`, also returning the keys and the pair verdicts (as compared, before clustering)."""
    options = options or DedupOptions()
    keys = [keys_of(r) for r in records]
    links = verdicts_of(keys, sorted(candidate_pairs(keys)), options.related == "related")
    outcome = resolve(keys, links, _human_pairs(records, options))
    groups = outcome.clusters.groups()
    cluster_of = [0] * len(records)
    clusters: list[Cluster] = []
    for index, members in enumerate(groups):
        for position in members:
            cluster_of[position] = index
        clusters.append(
            Cluster(tuple(members), merge.canonical(records, members), merge.merged(records, members))
        )
    studies = study_links(records)
    result = DedupResult(
        cluster_of=cluster_of,
        clusters=clusters,
        possible=possible_pairs(outcome.verdicts, cluster_of),
        related=related_pairs(outcome.verdicts, cluster_of)
        + [p for p in studies if cluster_of[p.a] != cluster_of[p.b]],
    )
    return Clustering(result, keys, links, studies)


def verdicts_of(
    keys: Sequence[Keys] | Mapping[int, Keys], pairs: Sequence[Pair], link_related: bool
) -> dict[Pair, Verdict]:
    """The verdicts of `pairs` (positions or ids into `keys`) that are more than a plain "distinct"."""
    verdicts: dict[Pair, Verdict] = {}
    for i, j in pairs:
        verdict = compare(keys[i], keys[j], link_related)
        if verdict.decision != DISTINCT or verdict.guard:  # plain "distinct" needs no further work
            verdicts[(i, j)] = verdict
    return verdicts


def resolve(keys: Sequence[Keys], verdicts: Mapping[Pair, Verdict], human: Mapping[Pair, bool]) -> Outcome:
    """Cluster positions 0..len(keys)-1 from pair verdicts (i < j) and human decisions on pairs."""
    clusters = Clusters(keys)
    after = dict(verdicts)
    for (i, j), same in human.items():
        if not same:
            clusters.forbid(i, j)
    for (i, j), verdict in after.items():
        if verdict.guard and (i, j) not in human:
            clusters.forbid(i, j)
    for (i, j), same in human.items():
        if same:
            clusters.join(i, j)
    confirmed = sorted(
        (
            (v.score, i, j, v)
            for (i, j), v in after.items()
            if v.decision == DUPLICATE and (i, j) not in human
        ),
        key=lambda item: (-item[0], item[1], item[2]),
    )
    for _, i, j, verdict in confirmed:
        reason = clusters.union(i, j, verdict.overrides)
        if reason is not None:
            after[(i, j)] = Verdict(POSSIBLE, verdict.score, (*verdict.reasons, reason))
    for pair in human:
        after.pop(pair, None)
    return Outcome(clusters, after)


def _human_pairs(records: Sequence[Record], options: DedupOptions) -> dict[Pair, bool]:
    if not options.decisions:
        return {}
    positions: dict[str, list[int]] = defaultdict(list)
    for position, record in enumerate(records):
        positions[record_key(record)].append(position)
    pairs: dict[Pair, bool] = {}
    for key, same in options.decisions.items():
        if len(key) != 2:
            continue
        first, second = sorted(key)
        for i in positions.get(first, ()):
            for j in positions.get(second, ()):
                pairs[(min(i, j), max(i, j))] = same
    return pairs


def related_pairs(verdicts: Mapping[Pair, Verdict], labels: Sequence[int]) -> list[RelatedPair]:
    """Related pairs (preprint/published, abstract/article) whose records ended in different clusters."""
    related = [
        (i, j, v) for (i, j), v in verdicts.items() if v.decision == RELATED and labels[i] != labels[j]
    ]
    return [RelatedPair(i, j, v.reasons[-1]) for i, j, v in sorted(related, key=lambda item: item[:2])]
