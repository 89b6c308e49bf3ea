"""Storing records: upsert by source id, revisions appended as raw versions, streaming reads."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from store_builders import pubmed_record

from lreview.errors import StoreError
from lreview.records import Record
from lreview.store import Store, UpsertCounts
from lreview.store.schema import records
from lreview.store.upsert import content_hash


def test_new_records_are_stored_and_read_back_equal(store: Store) -> None:
    batch = [pubmed_record(n) for n in range(1, 6)]
    counts = store.store_records("ldn", "PubMed", batch)
    assert counts == UpsertCounts(new=5, updated=0, unchanged=0)
    assert [s.record for s in store.iter_records("ldn")] == batch


def test_storing_identical_records_again_adds_nothing(store: Store) -> None:
    batch = [pubmed_record(n) for n in range(1, 4)]
    store.store_records("ldn", "PubMed", batch)
    assert store.store_records("ldn", "PubMed", batch) == UpsertCounts(new=0, updated=0, unchanged=3)
    assert store.count_records("ldn") == 3
    assert len(store.raw_versions("ldn", "PubMed", "1")) == 1


def test_revised_record_updates_canonical_row_and_keeps_old_raw_version(store: Store) -> None:
    old = pubmed_record(7, date_revised="2021-05-01")
    new = pubmed_record(7, date_revised="2023-01-09", title="Corrected title")
    store.store_records("ldn", "PubMed", [old])
    record_id = next(store.iter_records("ldn")).id
    assert store.store_records("ldn", "PubMed", [new]) == UpsertCounts(new=0, updated=1, unchanged=0)
    stored = list(store.iter_records("ldn"))
    assert [(s.id, s.record) for s in stored] == [(record_id, new)]
    assert store.raw_versions("ldn", "PubMed", "7") == [old, new]


def test_record_reverting_to_an_earlier_version_reuses_that_raw_row(store: Store) -> None:
    first, second = pubmed_record(8), pubmed_record(8, title="Changed")
    for version in (first, second, first):
        store.store_records("ldn", "PubMed", [version])
    assert store.raw_versions("ldn", "PubMed", "8") == [first, second]
    assert next(store.iter_records("ldn")).record == first
    # as of now (what a rank reads through its marks), too: not the content the record left
    mark = store.input_marks("ldn")["upto_raw"]
    assert [s.record for s in store.iter_records("ldn", upto_raw=mark)] == [first]
    assert store.record_versions("ldn", upto_raw=mark) == store.record_versions("ldn")


def test_same_source_id_twice_in_a_batch_keeps_the_later_copy(store: Store) -> None:
    counts = store.store_records("ldn", "PubMed", [pubmed_record(3), pubmed_record(3, title="Later")])
    assert counts == UpsertCounts(new=1)
    assert next(store.iter_records("ldn")).record.title == "Later"


def test_reviews_and_sources_are_kept_apart(store: Store) -> None:
    store.store_records("ldn", "PubMed", [pubmed_record(1)])
    store.store_records("other", "PubMed", [pubmed_record(1)])
    embase = Record(source="Embase", source_id="L123", title="Naltrexone")
    store.store_records("ldn", "Embase", [embase])
    assert store.count_by_source("ldn") == {"Embase": 1, "PubMed": 1}
    assert store.count_by_source("other") == {"PubMed": 1}
    assert [s.record for s in store.iter_records("ldn", source="Embase")] == [embase]


def test_record_of_another_source_is_rejected_naming_it(store: Store) -> None:
    with pytest.raises(StoreError, match=r"record 1 \(Embase L1\): source is not 'PubMed'"):
        store.store_records("ldn", "PubMed", [pubmed_record(1), Record("Embase", "L1")])
    assert store.count_records("ldn") == 0


def test_iter_records_pages_through_all_records_in_id_order(store: Store) -> None:
    store.store_records("ldn", "PubMed", [pubmed_record(n) for n in range(1, 24)])
    ids = [s.id for s in store.iter_records("ldn", batch_size=5)]
    assert len(ids) == 23 and ids == sorted(ids)
    assert [s.record.pmid for s in store.iter_records("ldn", batch_size=23)] == [str(n) for n in range(1, 24)]


def test_missing_records_are_logged_per_run_and_flagged_until_seen_again(store: Store) -> None:
    run = store.start_run("ldn", "main", "naltrexone[tiab]")
    store.store_records("ldn", "PubMed", [pubmed_record(n) for n in (1, 2, 3)], run_id=run)
    assert store.mark_missing(run, "ldn", ["2", "404", "2"]) == 2
    store.mark_missing(run, "ldn", ["404"])  # logging the same id again is harmless
    assert store.missing_source_ids(run) == ["2", "404"]
    assert store.count_records("ldn", include_missing=False) == 2
    flagged = {s.record.pmid for s in store.iter_records("ldn") if s.missing_from_source}
    assert flagged == {"2"}
    later = store.start_run("ldn", "main", "naltrexone[tiab]")
    store.store_records("ldn", "PubMed", [pubmed_record(2)], run_id=later)
    assert store.count_records("ldn", include_missing=False) == 3


def test_big_batch_is_stored_with_chunked_queries(store: Store) -> None:
    batch = [pubmed_record(n) for n in range(1, 1302)]
    assert store.store_records("ldn", "PubMed", batch).new == 1301
    revised = [
        pubmed_record(n, date_revised="2024-01-01") if n % 2 else pubmed_record(n) for n in range(1, 1302)
    ]
    assert store.store_records("ldn", "PubMed", revised) == UpsertCounts(new=0, updated=651, unchanged=650)
    assert store.count_records("ldn") == 1301


def test_fast_record_json_equals_to_dict_json() -> None:
    from lreview.store.upsert import canonical_json, record_data

    record = pubmed_record(5, extra=(("EM", "20210304"), ("OT", "LDN")), pmcid="PMC1", is_erratum=True)
    assert canonical_json(record_data(record)) == canonical_json(record.to_dict())
    assert Record.from_dict(json.loads(canonical_json(record_data(record)))) == record


def test_seeing_a_record_again_records_the_run_that_saw_it(store: Store) -> None:
    first = store.start_run("ldn", "main", "q")
    store.store_records("ldn", "PubMed", [pubmed_record(1)], run_id=first)
    second = store.start_run("ldn", "main", "q")
    store.store_records("ldn", "PubMed", [pubmed_record(1)], run_id=second)
    with store._read("seen runs") as conn:
        row = conn.execute(sa.select(records.c.first_seen_run, records.c.last_seen_run)).one()
    assert tuple(row) == (first, second)


def test_concurrent_writers_and_readers_wait_for_each_other_instead_of_failing(store_url: str) -> None:
    import threading

    Store.open(store_url).close()
    failures: list[BaseException] = []

    def harvest(review_id: str) -> None:
        try:
            with Store.open(store_url) as own:
                for b in range(8):
                    batch = [pubmed_record(n) for n in range(b * 50 + 1, (b + 1) * 50 + 1)]
                    own.store_records(review_id, "PubMed", batch)
                    own.store_records(review_id, "PubMed", batch[:10])  # read-then-write, no new rows
                    sum(1 for _ in own.iter_records(review_id, batch_size=64))
        except BaseException as exc:  # collected and re-raised in the test thread
            failures.append(exc)

    threads = [threading.Thread(target=harvest, args=(f"review-{k}",)) for k in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with Store.open(store_url) as store:
        assert [store.count_records(f"review-{k}") for k in range(3)] == [400, 400, 400]


def test_get_records_returns_current_versions_of_the_asked_ids_only(store: Store) -> None:
    store.store_records("ldn", "PubMed", [pubmed_record(n) for n in range(1, 6)])
    store.store_records("other", "PubMed", [pubmed_record(9)])
    ids = {s.record.pmid: s.id for s in store.iter_records("ldn")}
    store.store_records("ldn", "PubMed", [pubmed_record(2, title="Revised")])
    other_id = next(store.iter_records("other")).id
    found = store.get_records("ldn", [ids["2"], ids["4"], other_id, 10**6])
    assert set(found) == {ids["2"], ids["4"]}
    assert found[ids["2"]].record.title == "Revised"


def test_record_versions_are_the_hashes_of_what_iter_records_reads(store: Store) -> None:
    store.store_records("ldn", "PubMed", [pubmed_record(1), pubmed_record(2)])
    mark = store.input_marks("ldn")["upto_raw"]
    store.store_records("ldn", "PubMed", [pubmed_record(1, title="Revised"), pubmed_record(3)])
    for upto in (None, mark):
        read = {s.id: content_hash(s.record) for s in store.iter_records("ldn", upto_raw=upto)}
        assert store.record_versions("ldn", upto_raw=upto) == read
    assert len(store.record_versions("ldn", upto_raw=mark)) == 2


@pytest.mark.postgres
def test_postgresql_sessions_plan_streamed_reads_for_every_row_and_skip_the_jit(postgres_url: str) -> None:
    # a streamed read is a server-side cursor, planned for its first 10 % of rows by default: reading
    # a review's records as of a model run's marks took 20.9 s at 30,000 records with that plan
    with Store.open(postgres_url) as store, store._read("reading settings") as conn:
        settings = {
            name: conn.exec_driver_sql(f"SHOW {name}").scalar() for name in ("cursor_tuple_fraction", "jit")
        }
    assert settings == {"cursor_tuple_fraction": "1", "jit": "off"}
