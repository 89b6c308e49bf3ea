"""The engine and transactions under `Store`: SQLite tuning, read/write transactions, error wrapping.

SQLite: WAL (readers never block the writer), foreign keys on, a 30 s busy timeout, and write
transactions opened with BEGIN IMMEDIATE so a read-then-write batch waits for the write lock instead
of failing with "database is locked". Switching a new file to WAL is retried while busy: SQLite may
answer SQLITE_BUSY to `PRAGMA journal_mode=WAL` without calling the busy handler when other
connections open the same new file at once. PostgreSQL (psycopg 3): no server-side prepared statements.
JSON is read with orjson on both (a re-rank reads every record: 2-4x faster than `json`).
"""

from __future__ import annotations

import gc
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import orjson
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from lreview.errors import StoreError
from lreview.store.upsert import dump_json

BUSY_TIMEOUT_S = 30
_WRITE = "lreview_write"


def create_engine(url: str) -> Engine:
    """An engine for `url`; for SQLite files, parent folders are created and the connection tuned."""
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise StoreError(f"bad store URL {url!r}: {exc}") from None
    if parsed.get_backend_name() != "sqlite":
        # psycopg 3 prepares a statement after 5 runs and PostgreSQL then reuses a generic plan, which
        # for `source_id IN (250 ids)` on a freshly filled table scans the whole review (100x slower).
        args = {"prepare_threshold": None} if parsed.get_driver_name() == "psycopg" else {}
        server = sa.create_engine(
            parsed,
            pool_pre_ping=True,
            connect_args=args,
            json_serializer=dump_json,
            json_deserializer=orjson.loads,
        )
        event.listen(server, "connect", _tune_session)
        return server
    database = parsed.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        parsed,
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_S},
        json_serializer=dump_json,
        json_deserializer=orjson.loads,
    )

    @event.listens_for(engine, "connect")
    def _tune(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # the driver's own BEGIN handling off: we emit BEGIN below
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
        switch_to_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")

    return engine


def _tune_session(dbapi_conn: Any, _record: Any) -> None:
    """Session settings for how lreview reads (session settings, not startup options, which connection
    poolers refuse):
    - jit off: PostgreSQL compiles a query whose estimated cost is high (a review's 10^5 record versions
      or clusters) with its JIT first, 60-150 ms a query that the short scans here never win back;
    - cursor_tuple_fraction 1: a streamed read (a server-side cursor) is always read to its end, so it
      is planned for the whole result, not for its first rows (a review's records as of a model run's
      marks, 30,000 records: 20.9 s with the default 0.1, whose fast-start plan re-ran the grouped
      newest-version scan for every record)."""
    cursor = dbapi_conn.cursor()
    cursor.execute("SET jit = off")
    cursor.execute("SET cursor_tuple_fraction = 1.0")
    cursor.close()
    dbapi_conn.commit()


def switch_to_wal(cursor: Any) -> None:
    """`PRAGMA journal_mode=WAL`, retried for up to the busy timeout while the file is busy."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            busy = "locked" in str(exc) or "busy" in str(exc)
            if not busy or time.monotonic() > deadline:
                raise
        time.sleep(0.01)


def insert_new(conn: Connection, table: sa.Table, key: Sequence[str]) -> sa.Insert:
    """INSERT that skips rows whose `key` columns are already stored (ON CONFLICT DO NOTHING), so
    a row another transaction has just committed is not an error; RETURNING the ids inserted."""
    columns = list(key)
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=columns).returning(table.c.id)
    return sqlite.insert(table).on_conflict_do_nothing(index_elements=columns).returning(table.c.id)


def insert_rows(conn: Connection, table: sa.Table, rows: Sequence[tuple[int | float | bool, ...]]) -> None:
    """Insert many rows of numbers and booleans (every column of `table`, in order) in one round trip:
    COPY on PostgreSQL (2-3x faster than an INSERT over arrays, whose values psycopg's array adapter
    dumps one by one), the driver's executemany over tuples on SQLite (SQLAlchemy's per-row parameters
    cost 5-10x)."""
    if not rows:
        return
    names = ", ".join(column.name for column in table.columns)
    if conn.dialect.name == "postgresql":
        text = "".join("\t".join(map(str, row)) + "\n" for row in rows)  # bools as True/False: valid input
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]  # psycopg's
        with cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            copy.write(text)
        return
    marks = ", ".join("?" * len(table.columns))
    conn.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", list(rows))


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection for the block, for work that makes and holds 10^5 small objects
    without cycles (a page of decoded records; a dedup run, rank or emit of a large review): the
    collector's repeated full passes over them cost more than the work (a quarter to a half of a
    step at 100,000 records)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def safe_url(engine: Engine) -> str:
    """The engine's URL without its password, for messages."""
    return engine.url.render_as_string(hide_password=True)


def one_line(exc: BaseException) -> str:
    """The first line of a database error, without SQLAlchemy's SQL and background-link lines."""
    inner = getattr(exc, "orig", None) or exc
    return (str(inner).strip().splitlines() or [type(inner).__name__])[0]


class StoreBase:
    """Holds the engine; gives read and write transactions that turn database errors into StoreError."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @property
    def url(self) -> str:
        """The store's URL (password hidden)."""
        return safe_url(self._engine)

    @contextmanager
    def _write(self, what: str) -> Iterator[Connection]:
        """One write transaction: committed when the block ends, rolled back on any error."""
        try:
            with self._engine.connect() as conn:
                conn.execution_options(**{_WRITE: True})
                with conn.begin():
                    yield conn
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(f"{self.url}: {what} failed, nothing written: {one_line(exc)}") from exc

    @contextmanager
    def _read(self, what: str) -> Iterator[Connection]:
        """One read transaction (a consistent snapshot)."""
        try:
            with self._engine.connect() as conn, conn.begin():
                yield conn
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(f"{self.url}: {what} failed: {one_line(exc)}") from exc

    def close(self) -> None:
        """Close all pooled connections."""
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
