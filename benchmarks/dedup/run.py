"""Deduplication benchmark: lreview.dedup vs bib-dedupe on every set in shared/data/dedup/normalized.

Run from the repository root:
    PYTHONPATH=src python benchmarks/dedup/run.py [--sets stroke,diabetes] [--no-bibdedupe] [--errors N]
bib-dedupe runs in its own venv through a subprocess; create it once with
    python3 -m venv benchmarks/.venvs/bibdedupe && benchmarks/.venvs/bibdedupe/bin/pip install bib-dedupe
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from metrics import Metrics, evaluate  # noqa: E402

from lreview.dedup import dedupe  # noqa: E402
from lreview.dedup.io import read_assignment, read_records_csv  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("LREVIEW_SHARED_DATA", ROOT.parent / "shared" / "data")) / "dedup" / "normalized"
BIBDEDUPE_PYTHON = ROOT / "benchmarks" / ".venvs" / "bibdedupe" / "bin" / "python"
HEADER = (
    f"{'set':<13}{'tool':<11}{'records':>8}{'true dup':>9}{'sens':>8}{'spec':>8}{'prec':>8}{'recall':>8}"
    f"{'F1':>8}{'wrong merged (clusters/records)':>33}{'time s':>8}"
)


def row(name: str, tool: str, m: Metrics, seconds: float) -> str:
    wrong = f"{m.wrong_clusters}/{m.wrong_records}"
    return (
        f"{name:<13}{tool:<11}{m.records:>8}{m.true_duplicates:>9}{m.sensitivity:>8.4f}{m.specificity:>8.4f}"
        f"{m.precision:>8.4f}{m.recall:>8.4f}{m.f1:>8.4f}{wrong:>33}{seconds:>8.2f}"
    )


def run_ours(folder: Path, errors: int) -> tuple[Metrics, float]:
    ids, records = read_records_csv(folder / "records.csv")
    start = time.perf_counter()
    result = dedupe(records)
    seconds = time.perf_counter() - start
    gold = read_assignment(folder / "gold.csv")
    predicted = dict(zip(ids, result.cluster_of, strict=True))
    if errors:
        show_errors(ids, records, gold, predicted, errors)
    return evaluate(gold, predicted), seconds


def run_bibdedupe(folder: Path) -> tuple[Metrics, float] | None:
    if not BIBDEDUPE_PYTHON.exists():
        return None
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "prediction.csv"
        done = subprocess.run(
            [str(BIBDEDUPE_PYTHON), str(Path(__file__).parent / "bibdedupe_runner.py"),
             str(folder / "records.csv"), str(out)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            print(f"bib-dedupe failed on {folder.name}: {done.stderr.strip().splitlines()[-1:]}")
            return None
        seconds = float(done.stdout.strip().splitlines()[-1])
        return evaluate(read_assignment(folder / "gold.csv"), read_assignment(out)), seconds


def show_errors(ids, records, gold, predicted, limit):  # type: ignore[no-untyped-def]
    """Print wrongly merged clusters and missed duplicate pairs (for error analysis)."""
    by_pred: dict[object, list[int]] = {}
    for i, rid in enumerate(ids):
        by_pred.setdefault(predicted[rid], []).append(i)
    shown = 0
    for members in by_pred.values():
        if len({gold[ids[i]] for i in members}) > 1 and shown < limit:
            shown += 1
            print("WRONG MERGE:")
            for i in members:
                r = records[i]
                print(
                    f"   [{gold[ids[i]]}] {r.title[:90]!r} {r.year} {r.journal[:30]!r} "
                    f"v{r.volume} p{r.pages} {r.doi}"
                )
    by_gold: dict[str, list[int]] = {}
    for i, rid in enumerate(ids):
        by_gold.setdefault(gold[rid], []).append(i)
    shown = 0
    for members in by_gold.values():
        if len({predicted[ids[i]] for i in members}) > 1 and shown < limit:
            shown += 1
            print("MISSED:")
            for i in members:
                r = records[i]
                print(
                    f"   [{predicted[ids[i]]}] {ids[i]} {r.title[:90]!r} {r.year} {r.authors[:2]} "
                    f"{r.journal[:30]!r} v{r.volume} p{r.pages} {r.doi}"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sets", default="", help="comma-separated set names (default: all)")
    parser.add_argument("--no-bibdedupe", action="store_true")
    parser.add_argument("--errors", type=int, default=0, help="print up to N errors of each type per set")
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"benchmark data not found at {DATA}")
    names = [s for s in args.sets.split(",") if s] or sorted(p.name for p in DATA.iterdir() if p.is_dir())
    print(HEADER)
    for name in names:
        ours, seconds = run_ours(DATA / name, args.errors)
        print(row(name, "lreview", ours, seconds), flush=True)
        if not args.no_bibdedupe:
            theirs = run_bibdedupe(DATA / name)
            if theirs is not None:
                print(row(name, "bib-dedupe", *theirs), flush=True)


if __name__ == "__main__":
    main()
