"""Benchmark: harvest ClinicalTrials.gov and Europe PMC from local fake servers at lreview's polite rates.

Each fake runs in its own process (as the real services do) and enforces the rate (a 429 past it);
the source pages through every record (pageSize 1000) and parses it to `Record`s. Prints, per source,
the requests made, the floor the rate alone imposes (requests / rate), the wall time and their ratio
(target <= 1.3), and whether the server refused any request.

    python benchmarks/sources_harvest.py [--studies 20000] [--preprints 30000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from lreview.sources.ctgov import DEFAULT_RATE as CTGOV_RATE  # noqa: E402
from lreview.sources.ctgov import CtgovSettings, CtgovSource  # noqa: E402
from lreview.sources.europepmc import DEFAULT_RATE as EPMC_RATE  # noqa: E402
from lreview.sources.europepmc import EuropePmcSettings, EuropePmcSource  # noqa: E402
from lreview.sources.harvest import HarvestSource  # noqa: E402

END = date(2026, 1, 10)


@contextmanager
def served(module: str, n: int, rate: float) -> Iterator[str]:
    """A fake server of `module` in a subprocess serving `n` records at `rate`; yields its URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", module, str(n), str(rate)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if not url:
            raise RuntimeError(f"{module} did not start")
        yield url
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=10)


def run(name: str, source: HarvestSource, query: str, rate: float, requests: Callable[[], int]) -> float:
    begun, cpu = time.monotonic(), time.process_time()
    found = source.search(query, None, END, incremental=False)
    got = sum(len(batch.records) for batch in found.batches)
    wall, cpu = time.monotonic() - begun, time.process_time() - cpu
    made = requests()
    floor = made / rate
    ratio = wall / floor
    print(
        f"[{name}, {rate:g}/s] records {got} (reported {found.count}), requests {made}, "
        f"rate-limit minimum {floor:.1f} s, wall {wall:.1f} s (client CPU {cpu:.1f} s), "
        f"ratio {ratio:.2f} (target <= 1.3)"
        + (f"; warnings: {list(found.warnings)}" if found.warnings else "")
    )
    source.close()
    return ratio


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--studies", type=int, default=20_000)
    ap.add_argument("--preprints", type=int, default=30_000)
    args = ap.parse_args(argv)
    ratios = []
    with served("tests.support.ctgov_server", args.studies, CTGOV_RATE) as url:
        ctgov = CtgovSource(CtgovSettings(base_url=url, max_retries=0))
        ratios.append(
            run("ClinicalTrials.gov", ctgov, "query.intr=naltrexone", CTGOV_RATE, lambda: ctgov.requests_made)
        )
    with served("tests.support.europepmc_server", args.preprints, EPMC_RATE) as url:
        epmc = EuropePmcSource(EuropePmcSettings(base_url=url, max_retries=0))
        ratios.append(
            run("Europe PMC", epmc, "naltrexone AND SRC:PPR", EPMC_RATE, lambda: epmc.requests_made)
        )
    return 0 if all(r <= 1.3 for r in ratios) else 1


if __name__ == "__main__":
    raise SystemExit(main())
