"""One canonical record per cluster: pick the best member, fill its gaps from the others.

Preference (first difference wins): a PubMed record with abstract and DOI; any record with abstract
and DOI; the most complete record (number of filled fields); the earliest input position. Empty
fields of the canonical record are then filled from the other members in that same order; fields
the canonical record has are never overwritten, so the merged record stays one source's text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields, replace
from typing import Any

from lreview.records import Record

_FILLABLE = tuple(
    f.name
    for f in fields(Record)
    if f.name not in {"source", "source_id", "is_retracted", "is_retraction_notice", "is_erratum", "extra"}
)


def completeness(record: Record) -> int:
    """Number of filled bibliographic fields."""
    return sum(1 for name in _FILLABLE if getattr(record, name) not in (None, "", ()))


def preference(record: Record, position: int) -> tuple[int, int, int, int]:
    """Sort key: smaller is preferred (see the module docstring)."""
    full = bool(record.abstract) and bool(record.doi)
    pubmed = record.source.lower() == "pubmed" or bool(record.pmid) and record.source_id == record.pmid
    return (0 if pubmed and full else 1, 0 if full else 1, -completeness(record), position)


def canonical(records: Sequence[Record], members: Sequence[int]) -> int:
    """The preferred member position of one cluster."""
    if len(members) == 1:
        return members[0]
    return min(members, key=lambda p: preference(records[p], p))


def merged(records: Sequence[Record], members: Sequence[int]) -> Record:
    """The canonical member with its empty fields filled from the other members, best first."""
    if len(members) == 1:
        return records[members[0]]
    ordered = sorted(members, key=lambda p: preference(records[p], p))
    base = records[ordered[0]]
    updates: dict[str, Any] = {}
    for name in _FILLABLE:
        if getattr(base, name) not in (None, "", ()):
            continue
        for other in ordered[1:]:
            value = getattr(records[other], name)
            if value not in (None, "", ()):
                updates[name] = value
                break
    if any(records[p].is_retracted for p in members):
        updates["is_retracted"] = True
    return replace(base, **updates) if updates else base
