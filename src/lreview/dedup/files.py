"""`lreview dedupe`: deduplicate export files and write `record_id,cluster_id`, one row per input record.

record_id is the CSV's own `record_id` column for benchmark-format CSV files, else
`<file name>:<1-based record position>`. cluster_id is the cluster's index (0-based, clusters ordered
by their first record). Other formats are read by `lreview.sources.loader.load_file`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lreview.dedup.dedupe import dedupe
from lreview.dedup.io import is_record_csv, read_records_csv, write_assignment
from lreview.dedup.result import DedupOptions
from lreview.records import Record


@dataclass(frozen=True, slots=True)
class DedupSummary:
    """What `dedupe_files` did, for the CLI to print."""

    records: int
    clusters: int
    duplicates_removed: int
    possible: int
    related: int
    output: Path


def load_records(path: Path) -> tuple[list[str], list[Record]]:
    """(record ids, Records) of one input file."""
    if is_record_csv(path):
        return read_records_csv(path)
    from lreview.sources.loader import load_file  # lazily: the importers are a separate part

    records = load_file(path)
    return [f"{path.name}:{position}" for position in range(1, len(records) + 1)], records


def dedupe_files(inputs: Sequence[Path], output: Path, options: DedupOptions | None = None) -> DedupSummary:
    """Deduplicate all records of `inputs` together and write the assignment CSV to `output`."""
    ids: list[str] = []
    records: list[Record] = []
    for path in inputs:
        file_ids, file_records = load_records(Path(path))
        ids += file_ids
        records += file_records
    result = dedupe(records, options)
    write_assignment(output, zip(ids, result.cluster_of, strict=True))
    return DedupSummary(
        records=len(records),
        clusters=len(result.clusters),
        duplicates_removed=len(records) - len(result.clusters),
        possible=len(result.possible),
        related=len(result.related),
        output=output,
    )
