"""Ranking: features, classifiers, active learning, stopping rule and simulation (no database)."""

from lreview.rank.active import ActiveLearner, ModelConfig, Ranking, get_model, rank_records
from lreview.rank.simulate import Dataset, SimulationSummary, simulate
from lreview.rank.stopping import HypergeometricStopper, StopEstimate

__all__ = [
    "ActiveLearner",
    "Dataset",
    "HypergeometricStopper",
    "ModelConfig",
    "Ranking",
    "SimulationSummary",
    "StopEstimate",
    "get_model",
    "rank_records",
    "simulate",
]
