"""Blocking: exact keys pair copies; large blocks stay bounded (no n² over the whole set)."""

from __future__ import annotations

from dataclasses import replace

from lreview.dedup.block import MAX_BLOCK, WINDOW, candidate_pairs
from lreview.dedup.keys import keys_of

from .builders import article, embase_copy, other_article


def test_copies_sharing_a_doi_or_title_are_candidates() -> None:
    keys = [keys_of(r) for r in (article(), other_article(), embase_copy(doi=None))]
    assert (0, 2) in candidate_pairs(keys)


def test_a_huge_block_of_equal_titles_is_paired_by_neighbourhood_only() -> None:
    records = [
        replace(
            other_article(),
            source_id=str(n),
            title="Editorial",
            authors=(f"Author{n} A",),
            pmid=None,
            doi=None,
        )
        for n in range(500)
    ]
    pairs = candidate_pairs([keys_of(r) for r in records])
    assert len(pairs) <= 500 * (WINDOW + 2)
    assert len(pairs) < 500 * MAX_BLOCK


def test_only_restricts_pairs_to_the_given_positions() -> None:
    keys = [keys_of(r) for r in (article(), embase_copy(), embase_copy(source_id="x"))]
    pairs = candidate_pairs(keys, only=[2])
    assert pairs and all(2 in pair for pair in pairs)
