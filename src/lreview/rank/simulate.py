"""Simulated screening on a fully labelled dataset: the benchmark contract of `lreview simulate`.

The simulated reviewer labels the prior records first (included, then excluded, in the order given), then
always the record the system shows next, until every record is labelled. The system is the production
`ActiveLearner` (same code path as `rank_records`); the stopping rule is evaluated after every label.

Input CSV: columns record_id,title,abstract,label_included (0/1), optionally authors,keywords,mesh,year,
journal,pmid (multi-valued fields separated by ";"). Output CSV: record_id,label_included,stop_recommended
in screening order, priors first; stop_recommended is 1 from the first row where the rule fired.
Not for: production screening state (the store holds that).
"""

from __future__ import annotations

import csv
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lreview.errors import InputError
from lreview.rank import metrics
from lreview.rank.active import DEFAULT_MODEL, ActiveLearner, build_features, get_model
from lreview.rank.stopping import HypergeometricStopper, first_stop
from lreview.records import Record

REQUIRED_COLUMNS = ("record_id", "title", "abstract", "label_included")


@dataclass(frozen=True)
class Dataset:
    """A labelled screening dataset: records with their ids and 0/1 labels, in file order."""

    path: Path
    ids: tuple[str, ...]
    records: tuple[Record, ...]
    labels: np.ndarray


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(";") if part.strip())


def _year(value: str | None) -> int | None:
    text = (value or "").strip()
    try:
        return int(float(text)) if text else None
    except ValueError:
        return None


def read_dataset(path: Path) -> Dataset:
    """Read a labelled screening CSV; InputError naming file, row and column on bad input."""
    ids: list[str] = []
    records: list[Record] = []
    labels: list[int] = []
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
            seen: set[str] = set()
            for row_number, row in enumerate(reader, start=1):
                record_id = (row["record_id"] or "").strip()
                if not record_id:
                    raise InputError(f"{path}: row {row_number}: column record_id: empty")
                if record_id in seen:
                    raise InputError(
                        f"{path}: row {row_number}: column record_id: duplicate id {record_id!r}"
                    )
                seen.add(record_id)
                label = (row["label_included"] or "").strip()
                if label not in ("0", "1"):
                    raise InputError(
                        f"{path}: row {row_number}: column label_included: {label!r} is not 0 or 1"
                    )
                ids.append(record_id)
                labels.append(int(label))
                records.append(
                    Record(
                        source="csv",
                        source_id=record_id,
                        title=row.get("title") or "",
                        abstract=row.get("abstract") or "",
                        authors=_split(row.get("authors")),
                        keywords=_split(row.get("keywords")),
                        mesh=_split(row.get("mesh")),
                        year=_year(row.get("year")),
                        journal=row.get("journal") or "",
                        pmid=(row.get("pmid") or "").strip() or None,
                    )
                )
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path}: not a readable UTF-8 CSV: {exc}") from exc
    if not ids:
        raise InputError(f"{path}: no records")
    return Dataset(path, tuple(ids), tuple(records), np.asarray(labels, dtype=np.int64))


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


def _indices(dataset: Dataset, ids: Sequence[str], expected: int, role: str) -> list[int]:
    position = {record_id: i for i, record_id in enumerate(dataset.ids)}
    indices: list[int] = []
    for record_id in ids:
        if record_id not in position:
            raise InputError(f"{dataset.path}: prior {role} id {record_id!r} is not a record_id in the file")
        index = position[record_id]
        if dataset.labels[index] != expected:
            raise InputError(
                f"{dataset.path}: prior {role} id {record_id!r} has label_included={dataset.labels[index]}"
            )
        indices.append(index)
    return indices


def simulate_file(
    dataset: Path,
    output: Path,
    prior_included: Sequence[str],
    prior_excluded: Sequence[str],
    seed: int,
    recall_target: float = 0.95,
    confidence: float = 0.95,
    model: str = DEFAULT_MODEL,
) -> SimulationSummary:
    """Simulate screening DATASET.csv, write ORDER.csv (record_id,label_included,stop_recommended)."""
    started = time.perf_counter()
    data = read_dataset(Path(dataset))
    included = _indices(data, prior_included, 1, "included")
    excluded = _indices(data, prior_excluded, 0, "excluded")
    stopper = HypergeometricStopper(recall_target, confidence)
    result = simulate(data, included, excluded, seed=seed, model=model, stopper=stopper)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["record_id", "label_included", "stop_recommended"])
        for position, index in enumerate(result.order, start=1):
            fired = result.stop_at is not None and position >= result.stop_at
            writer.writerow([data.ids[index], int(data.labels[index]), int(fired)])
    seconds = time.perf_counter() - started
    return summarize(Path(dataset).stem, result.labels, result.stop_at, seconds, result.model, stopper.method)
