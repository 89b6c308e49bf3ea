"""Named locks in the store, so two refreshes of one review never run at once (even on two machines).

A lock is a row in `locks` whose primary key is the lock name: acquiring is an INSERT in its own
transaction (a unique violation means someone holds it), releasing is a DELETE by name and holder.
While held, a background thread refreshes `heartbeat_at`; a lock whose heartbeat is older than
`stale_after` belonged to a crashed process and is broken (compare-and-delete, then INSERT again).
Times come from the clients' clocks, so keep machines NTP-synced and `stale_after` generous.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from lreview.errors import StoreError
from lreview.store.schema import locks


def default_holder() -> str:
    """`host:pid`, naming who holds a lock in error messages."""
    return f"{socket.gethostname()}:{os.getpid()}"


def describe(name: str) -> str:
    """`refresh:ldn` -> `refresh of review ldn`; other names are quoted."""
    action, sep, review_id = name.partition(":")
    return f"{action} of review {review_id}" if sep and review_id else f"lock {name!r}"


def _try_insert(engine: Engine, name: str, holder: str, now: datetime) -> bool:
    try:
        with engine.begin() as conn:
            conn.execute(sa.insert(locks).values(name=name, holder=holder, acquired_at=now, heartbeat_at=now))
    except sa.exc.IntegrityError:
        return False
    return True


def acquire(engine: Engine, name: str, holder: str, stale_after: timedelta) -> None:
    """Take the lock or raise StoreError naming who holds it; a stale lock is broken first."""
    now = datetime.now(UTC)
    if _try_insert(engine, name, holder, now):
        return
    with engine.connect() as conn:
        row = conn.execute(sa.select(locks).where(locks.c.name == name)).one_or_none()
    if row is not None and now - row.heartbeat_at > stale_after:
        with engine.begin() as conn:
            conn.execute(
                sa.delete(locks).where(
                    locks.c.name == name,
                    locks.c.holder == row.holder,
                    locks.c.heartbeat_at == row.heartbeat_at,
                )
            )
        row = None
    if row is None and _try_insert(engine, name, holder, datetime.now(UTC)):
        return
    with engine.connect() as conn:
        row = conn.execute(sa.select(locks).where(locks.c.name == name)).one_or_none()
    who = "unknown" if row is None else row.holder
    since = "just now" if row is None else f"{row.acquired_at:%Y-%m-%d %H:%M:%S} UTC"
    raise StoreError(f"{describe(name)} is already running (holder {who}, since {since})")


def heartbeat(engine: Engine, name: str, holder: str) -> bool:
    """Refresh the lock's heartbeat; False when the lock is no longer ours (it was broken)."""
    with engine.begin() as conn:
        result = conn.execute(
            sa.update(locks)
            .where(locks.c.name == name, locks.c.holder == holder)
            .values(heartbeat_at=datetime.now(UTC))
        )
    return result.rowcount == 1


def release(engine: Engine, name: str, holder: str) -> None:
    """Drop the lock if we still hold it."""
    with engine.begin() as conn:
        conn.execute(sa.delete(locks).where(locks.c.name == name, locks.c.holder == holder))


@contextmanager
def hold(engine: Engine, name: str, holder: str, stale_after: timedelta) -> Iterator[None]:
    """Hold the lock for the block, with a heartbeat every quarter of `stale_after`."""
    acquire(engine, name, holder, stale_after)
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(stale_after.total_seconds() / 4):
            try:
                if not heartbeat(engine, name, holder):
                    return  # broken as stale by someone else: nothing left to keep alive
            except sa.exc.SQLAlchemyError:
                continue  # a missed beat; the next one may get through

    thread = threading.Thread(target=beat, name=f"lreview-lock-{name}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        release(engine, name, holder)
