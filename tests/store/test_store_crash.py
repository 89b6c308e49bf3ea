"""A run that dies mid-way leaves whole batches only; running it again stores the rest, no duplicates."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from store_builders import pubmed_record

from lreview.errors import StoreError
from lreview.store import Store, UpsertCounts
from lreview.store.schema import raw_records

SRC = str(Path(__file__).resolve().parents[2] / "src")
BATCH, N_BATCHES = 250, 10

HARVEST = """
import sys
sys.path.insert(0, {src!r})
from lreview.records import Record
from lreview.store import Store
with Store.open({url!r}) as store:
    run = store.start_run("ldn", "main", "naltrexone")
    for b in range({n_batches}):
        batch = [Record("PubMed", str(n), pmid=str(n), title=f"Trial {{n}}", abstract="x" * 800)
                 for n in range(b * {batch} + 1, (b + 1) * {batch} + 1)]
        store.store_records("ldn", "PubMed", batch, run_id=run)
        print(b + 1, flush=True)
"""


def _raw_count(store: Store) -> int:
    with store._read("count raw") as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(raw_records)).scalar_one())


def _whole_harvest() -> list[list[object]]:
    from lreview.records import Record

    return [
        [
            Record("PubMed", str(n), pmid=str(n), title=f"Trial {n}", abstract="x" * 800)
            for n in range(b * BATCH + 1, (b + 1) * BATCH + 1)
        ]
        for b in range(N_BATCHES)
    ]


def test_killed_harvest_leaves_whole_batches_and_a_rerun_completes_it(store_url: str) -> None:
    Store.open(store_url).close()
    script = HARVEST.format(src=SRC, url=store_url, n_batches=N_BATCHES, batch=BATCH)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    while child.stdout.readline().strip() != "3":
        pass
    os.kill(child.pid, signal.SIGKILL)  # dies during or between later batches
    child.wait(timeout=20)

    with Store.open(store_url) as store:
        stored = store.count_records("ldn")
        assert stored % BATCH == 0 and 3 * BATCH <= stored < N_BATCHES * BATCH
        assert _raw_count(store) == stored
        (run,) = store.runs("ldn")
        assert run.status == "running"
        assert store.fail_unfinished_runs("ldn", "harvest process died") == 1

        rerun = store.start_run("ldn", "main", "naltrexone")
        total = UpsertCounts()
        for batch in _whole_harvest():
            total += store.store_records("ldn", "PubMed", batch, run_id=rerun)  # type: ignore[arg-type]
        assert total == UpsertCounts(new=N_BATCHES * BATCH - stored, updated=0, unchanged=stored)
        assert store.count_records("ldn") == _raw_count(store) == N_BATCHES * BATCH
        assert [r.status for r in store.runs("ldn")] == ["failed", "running"]


def test_error_inside_a_batch_rolls_back_the_whole_batch(store: Store) -> None:
    store.store_records("ldn", "PubMed", [pubmed_record(n) for n in range(1, 11)])
    revised = [pubmed_record(n, title="Revised") for n in range(1, 11)]
    new = [pubmed_record(n) for n in range(11, 250)]
    broken = pubmed_record(250, year=10**30)  # the database cannot hold this year: fails mid-write
    # PostgreSQL: "integer out of range" (a StoreError); SQLite's driver: OverflowError
    with pytest.raises((StoreError, OverflowError)):
        store.store_records("ldn", "PubMed", revised + new + [broken])
    assert store.count_records("ldn") == 10 and _raw_count(store) == 10
    assert "Revised" not in {s.record.title for s in store.iter_records("ldn")}
    assert store.store_records("ldn", "PubMed", revised + new) == UpsertCounts(new=239, updated=10)
