"""The append-only decision log."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest
from store_builders import pubmed_record

from lreview.errors import StoreError
from lreview.store import Decision, Store


def _record_ids(store: Store, n: int) -> list[int]:
    store.store_records("ldn", "PubMed", [pubmed_record(k) for k in range(1, n + 1)])
    return [s.id for s in store.iter_records("ldn")]


def _from_workbook(ids: list[int], file_hash: str, verdict: str = "include") -> list[Decision]:
    return [
        Decision(
            record_id=rid,
            stage="title_abstract",
            decision=verdict,
            reviewer="alice",
            source_file="batches/alice-1.xlsx",
            source_hash=file_hash,
            row_key=f"Screen!{row}",
        )
        for row, rid in enumerate(ids, start=2)
    ]


def test_reingesting_the_same_decision_file_appends_nothing(store: Store) -> None:
    ids = _record_ids(store, 3)
    assert store.append_decisions("ldn", _from_workbook(ids, "f1" * 32)) == 3
    assert store.append_decisions("ldn", _from_workbook(ids, "f1" * 32)) == 0
    assert len(store.decisions("ldn")) == 3


def test_changed_mind_is_a_new_decision_and_latest_wins(store: Store) -> None:
    ids = _record_ids(store, 2)
    store.append_decisions("ldn", _from_workbook(ids, "f1" * 32, "include"))
    store.append_decisions("ldn", _from_workbook(ids[:1], "f2" * 32, "exclude"))
    log = store.decisions("ldn", "title_abstract")
    assert [d.decision for d in log] == ["include", "include", "exclude"]
    assert all(d.id is not None and d.created_at is not None for d in log)
    latest = store.latest_decisions("ldn", "title_abstract")
    assert {rid: d.decision for rid, d in latest.items()} == {ids[0]: "exclude", ids[1]: "include"}
    assert store.decisions("ldn", "full_text") == []


def test_latest_decisions_can_be_read_per_reviewer(store: Store) -> None:
    (rid,) = _record_ids(store, 1)
    when = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
    store.append_decisions(
        "ldn",
        [
            Decision(rid, "title_abstract", "include", "alice", created_at=when),
            Decision(rid, "title_abstract", "exclude", "bob", reason="wrong population"),
        ],
    )
    alice = store.latest_decisions("ldn", "title_abstract", reviewer="alice")[rid]
    assert (alice.decision, alice.created_at) == ("include", when)
    assert store.latest_decisions("ldn", "title_abstract", reviewer="bob")[rid].reason == "wrong population"


def test_decisions_without_a_source_file_are_never_deduplicated(store: Store) -> None:
    (rid,) = _record_ids(store, 1)
    auto = Decision(rid, "title_abstract", "auto_exclude", "stopping-rule", reason="SAFE stop")
    assert store.append_decisions("ldn", [auto, auto]) == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"decision": "inclde"}, r"decision 1 \(record \d+\): 'inclde' is not one of include"),
        ({"stage": "abstract"}, r"stage 'abstract' is not one of title_abstract, full_text"),
        ({"reviewer": ""}, "reviewer is empty"),
        ({"row_key": None}, "give both source_hash and row_key, or neither"),
    ],
)
def test_bad_decision_rejects_the_whole_batch(store: Store, change: dict[str, Any], message: str) -> None:
    ids = _record_ids(store, 2)
    good, bad = _from_workbook(ids, "f1" * 32)
    bad = dataclasses.replace(bad, **change)
    with pytest.raises(StoreError, match=message):
        store.append_decisions("ldn", [good, bad])
    assert store.decisions("ldn") == []


def test_decision_for_an_unknown_record_rejects_the_whole_batch(store: Store) -> None:
    ids = _record_ids(store, 1)
    batch = [
        Decision(ids[0], "title_abstract", "include", "alice"),
        Decision(987654, "title_abstract", "include", "alice"),
    ]
    with pytest.raises(StoreError, match="nothing written"):
        store.append_decisions("ldn", batch)
    assert store.decisions("ldn") == []


def test_decision_log_offers_no_way_to_change_or_delete_a_decision() -> None:
    public = {name for name in dir(Store) if not name.startswith("_")}
    touching = {n for n in public if "decision" in n}
    assert touching == {"append_decisions", "decisions", "latest_decisions"}
    assert not any(word in n for n in public for word in ("delete", "remove", "update", "edit", "replace"))
