"""Deduplication benchmark: lreview.dedup vs bib-dedupe on every set in shared/data/dedup/normalized.

Run from the repository root:
    PYTHONPATH=src python benchmarks/dedup/run.py [--sets stroke,diabetes] [--no-bibdedupe] [--errors N]
        [--why] [--related merge]
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
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from metrics import Metrics, evaluate  # noqa: E402
from sets import read_assignment, read_records  # noqa: E402

from lreview.dedup import DedupOptions, dedupe  # noqa: E402
from lreview.dedup.compare import compare  # noqa: E402
from lreview.dedup.keys import keys_of  # noqa: E402

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


def explain_misses(ids, records, gold, predicted, related):  # type: ignore[no-untyped-def]
    """Count the removable duplicates left apart, by what `compare` said of the closest pair.

    A gold publication split into k predicted clusters leaves k - 1 duplicates; each cluster but the
    largest is charged to the pair (one of its records, one record of the rest) with the highest score.
    """
    keys = [keys_of(r) for r in records]
    link = related == "related"
    by_gold: dict[str, list[int]] = {}
    for i, rid in enumerate(ids):
        by_gold.setdefault(gold[rid], []).append(i)
    reasons: Counter[str] = Counter()
    for members in by_gold.values():
        parts: dict[object, list[int]] = {}
        for i in members:
            parts.setdefault(predicted[ids[i]], []).append(i)
        if len(parts) < 2:
            continue
        ordered = sorted(parts.values(), key=len, reverse=True)
        for part in ordered[1:]:
            rest = [i for i in members if i not in part]
            best = max((compare(keys[i], keys[j], link) for i in part for j in rest), key=lambda v: v.score)
            if best.guard:
                reasons[f"never-merge rule: {best.reasons[0]}"] += 1
            elif best.decision == "possible":
                reasons["possible-duplicates list (human)"] += 1
            else:
                reasons[f"{best.decision}: {best.reasons[-1]}"] += 1
    return reasons


def run_ours(folder: Path, errors: int, related: str = "related", why: bool = False) -> tuple[Metrics, float]:
    ids, records = read_records(folder)
    start = time.perf_counter()
    result = dedupe(records, DedupOptions(related=related))  # type: ignore[arg-type]
    seconds = time.perf_counter() - start
    gold = read_assignment(folder / "gold.csv")
    predicted = dict(zip(ids, result.cluster_of, strict=True))
    if errors:
        show_errors(ids, records, gold, predicted, errors)
    if why:
        for reason, count in explain_misses(ids, records, gold, predicted, related).most_common():
            print(f"   {folder.name}: {count:3d} missed because {reason}")
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
    parser.add_argument(
        "--why", action="store_true", help="count missed duplicates by the rule that kept them apart"
    )
    parser.add_argument(
        "--related",
        choices=("related", "merge"),
        default="related",
        help="lreview's option for conference abstract vs article and preprint vs published: link "
        "(default) or merge, as the golds of some sets do",
    )
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"benchmark data not found at {DATA}")
    names = [s for s in args.sets.split(",") if s] or sorted(p.name for p in DATA.iterdir() if p.is_dir())
    print(HEADER)
    for name in names:
        ours, seconds = run_ours(DATA / name, args.errors, args.related, args.why)
        print(row(name, "lreview", ours, seconds), flush=True)
        if not args.no_bibdedupe:
            theirs = run_bibdedupe(DATA / name)
            if theirs is not None:
                print(row(name, "bib-dedupe", *theirs), flush=True)


if __name__ == "__main__":
    main()
