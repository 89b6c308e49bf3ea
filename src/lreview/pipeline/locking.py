"""The review's lock: one refresh, ingest or PRISMA run of a review at a time, from any process or
machine sharing its store (`store/locks.py` holds, heartbeats and takes over from dead holders).

A refresh started by hand refuses at once when another run holds the review; an ingest and the Prefect
flows wait for it (up to `LOCK_WAIT`). `lreview unlock` releases a lock a dead process on another
machine left behind. The lock keeps its historical name `refresh:<review>`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta

from lreview.config import ReviewConfig
from lreview.pipeline.common import open_store
from lreview.store import Store
from lreview.store.locks import LockHeld

log = logging.getLogger("lreview.pipeline")
LOCK_STALE_AFTER = timedelta(minutes=5)  # a holder on another host with no heartbeat this long is dead
LOCK_WAIT = timedelta(minutes=30)  # how long an ingest or a flow run waits for the run holding the lock
LOCK_POLL_SECONDS = 2.0


def lock_name(config: ReviewConfig) -> str:
    return f"refresh:{config.review_id}"


@contextmanager
def review_lock(
    config: ReviewConfig, store: Store, loop: str, wait: timedelta = timedelta(0)
) -> Iterator[None]:
    """Hold the review's lock for the block; wait up to `wait` for the run holding it, then refuse
    naming it (`loop` names who waits in the log)."""
    deadline = time.monotonic() + wait.total_seconds()
    with ExitStack() as stack:
        while True:
            try:
                stack.enter_context(store.lock(lock_name(config), stale_after=LOCK_STALE_AFTER))
                break
            except LockHeld as held:
                if time.monotonic() >= deadline:
                    raise
                log.info("%s; the %s waits for it (up to %s)", held, loop, wait)
                time.sleep(LOCK_POLL_SECONDS)
        yield


@contextmanager
def refresh_lock(config: ReviewConfig, store: Store | None = None) -> Iterator[None]:
    """Hold the review's lock as a refresh started by hand does: refused at once if a run holds it."""
    with ExitStack() as stack:
        own = store or stack.enter_context(open_store(config))
        stack.enter_context(review_lock(config, own, "refresh"))
        yield


def unlock(config: ReviewConfig) -> str:
    """Release the review's lock (refresh, ingest and prisma runs take it) left by a process that cannot
    release it; one line saying what."""
    with open_store(config) as store:
        held = store.unlock(lock_name(config))
    if held is None:
        return f"review {config.review_id}: no run held its lock (no refresh, ingest or prisma)"
    age = int((datetime.now(UTC) - held.heartbeat_at).total_seconds())
    return f"released the lock of review {config.review_id} ({held.who()}; last heartbeat {age} s ago)"
