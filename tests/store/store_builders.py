"""Builders of realistic inputs for the store tests (imported by name: `from store_builders import ...`)."""

from __future__ import annotations

from typing import Any

from lreview.records import Link, Record


def pubmed_record(pmid: int | str, **changes: Any) -> Record:
    """A PubMed record as the XML parser would yield it; `changes` override fields."""
    pmid = str(pmid)
    values: dict[str, Any] = {
        "source": "PubMed",
        "source_id": pmid,
        "pmid": pmid,
        "title": f"Low-dose naltrexone for endometriosis pain: trial {pmid}",
        "abstract": "BACKGROUND: Endometriosis causes pain.\nMETHODS: We randomised 60 women.",
        "authors": ("Smith J", "Müller K"),
        "year": 2021,
        "journal": "Fertility and Sterility",
        "journal_abbrev": "Fertil Steril",
        "doi": f"10.1000/fs.{pmid}",
        "language": ("eng",),
        "publication_types": ("Journal Article", "Randomized Controlled Trial"),
        "mesh": ("Endometriosis", "Naltrexone"),
        "links": (Link("CommentIn", "99999"),),
        "date_entered": "2021-03-04",
        "date_revised": "2021-05-01",
    }
    values.update(changes)
    return Record(**values)
