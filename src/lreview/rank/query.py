"""Which unlabelled record to show next, given the model's scores.

Each querier has one method, `order(scores, candidates) -> ndarray` (candidates best first), chosen by
name from `QUERIERS`. Ties are broken by a seeded random permutation so that the same seed gives the
same order and no record is favoured for its position in the file.
Not for: training (see `active`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from lreview.rank.registry import lookup


class Querier(Protocol):
    @property
    def name(self) -> str: ...

    def order(self, scores: np.ndarray, candidates: np.ndarray) -> np.ndarray: ...


@dataclass
class MaxQuery:
    """Highest score first (ASReview's "max"); ties in a seeded random order."""

    n_records: int
    seed: int = 0
    name: str = "max"
    _tiebreak: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._tiebreak = np.random.default_rng(self.seed).permutation(self.n_records)

    def order(self, scores: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        keys = np.lexsort((self._tiebreak[candidates], -scores[candidates]))
        return candidates[keys]

    def best(self, scores: np.ndarray, candidates: np.ndarray) -> int:
        """The single best candidate (same as `order(...)[0]`, in O(n))."""
        top = scores[candidates].max()
        tied = candidates[scores[candidates] == top]
        return int(tied[np.argmin(self._tiebreak[tied])])


QUERIERS = {"max": MaxQuery}


def get_querier(name: str, n_records: int, seed: int = 0) -> MaxQuery:
    """The querier registered under `name` for a review of `n_records` records."""
    return lookup(QUERIERS, name, "querier")(n_records=n_records, seed=seed)
