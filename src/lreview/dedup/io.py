"""Read and write the deduplication benchmark's CSV format and the `record_id,cluster_id` output.

Input columns: record_id,title,authors,year,journal,volume,issue,pages,doi,abstract,isbn,pmid (as in
shared/data/dedup/normalized/*/records.csv). Other formats go through `lreview.sources.loader`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path

from lreview.errors import InputError
from lreview.records import Record

CSV_COLUMNS = ("record_id", "title", "authors", "year", "journal", "volume", "issue", "pages", "doi",
               "abstract", "isbn", "pmid")  # fmt: skip
# ASySD exports run authors together: "Adeli K.Lewis G. F." — split where a period meets a capital.
_RUN_TOGETHER = re.compile(r"(?<=\.)(?=[A-ZÀ-ÖØ-Þ])")


def split_authors(text: str) -> tuple[str, ...]:
    """Authors from `A; B`, `A and B` or the run-together `Adeli K.Lewis G. F.` form."""
    text = text.strip()
    if not text:
        return ()
    if ";" in text:
        parts = text.split(";")
    elif " and " in text:
        parts = text.split(" and ")
    else:
        parts = _RUN_TOGETHER.split(text)
    return tuple(p.strip() for p in parts if p.strip())


def is_record_csv(path: Path) -> bool:
    """True when `path` is a CSV whose header starts with `record_id` and has a `title` column."""
    if path.suffix.lower() != ".csv":
        return False
    with path.open(newline="", encoding="utf-8-sig") as handle:
        header = next(csv.reader(handle), [])
    return bool(header) and header[0] == "record_id" and "title" in header


def read_records_csv(path: Path) -> tuple[list[str], list[Record]]:
    """(record ids, Records) from a benchmark-format CSV; source is "CSV", source_id the record_id."""
    ids: list[str] = []
    records: list[Record] = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        for line, row in enumerate(reader, start=2):
            record_id = (row.get("record_id") or "").strip()
            if not record_id:
                raise InputError(f"{path}: line {line}: empty record_id")
            year = (row.get("year") or "").strip()
            extra = (("isbn", row["isbn"]),) if row.get("isbn") else ()
            ids.append(record_id)
            records.append(
                Record(
                    source="CSV",
                    source_id=record_id,
                    title=row.get("title") or "",
                    abstract=row.get("abstract") or "",
                    authors=split_authors(row.get("authors") or ""),
                    year=int(year) if year.isdigit() else None,
                    journal=row.get("journal") or "",
                    volume=row.get("volume") or "",
                    issue=row.get("issue") or "",
                    pages=row.get("pages") or "",
                    pmid=(row.get("pmid") or "").strip() or None,
                    doi=(row.get("doi") or "").strip() or None,
                    extra=extra,
                )
            )
    return ids, records


def write_assignment(path: Path, rows: Iterable[tuple[str, int]]) -> None:
    """Write `record_id,cluster_id` rows."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["record_id", "cluster_id"])
        writer.writerows(rows)


def read_assignment(path: Path) -> dict[str, str]:
    """record_id → cluster_id from a `record_id,cluster_id` CSV (gold or prediction)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return {row["record_id"]: row["cluster_id"] for row in csv.DictReader(handle)}
