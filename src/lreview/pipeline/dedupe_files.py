"""`lreview dedupe`: deduplicate export files and write CLUSTERS.csv, one `record_id,cluster_id` row per
input record.

Each file is read by the importer `lreview import` uses (`lreview.sources.loader`, any format it
knows); `lreview.dedup` sees only the records. record_id is the file's own `record_id` column for a
CSV whose header starts with it and has a `title` column (the deduplication benchmark's format), else
`<file name>:<1-based record position>`. cluster_id is the cluster's index (0-based, clusters ordered
by their first record). The table is written by `lreview.pipeline.tables` (text cells neutralised).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from lreview.dedup import DedupOptions, dedupe
from lreview.pipeline.tables import write_csv
from lreview.records import Record
from lreview.sources.loader import load_file


@dataclass(frozen=True, slots=True)
class DedupSummary:
    """What `dedupe_files` did, for the CLI to print."""

    records: int
    clusters: int
    duplicates_removed: int
    possible: int
    related: int
    output: Path


def has_own_ids(path: Path) -> bool:
    """True for a CSV whose header starts with `record_id` and has a `title` column."""
    if path.suffix.lower() != ".csv":
        return False
    try:
        header = list(pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns)
    except (OSError, UnicodeDecodeError, ValueError):  # pandas' parse errors are ValueErrors
        return False
    return bool(header) and header[0] == "record_id" and "title" in header


def load_records(path: Path) -> tuple[list[str], list[Record]]:
    """(record ids, Records) of one input file."""
    records = load_file(path)
    if has_own_ids(path):
        return [r.source_id for r in records], records
    return [f"{path.name}:{position}" for position in range(1, len(records) + 1)], records


def dedupe_files(inputs: Sequence[Path], output: Path, options: DedupOptions | None = None) -> DedupSummary:
    """Deduplicate all records of `inputs` together and write the clusters CSV to `output`."""
    ids: list[str] = []
    records: list[Record] = []
    for path in inputs:
        file_ids, file_records = load_records(Path(path))
        ids += file_ids
        records += file_records
    result = dedupe(records, options)
    write_csv(Path(output), pd.DataFrame({"record_id": ids, "cluster_id": result.cluster_of}))
    return DedupSummary(
        records=len(records),
        clusters=len(result.clusters),
        duplicates_removed=len(records) - len(result.clusters),
        possible=len(result.possible),
        related=len(result.related),
        output=Path(output),
    )
