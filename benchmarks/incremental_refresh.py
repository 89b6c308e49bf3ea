"""A weekly refresh of a large review: 500 new records on top of 100,000; time dedupe, rank and emit.

    .venv/bin/python benchmarks/incremental_refresh.py [--records 100000] [--new 500]
        [--backend sqlite|postgresql|both] [--postgres URL] [--profile]

The review is generated at run time (never committed) with the dedup scale benchmark's builder
(`benchmarks/dedup/scale.py`: publications from the five shared dedup sets plus derived distinct
ones, 1-4 perturbed database copies each), `--records` + `--new` records in shuffled order. Set-up,
untimed: the first `--records` stored (one `Store.store_records` per source and 1,000 records), a full
dedup run (which leaves the index of `pipeline/dedup_index.py`), 2,000 title/abstract decisions (10 %
include) and a first ranking with workbooks (which builds the feature cache). Then the weekly
refresh, timed part by part as `lreview refresh` runs them: the `--new` records stored, dedupe
(`deduplicate_store`, incremental), rank (`rank_store` without emit) and the workbook emit
(`emit_ranked`, as `rank_store` calls it: the new ranking's order and publications passed on, the
decision log read again). Each part prints wall and CPU time; the target is dedupe + rank + emit <= 5 s.
Then the ranking is reproduced with features fitted from scratch (`lreview rank --reproduce`: same
order, scores within 1e-9, or an error), and the dedup index is deleted and the review clustered
again in full: the script fails unless the incremental run's clusters (partition, canonical records,
numbering) and related pairs are the same. PostgreSQL runs in a throw-away database on the given
server (dropped afterwards).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "src"), str(REPO / "benchmarks" / "dedup")]

from scale import build  # noqa: E402

from lreview.config import parse_config  # noqa: E402
from lreview.decisions import EXCLUDE, INCLUDE, TITLE_ABSTRACT, Decision  # noqa: E402
from lreview.pipeline.duplicates import dedup_index_path, deduplicate_store, related_pairs  # noqa: E402
from lreview.pipeline.ranking import emit_ranked, rank_store, reproduce  # noqa: E402
from lreview.records import Record  # noqa: E402
from lreview.store import Store  # noqa: E402

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REVIEW = "bench"
T = TypeVar("T")


def store_all(store: Store, records: list[Record]) -> None:
    """Store records in id order: 1,000 at a time, one call per source."""
    for start in range(0, len(records), 1000):
        by_source: dict[str, list[Record]] = {}
        for record in records[start : start + 1000]:
            by_source.setdefault(record.source, []).append(record)
        for source, batch in by_source.items():
            store.store_records(REVIEW, source, batch)


def timed(label: str, work: Callable[[], T], profile: bool) -> tuple[T, float]:
    """Run `work`, print its wall and CPU time; return its result and wall time."""
    profiler = cProfile.Profile() if profile else None
    wall, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    result = work()
    if profiler:
        profiler.disable()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"  {label:<8} {wall:6.2f} s wall {cpu:6.2f} s CPU", flush=True)
    if profiler:
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(25)
        stats.sort_stats("tottime").print_stats(20)
    return result, wall


@contextmanager
def database(backend: str, admin_url: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'review.sqlite'}"
        return
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"lreview_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def run(backend: str, records: list[Record], old: int, admin_url: str, profile: bool) -> bool:
    print(f"{backend}: {old:,} records, then {len(records) - old:,} new", flush=True)
    with (
        tempfile.TemporaryDirectory(prefix="lreview-incr-") as tmp,
        database(backend, admin_url, Path(tmp)) as url,
    ):
        config = parse_config(
            {
                "review": {
                    "id": REVIEW, "title": "Low-dose naltrexone", "question": "Does LDN reduce pain?",
                    "eligibility": "trials", "exclusion_reasons": ["wrong design"], "reviewers": ["ann"],
                    "output_dir": str(Path(tmp) / "out"), "database_url": url,
                },
                "searches": [{"name": "main", "query": "naltrexone"}],
            },
            Path(tmp) / "review.toml",
        )  # fmt: skip
        with Store.open(url) as store:
            started = time.perf_counter()
            store_all(store, records[:old])
            first = deduplicate_store(config, store)
            clusters = store.latest_clusters(REVIEW)
            rng = random.Random(7)
            screened = rng.sample(clusters, min(2000, len(clusters) // 2))
            store.append_decisions(
                REVIEW,
                [
                    Decision(c[0], TITLE_ABSTRACT, INCLUDE if n % 10 == 0 else EXCLUDE, "ann")
                    for n, c in enumerate(screened)
                ],
            )
            rank_store(config, store)
            print(
                f"  set-up: {first.records:,} records, {first.publications:,} publications, "
                f"{len(screened):,} decisions, first ranking ({time.perf_counter() - started:.0f} s)",
                flush=True,
            )
            _, stored = timed("store", lambda: store_all(store, records[old:]), False)
            dedup, t_dedupe = timed("dedupe", lambda: deduplicate_store(config, store), profile)
            ranked, t_rank = timed("rank", lambda: rank_store(config, store, emit_batch=False), profile)
            _, t_emit = timed("emit", lambda: emit_ranked(config, store, ranked), profile)
            total = t_dedupe + t_rank + t_emit
            print(f"  dedupe: {dedup.mode}; {dedup.records:,} records, {dedup.publications:,} publications")
            verdict = "met" if total <= 5 else "NOT met"
            print(f"  dedupe + rank + emit: {total:.2f} s wall (target <= 5 s: {verdict})", flush=True)
            print(f"  {reproduce(config, ranked.model_run_id)}", flush=True)  # features from scratch
            incremental = store.latest_clusters(REVIEW)
            linked = related_pairs(store, REVIEW)
            dedup_index_path(config).unlink()
            full = deduplicate_store(config, store)
            same = store.latest_clusters(REVIEW) == incremental and related_pairs(store, REVIEW) == linked
            print(f"  full re-cluster ({full.mode}): clusters {'EQUAL' if same else 'DIFFER'}", flush=True)
    return same


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=500)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--postgres", default=POSTGRES, help="admin URL of a PostgreSQL server")
    parser.add_argument("--profile", action="store_true", help="cProfile each timed part")
    args = parser.parse_args(argv)
    built, _ = build(args.records + args.new, seed=1)
    records = [replace(r, source_id=f"{r.source}-{n}") for n, r in enumerate(built)]  # one id each
    load = os.getloadavg()[0]
    print(f"{len(records):,} records built; load average {load:.1f} on {os.cpu_count()} cores", flush=True)
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    ok = [run(b, records, args.records, args.postgres, args.profile) for b in backends]
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())
