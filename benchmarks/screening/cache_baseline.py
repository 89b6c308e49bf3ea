"""Fill benchmarks/results/orders with ASReview's orders, one dataset and seed at a time, sequentially.

    PYTHONPATH=src python benchmarks/screening/cache_baseline.py --seeds 2 3 --asreview-root ROOT

Runs exactly what `compare.py` would run for the baseline (same priors, same cache file names), without
running our model, so a later `compare.py --seeds ...` only pays for our side.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))

from benchmarks.screening.compare import DATA, run_asreview  # noqa: E402
from benchmarks.screening.priors import choose_priors  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[1])
    parser.add_argument("--asreview-root", type=Path, default=REPO)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--results", type=Path, default=REPO / "benchmarks" / "results")
    args = parser.parse_args(argv)
    python = args.asreview_root / "benchmarks" / ".venvs" / "asreview" / "bin" / "python"
    script = args.asreview_root / "benchmarks" / "screening" / "asreview_runs.py"
    for seed in args.seeds:
        for path in sorted(args.data.glob("*.csv")):
            inc, exc = choose_priors(path, seed)
            _, seconds = run_asreview(python, script, path, inc, exc, seed, args.results / "orders")
            print(f"{path.stem} seed {seed}: {seconds:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
