"""`Store`: the record store of one or many reviews (SQLite file by default, PostgreSQL for teams).

Raw and canonical records, imported files and locks are here; search runs are in `search_runs.py`,
the decision log in `decision_log.py`, dedup/ranking/batch tables in `analyses.py`, possible
duplicates and their verdicts in `duplicates.py`. Every write method is one transaction: all or
nothing. Nothing here loads a whole table: `iter_records` streams it in pages.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from lreview.errors import StoreError
from lreview.records import Record
from lreview.store import locks, migrations
from lreview.store.analyses import Analyses
from lreview.store.base import create_engine, gc_paused, one_line, safe_url
from lreview.store.batches import Batches
from lreview.store.decision_log import DecisionLog
from lreview.store.duplicates import DuplicateQueue
from lreview.store.models import FileImport, StoredRecord, UpsertCounts
from lreview.store.schema import import_files, missing_records, raw_records, records
from lreview.store.search_runs import SearchRuns
from lreview.store.upsert import chunks, upsert_records
from lreview.store.versions import Versions

_PG_PREPARE_LOCK = 7_305_100_001  # pg_advisory_xact_lock key: one process creates/upgrades at a time


class Store(SearchRuns, DecisionLog, Analyses, Batches, DuplicateQueue, Versions):
    """The record store. Open with `Store.open(url)`; use as a context manager to close it."""

    @classmethod
    def open(cls, url: str) -> Store:
        """Open (creating or upgrading) the store at `url`, e.g. `sqlite:///outputs/ldn.sqlite`."""
        engine = create_engine(url)
        store = cls(engine)
        try:
            with store._write("opening the store") as conn:
                if conn.dialect.name == "postgresql":
                    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_PREPARE_LOCK)))
                migrations.prepare(conn, safe_url(engine))
        except StoreError as exc:
            engine.dispose()
            cause = exc.__cause__
            if isinstance(cause, sa.exc.OperationalError):
                raise StoreError(f"cannot open store at {safe_url(engine)}: {one_line(cause)}") from exc
            raise
        return store

    def schema_version(self) -> int:
        """The store's schema version (always `migrations.CURRENT_VERSION` once opened)."""
        with self._read("reading the schema version") as conn:
            return migrations.stored_version(conn) or 0

    @contextmanager
    def lock(
        self, name: str, *, holder: str | None = None, stale_after: timedelta = timedelta(minutes=5)
    ) -> Iterator[None]:
        """Hold the named lock (e.g. `refresh:<review_id>`) for the block; StoreError if someone has it."""
        with locks.hold(self._engine, name, holder or locks.default_holder(), stale_after):
            yield

    def unlock(self, name: str) -> locks.LockInfo | None:
        """Drop the named lock unless a live process of this host holds it; what was released, if any."""
        return locks.force_release(self._engine, name)

    # ---- records ----------------------------------------------------------------------------------

    def store_records(
        self,
        review_id: str,
        source: str,
        batch: Sequence[Record],
        *,
        run_id: int | None = None,
        import_file_id: int | None = None,
    ) -> UpsertCounts:
        """Store a batch in one transaction: new records added, revised ones updated, none duplicated."""
        with self._write(f"storing {len(batch)} {source} records of review {review_id}") as conn:
            return upsert_records(
                conn,
                review_id,
                source,
                batch,
                run_id=run_id,
                import_file_id=import_file_id,
                now=datetime.now(UTC),
            )

    def mark_missing(
        self, run_id: int, review_id: str, source_ids: Sequence[str], *, source: str = "PubMed"
    ) -> int:
        """Log ids the search listed but the fetch did not return (deleted/withdrawn); flag stored ones."""
        unique = sorted(set(source_ids))
        with self._write(f"marking {len(unique)} missing records of run {run_id}") as conn:
            logged = set(
                conn.execute(
                    sa.select(missing_records.c.source_id).where(
                        missing_records.c.run_id == run_id, missing_records.c.source == source
                    )
                ).scalars()
            )
            rows = [
                {"run_id": run_id, "source": source, "source_id": sid, "review_id": review_id}
                for sid in unique
                if sid not in logged
            ]
            if rows:
                conn.execute(sa.insert(missing_records), rows)
            for part in chunks(unique):
                conn.execute(
                    sa.update(records)
                    .where(records.c.review_id == review_id, records.c.source == source)
                    .where(records.c.source_id.in_(part))
                    .values(missing_from_source=True)
                )
        return len(unique)

    def missing_source_ids(self, run_id: int) -> list[str]:
        """The ids a run logged as missing, sorted."""
        query = (
            sa.select(missing_records.c.source_id)
            .where(missing_records.c.run_id == run_id)
            .order_by(missing_records.c.source_id)
        )
        with self._read("reading missing records") as conn:
            return list(conn.execute(query).scalars())

    def iter_records(
        self,
        review_id: str,
        *,
        source: str | None = None,
        upto_raw: int | None = None,
        batch_size: int = 1000,
    ) -> Iterator[StoredRecord]:
        """Every current record of a review in id order, decoded `batch_size` rows at a time.

        With `upto_raw`, each record as it was when raw version `upto_raw` was the newest stored: its
        newest version with id <= `upto_raw`, and only records that had one.
        """
        # One query streamed in pages (server-side cursor on PostgreSQL): one plan and one snapshot
        # for the whole review. Paging by `id > last` re-planned every page, and PostgreSQL, before
        # its first ANALYZE of a freshly filled table, sorted every remaining row for each page.
        with self._read("reading records") as conn:
            query = _versions(review_id, raw_records.c.data, source, upto_raw, conn.dialect.name)
            pages = conn.execution_options(stream_results=True, yield_per=batch_size).execute(query)
            while True:
                with gc_paused():
                    page = pages.fetchmany(batch_size)
                    found = [
                        StoredRecord(record_id, Record.from_dict(stored), bool(missing))
                        for record_id, missing, stored in page
                        if stored is not None  # None: the record had no version yet at upto_raw
                    ]
                if not page:
                    return
                yield from found

    def record_versions(self, review_id: str, *, upto_raw: int | None = None) -> dict[int, str]:
        """Record id -> content hash of the version `iter_records` (with the same `upto_raw`) would
        give, in id order; no record data is read (what a re-rank keys its feature cache with)."""
        with self._read("reading record versions") as conn:
            query = _versions(review_id, raw_records.c.content_hash, None, upto_raw, conn.dialect.name)
            return {rid: digest for rid, _, digest in conn.execute(query).all() if digest is not None}

    def get_records(self, review_id: str, record_ids: Sequence[int]) -> dict[int, StoredRecord]:
        """The current version of the given records (e.g. a screening batch), by id; unknown ids absent."""
        found: dict[int, StoredRecord] = {}
        with self._read("reading records by id") as conn:
            for part in chunks(sorted(set(record_ids))):
                query = (
                    sa.select(records.c.id, records.c.missing_from_source, raw_records.c.data)
                    .join(raw_records, raw_records.c.id == records.c.current_raw_id)
                    .where(records.c.review_id == review_id, records.c.id.in_(part))
                )
                for record_id, missing, data in conn.execute(query):
                    found[record_id] = StoredRecord(record_id, Record.from_dict(data), bool(missing))
        return found

    def raw_versions(self, review_id: str, source: str, source_id: str) -> list[Record]:
        """Every stored version of one source record, oldest first."""
        query = (
            sa.select(raw_records.c.data)
            .where(
                raw_records.c.review_id == review_id,
                raw_records.c.source == source,
                raw_records.c.source_id == source_id,
            )
            .order_by(raw_records.c.id)
        )
        with self._read("reading raw versions") as conn:
            return [Record.from_dict(data) for data in conn.execute(query).scalars()]

    def count_records(
        self, review_id: str, *, source: str | None = None, include_missing: bool = True
    ) -> int:
        """How many distinct records the review has (optionally of one source, or still in it)."""
        query = sa.select(sa.func.count()).select_from(records).where(records.c.review_id == review_id)
        if source is not None:
            query = query.where(records.c.source == source)
        if not include_missing:
            query = query.where(records.c.missing_from_source == sa.false())
        with self._read("counting records") as conn:
            return int(conn.execute(query).scalar_one())

    def record_ids(self, review_id: str) -> list[int]:
        """Every record id of the review, ascending (cheap: no record data is read)."""
        query = sa.select(records.c.id).where(records.c.review_id == review_id).order_by(records.c.id)
        with self._read("listing record ids") as conn:
            return list(conn.execute(query).scalars().all())

    def record_sources(self, review_id: str) -> dict[int, tuple[str, datetime]]:
        """Every record id of the review -> the database it came from and when it was first seen."""
        query = sa.select(records.c.id, records.c.source, records.c.first_seen_at).where(
            records.c.review_id == review_id
        )
        with self._read("reading record sources") as conn:
            return {int(rid): (str(source), seen) for rid, source, seen in conn.execute(query)}

    def count_by_source(self, review_id: str) -> dict[str, int]:
        """Records identified per database (distinct source records), for PRISMA's identification box."""
        query = (
            sa.select(records.c.source, sa.func.count())
            .where(records.c.review_id == review_id)
            .group_by(records.c.source)
            .order_by(records.c.source)
        )
        with self._read("counting records by source") as conn:
            return {source: int(n) for source, n in conn.execute(query)}

    def source_spelling(self, review_id: str, source: str) -> str:
        """The review's first spelling of `source`, matched ignoring case (`embase` -> `Embase` when
        Embase came first), so one database is counted once; `source` itself when it is new."""
        wanted = source.casefold()
        seen = (
            sa.select(records.c.source, sa.func.min(records.c.id).label("first"))
            .where(records.c.review_id == review_id)
            .group_by(records.c.source)
            .order_by("first")
        )
        files = (
            sa.select(import_files.c.source, sa.func.min(import_files.c.id).label("first"))
            .where(import_files.c.review_id == review_id)
            .group_by(import_files.c.source)
            .order_by("first")
        )
        with self._read("reading the review's source names") as conn:
            names = [*conn.execute(seen).scalars(), *conn.execute(files).scalars()]
        return next((name for name in names if name.casefold() == wanted), source)

    # ---- imported files ---------------------------------------------------------------------------

    def file_already_imported(self, review_id: str, sha256: str) -> bool:
        """Whether a file with this content was imported into the review before."""
        query = sa.select(import_files.c.id).where(
            import_files.c.review_id == review_id, import_files.c.sha256 == sha256
        )
        with self._read("checking imported files") as conn:
            return conn.execute(query).first() is not None

    def record_file_import(
        self, review_id: str, source: str, path: str, sha256: str, batch: Sequence[Record]
    ) -> tuple[FileImport, UpsertCounts]:
        """Log an export file and store its records, in one transaction; StoreError if already imported."""
        now = datetime.now(UTC)
        with self._write(f"importing {path}") as conn:
            earlier = conn.execute(
                sa.select(import_files.c.path, import_files.c.imported_at).where(
                    import_files.c.review_id == review_id, import_files.c.sha256 == sha256
                )
            ).one_or_none()
            if earlier is not None:
                raise StoreError(
                    f"{path}: same content as {earlier.path}, imported into review {review_id} "
                    f"on {earlier.imported_at:%Y-%m-%d %H:%M} UTC"
                )
            row = conn.execute(
                sa.insert(import_files).returning(import_files.c.id),
                {
                    "review_id": review_id,
                    "source": source,
                    "path": path,
                    "sha256": sha256,
                    "n_records": len(batch),
                    "imported_at": now,
                },
            )
            imported = FileImport(int(row.scalar_one()), review_id, source, path, sha256, len(batch), now)
            counts = upsert_records(
                conn, review_id, source, batch, run_id=None, import_file_id=imported.id, now=now
            )
        return imported, counts


def _versions(
    review_id: str, column: sa.Column[Any], source: str | None, upto_raw: int | None, dialect: str
) -> sa.Select[tuple[int, bool, Any]]:
    """(record id, missing flag, `column` of its current raw version, or of its version as of
    `upto_raw`: None if it had none) for every record of the review, in id order.

    As of `upto_raw`: the current version when its id is <= `upto_raw` (a record that reverted to an
    earlier content points back at that older row, so "the newest id <= upto_raw" would be the content
    it left), else the newest version with id <= `upto_raw`. A revert after `upto_raw` is read as if it
    had happened before: a reproduction then reports a difference rather than a ranking being
    computed from text the record no longer has."""
    query = sa.select(records.c.id, records.c.missing_from_source, column).where(
        records.c.review_id == review_id
    )
    if upto_raw is None:
        query = query.join(raw_records, raw_records.c.id == records.c.current_raw_id)
    elif dialect == "postgresql":
        # every record's newest version id in one grouped pass, then one join (a correlated
        # subquery per record, as below, costs PostgreSQL twice as long: 0.36 s per 100,000)
        last = sa.func.max(raw_records.c.id).label("id")
        newest = (
            sa.select(raw_records.c.source, raw_records.c.source_id, last)
            .where(raw_records.c.review_id == review_id, raw_records.c.id <= upto_raw)
            .group_by(raw_records.c.source, raw_records.c.source_id)
            .subquery()
        )
        version = raw_records.alias("version")
        query = (
            sa.select(records.c.id, records.c.missing_from_source, version.c[column.name])
            .outerjoin(
                newest, (newest.c.source == records.c.source) & (newest.c.source_id == records.c.source_id)
            )
            .outerjoin(version, version.c.id == _as_of(upto_raw, newest.c.id))
            .where(records.c.review_id == review_id)
        )
    else:
        # one index seek per record (ix_raw_records_version): faster than grouping on SQLite
        value = (
            sa.select(column)
            .where(
                raw_records.c.review_id == records.c.review_id,
                raw_records.c.source == records.c.source,
                raw_records.c.source_id == records.c.source_id,
                raw_records.c.id <= _as_of(upto_raw, upto_raw),
            )
            .order_by(raw_records.c.id.desc())
            .limit(1)
            .correlate(records)
            .scalar_subquery()
        )
        query = sa.select(records.c.id, records.c.missing_from_source, value).where(
            records.c.review_id == review_id
        )
    if source is not None:
        query = query.where(records.c.source == source)
    return query.order_by(records.c.id)


def _as_of(upto_raw: int, otherwise: Any) -> Any:
    """The record's current raw id when it is <= `upto_raw`, else `otherwise` (see `_versions`)."""
    return sa.case((records.c.current_raw_id <= upto_raw, records.c.current_raw_id), else_=otherwise)
