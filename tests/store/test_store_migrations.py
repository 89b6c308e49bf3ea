"""Opening stores: creation, in-place upgrade of an older schema, refusal of a newer one, bad URLs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from store_builders import pubmed_record

from lreview.errors import StoreError
from lreview.records import Record
from lreview.store import Decision, Store
from lreview.store.base import switch_to_wal
from lreview.store.migrations import CURRENT_VERSION, UPGRADES
from lreview.store.upsert import content_hash


def _version_1_ddl(dialect: str) -> list[str]:
    """The tables as lreview's first store (schema version 1) created them."""
    pk = "SERIAL PRIMARY KEY" if dialect == "postgresql" else "INTEGER PRIMARY KEY AUTOINCREMENT"
    js = "JSONB" if dialect == "postgresql" else "JSON"
    return [
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, upgraded_at TIMESTAMP NOT NULL)",
        f"""CREATE TABLE search_runs (id {pk}, review_id VARCHAR(100) NOT NULL,
            search_name VARCHAR(200) NOT NULL, source VARCHAR(100) NOT NULL, query TEXT NOT NULL,
            mindate DATE, maxdate DATE, status VARCHAR(20) NOT NULL, started_at TIMESTAMP NOT NULL,
            finished_at TIMESTAMP, count_reported INTEGER, n_fetched INTEGER, n_new INTEGER,
            n_updated INTEGER, n_missing INTEGER, query_translation TEXT, warnings {js} NOT NULL,
            errors {js} NOT NULL, tool_version VARCHAR(50) NOT NULL)""",
        f"""CREATE TABLE import_files (id {pk}, review_id VARCHAR(100) NOT NULL,
            source VARCHAR(100) NOT NULL, path TEXT NOT NULL, sha256 VARCHAR(64) NOT NULL,
            n_records INTEGER NOT NULL, imported_at TIMESTAMP NOT NULL, UNIQUE (review_id, sha256))""",
        f"""CREATE TABLE raw_records (id {pk}, review_id VARCHAR(100) NOT NULL,
            source VARCHAR(100) NOT NULL, source_id VARCHAR(200) NOT NULL,
            run_id INTEGER REFERENCES search_runs (id), import_file_id INTEGER REFERENCES import_files (id),
            content_hash VARCHAR(64) NOT NULL, data {js} NOT NULL, fetched_at TIMESTAMP NOT NULL,
            UNIQUE (source_id, source, review_id, content_hash))""",
        f"""CREATE TABLE records (id {pk}, review_id VARCHAR(100) NOT NULL, source VARCHAR(100) NOT NULL,
            source_id VARCHAR(200) NOT NULL, pmid VARCHAR(20), doi VARCHAR(300), title TEXT NOT NULL,
            year INTEGER, current_raw_id INTEGER NOT NULL REFERENCES raw_records (id),
            first_seen_run INTEGER REFERENCES search_runs (id),
            last_seen_run INTEGER REFERENCES search_runs (id), first_seen_at TIMESTAMP NOT NULL,
            updated_at TIMESTAMP NOT NULL, UNIQUE (source_id, source, review_id))""",
        f"""CREATE TABLE decisions (id {pk}, review_id VARCHAR(100) NOT NULL,
            record_id INTEGER NOT NULL REFERENCES records (id), stage VARCHAR(40) NOT NULL,
            decision VARCHAR(40) NOT NULL, reviewer VARCHAR(200) NOT NULL, reason TEXT NOT NULL,
            batch_id INTEGER, source_file TEXT, source_hash VARCHAR(64), row_key VARCHAR(200),
            created_at TIMESTAMP NOT NULL, UNIQUE (review_id, source_hash, row_key))""",
        """CREATE TABLE locks (name VARCHAR(200) PRIMARY KEY, holder VARCHAR(200) NOT NULL,
            acquired_at TIMESTAMP NOT NULL, heartbeat_at TIMESTAMP NOT NULL)""",
    ]


def _build_version_1_store(url: str, record: Record) -> None:
    engine = sa.create_engine(url)
    ts = "2025-01-02 03:04:05"
    with engine.begin() as conn:
        for ddl in _version_1_ddl(conn.dialect.name):
            conn.exec_driver_sql(ddl)
        conn.exec_driver_sql(f"INSERT INTO schema_version VALUES (1, '{ts}')")
        conn.exec_driver_sql(
            "INSERT INTO search_runs (review_id, search_name, source, query, status, started_at,"
            " finished_at, n_new, warnings, errors, tool_version) VALUES ('ldn', 'main', 'PubMed',"
            f" 'naltrexone', 'succeeded', '{ts}', '{ts}', 1, '[]', '[]', '0.0.1')"
        )
        conn.execute(
            sa.text(
                "INSERT INTO raw_records (review_id, source, source_id, run_id, content_hash, data,"
                " fetched_at) VALUES ('ldn', 'PubMed', :sid, 1, :hash, :data, :ts)"
            ),
            {
                "sid": record.source_id,
                "hash": content_hash(record),
                "data": json.dumps(record.to_dict()),
                "ts": ts,
            },
        )
        conn.exec_driver_sql(
            "INSERT INTO records (review_id, source, source_id, pmid, title, year, current_raw_id,"
            f" first_seen_run, last_seen_run, first_seen_at, updated_at) VALUES ('ldn', 'PubMed',"
            f" '{record.source_id}', '{record.pmid}', 'x', 2021, 1, 1, 1, '{ts}', '{ts}')"
        )
        conn.exec_driver_sql(
            "INSERT INTO decisions (review_id, record_id, stage, decision, reviewer, reason, created_at)"
            f" VALUES ('ldn', 1, 'title_abstract', 'include', 'alice', '', '{ts}')"
        )
    engine.dispose()


def test_version_1_store_is_upgraded_in_place_keeping_its_rows(store_url: str) -> None:
    record = pubmed_record(31)
    _build_version_1_store(store_url, record)
    with Store.open(store_url) as store:
        assert store.schema_version() == CURRENT_VERSION
        assert [(s.id, s.record, s.missing_from_source) for s in store.iter_records("ldn")] == [
            (1, record, False)
        ]
        assert [(d.record_id, d.decision, d.reviewer) for d in store.decisions("ldn")] == [
            (1, "include", "alice")
        ]
        last = store.last_successful_run("ldn", "main")
        assert last is not None and last.tool_version == "0.0.1"
        # the upgraded store takes new rows in old and new tables alike
        run = store.start_run("ldn", "main", "naltrexone")
        counts = store.store_records(
            "ldn", "PubMed", [pubmed_record(31, title="Revised"), pubmed_record(32)], run_id=run
        )
        assert (counts.new, counts.updated) == (1, 1)
        store.mark_missing(run, "ldn", ["31"])
        model_run = store.add_model_run(
            "ldn", model="nb", model_version="1", params={}, seed=1, n_train=1, n_included=1
        )
        store.save_ranking(model_run, {1: 0.9, 2: 0.1})
        store.append_decisions("ldn", [Decision(2, "title_abstract", "exclude", "bob")])
    with Store.open(store_url) as again:  # opening a current store changes nothing
        assert again.count_records("ldn", include_missing=False) == 1
        assert len(again.decisions("ldn")) == 2


def test_store_newer_than_the_code_is_refused(store_url: str) -> None:
    Store.open(store_url).close()
    engine = sa.create_engine(store_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE schema_version SET version = {CURRENT_VERSION + 3}")
    engine.dispose()
    with pytest.raises(
        StoreError,
        match=rf"has schema version {CURRENT_VERSION + 3}, this lreview supports up to {CURRENT_VERSION}",
    ):
        Store.open(store_url)


def test_sqlite_store_creates_parent_folders_and_uses_wal_and_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "outputs" / "ldn" / "store.sqlite"
    with Store.open(f"sqlite:///{path}") as store:
        assert store.schema_version() == CURRENT_VERSION
        with store._read("pragmas") as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert path.is_file()


def test_bad_url_is_a_one_line_store_error() -> None:
    with pytest.raises(StoreError, match="bad store URL 'not a url'"):
        Store.open("not a url")


def test_unreachable_server_is_a_store_error_naming_the_url() -> None:
    url = "postgresql+psycopg://nobody:secret@127.0.0.1:1/none"
    with pytest.raises(
        StoreError, match=r"cannot open store at postgresql\+psycopg://nobody:\*\*\*@127.0.0.1:1/none"
    ) as info:
        Store.open(url)
    assert "\n" not in str(info.value) and "secret" not in str(info.value)


def test_processes_opening_a_new_store_at_once_create_it_once(store_url: str) -> None:
    import threading

    start = threading.Barrier(3)
    failures: list[BaseException] = []

    def open_store() -> None:
        start.wait()
        try:
            Store.open(store_url).close()
        except BaseException as exc:  # collected and checked in the test thread
            failures.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    engine = sa.create_engine(store_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version FROM schema_version").scalars().all() == [CURRENT_VERSION]
    engine.dispose()


def test_switching_a_locked_new_sqlite_file_to_wal_waits_for_the_lock(tmp_path: Path) -> None:
    """SQLite may answer `PRAGMA journal_mode=WAL` with SQLITE_BUSY without calling the busy handler
    (three threads opening a new store at once hit it); the switch is retried until the file is free."""
    import sqlite3
    import threading

    path = tmp_path / "new.sqlite"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("CREATE TABLE t (x INTEGER)")
    opener = sqlite3.connect(path, isolation_level=None)
    opener.execute("PRAGMA busy_timeout=0")  # busy at once, as with the handler skipped
    attempts = threading.Semaphore(0)

    class CountingCursor:
        """The opener's real cursor, counting the attempts so the lock is released after a refusal."""

        def __init__(self, cursor: sqlite3.Cursor) -> None:
            self.cursor = cursor

        def execute(self, sql: str) -> sqlite3.Cursor:
            attempts.release()
            return self.cursor.execute(sql)

    def release_after_a_retry() -> None:
        attempts.acquire(timeout=5)
        attempts.acquire(timeout=5)  # the second attempt has started: the first one was refused
        holder.execute("COMMIT")

    releaser = threading.Thread(target=release_after_a_retry)
    releaser.start()
    try:
        switch_to_wal(CountingCursor(opener.cursor()))
    finally:
        releaser.join()
    assert opener.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    opener.close()
    holder.close()


def _upgrade_to(url: str, version: int) -> None:
    """Take a version-1 store to `version` with the upgrade steps of that time (as lreview then did)."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for step in range(1, version):
            UPGRADES[step](conn)
        conn.exec_driver_sql(f"UPDATE schema_version SET version = {version}")
    engine.dispose()


def test_version_2_store_gains_the_screening_columns_keeping_its_rows(store_url: str) -> None:
    _build_version_1_store(store_url, pubmed_record(31))
    _upgrade_to(store_url, 2)
    engine = sa.create_engine(store_url)
    with engine.begin() as conn:
        ts = "2024-01-01 00:00:00"
        conn.exec_driver_sql(
            "INSERT INTO decisions (review_id, record_id, stage, decision, reviewer, reason, created_at)"
            f" VALUES ('ldn', 1, 'title_abstract', 'auto_exclude', 'lreview:stopping-rule', 'p', '{ts}')"
        )
        conn.exec_driver_sql(
            "INSERT INTO batches (review_id, reviewer, stage, created_at)"
            f" VALUES ('ldn', 'ann', 'full_text', '{ts}')"
        )
    engine.dispose()
    with Store.open(store_url) as store:
        assert store.schema_version() == CURRENT_VERSION
        old = store.decisions("ldn")[-1]
        assert (old.decision, old.role, old.notes) == ("auto_exclude", "reviewer", "")  # never rewritten
        [batch] = store.batches("ldn")
        assert (batch.reviewer, batch.stage, batch.kind, batch.round, batch.record_ids) == (
            "ann",
            "full_text",
            "screen",
            0,
            (),
        )
        store.append_decisions(
            "ldn", [Decision(1, "title_abstract", "include", "cat", role="arbiter", notes="n")]
        )
        assert [(d.role, d.notes) for d in store.decisions("ldn")][-1] == ("arbiter", "n")


def _rows(conn: sa.Connection) -> dict[str, list[dict[str, object]]]:
    """Every row of every table, in key order."""
    tables = sa.MetaData()
    tables.reflect(conn)
    return {
        name: [row._asdict() for row in conn.execute(sa.select(table).order_by(*table.c))]
        for name, table in tables.tables.items()
    }


def test_version_3_store_keeps_every_row_and_its_pair_verdicts_become_a_log(store_url: str) -> None:
    _build_version_1_store(store_url, pubmed_record(31))
    _upgrade_to(store_url, 3)
    engine = sa.create_engine(store_url)
    with engine.begin() as conn:
        for n, pmid in enumerate((32, 33, 34), start=2):
            record = pubmed_record(pmid)
            conn.execute(
                sa.text(
                    "INSERT INTO raw_records (review_id, source, source_id, run_id, content_hash, data,"
                    " fetched_at) VALUES ('ldn', 'PubMed', :sid, 1, :hash, :data, '2025-01-03')"
                ),
                {"sid": str(pmid), "hash": content_hash(record), "data": json.dumps(record.to_dict())},
            )
            conn.exec_driver_sql(
                "INSERT INTO records (review_id, source, source_id, title, current_raw_id, first_seen_at,"
                f" updated_at) VALUES ('ldn', 'PubMed', '{pmid}', 't', {n}, '2025-01-03', '2025-01-03')"
            )
        conn.exec_driver_sql(
            "INSERT INTO dedup_runs (review_id, params, tool_version, created_at)"
            " VALUES ('ldn', '{}', '0.0.2', '2025-01-04')"
        )
        conn.exec_driver_sql("INSERT INTO cluster_members VALUES (1, 1, 1, true), (1, 2, 1, false)")
        conn.exec_driver_sql(
            "INSERT INTO duplicate_pairs (review_id, record_a, record_b, score, status, decided_by,"
            " decided_at) VALUES ('ldn', 1, 2, 0.9, 'confirmed', 'alice', '2025-01-06'),"
            " ('ldn', 1, 3, 0.8, 'rejected', 'bob', '2025-01-05'), ('ldn', 2, 3, 0.7, 'pending', NULL, NULL),"
            " ('ldn', 3, 4, 0.6, 'pending', 'carol', '2025-01-07')"  # decided, then put back
        )
        conn.exec_driver_sql(
            "INSERT INTO model_runs (review_id, model, model_version, params, seed, n_train, n_included,"
            " created_at) VALUES ('ldn', 'nb', '0.0.2', '{}', 1, 1, 1, '2025-01-08')"
        )
        conn.exec_driver_sql("INSERT INTO rankings VALUES (1, 2, 0.5, 1), (1, 3, 0.25, 2)")
        conn.exec_driver_sql(
            "INSERT INTO batches (review_id, reviewer, stage, created_at) VALUES"
            " ('ldn', 'ann', 'title_abstract', '2025-01-09')"
        )
        conn.exec_driver_sql("INSERT INTO batch_items VALUES (1, 2, 0), (1, 3, 1)")
        conn.exec_driver_sql("INSERT INTO missing_records VALUES (1, 'PubMed', '99', 'ldn')")
        before = _rows(conn)
    Store.open(store_url).close()  # the upgrade
    with engine.connect() as conn:
        after = _rows(conn)
    engine.dispose()

    assert after.pop("schema_version")[0]["version"] == CURRENT_VERSION
    assert after.pop("review_versions") == []  # version 5's table, new and empty
    moved = {"status", "decided_by", "decided_at"}
    before["duplicate_pairs"] = [
        {k: v for k, v in r.items() if k not in moved} for r in before["duplicate_pairs"]
    ]
    verdicts = after.pop("duplicate_verdicts")
    assert {name: rows for name, rows in after.items()} == {
        name: rows for name, rows in before.items() if name != "schema_version"
    }
    assert [(v["pair_id"], v["verdict"], v["decided_by"]) for v in verdicts] == [
        (2, "rejected", "bob"),
        (1, "confirmed", "alice"),
        (4, "pending", "carol"),
    ]
    with Store.open(store_url) as store:
        pairs = {(p.record_a, p.record_b): (p.status, p.decided_by) for p in store.duplicate_pairs("ldn")}
        assert pairs == {
            (1, 2): ("confirmed", "alice"),
            (1, 3): ("rejected", "bob"),
            (2, 3): ("pending", None),
            (3, 4): ("pending", "carol"),
        }
        store.decide_duplicate_pair("ldn", 1, 2, "rejected", "bob")  # a changed mind is appended
        assert [(p.record_a, p.decided_by) for p in store.duplicate_pairs("ldn", "rejected")] == [
            (1, "bob"),
            (1, "bob"),
        ]
        assert len(store.duplicate_verdicts("ldn")) == 4
        assert [s.id for s in store.iter_records("ldn", upto_raw=2)] == [1, 2]
