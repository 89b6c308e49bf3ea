"""What every harvest source is: a name, a PRISMA arm, a search over a date window, a parser to `Record`.

A harvest source (PubMed, ClinicalTrials.gov, Europe PMC) turns one query and an optional date window
into a `SourceSearch`: the count the service reported, what it made of the query, its warnings, and the
records in batches (lazily, so the caller stores batch N while N+1 downloads). `incremental` asks for
records revised in the window too, not only those first entered in it. `registry.py` maps names to
sources; `pipeline/pubmed.py` runs any of them into the store the same way.

Not for: HTTP (each source's client uses `http.PoliteClient`), the store, or the config's searches.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, Protocol

from lreview.records import Record

Arm = Literal["database", "register"]  # PRISMA 2020: records identified from databases or registers


@dataclass(frozen=True)
class SourceBatch:
    """One page or batch of parsed records, and ids the service listed but did not return."""

    records: list[Record]
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceSearch:
    """One search of a source: its reported count, query translation, warnings and record batches."""

    count: int
    batches: Iterator[SourceBatch]
    query_translation: str = ""
    warnings: Sequence[str] = field(default=())  # may grow while the batches are read


class HarvestSource(Protocol):
    """A harvest source: `search` one query over a window (dates inclusive), `parse` one answer."""

    name: str
    arm: Arm

    def search(self, query: str, start: date | None, end: date, *, incremental: bool) -> SourceSearch:
        """Records matching `query` entered in [start, end] (and, if `incremental`, revised in it)."""
        ...

    def parse(self, body: bytes) -> Sequence[Record]:
        """The records of one answer of the service."""
        ...

    def close(self) -> None:
        """Release the HTTP connections."""
        ...
