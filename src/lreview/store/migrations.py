"""Create a new store, or upgrade an older one in place, keeping every row.

Why not Alembic: a store is a user's file (or a team's database) that the app must upgrade by
itself when a newer lreview opens it, with no migration scripts folder, no `alembic upgrade` step and
no second version table to keep in sync. What we need is a version number in the database and an
ordered list of small functions; `UPGRADES[n]` turns a version-n store into a version-(n+1) one.
`prepare` runs the whole chain in ONE transaction (SQLite and PostgreSQL both have transactional DDL),
so a failed upgrade leaves the store as it was.

An upgrade step may reuse a table object from `schema.py` only while that table is unchanged since
the step's version; once a later version alters such a table, freeze the step's DDL as text. Steps
1 -> 2 and 3 -> 4 are frozen (`frozen_ddl.py`): version 4 altered `duplicate_pairs`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from lreview.errors import StoreError
from lreview.store import frozen_ddl, schema


def _v1_to_v2(conn: Connection) -> None:
    """Add missing-record tracking, dedup clusters and pairs, model runs and rankings, batches."""
    for statement in frozen_ddl.spelled(frozen_ddl.VERSION_2, conn.dialect.name):
        conn.exec_driver_sql(statement)


def _add_screening_columns(conn: Connection) -> None:
    """Screening layer: decision role and notes, batch kind/round/checksum/file/model run.

    Decisions the stopping rule logged before roles existed keep the default role; their word
    (`auto_exclude`) marks them as automation, and the log is never updated in place."""
    for table, names in schema.SCREENING_COLUMNS.items():
        # a version-1 store got `batches` from today's schema in the step before: skip what it has
        have = {c["name"] for c in sa.inspect(conn).get_columns(table)}
        for name in (n for n in names if n not in have):
            new = schema.metadata.tables[table].c[name]
            column = sa.schema.CreateColumn(new).compile(dialect=conn.dialect)
            conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column}")


def _v3_to_v4(conn: Connection) -> None:
    """Move possible-duplicate verdicts from their pairs (updated in place) into the append-only
    `duplicate_verdicts` log, one entry per decided pair; add the indexes a re-rank's queries use."""
    for statement in frozen_ddl.spelled(frozen_ddl.VERSION_4, conn.dialect.name):
        conn.exec_driver_sql(statement)
    # a pair put back to pending by a human carries decided_by: that, too, was a verdict
    conn.exec_driver_sql(
        "INSERT INTO duplicate_verdicts (review_id, pair_id, verdict, decided_by, decided_at)"
        " SELECT review_id, id, status, decided_by, decided_at FROM duplicate_pairs"
        " WHERE decided_by IS NOT NULL AND decided_at IS NOT NULL ORDER BY decided_at, id"
    )
    for statement in frozen_ddl.VERSION_4_DROPS:
        conn.exec_driver_sql(statement)


def _add_review_versions(conn: Connection) -> None:
    """Living-review versions: what each frozen version held, for PRISMA's previous-version boxes."""
    schema.metadata.create_all(conn, tables=[schema.review_versions])


UPGRADES: dict[int, Callable[[Connection], None]] = {
    1: _v1_to_v2,
    2: _add_screening_columns,
    3: _v3_to_v4,
    4: _add_review_versions,
}
CURRENT_VERSION = max(UPGRADES) + 1


def stored_version(conn: Connection) -> int | None:
    """The store's schema version, or None for an empty database."""
    if not sa.inspect(conn).has_table(schema.schema_version.name):
        return None
    version = conn.execute(sa.select(sa.func.max(schema.schema_version.c.version))).scalar()
    return None if version is None else int(version)


def prepare(conn: Connection, url: str) -> int:
    """Create the tables of a new store or upgrade an old one; return the version found (0 = new).

    Runs inside the caller's transaction, which must hold the store's write lock.
    """
    found = stored_version(conn)
    now = datetime.now(UTC)
    if found is None:
        schema.metadata.create_all(conn)
        conn.execute(sa.insert(schema.schema_version).values(version=CURRENT_VERSION, upgraded_at=now))
        return 0
    if found > CURRENT_VERSION:
        raise StoreError(
            f"store at {url} has schema version {found}, this lreview supports up to {CURRENT_VERSION}"
        )
    if found < CURRENT_VERSION:
        for version in range(found, CURRENT_VERSION):
            UPGRADES[version](conn)
        conn.execute(sa.delete(schema.schema_version))
        conn.execute(sa.insert(schema.schema_version).values(version=CURRENT_VERSION, upgraded_at=now))
    return found
