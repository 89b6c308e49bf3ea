"""`lreview simulate`: read a labelled screening CSV, simulate screening it, write ORDER.csv.

Input CSV: columns record_id,title,abstract,label_included (0/1), optionally authors,keywords,mesh,year,
journal,pmid (multi-valued fields separated by ";"); its rows become Records through the tabular
importer (`lreview.sources.tabular.records_from_rows`). Output CSV (`lreview.pipeline.tables`):
record_id,label_included,stop_recommended in screening order, priors first; stop_recommended is 1 from
the first row where the rule fired. The simulation itself is `lreview.rank.simulate`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from lreview.errors import InputError
from lreview.pipeline.tables import write_csv
from lreview.rank.active import DEFAULT_MODEL
from lreview.rank.simulate import Dataset, SimulationSummary, prior_indices, simulate, summarize
from lreview.rank.stopping import HypergeometricStopper
from lreview.sources.tabular import records_from_rows

REQUIRED_COLUMNS = ("record_id", "title", "abstract", "label_included")


def read_dataset(path: Path) -> Dataset:
    """Read a labelled screening CSV; InputError naming file, row and column on bad input."""
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8").fillna("")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: no records") from None
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise InputError(f"{path}: not a readable UTF-8 CSV: {exc}") from exc
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
    ids = [value.strip() for value in frame["record_id"]]
    labels = [value.strip() for value in frame["label_included"]]
    seen: set[str] = set()
    for row, (record_id, label) in enumerate(zip(ids, labels, strict=True), start=1):
        if not record_id:
            raise InputError(f"{path}: row {row}: column record_id: empty")
        if record_id in seen:
            raise InputError(f"{path}: row {row}: column record_id: duplicate id {record_id!r}")
        seen.add(record_id)
        if label not in ("0", "1"):
            raise InputError(f"{path}: row {row}: column label_included: {label!r} is not 0 or 1")
    if not ids:
        raise InputError(f"{path}: no records")
    rows: list[tuple[int, Sequence[object]]] = [(1, list(frame.columns))]
    rows += enumerate(frame.itertuples(index=False, name=None), start=2)
    records = records_from_rows(rows, str(path), "csv")
    return Dataset(
        str(path), tuple(ids), tuple(records), np.asarray([int(x) for x in labels], dtype=np.int64)
    )


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
    included = prior_indices(data, prior_included, 1, "included")
    excluded = prior_indices(data, prior_excluded, 0, "excluded")
    stopper = HypergeometricStopper(recall_target, confidence)
    result = simulate(data, included, excluded, seed=seed, model=model, stopper=stopper)
    screened = np.arange(1, len(result.order) + 1)
    fired = screened >= result.stop_at if result.stop_at is not None else np.zeros(len(screened), bool)
    order = pd.DataFrame({
        "record_id": [data.ids[i] for i in result.order],
        "label_included": data.labels[result.order],
        "stop_recommended": fired.astype(np.int64),
    })  # fmt: skip
    write_csv(Path(output), order)
    seconds = time.perf_counter() - started
    return summarize(Path(dataset).stem, result.labels, result.stop_at, seconds, result.model, stopper.method)
