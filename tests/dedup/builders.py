"""Builders for realistic Records in dedup tests."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from lreview.records import Record

_BASE = Record(
    source="PubMed",
    source_id="18451323",
    title="Intestinal lipoprotein overproduction in insulin-resistant states",
    abstract=(
        "PURPOSE OF REVIEW: Excessive postprandial lipemia is highly prevalent in obese and "
        "insulin-resistant/type 2 diabetic individuals and substantially increases the risk of "
        "atherosclerosis and cardiovascular "
        "disease. This article will review our current understanding of the link between insulin resistance."
    ),
    authors=("Adeli K", "Lewis GF"),
    year=2008,
    journal="Current opinion in lipidology",
    journal_abbrev="Curr Opin Lipidol",
    volume="19",
    issue="3",
    pages="221-8",
    pmid="18451323",
    doi="10.1097/MOL.0b013e3282ffaf82",
)


def article(**changes: Any) -> Record:
    """The PubMed record of one article, with `changes` applied."""
    return replace(_BASE, **changes)


def embase_copy(**changes: Any) -> Record:
    """The same article as another database exports it: other case, full page range, DOI URL, no PMID."""
    record = replace(
        _BASE,
        source="Embase",
        source_id="L352345",
        title="Intestinal lipoprotein overproduction in insulin-resistant states.",
        authors=("Adeli, K.", "Lewis, G. F."),
        journal="Curr Opin Lipidol",
        journal_abbrev="",
        pages="221-228",
        pmid=None,
        doi="https://doi.org/10.1097/mol.0b013e3282ffaf82",
    )
    return replace(record, **changes)


def other_article(**changes: Any) -> Record:
    """An unrelated article."""
    record = Record(
        source="PubMed",
        source_id="20000001",
        title="Low-dose naltrexone for endometriosis-associated pain: a randomised trial",
        authors=("Smith J", "Jones A"),
        year=2020,
        journal="Human reproduction",
        volume="35",
        pages="100-110",
        pmid="20000001",
        doi="10.1093/humrep/dez001",
    )
    return replace(record, **changes)
