"""The hypergeometric (buscar) stopping rule on synthetic screening orders."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import hypergeom

from lreview.rank.stopping import (
    HypergeometricStopper,
    first_stop,
    get_stopper,
    h0_p_value,
    min_remaining_under_h0,
    p_value_remaining,
)


def _buscar_brute_force(labels: np.ndarray, n_total: int, target: float) -> float:
    """buscar's calculate_h0 written out: every "last n screened" window, minimum p-value."""
    seen = labels.size
    m0 = min_remaining_under_h0(int(labels.sum()), target)
    if m0 > n_total - seen:
        return 0.0
    p_values = []
    for n in range(1, seen + 1):
        k = int(labels[seen - n :].sum())
        p_values.append(hypergeom.cdf(k, n_total - seen + n, k + m0, n))
    return float(min(p_values))


def test_p_value_equals_brute_force_over_every_window() -> None:
    rng = np.random.default_rng(7)
    for _ in range(100):
        n_total = int(rng.integers(20, 400))
        seen = int(rng.integers(1, n_total + 1))
        labels = (rng.random(seen) < rng.random() * 0.4).astype(int)
        assert h0_p_value(labels, n_total) == pytest.approx(_buscar_brute_force(labels, n_total, 0.95))


def test_rule_fires_once_no_relevant_records_appear_for_long() -> None:
    stopper = HypergeometricStopper()
    # 100 relevant found first; H0 needs >= 6 more among the unseen (100 / 106 < 0.95).
    labels = [1] * 100 + [0] * 2900
    fired = first_stop(labels, 3000)
    assert fired is not None and 200 < fired < 2000  # a long run of excludes, but well before the end
    assert stopper.should_stop(labels[:fired], 3000) and not stopper.should_stop(labels[: fired - 1], 3000)


def test_rule_does_not_fire_while_relevant_records_keep_appearing() -> None:
    stopper = HypergeometricStopper()
    labels = ([1] + [0] * 19) * 100  # one in twenty, steadily
    assert not any(stopper.should_stop(labels[:i], 3000) for i in range(50, len(labels), 50))


def test_first_stop_equals_checking_every_prefix() -> None:
    rng = np.random.default_rng(3)
    stopper = HypergeometricStopper(recall_target=0.8, confidence=0.9)
    for _ in range(30):
        n_total = int(rng.integers(50, 300))
        # relevant records thin out along the order, as in a good ranking
        labels = (rng.random(n_total) < 0.5 * np.exp(-np.arange(n_total) / 30)).astype(int)
        expected = next((t for t in range(1, n_total + 1) if stopper.should_stop(labels[:t], n_total)), None)
        assert first_stop(labels, n_total, 0.8, 0.9) == expected


def test_p_value_falls_as_irrelevant_records_follow_the_last_relevant() -> None:
    labels = [1] * 10 + [0] * 1990
    p_values = [h0_p_value(labels[:i], 2000) for i in range(11, len(labels) + 1)]
    assert all(b <= a + 1e-12 for a, b in zip(p_values, p_values[1:], strict=False))
    assert p_values[0] > 0.5 > 0.05 > p_values[-1]


def test_estimate_bounds_are_ordered_and_agree_with_stop() -> None:
    stopper = get_stopper("buscar", recall_target=0.9, confidence=0.9)
    estimate = stopper.estimate([1] * 30 + [0] * 900, 2000)
    assert estimate.stop
    assert estimate.p_value < 0.1
    assert 0.9 <= estimate.recall_lower <= estimate.recall_estimate <= 1.0
    assert estimate.remaining_estimate <= estimate.remaining_upper
    assert "recall_target=0.9" in estimate.method and "Callaghan" in estimate.method
    early = stopper.estimate([1] * 30 + [0] * 20, 2000)
    assert not early.stop and early.recall_lower < 0.9


def _bisected(labels: np.ndarray, n_total: int, level: float) -> int:
    """The bounds as first written: bisect on the p-value over every window at each step."""
    low, high = 0, n_total - labels.size
    while low < high:
        mid = (low + high + 1) // 2
        if p_value_remaining(labels, n_total, mid) >= level:
            low = mid
        else:
            high = mid - 1
    return low


def test_estimate_bounds_equal_bisecting_on_every_window() -> None:
    rng = np.random.default_rng(11)
    for trial in range(24):
        n_total = int(rng.integers(30, 5_000 if trial % 3 else 300))
        seen = int(rng.integers(1, n_total + 1))
        rate = rng.random() * 0.3 * np.exp(-np.arange(seen) / rng.integers(20, 2000))
        labels = (rng.random(seen) < rate).astype(int)
        confidence = float(rng.choice([0.8, 0.9, 0.95, 0.99]))
        estimate = HypergeometricStopper(recall_target=0.9, confidence=confidence).estimate(labels, n_total)
        assert estimate.remaining_upper == _bisected(labels, n_total, 1.0 - confidence)
        assert estimate.remaining_estimate == _bisected(labels, n_total, 0.5)


def test_everything_screened_means_recall_is_certain() -> None:
    estimate = HypergeometricStopper().estimate([1, 0, 1, 0], 4)
    assert estimate.stop and estimate.recall_lower == 1.0 and estimate.remaining_upper == 0


def test_invalid_parameters_are_rejected() -> None:
    with pytest.raises(ValueError):
        HypergeometricStopper(recall_target=1.5)
    with pytest.raises(ValueError):
        get_stopper("nope")
