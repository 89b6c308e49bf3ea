"""Experiment: model-based stopping rules against buscar, on screening orders already made.

    PYTHONPATH=src .venv/bin/python benchmarks/screening/try_stopping.py [ORDER.csv ...]

Default input: ASReview's cached orders in benchmarks/results/orders/ (made by `cache_baseline.py`;
lreview's orders are close to them, see the README table). Each file is one screening order,
`record_id,label_included`, every record of the review in the order screened.

Why this exists: buscar (`lreview.rank.stopping`) reached the 95 % recall target in every benchmark run
but stopped after about 80 % of records were screened. Point-process rules (Sneyd & Stevenson 2021,
"Modelling stopping criteria for search results using Poisson processes", EMNLP) promise earlier
stops: fit a decaying rate of relevant records along the ranking, extrapolate it to the end, and stop
when the found records are at least the recall target of the fitted total's upper Poisson quantile.
Two rate shapes, both fitted by maximum likelihood to the positions of the includes found so far:
- power law (the Crow-AMSAA process, closed-form fit), with a 95 % upper bound on its exponent;
- exponential, with a one-sided 95 % profile-likelihood bound on its decay (slowest plausible decay).
A rule must reach the target in at least 95 % of runs to be usable; the table says whether each does.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "src"))

import numpy as np  # noqa: E402
from scipy.optimize import brentq, minimize_scalar  # noqa: E402
from scipy.stats import chi2, poisson  # noqa: E402

from lreview.rank.stopping import first_stop  # noqa: E402

TARGET = 0.95
CONFIDENCE = 0.95
MIN_INCLUDES = 5  # no model-based stop before this many includes and 5 % of records screened
Rule = Callable[[np.ndarray], int | None]


def _enough(labels: np.ndarray, screened: int) -> bool:
    return int(labels[:screened].sum()) >= MIN_INCLUDES and screened >= 0.05 * labels.size


def _stops(found: int, expected_remaining: float) -> bool:
    """Found records reach the target of (found + the upper Poisson quantile of what remains)."""
    upper = float(poisson.ppf(CONFIDENCE, max(expected_remaining, 0.0)))
    return found / (found + upper) >= TARGET


def power_law_stop(labels: np.ndarray) -> int | None:
    """First stop of the power-law (Crow-AMSAA) rule, checked after every record."""
    positions = np.flatnonzero(labels) + 1.0
    for screened in range(2, labels.size + 1):
        if not _enough(labels, screened):
            continue
        found = int(labels[:screened].sum())
        log_sum = float(np.sum(np.log(screened / positions[:found])))
        if log_sum <= 0:
            continue
        beta = found / log_sum  # MLE; 2 n beta / beta_hat ~ chi2(2(n - 1)) for a truncated record
        beta_upper = min(1.0, beta * float(chi2.ppf(CONFIDENCE, 2 * (found - 1))) / (2 * found))
        if _stops(found, found * ((labels.size / screened) ** beta_upper - 1.0)):
            return screened
    return None


def _negative_loglik(log_decay: float, n: int, screened: int, position_sum: float) -> float:
    """Minus the profile log-likelihood of rate a*exp(-b x) on [0, screened], b = exp(log_decay)."""
    decay = math.exp(log_decay)
    return -(n * math.log(n * decay / -math.expm1(-decay * screened)) - decay * position_sum - n)


def _slowest_decay(positions: np.ndarray, screened: int) -> float:
    """One-sided 95 % lower profile-likelihood bound on the decay b (slowest plausible decay)."""
    args = (positions.size, screened, float(positions.sum()))
    low, high = math.log(1e-9 / screened), math.log(50.0 / screened)
    fit = minimize_scalar(_negative_loglik, bounds=(low, high), method="bounded", args=args)
    critical = float(chi2.ppf(2 * CONFIDENCE - 1, 1)) / 2

    def gap(log_decay: float) -> float:
        return _negative_loglik(log_decay, *args) - float(fit.fun) - critical

    return math.exp(brentq(gap, low, fit.x) if gap(low) > 0 else low)


def exponential_stop(labels: np.ndarray, every: int = 10) -> int | None:
    """First stop of the exponential-rate rule, checked every `every` records."""
    positions = np.flatnonzero(labels) + 0.5
    for screened in range(every, labels.size + 1, every):
        if not _enough(labels, screened):
            continue
        found = int(labels[:screened].sum())
        decay = _slowest_decay(positions[:found], screened)
        scale = found * decay / -math.expm1(-decay * screened)
        remaining = scale / decay * (math.exp(-decay * screened) - math.exp(-decay * labels.size))
        if _stops(found, remaining):
            return screened
    return None


def buscar_stop(labels: np.ndarray) -> int | None:
    """lreview's rule, as the benchmark applies it (priors excluded from the windows)."""
    return first_stop(labels, labels.size, TARGET, CONFIDENCE, start=2)


RULES: dict[str, Rule] = {
    "buscar (lreview)": buscar_stop,
    "power law": power_law_stop,
    "exponential": exponential_stop,
}


def read_order(path: Path) -> np.ndarray:
    with path.open(newline="", encoding="utf-8") as handle:
        return np.array([int(row["label_included"]) for row in csv.DictReader(handle)], dtype=np.int64)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("orders", nargs="*", type=Path)
    args = parser.parse_args(argv)
    paths = args.orders or sorted((REPO / "benchmarks" / "results" / "orders").glob("asreview_*.csv"))
    if not paths:
        print("no orders: run benchmarks/screening/cache_baseline.py first", file=sys.stderr)
        return 1
    orders = [read_order(p) for p in paths]
    print(f"{len(orders)} orders; recall target {TARGET}, confidence {CONFIDENCE}")
    print("| rule | fired | recall at stop >= target | mean recall at stop | mean fraction screened |")
    print("|---|---:|---:|---:|---:|")
    for name, rule in RULES.items():
        recalls, fractions = [], []
        for labels in orders:
            stop = rule(labels)
            if stop is not None:
                recalls.append(labels[:stop].sum() / labels.sum())
                fractions.append(stop / labels.size)
        reached = sum(1 for r in recalls if r >= TARGET - 1e-9)
        print(
            f"| {name} | {len(recalls)}/{len(orders)} | {reached}/{len(orders)} "
            f"({reached / len(orders):.0%}) | {np.mean(recalls):.3f} | {np.mean(fractions):.3f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
