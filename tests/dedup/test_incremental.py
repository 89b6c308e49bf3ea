"""dedupe_incremental: after records are added (or revised, or a human decides a pair), the clusters are
exactly those of a full `dedupe` of every record in id order: the same partition, the same canonical
record, the same new possible duplicates."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lreview.dedup import (
    DedupOptions,
    MemoryIndex,
    NotIncremental,
    cluster_batch,
    dedupe,
    dedupe_incremental,
    pair_key,
)
from lreview.dedup import block as block_module
from lreview.dedup import incremental as incremental_module
from lreview.dedup.result import RelatedPair
from lreview.records import Record
from lreview.sources.loader import load_file

from .builders import article, embase_copy, other_article

Pair = tuple[int, int]
SETS = ("cytology", "diabetes", "haematology", "neuroimaging", "stroke")


@dataclass(frozen=True)
class Runs:
    """The clusters (canonical id first) and possible pairs of the incremental and the full run."""

    incremental: set[tuple[int, ...]]
    full: set[tuple[int, ...]]
    queue_incremental: set[Pair]
    queue_full: set[Pair]
    related_incremental: list[tuple[int, int, str]]
    related_full: list[tuple[int, int, str]]
    reclustered: int


def _options(records: Sequence[Record], human: Mapping[Pair, bool], related: str) -> DedupOptions:
    decisions = {pair_key(records[a], records[b]): same for (a, b), same in human.items()}
    return DedupOptions(related=related, decisions=decisions)  # type: ignore[arg-type]


def _clusters(
    records: Sequence[Record], ids: Sequence[int], human: Mapping[Pair, bool], related: str
) -> tuple[set[tuple[int, ...]], set[Pair], list[tuple[int, int, str]], MemoryIndex]:
    """A full run over `records` (ids `ids`, ascending): its clusters, queue, related pairs and the
    index it leaves."""
    local = {rid: n for n, rid in enumerate(ids)}
    mine = {(local[a], local[b]): s for (a, b), s in human.items() if a in local and b in local}
    batch = cluster_batch(records, _options(records, mine, related))
    clusters = {
        (ids[c.canonical], *(ids[m] for m in c.members if m != c.canonical)) for c in batch.result.clusters
    }
    queue = {(ids[p.a], ids[p.b]) for p in batch.result.possible}
    links = {(ids[i], ids[j]): v for (i, j), v in batch.links.items()}
    kept = {pair: s for pair, s in human.items() if pair[0] in local and pair[1] in local}
    studies = [RelatedPair(ids[p.a], ids[p.b], p.reason) for p in batch.studies]
    index = MemoryIndex(
        dict(zip(ids, records, strict=True)), dict(zip(ids, batch.keys, strict=True)), links, studies, kept
    )
    linked = [(ids[p.a], ids[p.b], p.reason) for p in batch.result.related]
    return clusters, queue, linked, index


def runs(
    records: Sequence[Record],
    added: Sequence[int],
    *,
    human_before: Mapping[Pair, bool] | None = None,
    human_now: Mapping[Pair, bool] | None = None,
    revised: Mapping[int, Record] | None = None,
    related: str = "related",
) -> Runs:
    """Cluster all but `added` (record i has id i), then add those incrementally; and all at once."""
    before, now = dict(human_before or {}), dict(human_now or {})
    fresh = set(added)
    old_ids = [i for i in range(len(records)) if i not in fresh]
    stored, queue_before, _, index = _clusters([records[i] for i in old_ids], old_ids, before, related)
    current = list(records)
    for rid, record in (revised or {}).items():
        current[rid] = record
    changed = {i: current[i] for i in sorted(fresh | set(revised or {}))}
    result = dedupe_incremental(
        index,
        sorted(stored),
        changed,
        now,
        lambda ids: {i: current[i] for i in ids},
        DedupOptions(related=related),  # type: ignore[arg-type]
    )
    incremental = {c for c in stored if result.reclustered.isdisjoint(c)} | set(result.clusters)
    full, queue_full, related_full, _ = _clusters(current, list(range(len(current))), now, related)
    return Runs(
        incremental,
        full,
        queue_before | {(p.a, p.b) for p in result.possible},
        queue_before | queue_full,
        [(p.a, p.b, p.reason) for p in result.related],
        related_full,
        len(result.reclustered),
    )


def _read(shared_data: Path, name: str) -> list[Record]:
    folder = shared_data / "dedup" / "normalized" / name
    if not folder.is_dir():
        pytest.skip(f"{folder} not found")
    return load_file(folder / "records.csv")


def test_new_copy_joins_its_cluster_and_a_new_pubmed_record_becomes_its_canonical_record() -> None:
    records = [embase_copy(), other_article(), article()]
    result = runs(records, [2])
    assert result.incremental == result.full
    assert (2, 0) in result.incremental  # the PubMed record (with abstract and DOI) leads the cluster


def test_new_record_bridging_two_stored_clusters_gives_the_full_runs_clusters() -> None:
    stored_a = article(doi=None)
    stored_b = embase_copy(doi=None, source_id="b", pages="")
    bridge = embase_copy(source="Scopus", source_id="s", doi=None)
    result = runs([stored_a, stored_b, bridge], [2])
    assert result.incremental == result.full


def test_human_verdicts_before_and_after_give_the_full_runs_clusters() -> None:
    records = [article(), embase_copy(), other_article(), embase_copy(source="Scopus", source_id="s")]
    said_same = runs(records, [3], human_before={(0, 1): False}, human_now={(0, 1): True})
    said_different = runs(records, [3], human_before={(0, 1): True}, human_now={(0, 1): False})
    assert said_same.incremental == said_same.full
    assert said_different.incremental == said_different.full
    assert said_same.full != said_different.full


def test_revised_record_with_new_keys_asks_for_a_full_run() -> None:
    records = [article(), other_article(), embase_copy()]
    with pytest.raises(NotIncremental, match="record 1 was revised and its deduplication keys changed"):
        runs(records, [2], revised={1: replace(other_article(), title="A retitled article on LDN")})


def test_revised_record_with_the_same_keys_may_become_canonical() -> None:
    stored = [embase_copy(abstract=""), article(abstract="", mesh=()), other_article()]
    richer = replace(stored[1], mesh=("Insulin Resistance", "Lipoproteins"), keywords=("lipemia",))
    result = runs(stored, [], revised={1: richer})
    assert result.incremental == result.full
    assert (1, 0) in result.incremental


def _registration(nct: str, *references: str) -> Record:
    return Record(
        source="ClinicalTrials.gov",
        source_id=nct,
        title=f"Low-dose naltrexone for pelvic pain ({nct})",
        year=2021,
        extra=tuple(("reference_pmid", pmid) for pmid in references),
    )


def test_study_links_of_added_registrations_and_reports_are_the_full_runs() -> None:
    citing = article(abstract=article().abstract + " Registered as NCT01234567.", pmid="111", source_id="111")
    listed = other_article(pmid="222", source_id="222")
    records = [
        citing,
        _registration("NCT07654321", "222"),
        listed,
        _registration("NCT01234567"),  # added: the report citing it is stored
        embase_copy(abstract="See NCT07654321."),  # added: cites a stored registration
        _registration("NCT05555555", "111"),  # added: lists a stored report's PMID
    ]
    result = runs(records, [3, 4, 5])
    assert result.incremental == result.full
    assert result.related_incremental == result.related_full
    assert {reason for _, _, reason in result.related_full} >= {
        "study NCT01234567",
        "study NCT07654321",
        "study NCT05555555",
    }


def test_a_registration_added_below_its_stored_copy_asks_for_a_full_run() -> None:
    records = [_registration("NCT01234567"), article(abstract="NCT01234567"), _registration("NCT01234567")]
    with pytest.raises(NotIncremental, match="registration NCT01234567 was added with a lower id"):
        runs(records, [0])


@pytest.mark.parametrize("name", SETS)
def test_adding_the_last_fifth_of_a_real_set_gives_the_full_runs_clusters_and_queue(
    shared_data: Path, name: str
) -> None:
    records = _read(shared_data, name)
    cut = len(records) * 4 // 5
    result = runs(records, range(cut, len(records)))
    assert result.incremental == result.full
    assert result.queue_incremental == result.queue_full
    assert result.related_incremental == result.related_full
    assert result.reclustered < len(records) // 2


@pytest.mark.parametrize("name", SETS)
def test_adding_a_random_fifth_with_human_verdicts_changing_gives_the_full_runs_clusters(
    shared_data: Path, name: str
) -> None:
    records = _read(shared_data, name)
    rng = random.Random(name)
    base = dedupe(records)
    human = {(p.a, p.b): rng.random() < 0.5 for p in base.possible if rng.random() < 0.5}
    merged = [c.members for c in base.clusters if len(c.members) > 1]
    human |= {(m[0], m[1]): False for m in rng.sample(merged, min(10, len(merged)))}
    added = sorted(rng.sample(range(len(records)), len(records) // 5))
    before = {
        pair: (not same if n % 7 == 0 else same) for n, (pair, same) in enumerate(sorted(human.items()))
    }
    result = runs(records, added, human_before=before, human_now=human)
    assert result.incremental == result.full
    assert result.queue_incremental == result.queue_full


@pytest.mark.parametrize("related", ["related", "merge"])
def test_adding_records_to_a_real_set_under_either_related_option(shared_data: Path, related: str) -> None:
    records = _read(shared_data, "neuroimaging")
    result = runs(records, range(0, len(records), 3), related=related)
    assert result.incremental == result.full
    assert result.related_incremental == result.related_full


@pytest.mark.parametrize(
    ("name", "block", "window"), [("diabetes", 3, 1), ("stroke", 4, 2), ("cytology", 2, 3)]
)
def test_small_blocks_and_windows_push_old_pairs_apart_and_the_result_is_still_the_full_runs(
    shared_data: Path, monkeypatch: pytest.MonkeyPatch, name: str, block: int, window: int
) -> None:
    # With a block limit of a few records most blocks grow past it when records are added, and a
    # narrow window loses old neighbours at every insertion: the lost-pair rules are exercised.
    for module in (block_module, incremental_module):
        monkeypatch.setattr(module, "MAX_BLOCK", block)
        monkeypatch.setattr(module, "WINDOW", window)
    records = _read(shared_data, name)
    rng = random.Random(window)
    result = runs(records, sorted(rng.sample(range(len(records)), len(records) // 4)))
    assert result.incremental == result.full
    assert result.queue_incremental == result.queue_full


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_split_of_a_duplicate_rich_sample_gives_the_full_runs_clusters(
    shared_data: Path, data: st.DataObject
) -> None:
    pool = _duplicate_rich(shared_data)
    picked = sorted(data.draw(st.sets(st.integers(0, len(pool) - 1), min_size=2, max_size=40)))
    records = [pool[i] for i in picked]
    added = data.draw(st.sets(st.integers(0, len(records) - 1), min_size=1))
    pairs = [(a, b) for a in range(len(records)) for b in range(a + 1, len(records))]
    human = data.draw(st.dictionaries(st.sampled_from(pairs), st.booleans(), max_size=4))
    before = data.draw(st.dictionaries(st.sampled_from(pairs), st.booleans(), max_size=2))
    old = set(range(len(records))) - added
    before = {p: s for p, s in before.items() if p[0] in old and p[1] in old}
    result = runs(records, sorted(added), human_before=before, human_now=human)
    assert result.incremental == result.full
    assert result.queue_incremental == result.queue_full
    assert result.related_incremental == result.related_full


_POOL: list[Record] = []


def _duplicate_rich(shared_data: Path) -> list[Record]:
    """Haematology records in title order: runs of copies, near-identical titles, errata, big blocks."""
    if not _POOL:
        records = _read(shared_data, "haematology")
        ordered = sorted(records, key=lambda r: r.title.casefold())
        _POOL.extend(ordered[200:320])
    return _POOL
