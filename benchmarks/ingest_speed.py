"""How long `lreview ingest` of 20 decisions takes on a large review, re-rank and next batch included.

    .venv/bin/python benchmarks/ingest_speed.py --records 30000 --backend sqlite|postgresql [--profile]

The review is generated at run time (never committed): `--records` PubMed-like records whose titles,
abstracts, authors and MeSH are sampled (with replacement) from the shared screening datasets, stored
through `Store.store_records`, one dedup run (every 50th record paired with the next), 200 earlier
decisions and one first ranking (which builds the feature cache, as the review's first refresh does).
Then, timed, each as a user runs it:
- `lreview ingest FILE` in a new process: 20 decisions (a CSV) on the top of the latest ranking,
  then the re-rank and the next workbooks (three rounds);
- reading every current record (`Store.iter_records`), and the same as of the last model run's marks
  (`upto_raw`, what `rank --reproduce` reads).
Targets: ingest <= 5 s at 30,000 records and <= 20 s at 100,000; reading 100,000 records <= 3 s.
`--profile` also runs one more ingest in this process under cProfile and prints the top functions.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import os
import pstats
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from lreview.config import load_config  # noqa: E402
from lreview.pipeline import rank  # noqa: E402
from lreview.records import Record  # noqa: E402
from lreview.store import Decision, Store  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "screening" / "normalized"
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REVIEW = "bench"
INGEST = "import sys; from lreview.cli import main; sys.exit(main(sys.argv[1:]))"
CONFIG = """
[review]
id = "bench"
title = "Screening benchmark"
question = "Does low-dose naltrexone reduce chronic pain?"
eligibility = "randomised trials in adults"
exclusion_reasons = ["wrong population", "wrong design"]
reviewers = ["ann"]
output_dir = "{out}"
database_url = "{url}"

[[searches]]
name = "main"
query = "naltrexone AND pain"
"""


def pool(data: Path) -> list[tuple[dict[str, str], bool]]:
    """(row, included) of every record in the shared screening datasets."""
    csv.field_size_limit(10**8)
    rows = []
    for path in sorted(data.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            rows += [(row, row["label_included"] == "1") for row in csv.DictReader(handle)]
    if not rows:
        raise SystemExit(f"no screening datasets in {data}")
    return rows


def make_records(
    n: int, rows: list[tuple[dict[str, str], bool]], rng: random.Random
) -> tuple[list[Record], list[bool]]:
    """n records with new PMIDs, each with the text of a sampled real record, and its label."""
    records, labels = [], []
    for k in range(n):
        row, included = rows[rng.randrange(len(rows))]
        labels.append(included)
        pmid = str(40_000_000 + k)
        records.append(
            Record(
                source="PubMed",
                source_id=pmid,
                pmid=pmid,
                title=row["title"],
                abstract=row["abstract"],
                authors=tuple(a.strip() for a in (row.get("authors") or "").split(";") if a.strip())[:12],
                year=1995 + k % 30,
                journal="Journal of Benchmarks",
                doi=f"10.5555/bench.{k}",
                mesh=tuple(m.strip() for m in (row.get("mesh") or "").split(";") if m.strip()),
            )
        )
    return records, labels


@contextmanager
def database(backend: str, folder: Path) -> Iterator[str]:
    """A new empty store URL on the backend; a PostgreSQL database is dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'store.sqlite'}"
        return
    admin = sa.create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    name = f"lreview_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def build_review(url: str, n: int, rng: random.Random) -> dict[int, bool]:
    """Store the review; return record id -> included (the label its text came with)."""
    rows = pool(DATA)
    records, record_labels = make_records(n, rows, rng)
    included = {r.source_id: label for r, label in zip(records, record_labels, strict=True)}
    with Store.open(url) as store:
        for start in range(0, n, 1000):
            store.store_records(REVIEW, "PubMed", records[start : start + 1000])
        stored = [(s.id, s.record.source_id) for s in store.iter_records(REVIEW)]
        ids = [rid for rid, _ in stored]
        clusters = [ids[i : i + 2] if i % 50 == 0 else [ids[i]] for i in range(len(ids)) if i % 50 != 1]
        store.save_clusters(REVIEW, clusters, {"benchmark": True})
        labels = {rid: included[sid] for rid, sid in stored}
        first = rng.sample([c[0] for c in clusters], 200)
        decided = [
            Decision(rid, "title_abstract", "include" if labels[rid] else "exclude", "ann") for rid in first
        ]
        store.append_decisions(REVIEW, decided)
    return labels


def next_decisions(url: str, folder: Path, labels: dict[int, bool], round_: int) -> Path:
    """20 decisions on the top of the latest ranking (what the next workbook holds), as a decisions CSV."""
    with Store.open(url) as store:
        ranking = store.latest_ranking(REVIEW)
    assert ranking is not None
    out = io.StringIO()
    out.write("record_id,decision,reviewer\n")
    for entry in ranking.entries[:20]:
        out.write(f"{entry.record_id},{'include' if labels[entry.record_id] else 'exclude'},ann\n")
    path = folder / f"decisions-{round_}.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=30_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)

    with tempfile.TemporaryDirectory() as tmp, database(args.backend, Path(tmp)) as url:
        config_path = Path(tmp) / "review.toml"
        config_path.write_text(CONFIG.format(out=Path(tmp) / "out", url=url), encoding="utf-8")
        started = time.perf_counter()
        labels = build_review(url, args.records, rng)
        built = time.perf_counter() - started
        started = time.perf_counter()
        rank(load_config(config_path))
        first = time.perf_counter() - started
        print(f"load average before: {os.getloadavg()[0]:.2f}")
        print(
            f"{args.backend}: {args.records} records stored and 200 decided in {built:.1f} s; "
            f"first ranking (builds the feature cache) {first:.1f} s"
        )
        for round_ in range(1, args.rounds + 1):
            decisions = next_decisions(url, Path(tmp), labels, round_)
            command = [sys.executable, "-c", INGEST, "ingest", str(decisions), "--config", str(config_path)]
            started, cpu = time.perf_counter(), _children_cpu()
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            took, took_cpu = time.perf_counter() - started, _children_cpu() - cpu
            if done.returncode != 0:
                raise SystemExit(f"lreview ingest failed: {done.stderr.strip()}")
            print(
                f"  lreview ingest of 20 decisions (re-rank and next batch included), "
                f"round {round_}: {took:.2f} s ({took_cpu:.2f} s CPU)"
            )
        with Store.open(url) as store:
            started, cpu = time.perf_counter(), time.process_time()
            n = sum(1 for _ in store.iter_records(REVIEW))
            read, read_cpu = time.perf_counter() - started, time.process_time() - cpu
            ranking = store.latest_ranking(REVIEW)
            assert ranking is not None
            upto = int(ranking.model_run.params["upto_raw"])
            started = time.perf_counter()
            m = sum(1 for _ in store.iter_records(REVIEW, upto_raw=upto))
            read_upto = time.perf_counter() - started
        print(
            f"  reading {n} current records: {read:.2f} s ({read_cpu:.2f} s CPU); "
            f"as of the last model run (upto_raw): {read_upto:.2f} s ({m})"
        )
        if args.profile:
            decisions = next_decisions(url, Path(tmp), labels, args.rounds + 1)
            from lreview.cli import main as cli

            profile = cProfile.Profile()
            profile.runcall(cli, ["ingest", str(decisions), "--config", str(config_path)])
            pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
