"""Benchmark: `lreview refresh` against a local E-utilities server with 30,000 matching records.

Starts the tests' E-utilities server (tests/support) in this process, writes a review config whose
store is a fresh SQLite file, runs the real console command `lreview refresh` in a child process with
LREVIEW_EUTILS_URL pointing at the server, then checks the store: every PMID exactly once. Prints the
requests the server saw, the minimum time NCBI's rate limit alone requires for them (requests / rate),
the command's wall time and their ratio (target <= 1.3), once without an API key (3/s) and once with a
fake key (10/s).

    python benchmarks/refresh_30k.py [--records 30000] [--latency 0.0] [--only 3|10]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from lreview.store import Store  # noqa: E402
from tests.support.eutils_server import EutilsServer, windows_over  # noqa: E402
from tests.support.pubmed_builder import make_articles  # noqa: E402

CONFIG = """
[review]
id = "bench-30k"
title = "Benchmark review"
eligibility = "anything"
exclusion_reasons = ["wrong population"]
reviewers = ["r1"]
output_dir = "{out}"

[[searches]]
name = "all"
query = "naltrexone"
"""


def run_once(records: int, latency: float, api_key: str | None) -> bool:
    articles = make_articles(records)
    work = Path(tempfile.mkdtemp(prefix="lreview-30k-"))
    try:
        config = work / "review.toml"
        config.write_text(CONFIG.format(out=work / "out"), encoding="utf-8")
        lreview = Path(sys.executable).with_name("lreview")
        with EutilsServer(articles, latency=latency) as server:
            env = {k: v for k, v in os.environ.items() if k not in ("NCBI_API_KEY", "LREVIEW_DATABASE_URL")}
            env["LREVIEW_EUTILS_URL"] = server.url
            if api_key:
                env["NCBI_API_KEY"] = api_key
            started = time.monotonic()
            done = subprocess.run(
                [str(lreview), "refresh", "--config", str(config)], env=env, capture_output=True, text=True
            )
            wall = time.monotonic() - started
            requests = len(server.requests)
            busiest = max((n for _, n in windows_over(server.arrivals(), 0)), default=0)
        if done.returncode != 0:
            print(done.stdout, done.stderr, sep="\n")
            return False
        with Store.open(f"sqlite:///{work / 'out' / 'lreview.sqlite'}") as store:
            pmids = Counter(r.record.pmid for r in store.iter_records("bench-30k"))
            (run,) = store.runs("bench-30k")
        assert run.finished_at is not None
        stored_in = (run.finished_at - run.started_at).total_seconds()
        expected = {a.pmid for a in articles}
        rate = 10.0 if api_key else 3.0
        floor = requests / rate
        exactly_once = set(pmids) == expected and max(pmids.values()) == 1
        label = "10/s, fake api key" if api_key else "3/s, no api key"
        print(
            f"[{label}] stored {sum(pmids.values())} records, {len(pmids)} distinct, "
            f"all {records} exactly once: {exactly_once}; requests {requests}, "
            f"rate-limit minimum {floor:.1f} s; search run (search+fetch+parse+store) {stored_in:.1f} s, "
            f"ratio {stored_in / floor:.2f} (target <= 1.3); whole lreview refresh command "
            f"(start-up, harvest, dedupe of all records, ranking, batch) {wall:.1f} s, "
            f"ratio {wall / floor:.2f}; "
            f"busiest 1-s window {busiest} requests (limit {int(rate)})"
        )
        return exactly_once and stored_in / floor <= 1.3 and busiest <= rate
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=30_000)
    ap.add_argument("--latency", type=float, default=0.0, help="seconds the server takes per answer")
    ap.add_argument("--only", choices=["3", "10"])
    args = ap.parse_args(argv)
    print(f"refresh_30k: {args.records} records, server latency {args.latency:g} s, batch size 250, SQLite")
    keys = {"3": None, "10": "fake-benchmark-key"}
    ok = [run_once(args.records, args.latency, keys[k]) for k in keys if args.only in (None, k)]
    return 0 if all(ok) else 1


if __name__ == "__main__":
    raise SystemExit(main())
