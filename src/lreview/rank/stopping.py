"""When to stop screening: the hypergeometric stopping rule of Callaghan & Müller-Hansen (2020).

Citation: Callaghan MW, Müller-Hansen F. "Statistical stopping criteria for automated screening in
systematic reviews." Systematic Reviews 2020;9:273, doi:10.1186/s13643-020-01521-4 (the `buscar` method;
reference code `mcallaghan/buscar`, `buscarpy`).

The method. N records, of which `n_seen` were screened in order and R found relevant. The null hypothesis
H0 is "recall < target", i.e. the total number of relevant records exceeds R / target, i.e. at least
m0 = floor(R / target) + 1 - R relevant records are still unseen. Treat the last n screened records as a
sample drawn without replacement from an urn holding those n plus all unseen records (N - n_seen + n);
under H0 the urn holds at least K = k + m0 relevant records, where k is how many the sample holds. The
probability of seeing k or fewer relevant records in such a draw is the hypergeometric CDF
P(X <= k; N - n_seen + n, K, n); the p-value of H0 is its minimum over all n (every "last n screened"
window, as in buscar's `calculate_h0`). Stop when p < 1 - confidence.

We apply it to the records screened in ranked order, not to a separate random sample: a model's ranking
puts relevant records earlier, so the last records screened are, if anything, richer in relevant records
than the unseen ones, which makes the test conservative (it stops later than with a truly random sample).

Computation. For a fixed k the CDF falls as the window grows, so the minimum over all windows is reached
at one of R + 1 windows: those starting just after an included record (or the whole order). We evaluate
only those, so one p-value costs O(R) CDF evaluations.

The same test, inverted, gives the estimates: the p-value of "at least m relevant are unseen" falls as m
grows; the largest m not rejected at 1 - confidence is an upper bound on the relevant records remaining
(hence a lower bound on recall), and the largest m with p >= 0.5 a median-style point estimate.

Not for: choosing which record to screen next (see `query`), or anything about the store.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import bdtr
from scipy.stats import hypergeom

from lreview.rank.registry import lookup


@dataclass(frozen=True, slots=True)
class StopEstimate:
    """What the stopping rule says about the records screened so far."""

    recall_estimate: float  # R / (R + estimated relevant remaining)
    recall_lower: float  # one-sided lower confidence bound on recall at `confidence`
    remaining_estimate: int  # point estimate of relevant records not yet screened
    remaining_upper: int  # upper confidence bound on relevant records not yet screened
    p_value: float  # p-value of H0 "recall < recall_target"
    stop: bool  # p_value < 1 - confidence
    method: str  # method name with its parameters, for the model-run log


_GUESSES = 4  # windows `_first_to_fall` picks


def _windows(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(n, k) of the windows that can hold the minimum p-value: the longest window for each k."""
    n_seen = labels.size
    positions = np.flatnonzero(labels)
    relevant = positions.size
    # k = j relevant records in the window: it starts right after the (R - j)-th relevant record.
    k = np.arange(relevant + 1)
    starts = np.concatenate(([-1], positions))[relevant - k]
    n = n_seen - 1 - starts
    keep = n > 0
    return n[keep], k[keep]


def p_value_remaining(labels: Sequence[int] | np.ndarray, n_total: int, remaining: int) -> float:
    """p-value of "at least `remaining` relevant records are still unseen", given the screened order."""
    array = np.asarray(labels, dtype=np.int64)
    unseen = n_total - array.size
    if remaining <= 0:
        return 1.0
    if remaining > unseen:
        return 0.0
    n, k = _windows(array)
    if n.size == 0:
        return 1.0
    urn = unseen + n
    return float(np.min(hypergeom.cdf(k, urn, k + remaining, n)))


def min_remaining_under_h0(relevant_seen: int, recall_target: float) -> int:
    """Smallest number of unseen relevant records for which recall would be below the target."""
    return math.floor(relevant_seen / recall_target + 1e-9) + 1 - relevant_seen


def h0_p_value(labels: Sequence[int] | np.ndarray, n_total: int, recall_target: float = 0.95) -> float:
    """p-value of H0 "recall < recall_target" for records screened in `labels` order (1 = relevant)."""
    array = np.asarray(labels, dtype=np.int64)
    return p_value_remaining(array, n_total, min_remaining_under_h0(int(array.sum()), recall_target))


def first_stop(
    labels: Sequence[int] | np.ndarray,
    n_total: int,
    recall_target: float = 0.95,
    confidence: float = 0.95,
    start: int = 1,
) -> int | None:
    """Smallest t >= start at which the rule fires on the first t records of `labels` (None: never).

    Exact and cheap: while only irrelevant records are added every window's p-value falls, so within
    each run between two relevant records the p-value is lowest at the run's end. We test run ends
    (R + 1 p-values) and bisect inside the first run whose end fires.
    """
    array = np.asarray(labels, dtype=np.int64)
    alpha = 1.0 - confidence

    def fires(t: int) -> bool:
        return h0_p_value(array[:t], n_total, recall_target) < alpha

    # run ends: the record before each relevant one, and the last record
    ends = sorted({int(i) for i in np.flatnonzero(array)} | {array.size})
    low = start
    for end in ends:
        if end < start:
            continue
        if fires(end):
            high = end
            while low < high:  # first firing point in [low, high]: monotone inside the run
                mid = (low + high) // 2
                if fires(mid):
                    high = mid
                else:
                    low = mid + 1
            return low
        low = end + 1
    return None


def _largest_not_rejected(array: np.ndarray, n_total: int, level: float) -> int:
    """Largest m in [0, unseen] with p_value_remaining(m) >= level (p falls as m grows).

    The same m as bisecting on p, at a fraction of its CDF evaluations (each costs ~0.1 ms at 10^5
    records). p(m) is the minimum over the windows of CDFs that each fall as m grows, so bisecting on
    a few chosen windows alone gives an upper bound on the answer. At that bound every window is
    evaluated once: if none falls below `level` the bound is the answer; else the lowest window is
    chosen too and the bound tightens. The first windows chosen are those a binomial approximation
    says fall first, so one full evaluation usually settles it (bisecting on p costs ~17).
    """
    unseen = n_total - array.size
    n, k = _windows(array)
    if n.size == 0:
        return unseen  # p = 1 for every m
    urn = unseen + n
    chosen = _first_to_fall(n, k, urn, unseen, level)

    def holds(m: int, at: list[int] | slice) -> tuple[bool, int]:
        p = hypergeom.cdf(k[at], urn[at], k[at] + m, n[at])
        worst = int(np.argmin(p))
        return bool(p[worst] >= level), worst

    low, high = 0, unseen  # p(0) = 1 >= level
    while True:
        while low < high:
            mid = (low + high + 1) // 2
            if holds(mid, chosen)[0]:
                low = mid
            else:
                high = mid - 1
        if high == 0:
            return 0
        fine, worst = holds(high, slice(None))
        if fine:
            return high
        chosen.append(worst)
        low, high = 0, high - 1


def _first_to_fall(n: np.ndarray, k: np.ndarray, urn: np.ndarray, unseen: int, level: float) -> list[int]:
    """The few windows whose CDF falls below `level` at the smallest m, by the binomial approximation
    of the hypergeometric (cheap; only a guess at which windows bind, never a result)."""
    low, high = np.zeros(n.size, dtype=np.int64), np.full(n.size, unseen, dtype=np.int64)
    while np.any(low < high):
        mid = (low + high + 1) // 2
        fine = bdtr(k, n, np.minimum((k + mid) / urn, 1.0)) >= level
        low, high = np.where(fine, mid, low), np.where(fine, high, mid - 1)
        high = np.maximum(high, low)  # settled windows stay settled
    return [int(i) for i in np.argsort(low, kind="stable")[:_GUESSES]]


def _recall(relevant: int, remaining: int) -> float:
    return 1.0 if relevant + remaining == 0 else relevant / (relevant + remaining)


@dataclass(frozen=True, slots=True)
class HypergeometricStopper:
    """The buscar stopping rule with a user-set recall target and confidence."""

    recall_target: float = 0.95
    confidence: float = 0.95

    def __post_init__(self) -> None:
        if not 0.0 < self.recall_target <= 1.0:
            raise ValueError(f"recall_target must be in (0, 1], got {self.recall_target}")
        if not 0.0 < self.confidence < 1.0:
            raise ValueError(f"confidence must be in (0, 1), got {self.confidence}")

    @property
    def method(self) -> str:
        return (
            "buscar hypergeometric test (Callaghan & Müller-Hansen 2020) on the ranked screening order; "
            f"recall_target={self.recall_target}, confidence={self.confidence}"
        )

    def should_stop(self, labels: Sequence[int] | np.ndarray, n_total: int) -> bool:
        """True when H0 "recall < target" is rejected at 1 - confidence (cheap: one p-value)."""
        return h0_p_value(labels, n_total, self.recall_target) < 1.0 - self.confidence

    def estimate(self, labels: Sequence[int] | np.ndarray, n_total: int) -> StopEstimate:
        """The full estimate: p-value, stop flag, recall point estimate and lower bound."""
        array = np.asarray(labels, dtype=np.int64)
        if array.size > n_total:
            raise ValueError(f"{array.size} records screened but only {n_total} in total")
        relevant = int(array.sum())
        p_value = h0_p_value(array, n_total, self.recall_target)
        upper = _largest_not_rejected(array, n_total, 1.0 - self.confidence)
        point = _largest_not_rejected(array, n_total, 0.5)
        return StopEstimate(
            recall_estimate=_recall(relevant, point),
            recall_lower=_recall(relevant, upper),
            remaining_estimate=point,
            remaining_upper=upper,
            p_value=p_value,
            stop=p_value < 1.0 - self.confidence,
            method=self.method,
        )


STOPPERS = {"buscar": HypergeometricStopper}


def get_stopper(name: str, recall_target: float = 0.95, confidence: float = 0.95) -> HypergeometricStopper:
    """The stopping rule registered under `name` ("buscar")."""
    return lookup(STOPPERS, name, "stopping rule")(recall_target=recall_target, confidence=confidence)
