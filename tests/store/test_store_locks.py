"""Review-level locks: one refresh at a time, across threads and processes, stale locks broken."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from lreview.errors import StoreError
from lreview.store import Store
from lreview.store.locks import default_holder
from lreview.store.schema import locks

SRC = str(Path(__file__).resolve().parents[2] / "src")


def test_second_refresh_of_a_review_is_refused_while_first_runs(store_url: str) -> None:
    inside, done = threading.Event(), threading.Event()

    def first() -> None:
        with Store.open(store_url) as store, store.lock("refresh:ldn", holder="worker-1"):
            inside.set()
            done.wait(10)

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert inside.wait(10)
        with Store.open(store_url) as store:
            held = r"a run of review ldn \(refresh, ingest or prisma\) is already running \(holder worker-1,"
            with pytest.raises(StoreError, match=held), store.lock("refresh:ldn", holder="worker-2"):
                pytest.fail("lock taken twice")
            with store.lock("refresh:other-review", holder="worker-2"):
                pass  # other reviews are not blocked
    finally:
        done.set()
        thread.join()
    with Store.open(store_url) as store, store.lock("refresh:ldn", holder="worker-2"):
        pass  # released when the first block ended


def test_only_one_of_many_simultaneous_acquirers_wins(store_url: str) -> None:
    Store.open(store_url).close()
    start, release = threading.Barrier(4), threading.Event()
    outcomes: list[str] = []

    def contender(n: int) -> None:
        with Store.open(store_url) as store:
            start.wait()
            try:
                with store.lock("refresh:ldn", holder=f"w{n}"):
                    outcomes.append("won")
                    release.wait(10)
            except StoreError:
                outcomes.append("refused")

    threads = [threading.Thread(target=contender, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 20
    while len(outcomes) < 4 and time.monotonic() < deadline:
        time.sleep(0.02)
        if outcomes.count("refused") == 3:
            release.set()
    release.set()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "refused", "refused", "won"]


def test_lock_held_by_another_process_is_refused_until_it_exits(store_url: str) -> None:
    Store.open(store_url).close()
    script = (
        "import sys\nfrom lreview.store import Store\n"
        f"with Store.open({store_url!r}) as s, s.lock('refresh:ldn', holder='other-process'):\n"
        "    print('locked', flush=True)\n    sys.stdin.readline()\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={"PYTHONPATH": SRC},
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "locked"
        with (
            Store.open(store_url) as store,
            pytest.raises(StoreError, match="holder other-process"),
            store.lock("refresh:ldn"),
        ):
            pass
    finally:
        child.communicate("\n", timeout=20)
    assert child.returncode == 0
    with Store.open(store_url) as store, store.lock("refresh:ldn"):
        pass


def test_stale_lock_of_a_dead_holder_is_broken(store_url: str) -> None:
    with Store.open(store_url) as store:
        long_ago = datetime.now(UTC) - timedelta(hours=3)
        with store._write("plant a dead lock") as conn:
            conn.execute(
                sa.insert(locks).values(
                    name="refresh:ldn", holder="dead:1", acquired_at=long_ago, heartbeat_at=long_ago
                )
            )
        with (
            store.lock("refresh:ldn", holder="alive", stale_after=timedelta(hours=1)),
            store._read("read lock") as conn,
        ):
            assert conn.execute(sa.select(locks.c.holder)).scalar_one() == "alive"
        with store._read("read lock") as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(locks)).scalar_one() == 0


def test_heartbeat_keeps_a_long_held_lock_from_going_stale(store_url: str) -> None:
    stale_after = timedelta(seconds=0.6)
    with Store.open(store_url) as store, store.lock("refresh:ldn", holder="slow", stale_after=stale_after):
        time.sleep(1.5)
        with (
            pytest.raises(StoreError, match="holder slow"),
            store.lock("refresh:ldn", stale_after=stale_after),
        ):
            pass


def plant(store: Store, holder: str, heartbeat_age: timedelta) -> None:
    then = datetime.now(UTC) - heartbeat_age
    with store._write("plant a lock") as conn:
        conn.execute(
            sa.insert(locks).values(name="refresh:ldn", holder=holder, acquired_at=then, heartbeat_at=then)
        )


def lock_holder(store: Store) -> str:
    with store._read("read lock") as conn:
        return str(conn.execute(sa.select(locks.c.holder)).scalar_one())


def test_lock_of_a_killed_process_on_this_host_is_taken_over_at_once_with_a_warning(
    store_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    Store.open(store_url).close()
    script = (
        "import sys\nfrom lreview.store import Store\nfrom lreview.store.locks import default_holder\n"
        f"with Store.open({store_url!r}) as s, s.lock('refresh:ldn'):\n"
        "    print(default_holder(), flush=True)\n    sys.stdin.readline()\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={"PYTHONPATH": SRC},
    )
    assert child.stdout is not None
    holder = child.stdout.readline().strip()
    child.kill()  # SIGKILL: no release, no last heartbeat
    child.wait(timeout=20)
    assert holder.split(":")[1] == str(child.pid)
    with (
        Store.open(store_url) as store,
        caplog.at_level(logging.WARNING, "lreview.store.locks"),
        store.lock("refresh:ldn"),  # default stale_after: minutes, yet taken at once
    ):
        assert lock_holder(store) == default_holder()
    (warning,) = [r.getMessage() for r in caplog.records]
    assert warning.startswith(
        f"a run of review ldn (refresh, ingest or prisma): took over the lock (holder {holder}, since 20"
    )
    assert warning.endswith("that process is gone")


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="process start times come from /proc")
def test_a_holder_whose_pid_now_belongs_to_another_process_is_gone(store_url: str) -> None:
    host, _, start = default_holder().split(":")
    boot, namespace, _ticks = start.split(".")
    reused = f"{host}:{os.getppid()}:{boot}.{namespace}.1"  # a live PID, but not the process that locked
    with Store.open(store_url) as store:
        plant(store, reused, timedelta(seconds=1))
        with store.lock("refresh:ldn", holder="next"):
            assert lock_holder(store) == "next"


def test_a_live_holder_on_this_host_keeps_its_lock(store_url: str) -> None:
    with Store.open(store_url) as store:
        plant(store, default_holder(), timedelta(hours=2))  # this very process: alive, beat or not
        with pytest.raises(StoreError, match="is already running"), store.lock("refresh:ldn", holder="next"):
            pass


def test_a_holder_on_another_host_is_broken_after_minutes_of_silence_not_hours(store_url: str) -> None:
    with Store.open(store_url) as store:
        plant(store, "elsewhere:42:ab12cd34.4026531836.99", timedelta(minutes=1))
        with pytest.raises(StoreError, match="holder elsewhere:42"), store.lock("refresh:ldn", holder="next"):
            pass
    with Store.open(store_url) as store:
        with store._write("age the heartbeat") as conn:
            conn.execute(sa.update(locks).values(heartbeat_at=datetime.now(UTC) - timedelta(minutes=6)))
        with store.lock("refresh:ldn", holder="next"):
            assert lock_holder(store) == "next"
