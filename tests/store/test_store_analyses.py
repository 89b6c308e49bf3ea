"""Dedup clusters and the possible-duplicates queue, model runs and rankings, screening batches."""

from __future__ import annotations

import pytest
from store_builders import pubmed_record

from lreview.errors import StoreError
from lreview.store import Decision, Store


def _ids(store: Store, n: int) -> list[int]:
    store.store_records("ldn", "PubMed", [pubmed_record(k) for k in range(1, n + 1)])
    return [s.id for s in store.iter_records("ldn")]


def test_latest_dedup_run_clusters_are_returned_canonical_first(store: Store) -> None:
    a, b, c, d = _ids(store, 4)
    assert store.latest_clusters("ldn") == []
    store.save_clusters("ldn", [[a, b], [c], [d]], {"threshold": 0.9})
    store.save_clusters("ldn", [[c, a, b], [d]], {"threshold": 0.8})
    assert store.latest_clusters("ldn") == [[c, a, b], [d]]


def test_duplicate_pair_decisions_survive_requeueing(store: Store) -> None:
    a, b, c = _ids(store, 3)
    assert store.add_duplicate_pairs("ldn", [(b, a, 0.93), (a, c, 0.71)]) == 2
    store.decide_duplicate_pair("ldn", a, b, "confirmed", "alice")
    assert store.add_duplicate_pairs("ldn", [(a, b, 0.95), (b, c, 0.6)]) == 1  # next refresh's dedup
    pairs = {(p.record_a, p.record_b): p for p in store.duplicate_pairs("ldn")}
    assert pairs[(a, b)].status == "confirmed" and pairs[(a, b)].decided_by == "alice"
    assert [(p.record_a, p.record_b) for p in store.duplicate_pairs("ldn", "pending")] == [(a, c), (b, c)]


def test_deciding_an_unknown_pair_or_with_a_bad_status_fails(store: Store) -> None:
    a, b = _ids(store, 2)
    with pytest.raises(StoreError, match="no possible-duplicate pair"):
        store.decide_duplicate_pair("ldn", a, b, "confirmed", "alice")
    store.add_duplicate_pairs("ldn", [(a, b, 0.9)])
    with pytest.raises(StoreError, match="status 'same'"):
        store.decide_duplicate_pair("ldn", a, b, "same", "alice")


def test_latest_ranking_is_the_last_model_run_best_first(store: Store) -> None:
    a, b, c = _ids(store, 3)
    assert store.latest_ranking("ldn") is None
    first = store.add_model_run(
        "ldn", model="nb", model_version="1", params={"alpha": 1}, seed=1, n_train=2, n_included=1
    )
    store.save_ranking(first, {a: 0.2, b: 0.9, c: 0.5})
    second = store.add_model_run(
        "ldn", model="logistic", model_version="2", params={"C": 0.5}, seed=7, n_train=3, n_included=1
    )
    store.save_ranking(second, {a: 0.7, b: 0.1, c: 0.7})
    ranking = store.latest_ranking("ldn")
    assert ranking is not None
    assert (ranking.model_run.id, ranking.model_run.params, ranking.model_run.seed) == (second, {"C": 0.5}, 7)
    assert [(e.record_id, e.rank) for e in ranking.entries] == [(a, 1), (c, 2), (b, 3)]


def test_batch_keeps_its_records_in_workbook_order(store: Store) -> None:
    a, b, c = _ids(store, 3)
    batch = store.issue_batch(
        "ldn", reviewer="alice", stage="title_abstract", kind="screen", round=1,
        record_ids=[c, a, b], issued="x", file="ldn-TA-screen-alice-0001.xlsx", model_run_id=None,
    )  # fmt: skip
    assert store.batches("ldn", batch_id=batch)[0].record_ids == (c, a, b)


def test_input_marks_read_records_clusters_and_decisions_back_as_they_were(store: Store) -> None:
    store.store_records("ldn", "PubMed", [pubmed_record(n, title=f"First {n}") for n in (1, 2)])
    ids = {s.record.pmid: s.id for s in store.iter_records("ldn")}
    store.save_clusters("ldn", [[ids["1"]], [ids["2"]]], {})
    store.append_decisions("ldn", [Decision(ids["1"], "title_abstract", "include", "ann")])
    marks = store.input_marks("ldn")
    # later: a revision, a new record, a new dedup run, another decision
    store.store_records("ldn", "PubMed", [pubmed_record(1, title="Revised 1"), pubmed_record(3)])
    ids["3"] = next(s.id for s in store.iter_records("ldn") if s.record.pmid == "3")
    store.save_clusters("ldn", [[ids["1"], ids["2"]], [ids["3"]]], {})
    store.append_decisions("ldn", [Decision(ids["2"], "title_abstract", "exclude", "ann")])

    then = {s.record.pmid: s.record.title for s in store.iter_records("ldn", upto_raw=marks["upto_raw"])}
    now = {s.record.pmid: s.record.title for s in store.iter_records("ldn")}
    assert then == {"1": "First 1", "2": "First 2"}
    assert now["1"] == "Revised 1" and set(now) == {"1", "2", "3"}
    assert store.latest_clusters("ldn", upto_run=marks["upto_dedup_run"]) == [[ids["1"]], [ids["2"]]]
    assert len(store.latest_clusters("ldn")) == 2 and [ids["1"], ids["2"]] in store.latest_clusters("ldn")
    assert [d.decision for d in store.decisions("ldn", upto=marks["upto_decision"])] == ["include"]
    assert len(store.decisions("ldn")) == 2


def test_input_marks_of_an_empty_review_are_zero(store: Store) -> None:
    assert store.input_marks("nothing") == {"upto_raw": 0, "upto_dedup_run": 0, "upto_decision": 0}
