"""Screening benchmark: lreview's ranker against ASReview LAB's default model (ELAS u4).

    PYTHONPATH=src python benchmarks/screening/compare.py [--datasets NAME ...] [--seeds 1 2 3]

For every dataset in the shared screening data and every seed, both systems start from the same priors
(`priors.choose_priors`) and screen every record. Ours runs in-process (`simulate_file`); ASReview runs
in its own venv through `asreview_runs.py`. When that venv or script is missing, "ASReview baseline
unavailable" is printed and our in-repo replica of ELAS u4 (model "elas_u4") is the baseline instead
(`--baseline replica` forces it). Every metric is computed here, by `lreview.rank.metrics`, from the
two screening orders, so both sides are measured the same way (whole order, priors included).
ASReview's orders are kept in benchmarks/results/orders/ and reused on later runs with the same priors
(delete them to re-time ASReview). The
stopping rule (buscar, recall 0.95, confidence 0.95) is applied to both orders the same way.

Prints markdown tables and writes them, plus one CSV row per run, to benchmarks/results/.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))

from benchmarks.screening.priors import choose_priors  # noqa: E402
from lreview.pipeline.simulation import read_dataset, simulate_file  # noqa: E402
from lreview.pipeline.tables import cell  # noqa: E402
from lreview.rank import metrics  # noqa: E402
from lreview.rank.stopping import first_stop  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "screening" / "normalized"
RECALL_TARGET = 0.95
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Run:
    dataset: str
    seed: int
    system: str
    n_records: int
    n_relevant: int
    wss95: float
    rrf10: float
    loss: float
    seconds: float
    stop_screened: int | None
    stop_recall: float | None


def measure(dataset: str, seed: int, system: str, labels: np.ndarray, seconds: float, n_priors: int) -> Run:
    """Every metric of one screening order, by the same functions for every system."""
    stop = first_stop(labels, labels.size, RECALL_TARGET, CONFIDENCE, start=n_priors)
    relevant = int(labels.sum())
    return Run(
        dataset=dataset,
        seed=seed,
        system=system,
        n_records=int(labels.size),
        n_relevant=relevant,
        wss95=metrics.wss(labels, RECALL_TARGET),
        rrf10=metrics.rrf(labels, 10.0),
        loss=metrics.loss(labels),
        seconds=seconds,
        stop_screened=stop,
        stop_recall=None if stop is None else float(labels[:stop].sum()) / relevant,
    )


def order_labels(dataset: Path, order_csv: Path) -> np.ndarray:
    """0/1 labels in the order ORDER.csv lists record_ids (each record exactly once)."""
    data = read_dataset(dataset)
    label_of = dict(zip(data.ids, data.labels.tolist(), strict=True))
    frame = pd.read_csv(order_csv, dtype=str, keep_default_na=False, encoding="utf-8")
    ids = [cell(value) for value in frame["record_id"]]
    if sorted(ids) != sorted(data.ids):
        raise SystemExit(f"{order_csv}: does not list every record of {dataset} exactly once")
    return np.array([label_of[i] for i in ids], dtype=np.int64)


def run_asreview(
    python: Path, script: Path, dataset: Path, inc: str, exc: str, seed: int, cache: Path
) -> tuple[np.ndarray, float]:
    """ASReview's order and wall seconds; reused from `cache` (benchmarks/results/orders) when there."""
    output = cache / f"asreview_{dataset.stem}_{inc}_{exc}_{seed}.csv"
    timing = output.with_suffix(".seconds")
    if output.exists() and timing.exists():
        return order_labels(dataset, output), float(timing.read_text(encoding="utf-8"))
    cache.mkdir(parents=True, exist_ok=True)
    command = [
        str(python),
        str(script),
        "--dataset",
        str(dataset),
        "--output",
        str(output),
        "--prior-included",
        inc,
        "--prior-excluded",
        exc,
        "--seed",
        str(seed),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"asreview_runs.py failed on {dataset.name}: {done.stderr.strip()[-500:]}")
    last = done.stdout.strip().splitlines()[-1]
    if not last.startswith("wall_seconds="):
        raise SystemExit(f"asreview_runs.py: last line is not wall_seconds=...: {last!r}")
    seconds = float(last.split("=", 1)[1])
    timing.write_text(f"{seconds}\n", encoding="utf-8")
    return order_labels(dataset, output), seconds


def run_ours(
    dataset: Path, inc: str, exc: str, seed: int, model: str, workdir: Path
) -> tuple[np.ndarray, float]:
    output = workdir / f"{model}_{dataset.stem}_{seed}.csv"
    started = time.perf_counter()
    simulate_file(dataset, output, [inc], [exc], seed, RECALL_TARGET, CONFIDENCE, model=model)
    seconds = time.perf_counter() - started
    return order_labels(dataset, output), seconds


def _mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else float("nan")


def tables(runs: list[Run], ours: str, base: str, base_label: str) -> str:
    lines = [
        f"Baseline: {base_label}. Metrics over the whole screening order (priors included); "
        f"mean over seeds {sorted({r.seed for r in runs})}.",
        "",
        f"| dataset | N | R | WSS@95 ours | WSS@95 {base} | Δ | RRF@10 ours | RRF@10 {base} | "
        f"loss ours | loss {base} | s ours | s {base} |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    names = sorted({r.dataset for r in runs})
    cols: dict[str, list[float]] = {}
    for name in names:
        mine = [r for r in runs if r.dataset == name and r.system == ours]
        theirs = [r for r in runs if r.dataset == name and r.system == base]
        row = {
            "wo": _mean([r.wss95 for r in mine]),
            "wb": _mean([r.wss95 for r in theirs]),
            "ro": _mean([r.rrf10 for r in mine]),
            "rb": _mean([r.rrf10 for r in theirs]),
            "lo": _mean([r.loss for r in mine]),
            "lb": _mean([r.loss for r in theirs]),
            "so": _mean([r.seconds for r in mine]),
            "sb": _mean([r.seconds for r in theirs]),
        }
        row["d"] = row["wo"] - row["wb"]
        for key, value in row.items():
            cols.setdefault(key, []).append(value)
        lines.append(
            f"| {name} | {mine[0].n_records} | {mine[0].n_relevant} | {row['wo']:.3f} | {row['wb']:.3f} | "
            f"{row['d']:+.3f} | {row['ro']:.3f} | {row['rb']:.3f} | {row['lo']:.3f} | {row['lb']:.3f} | "
            f"{row['so']:.1f} | {row['sb']:.1f} |"
        )
    m = {k: _mean(v) for k, v in cols.items()}
    lines.append(
        f"| **mean** | | | {m['wo']:.3f} | {m['wb']:.3f} | {m['d']:+.3f} | {m['ro']:.3f} | {m['rb']:.3f} | "
        f"{m['lo']:.3f} | {m['lb']:.3f} | {m['so']:.1f} | {m['sb']:.1f} |"
    )
    worst = min(cols["d"], default=float("nan"))
    speed = sum(cols["sb"]) / max(sum(cols["so"]), 1e-9)
    lines += [
        "",
        f"Worst per-dataset Δ WSS@95: {worst:+.3f}. Total time ours {sum(cols['so']):.0f} s, "
        f"{base} {sum(cols['sb']):.0f} s: ours {speed:.1f}x faster.",
        "",
        f"Stopping rule (buscar, recall target {RECALL_TARGET}, confidence {CONFIDENCE}) on each order:",
        "",
        "| system | runs | fired | recall at stop >= target | mean recall at stop "
        "| mean fraction screened at stop |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for system in (ours, base):
        mine = [r for r in runs if r.system == system]
        fired = [r for r in mine if r.stop_screened is not None]
        ok = sum(1 for r in fired if (r.stop_recall or 0) >= RECALL_TARGET - 1e-9)
        lines.append(
            f"| {system} | {len(mine)} | {len(fired)} | {ok}/{len(fired)} "
            f"({ok / max(len(fired), 1):.0%}) | {_mean([r.stop_recall or 0.0 for r in fired]):.3f} | "
            f"{_mean([(r.stop_screened or 0) / r.n_records for r in fired]):.3f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="*", help="dataset names (file stems) or CSV paths; default all")
    parser.add_argument("--seeds", nargs="+", type=int, default=[1])
    parser.add_argument("--model", default="lreview", help="our model name (lreview.rank.active.MODELS)")
    parser.add_argument("--baseline", choices=["auto", "asreview", "replica", "none"], default="auto")
    parser.add_argument("--asreview-root", type=Path, default=REPO, help="repo holding benchmarks/.venvs")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--results", type=Path, default=REPO / "benchmarks" / "results")
    args = parser.parse_args(argv)

    paths = sorted(args.data.glob("*.csv"))
    if args.datasets:
        paths = [Path(d) if d.endswith(".csv") else args.data / f"{d}.csv" for d in args.datasets]
    python = args.asreview_root / "benchmarks" / ".venvs" / "asreview" / "bin" / "python"
    script = args.asreview_root / "benchmarks" / "screening" / "asreview_runs.py"
    use_asreview = args.baseline not in ("replica", "none") and python.exists() and script.exists()
    if not use_asreview and args.baseline != "none":
        if args.baseline == "asreview":
            raise SystemExit(f"ASReview baseline unavailable ({python}, {script})")
        print("ASReview baseline unavailable: comparing with the in-repo ELAS u4 replica", flush=True)
    base = "elas_u4" if use_asreview else "elas_u4_replica" if args.baseline != "none" else "none"
    base_label = "none (our numbers only)"
    if use_asreview:
        base_label = f"ASReview LAB ELAS u4 via {script}"
    elif args.baseline != "none":
        base_label = "in-repo replica of ELAS u4 (model 'elas_u4')"

    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for path in paths:
            for seed in args.seeds:
                inc, exc = choose_priors(path, seed)
                labels, seconds = run_ours(path, inc, exc, seed, args.model, workdir)
                runs.append(measure(path.stem, seed, args.model, labels, seconds, 2))
                if args.baseline == "none":
                    print(f"{path.stem} seed {seed}: WSS@95 {runs[-1].wss95:.3f} ({runs[-1].seconds:.1f} s)")
                    continue
                if use_asreview:
                    labels, seconds = run_asreview(
                        python, script, path, inc, exc, seed, args.results / "orders"
                    )
                else:
                    labels, seconds = run_ours(path, inc, exc, seed, "elas_u4", workdir)
                runs.append(measure(path.stem, seed, base, labels, seconds, 2))
                print(
                    f"{path.stem} seed {seed}: WSS@95 {runs[-2].wss95:.3f} vs {runs[-1].wss95:.3f} "
                    f"({runs[-2].seconds:.1f} s vs {runs[-1].seconds:.1f} s)",
                    flush=True,
                )

    report = tables(runs, args.model, base, base_label)
    print(report)
    args.results.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (args.results / f"screening_compare_{stamp}.md").write_text(report + "\n", encoding="utf-8")
    with (args.results / f"screening_compare_{stamp}.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(Run.__dataclass_fields__)
        for run in runs:
            writer.writerow(run.__dict__.values())
    print(f"saved to {args.results}/screening_compare_{stamp}.md", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
