"""Metrics on hand-built screening orders; expected values worked out in the comments."""

from __future__ import annotations

import math

import pytest

from lreview.rank import metrics

# N = 10 records, R = 2 relevant, found at positions 1 and 3.
ORDER = [1, 0, 1, 0, 0, 0, 0, 0, 0, 0]


def test_records_to_recall_counts_records_until_ceil_of_target_times_relevant_found() -> None:
    # ceil(0.95 * 2) = 2 relevant needed; the 2nd is the 3rd record screened.
    assert metrics.records_to_recall(ORDER, 0.95) == 3
    # ceil(0.5 * 2) = 1 relevant needed: the 1st record.
    assert metrics.records_to_recall(ORDER, 0.5) == 1


def test_wss_at_95_is_unscreened_fraction_minus_five_percent() -> None:
    # (10 - 3) / 10 - 0.05 = 0.65
    assert metrics.wss(ORDER, 0.95) == pytest.approx(0.65)
    # perfect order: (10 - 2) / 10 - 0.05 = 0.75
    assert metrics.wss([1, 1] + [0] * 8, 0.95) == pytest.approx(0.75)
    # worst order: (10 - 10) / 10 - 0.05 = -0.05
    assert metrics.wss([0] * 8 + [1, 1], 0.95) == pytest.approx(-0.05)


def test_rrf_at_10_is_recall_after_first_tenth() -> None:
    # ceil(0.1 * 10) = 1 record screened, holding 1 of 2 relevant.
    assert metrics.rrf(ORDER, 10) == pytest.approx(0.5)
    # 20 records: first 2 screened, holding 0 of 2 relevant.
    assert metrics.rrf([0, 0, 1, 1] + [0] * 16, 10) == 0.0


def test_loss_matches_asreview_formula_and_bounds() -> None:
    # R(N - (R-1)/2) = 2 * 9.5 = 19; sum of cumsum = 1+1+2*8 = 18; R(N - R) = 16 -> 1/16.
    assert metrics.loss(ORDER) == pytest.approx(1 / 16)
    assert metrics.loss([1, 1] + [0] * 8) == pytest.approx(0.0)
    assert metrics.loss([0] * 8 + [1, 1]) == pytest.approx(1.0)


def test_metrics_undefined_without_relevant_records_are_nan() -> None:
    assert math.isnan(metrics.wss([0, 0, 0]))
    assert math.isnan(metrics.loss([0, 0, 0]))
    with pytest.raises(ValueError):
        metrics.wss([])
