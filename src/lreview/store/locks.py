"""Named locks in the store, so two refreshes of one review never run at once (even on two machines).

A lock is a row in `locks` whose primary key is the lock name: acquiring is an INSERT in its own
transaction (a unique violation means someone holds it), releasing is a DELETE by name and holder.
The holder is `host:pid:start` (start: boot id and the process's start time, so a reused PID is not
taken for the holder). A lock is broken (compare-and-delete, then INSERT again) when
- its holder ran on this host and that process is gone: at once, with a one-line warning;
- its heartbeat is older than `stale_after` and its holder cannot be checked from here (another host
  or container): while held, a background thread refreshes `heartbeat_at` every quarter of
  `stale_after`. A holder seen running on this host keeps its lock, heartbeat or not.
Heartbeat times come from the clients' clocks, so keep machines NTP-synced. `force_release` (`lreview
unlock`) drops a lock whose holder is not a live process on this host.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from lreview.errors import StoreError
from lreview.store.schema import locks

log = logging.getLogger("lreview.store.locks")
_PROC = Path("/proc")


@dataclass(frozen=True)
class LockInfo:
    """Who holds a lock, since when, and their last heartbeat."""

    name: str
    holder: str
    acquired_at: datetime
    heartbeat_at: datetime

    def who(self) -> str:
        """`holder H, since 2026-01-02 03:04:05 UTC`."""
        return f"holder {self.holder}, since {self.acquired_at:%Y-%m-%d %H:%M:%S} UTC"


class LockHeld(StoreError):
    """Someone else holds the lock (the message names the holder and since when)."""


def _boot_and_pid_namespace() -> tuple[str, str] | None:
    """This machine's boot id and this process's PID namespace (Linux), None where /proc cannot tell."""
    try:
        boot = (_PROC / "sys" / "kernel" / "random" / "boot_id").read_text().strip()
        namespace = os.readlink(_PROC / "self" / "ns" / "pid")
    except OSError:
        return None
    return boot[:8], "".join(c for c in namespace if c.isdigit())


def _ticks_of(pid: int) -> str | None:
    """The start time (clock ticks after boot) of process `pid` here, None if there is no such process."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2 :].split()[19]  # field 22 (fields counted after "pid (comm) ")


def default_holder() -> str:
    """`host:pid:boot.pidns.ticks` of this process (`host:pid` where /proc cannot tell the rest)."""
    pid, where, ticks = os.getpid(), _boot_and_pid_namespace(), _ticks_of(os.getpid())
    start = f":{where[0]}.{where[1]}.{ticks}" if where and ticks else ""
    return f"{socket.gethostname()}:{pid}{start}"


def holder_state(holder: str) -> Literal["gone", "running", "unknown"]:
    """Whether `holder` names a process of this host that no longer runs (its PID gone or reused, or the
    machine rebooted since), one that runs, or one this process cannot see (another host, another PID
    namespace, a holder name that is not `host:pid[:start]`)."""
    host, _, rest = holder.partition(":")
    pid_text, _, start = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return "unknown"
    pid, where = int(pid_text), _boot_and_pid_namespace()
    if where is None:  # no /proc: ask the kernel whether the PID exists (a reused PID looks alive)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return "gone"
        except OSError:
            return "running"  # exists, owned by another user
        return "running"
    boot, namespace, ticks = (start.split(".") + ["", "", ""])[:3] if start else (*where, "")
    if boot != where[0]:
        return "gone"  # the machine rebooted since
    if namespace != where[1]:
        return "unknown"  # another container on this host: its processes are not visible here
    running = _ticks_of(pid)
    if running is None or (ticks and running != ticks):
        return "gone"
    return "running"


def describe(name: str) -> str:
    """`refresh:ldn` (the review lock, named before ingest and PRISMA runs took it too) -> `a run of
    review ldn (refresh, ingest or prisma)`; `action:id` -> `action of review id`; others quoted."""
    action, sep, review_id = name.partition(":")
    if not (sep and review_id):
        return f"lock {name!r}"
    if action == "refresh":
        return f"a run of review {review_id} (refresh, ingest or prisma)"
    return f"{action} of review {review_id}"


def _try_insert(engine: Engine, name: str, holder: str, now: datetime) -> bool:
    try:
        with engine.begin() as conn:
            conn.execute(sa.insert(locks).values(name=name, holder=holder, acquired_at=now, heartbeat_at=now))
    except sa.exc.IntegrityError:
        return False
    return True


def current(engine: Engine, name: str) -> LockInfo | None:
    """The lock's row, or None when nobody holds it."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(locks).where(locks.c.name == name)).one_or_none()
    return None if row is None else LockInfo(name, row.holder, row.acquired_at, row.heartbeat_at)


def _delete_if_unchanged(engine: Engine, held: LockInfo) -> bool:
    with engine.begin() as conn:
        result = conn.execute(
            sa.delete(locks).where(
                locks.c.name == held.name,
                locks.c.holder == held.holder,
                locks.c.heartbeat_at == held.heartbeat_at,
            )
        )
    return result.rowcount == 1


def acquire(engine: Engine, name: str, holder: str, stale_after: timedelta) -> None:
    """Take the lock or raise StoreError naming who holds it; a dead or stale holder's lock is broken."""
    now = datetime.now(UTC)
    if _try_insert(engine, name, holder, now):
        return
    held = current(engine, name)
    state = None if held is None else holder_state(held.holder)
    if held is not None and state == "gone":
        if _delete_if_unchanged(engine, held):
            log.warning("%s: took over the lock (%s): that process is gone", describe(name), held.who())
        held = None
    elif held is not None and state == "unknown" and now - held.heartbeat_at > stale_after:
        if _delete_if_unchanged(engine, held):
            age = int((now - held.heartbeat_at).total_seconds())
            log.warning("%s: took over the lock (%s): no heartbeat for %d s", describe(name), held.who(), age)
        held = None
    if held is None and _try_insert(engine, name, holder, datetime.now(UTC)):
        return
    held = current(engine, name)
    if held is None:
        raise LockHeld(f"{describe(name)} is already running (holder unknown, since just now)")
    raise LockHeld(f"{describe(name)} is already running ({held.who()})")


def force_release(engine: Engine, name: str) -> LockInfo | None:
    """Drop the lock whoever holds it, unless its holder is a live process on this host; what was
    released (None: nobody held it)."""
    held = current(engine, name)
    if held is None:
        return None
    if holder_state(held.holder) == "running":
        raise StoreError(
            f"{describe(name)} ({held.who()}): that process still runs on this host; stop it first"
        )
    if not _delete_if_unchanged(engine, held):
        raise StoreError(f"{describe(name)}: the lock changed while releasing it; run lreview unlock again")
    return held


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
