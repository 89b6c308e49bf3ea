"""Screening-order metrics: tiny pure functions over a 0/1 label sequence in screening order.

`labels[i]` is 1 when the i-th record the reviewer screened was relevant. Every metric takes the whole
order (priors included, as screened) and is computed the same way for every system compared, so the
benchmark never mixes definitions. Not for: reading files or running simulations (see `simulate`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

Labels = Sequence[int] | np.ndarray  # 0/1 in screening order


def _as_array(labels: Labels) -> np.ndarray:
    array = np.asarray(labels, dtype=np.int64)
    if array.ndim != 1 or array.size == 0:
        raise ValueError("labels must be a non-empty 1-D sequence of 0/1")
    return array


def records_to_recall(labels: Labels, recall: float) -> int:
    """How many records were screened when at least `ceil(recall * R)` of the R relevant were found."""
    array = _as_array(labels)
    needed = max(1, math.ceil(recall * int(array.sum()) - 1e-9))
    found = np.cumsum(array)
    return int(np.searchsorted(found, needed) + 1)


def wss(labels: Labels, recall: float = 0.95) -> float:
    """Work saved over sampling (Cohen 2006): (N - screened to reach `recall`) / N - (1 - recall)."""
    array = _as_array(labels)
    if array.sum() == 0:
        return float("nan")
    n = array.size
    return (n - records_to_recall(array, recall)) / n - (1.0 - recall)


def recall_at(labels: Labels, fraction: float) -> float:
    """Recall after screening the first `ceil(fraction * N)` records."""
    array = _as_array(labels)
    total = int(array.sum())
    if total == 0:
        return float("nan")
    screened = math.ceil(fraction * array.size - 1e-9)
    return float(array[:screened].sum()) / total


def rrf(labels: Labels, percent: float = 10.0) -> float:
    """Relevant records found (as a fraction of all relevant) after screening `percent`% of records."""
    return recall_at(labels, percent / 100.0)


def loss(labels: Labels) -> float:
    """ASReview's normalised loss: area between the ideal and the actual recall curve, 0 best, 1 worst.

    Same formula as `asreview.metrics.loss`: (R(N - (R - 1)/2) - sum(cumsum(labels))) / (R(N - R)).
    """
    array = _as_array(labels)
    relevant = int(array.sum())
    n = array.size
    if relevant in (0, n):
        return float("nan")
    area = float(np.cumsum(array).sum())
    return (relevant * (n - (relevant - 1) / 2) - area) / (relevant * (n - relevant))
