"""Simulated screening of a fully labelled dataset: the core of `lreview simulate` and the benchmarks.

The simulated reviewer labels the prior records first (included, then excluded, in the order given), then
always the record the system shows next, until every record is labelled. The system is the production
`ActiveLearner` (same code path as `rank_records`); the stopping rule is evaluated after every label.
Takes and returns plain values: reading the dataset and writing the order are the edge's job
(`lreview.pipeline.simulation`). Not for: production screening state (the store holds that).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lreview.errors import InputError
from lreview.rank import metrics
from lreview.rank.active import DEFAULT_MODEL, ActiveLearner, build_features, get_model
from lreview.rank.stopping import HypergeometricStopper, first_stop
from lreview.records import Record


@dataclass(frozen=True)
class Dataset:
    """A labelled screening dataset: records with their ids and 0/1 labels, in file order; `name` (the
    file's) is used in messages."""

    name: str
    ids: tuple[str, ...]
    records: tuple[Record, ...]
    labels: np.ndarray


@dataclass(frozen=True)
class SimulationResult:
    """Screening order (record indices, priors first) and where the stopping rule first fired."""

    order: np.ndarray
    labels: np.ndarray  # labels in screening order
    stop_at: int | None  # records screened when the rule first fired (None: never)
    fits: int
    model: str


def simulate(
    dataset: Dataset,
    prior_included: Sequence[int],
    prior_excluded: Sequence[int],
    *,
    seed: int = 0,
    model: str = DEFAULT_MODEL,
    stopper: HypergeometricStopper | None = None,
) -> SimulationResult:
    """Screen every record of `dataset` in the order the active learner asks, priors first."""
    config = get_model(model)
    stopper = stopper or HypergeometricStopper()
    n = len(dataset.records)
    learner = ActiveLearner(build_features(dataset.records, config), config, seed)
    order = np.empty(n, dtype=np.int64)
    screened = np.zeros(n, dtype=bool)
    count = 0
    for index in [*prior_included, *prior_excluded]:
        if not screened[index]:
            order[count] = index
            screened[index] = True
            count += 1
    n_priors = count
    while count < n:
        labelled = order[:count]
        scores = learner.scores(labelled, dataset.labels[labelled])
        chosen = learner.querier.best(scores, np.flatnonzero(~screened))
        order[count] = chosen
        screened[chosen] = True
        count += 1
    # The rule never changes what is shown next, so where it first fires can be found afterwards.
    labels = dataset.labels[order]
    stop_at = first_stop(labels, n, stopper.recall_target, stopper.confidence, start=max(n_priors, 1))
    return SimulationResult(order, labels, stop_at, learner.fits, config.describe())


@dataclass(frozen=True)
class SimulationSummary:
    """The benchmark numbers of one simulation."""

    dataset: str
    n_records: int
    n_relevant: int
    wss95: float
    rrf10: float
    loss: float
    stop_screened: int | None  # records screened when the stopping rule first fired
    stop_recall: float | None  # recall reached there
    seconds: float
    model: str
    stopping: str

    def format(self) -> str:
        """A few human-readable lines."""
        if self.stop_screened is None:
            stop = "stopping rule never fired"
        else:
            stop = (
                f"stopping rule fired after {self.stop_screened} records "
                f"({self.stop_screened / self.n_records:.1%}), recall there {self.stop_recall:.3f}"
            )
        return (
            f"{self.dataset}: {self.n_records} records, {self.n_relevant} relevant\n"
            f"WSS@95 {self.wss95:.3f}  RRF@10 {self.rrf10:.3f}  loss {self.loss:.3f}"
            f"  ({self.seconds:.1f} s)\n"
            f"{stop}\nmodel: {self.model}\nstopping: {self.stopping}"
        )


def summarize(
    name: str, labels_in_order: np.ndarray, stop_at: int | None, seconds: float, model: str, stopping: str
) -> SimulationSummary:
    """Metrics of one screening order (the same functions for every system compared)."""
    relevant = int(labels_in_order.sum())
    stop_recall = None
    if stop_at is not None:
        stop_recall = float(labels_in_order[:stop_at].sum()) / relevant if relevant else 1.0
    return SimulationSummary(
        dataset=name,
        n_records=int(labels_in_order.size),
        n_relevant=relevant,
        wss95=metrics.wss(labels_in_order, 0.95),
        rrf10=metrics.rrf(labels_in_order, 10.0),
        loss=metrics.loss(labels_in_order),
        stop_screened=stop_at,
        stop_recall=stop_recall,
        seconds=seconds,
        model=model,
        stopping=stopping,
    )


def prior_indices(dataset: Dataset, ids: Sequence[str], expected: int, role: str) -> list[int]:
    """Positions of the prior record ids; InputError if one is unknown or has the other label."""
    position = {record_id: i for i, record_id in enumerate(dataset.ids)}
    indices: list[int] = []
    for record_id in ids:
        if record_id not in position:
            raise InputError(f"{dataset.name}: prior {role} id {record_id!r} is not a record_id in the file")
        index = position[record_id]
        if dataset.labels[index] != expected:
            raise InputError(
                f"{dataset.name}: prior {role} id {record_id!r} has label_included={dataset.labels[index]}"
            )
        indices.append(index)
    return indices
