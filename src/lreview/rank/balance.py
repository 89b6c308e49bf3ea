"""Sample weights that counter the class imbalance of screening (few includes, many excludes).

Each balancer has one method, `weights(y) -> ndarray`, chosen by name from `BALANCERS`.
Not for: resampling rows (we weight, never duplicate or drop, so refits stay cheap and deterministic).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from lreview.rank.registry import lookup


class Balancer(Protocol):
    @property
    def name(self) -> str: ...

    def weights(self, y: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class Balanced:
    """ASReview's "balanced" weights: includes weigh `ratio` times the excludes in total; mean weight 1."""

    ratio: float = 9.8
    name: str = "balanced"

    def weights(self, y: np.ndarray) -> np.ndarray:
        positives = int(np.sum(y == 1))
        negatives = int(np.sum(y == 0))
        if positives == 0 or negatives == 0:
            return np.ones(y.size)
        w = np.where(y == 1, 1.0, positives / (self.ratio * negatives))
        return np.asarray(w * (y.size / w.sum()), dtype=np.float64)


@dataclass(frozen=True)
class Unweighted:
    """Every labelled record weighs 1."""

    name: str = "none"

    def weights(self, y: np.ndarray) -> np.ndarray:
        return np.ones(y.size)


BALANCERS: dict[str, type[Balanced] | type[Unweighted]] = {"balanced": Balanced, "none": Unweighted}


def get_balancer(name: str, **params: float) -> Balancer:
    """The balancer registered under `name`, with its parameters."""
    return lookup(BALANCERS, name, "balancer")(**params)  # type: ignore[arg-type]
