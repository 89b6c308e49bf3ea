"""The append-only decision log, and the guard that no store method changes a logged row in place."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from store_builders import pubmed_record

from lreview.errors import StoreError
from lreview.store import Decision, DuplicateVerdict, Store


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


#: Tables whose rows, once written, are never changed or removed (the current view is derived).
APPEND_ONLY = {
    "raw_records", "decisions", "duplicate_pairs", "duplicate_verdicts", "import_files", "model_runs",
    "rankings", "dedup_runs", "cluster_members", "missing_records", "review_versions", "batch_items",
}  # fmt: skip
_NAME = r"[\"`]?(\w+)"
_CHANGES = [
    re.compile(pattern, re.IGNORECASE | re.DOTALL)
    for pattern in (
        rf"^\s*UPDATE\s+{_NAME}",
        rf"^\s*DELETE\s+FROM\s+{_NAME}",
        rf"^\s*(?:INSERT\s+OR\s+REPLACE|REPLACE)\s+INTO\s+{_NAME}",
        rf"^\s*INSERT\s+INTO\s+{_NAME}.*\bDO\s+UPDATE\b",
        rf"^\s*(?:TRUNCATE(?:\s+TABLE)?|DROP\s+TABLE)\s+{_NAME}",
    )
]


def changed_tables(statements: list[str]) -> set[str]:
    """The tables that UPDATE/DELETE/REPLACE/upsert/TRUNCATE/DROP statements change in place."""
    return {
        match.group(1).lower()
        for statement in statements
        for pattern in _CHANGES
        if (match := pattern.match(statement))
    }


class Calls:
    """The store, passed through, noting which of its public methods were used."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.used: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        self.used.add(name)
        return getattr(self.store, name)


def _use_every_method(store: Calls, url: str) -> None:
    """Every public method of Store, as a harvest, an import, dedup, ranking and screening use them."""
    run = store.start_run("ldn", "main", "naltrexone")
    store.store_records("ldn", "PubMed", [pubmed_record(k) for k in (1, 2, 3, 4)], run_id=run)
    store.store_records("ldn", "PubMed", [pubmed_record(1, title="Revised"), pubmed_record(2)], run_id=run)
    store.store_records("ldn", "PubMed", [pubmed_record(1)], run_id=run)  # back to the first version
    store.mark_missing(run, "ldn", ["3"])
    store.finish_run(run, "succeeded", n_new=4, n_updated=1, n_missing=1)
    store.start_run("ldn", "main", "naltrexone")
    store.fail_unfinished_runs("ldn", "killed")
    export = [pubmed_record(5, source="Embase", source_id="e5")]
    store.record_file_import("ldn", "Embase", "embase.ris", "ab" * 32, export)
    ids = [s.id for s in store.iter_records("ldn")]
    a, b, c = ids[:3]
    marks = store.input_marks("ldn")
    store.append_decisions("ldn", _from_workbook(ids[:2], "f1" * 32))
    store.append_decisions("ldn", _from_workbook(ids[:1], "f2" * 32, "exclude"))  # a changed mind
    store.save_clusters("ldn", [[a, b], [c]], {"threshold": 0.9})
    store.add_duplicate_pairs("ldn", [(a, b, 0.9), (a, c, 0.7)])
    store.decide_duplicate_pair("ldn", a, b, "confirmed", "alice")
    store.decide_duplicate_pair("ldn", a, b, "pending", "alice")
    store.append_duplicate_verdicts(
        "ldn", [DuplicateVerdict(a, c, "rejected", "bob", "p.csv", "p" * 64, "2")]
    )
    store.add_duplicate_pairs("ldn", [(a, b, 0.95), (b, c, 0.6)])  # the next dedup finds them again
    model_run = store.add_model_run(
        "ldn", model="nb", model_version="1", params=marks, seed=1, n_train=2, n_included=1
    )
    store.save_ranking(model_run, {a: 0.9, b: 0.2, c: 0.5})
    batch = store.issue_batch(
        "ldn", reviewer="alice", stage="title_abstract", kind="screen", round=store.next_round("ldn"),
        record_ids=[b], issued="ab12", file="batches/alice-1.xlsx", model_run_id=model_run,
    )  # fmt: skip
    with store.lock("refresh:ldn"):
        pass
    store.unlock("refresh:ldn")
    store.freeze_version("ldn", [a, b], [a], {"new_studies": 1})
    for read in (
        lambda: store.count_records("ldn"), lambda: store.count_by_source("ldn"),
        lambda: store.get_records("ldn", ids), lambda: store.raw_versions("ldn", "PubMed", "1"),
        lambda: list(store.iter_records("ldn", upto_raw=marks["upto_raw"])),
        lambda: store.missing_source_ids(run), lambda: store.file_already_imported("ldn", "ab" * 32),
        lambda: store.run(run), lambda: store.runs("ldn"), lambda: store.last_successful_run("ldn", "main"),
        lambda: store.decisions("ldn"), lambda: store.latest_decisions("ldn", "title_abstract"),
        lambda: store.latest_clusters("ldn"), lambda: store.latest_dedup_params("ldn"),
        lambda: store.duplicate_pairs("ldn", "pending"),
        lambda: store.duplicate_verdicts("ldn"), lambda: store.latest_ranking("ldn"),
        lambda: store.batches("ldn", batch_id=batch), lambda: store.schema_version(), lambda: store.url,
        lambda: store.batches("ldn"), lambda: store.record_ids("ldn"),
        lambda: store.source_spelling("ldn", "embase"), lambda: store.versions("ldn"),
        lambda: store.record_sources("ldn"),
        lambda: store.record_versions("ldn", upto_raw=marks["upto_raw"]),
    ):  # fmt: skip
        read()


def test_no_store_method_changes_or_removes_a_logged_row(store_url: str) -> None:
    statements: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", note)
    try:
        with Store.open(store_url) as opened:
            calls = Calls(opened)
            _use_every_method(calls, store_url)
    finally:
        event.remove(Engine, "before_cursor_execute", note)
    public = {name for name in dir(Store) if not name.startswith("_")} - {"open", "close"}
    assert public - calls.used == set(), "exercise every public Store method here"
    assert any(s.lstrip().upper().startswith("UPDATE RECORDS") for s in statements)  # the recorder sees
    assert changed_tables(statements) & APPEND_ONLY == set()


def test_the_recorder_catches_changes_in_place() -> None:
    assert changed_tables(
        [
            "UPDATE duplicate_pairs SET status=? WHERE id = ?",
            'DELETE FROM "decisions" WHERE id = 1',
            "INSERT OR REPLACE INTO raw_records (id) VALUES (1)",
            "INSERT INTO duplicate_verdicts (id) VALUES (%(id)s) ON CONFLICT (id) DO UPDATE SET x = 1",
            "INSERT INTO decisions (id) VALUES (1) ON CONFLICT DO NOTHING",
            "SELECT * FROM decisions",
        ]
    ) == {"duplicate_pairs", "decisions", "raw_records", "duplicate_verdicts"}
