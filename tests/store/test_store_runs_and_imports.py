"""Search runs and imported files."""

from __future__ import annotations

from datetime import date

import pytest
from store_builders import pubmed_record

from lreview.errors import StoreError
from lreview.records import Record
from lreview.store import Store, UpsertCounts


def test_finished_run_keeps_window_counts_translation_and_warnings(store: Store) -> None:
    run = store.start_run(
        "ldn", "main", "naltrexone AND endometriosis", mindate=date(2024, 1, 1), maxdate=date(2024, 6, 30)
    )
    assert store.run(run).status == "running"
    store.finish_run(
        run,
        "succeeded",
        count_reported=12,
        n_fetched=11,
        n_new=10,
        n_updated=1,
        n_missing=1,
        query_translation='"naltrexone"[MeSH Terms]',
        warnings=["phrase not found: ldn"],
    )
    info = store.run(run)
    assert (info.status, info.mindate, info.maxdate) == ("succeeded", date(2024, 1, 1), date(2024, 6, 30))
    counts = (info.count_reported, info.n_fetched, info.n_new, info.n_updated, info.n_missing)
    assert counts == (12, 11, 10, 1, 1)
    assert info.warnings == ("phrase not found: ldn",) and info.errors == ()
    assert info.finished_at is not None and info.finished_at >= info.started_at


def test_last_successful_run_ignores_failed_and_running_runs(store: Store) -> None:
    assert store.last_successful_run("ldn", "main") is None
    ok = store.start_run("ldn", "main", "q", maxdate=date(2024, 1, 31))
    store.finish_run(ok, "succeeded")
    failed = store.start_run("ldn", "main", "q", maxdate=date(2024, 2, 29))
    store.finish_run(failed, "failed", errors=["HTTP 500 after 5 tries"])
    store.start_run("ldn", "main", "q")
    other = store.start_run("ldn", "other-search", "q")
    store.finish_run(other, "succeeded")
    last = store.last_successful_run("ldn", "main")
    assert last is not None and (last.id, last.maxdate) == (ok, date(2024, 1, 31))
    assert [r.status for r in store.runs("ldn")] == ["succeeded", "failed", "running", "succeeded"]


def test_finish_run_rejects_unknown_status_and_unknown_run(store: Store) -> None:
    run = store.start_run("ldn", "main", "q")
    with pytest.raises(StoreError, match="status 'done' is not succeeded/failed"):
        store.finish_run(run, "done")
    with pytest.raises(StoreError, match="no search run 999"):
        store.finish_run(999, "failed")


def test_unfinished_runs_of_a_dead_process_can_be_marked_failed(store: Store) -> None:
    run = store.start_run("ldn", "main", "q")
    assert store.fail_unfinished_runs("ldn", "process died") == 1
    assert (store.run(run).status, store.run(run).errors) == ("failed", ("process died",))


def test_file_import_stores_records_and_blocks_the_same_content_twice(store: Store) -> None:
    records = [Record("Embase", f"L{n}", title=f"Embase record {n}") for n in range(4)]
    assert not store.file_already_imported("ldn", "ab" * 32)
    imported, counts = store.record_file_import("ldn", "Embase", "exports/embase.ris", "ab" * 32, records)
    assert counts == UpsertCounts(new=4) and imported.n_records == 4 and imported.path == "exports/embase.ris"
    assert store.file_already_imported("ldn", "ab" * 32)
    assert not store.file_already_imported("other-review", "ab" * 32)
    with pytest.raises(StoreError, match=r"exports/copy\.ris: same content as exports/embase\.ris"):
        store.record_file_import("ldn", "Embase", "exports/copy.ris", "ab" * 32, records)
    assert store.count_by_source("ldn") == {"Embase": 4}


def test_failed_file_import_logs_neither_file_nor_records(store: Store) -> None:
    records = [Record("Embase", "L1"), pubmed_record(1)]
    with pytest.raises(StoreError):
        store.record_file_import("ldn", "Embase", "mixed.ris", "cd" * 32, records)
    assert not store.file_already_imported("ldn", "cd" * 32)
    assert store.count_records("ldn") == 0
