"""The benchmark sets as the benchmarks read them: records through the importer `lreview dedupe` and
`lreview import` use (`lreview.sources.loader`), gold and predicted `record_id,cluster_id` tables
through pandas."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from lreview.records import Record
from lreview.sources.loader import load_file


def read_records(folder: Path) -> tuple[list[str], list[Record]]:
    """(record ids, Records) of a set's records.csv (its `record_id` column is each Record's source_id)."""
    records = load_file(folder / "records.csv")
    return [r.source_id for r in records], records


def read_assignment(path: Path) -> dict[str, str]:
    """record_id -> cluster_id from a `record_id,cluster_id` CSV (gold or prediction)."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return dict(zip(frame["record_id"], frame["cluster_id"], strict=True))
