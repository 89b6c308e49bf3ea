"""The prior knowledge every screening benchmark run starts from: one include and one exclude per seed.

Ours and ASReview's simulations must start from the same priors, so both read them from here.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np


def choose_priors(dataset: Path, seed: int) -> tuple[str, str]:
    """(included record_id, excluded record_id) drawn with `numpy.random.default_rng(seed)`, file order."""
    included: list[str] = []
    excluded: list[str] = []
    with dataset.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            (included if row["label_included"].strip() == "1" else excluded).append(row["record_id"])
    rng = np.random.default_rng(seed)
    return str(rng.choice(included)), str(rng.choice(excluded))
