"""`Record`: the one typed shape every source yields and every later step reads.

A Record is a plain, immutable value. Sources (PubMed XML, RIS, MEDLINE, CSV) build them; the store
persists them as JSON (`to_dict` / `from_dict`); dedup and ranking read them. Nothing here does I/O.

Conventions: text fields are `""` when absent, identifiers and the year are `None` when absent,
multi-valued fields are tuples (order as the source gave them). Identifiers are stored as the source
gave them; normalised keys (e.g. lower-case DOI without `https://doi.org/`) are derived by `dedup`.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any

NCT_ID = re.compile(r"NCT\d{8}")  # a ClinicalTrials.gov registration number
REGISTRATION = "Clinical Trial Registration"  # the publication type of a trial register entry


@dataclass(frozen=True, slots=True)
class Link:
    """A CommentsCorrections-style link to another publication (e.g. `ErratumFor` PMID 123)."""

    kind: str  # "ErratumFor", "ErratumIn", "RetractionIn", "RetractionOf", "UpdateOf", "CommentOn", ...
    pmid: str | None = None
    ref: str = ""  # free-text RefSource when given


@dataclass(frozen=True, slots=True)
class Record:
    """One bibliographic record as one source gave it."""

    source: str  # database name: "PubMed", "Embase", "Scopus", ...
    source_id: str  # id within that source: PMID for PubMed, else the export's own id or "file:pos"
    title: str = ""
    abstract: str = ""  # structured abstracts keep labels: "BACKGROUND: ...\nMETHODS: ..."
    authors: tuple[str, ...] = ()  # "Surname Initials" (PubMed style) or as the source wrote them
    year: int | None = None
    journal: str = ""  # full journal title
    journal_abbrev: str = ""  # ISO / NLM abbreviation
    volume: str = ""
    issue: str = ""
    pages: str = ""  # as given, e.g. "123-9"
    pmid: str | None = None
    doi: str | None = None
    pmcid: str | None = None
    issn: str = ""
    language: tuple[str, ...] = ()
    publication_types: tuple[str, ...] = ()
    mesh: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()
    is_retracted: bool = False  # the article itself has been retracted
    is_retraction_notice: bool = False  # this record is the notice retracting another
    is_erratum: bool = False  # this record is an erratum / corrigendum notice
    date_entered: str = ""  # PubMed EDAT (YYYY-MM-DD) when known
    date_revised: str = ""  # PubMed MDAT / DateRevised (YYYY-MM-DD) when known
    url: str = ""
    extra: tuple[tuple[str, str], ...] = field(default=())  # source fields with no slot above

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (tuples become lists) that `from_dict` turns back into an equal Record."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Record:
        """Rebuild a Record from `to_dict` output; unknown keys are rejected."""
        unknown = data.keys() - _FIELD_NAMES
        if unknown:
            raise ValueError(f"unknown Record fields: {sorted(unknown)}")
        values = dict(data)  # the store reads 10^5 of these per re-rank: only sequences are converted
        for name, value in data.items():
            if name == "links":
                values[name] = tuple(Link(**link) for link in value)
            elif name == "extra":
                values[name] = tuple((str(k), str(v)) for k, v in value)
            elif type(value) is list:
                values[name] = tuple(value)
        return cls(**values)


_FIELD_NAMES = frozenset(f.name for f in fields(Record))


def is_registration(record: Record) -> bool:
    """A trial register entry (type "Clinical Trial Registration" or an NCT source id), not an article."""
    return bool(NCT_ID.fullmatch(record.source_id)) or any(
        t.casefold() == REGISTRATION.casefold() for t in record.publication_types
    )
