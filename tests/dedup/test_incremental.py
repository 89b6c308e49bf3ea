"""dedupe_incremental: new records join stored clusters or get fresh ids; stored clusters never change."""

from __future__ import annotations

from pathlib import Path

import pytest

from lreview.dedup import DedupOptions, dedupe, dedupe_incremental, pair_key
from lreview.sources.loader import load_file

from .builders import article, embase_copy, other_article


def test_new_copy_joins_its_existing_cluster_and_new_article_gets_a_fresh_id() -> None:
    existing = [article(), other_article()]
    result = dedupe_incremental(
        existing, [7, 3], [other_article(source="Embase", source_id="e9", pmid=None), embase_copy()]
    )
    assert result.cluster_of_new == [3, 7]
    assert result.joined_existing == [True, True]
    fresh = dedupe_incremental(existing, [7, 3], [article(title="A new trial of LDN", pmid="1", doi=None)])
    assert fresh.cluster_of_new == [8]
    assert fresh.joined_existing == [False]


def test_two_new_copies_of_one_new_article_share_a_fresh_id() -> None:
    new_pubmed = article(
        title="Naltrexone in fibromyalgia: a crossover trial",
        pmid="31",
        source_id="31",
        doi="10.1016/j.pain.2020.01.001",
    )
    new_embase = embase_copy(
        title="Naltrexone in fibromyalgia: A crossover trial.", doi="doi:10.1016/J.PAIN.2020.01.001"
    )
    result = dedupe_incremental([article()], [0], [new_pubmed, new_embase])
    assert result.cluster_of_new == [1, 1]


def test_new_record_linking_two_stored_clusters_does_not_merge_them() -> None:
    stored_a = article(doi=None)
    stored_b = embase_copy(doi=None, source_id="b", pages="")  # stored apart (e.g. a human said so)
    bridge = embase_copy(source="Scopus", source_id="s", doi=None)
    result = dedupe_incremental([stored_a, stored_b], [0, 1], [bridge])
    assert result.cluster_of_new[0] in (0, 1)


def test_human_rejection_keeps_a_new_copy_out_of_a_stored_cluster() -> None:
    stored = article()
    copy = embase_copy()
    options = DedupOptions(decisions={pair_key(stored, copy): False})
    result = dedupe_incremental([stored], [5], [copy], options)
    assert result.cluster_of_new == [6]


def test_incremental_on_a_real_set_partitions_like_one_batch(shared_data: Path) -> None:
    folder = shared_data / "dedup" / "normalized" / "diabetes"
    if not folder.is_dir():
        pytest.skip(f"{folder} not found")
    records = load_file(folder / "records.csv")
    cut = len(records) * 4 // 5
    stored = dedupe(records[:cut])
    added = dedupe_incremental(records[:cut], stored.cluster_of, records[cut:])
    incremental = [*stored.cluster_of, *added.cluster_of_new]
    batch = dedupe(records).cluster_of
    assert set(_pairs(incremental)) == set(_pairs(batch))


def _pairs(labels: list[int]) -> list[tuple[int, int]]:
    members: dict[int, list[int]] = {}
    for position, label in enumerate(labels):
        members.setdefault(label, []).append(position)
    return [(a, b) for group in members.values() for x, a in enumerate(group) for b in group[x + 1 :]]
