"""Small pure helpers the export importers share: year, DOI and PMID spotting, page ranges, and the
database names exporters write (DB/DP tags, EBSCO codes) mapped to the names lreview reports.

They read one field value as an exporter wrote it; they do not normalise for matching (that is
`dedup`'s job), so a DOI keeps its case and a title its punctuation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import PurePath

_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d|21\d\d)(?!\d)")
_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+)", re.IGNORECASE)
# A DOI field's whole value: the DOI, maybe as "doi:", "DOI " or a doi.org URL, maybe after the
# article number Web of Science puts before it ("ARTN e866\n10.1038/tp.2016.137", "ARTN 106 10.1/x").
_DOI_WHOLE = re.compile(
    r"^\s*(?:(?:ARTN|UNSP)\s+\S+\s+)?(?:doi[:\s]\s*|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/\S+)\s*$",
    re.IGNORECASE,
)


def year_of(*values: str) -> int | None:
    """The first 4-digit year in the first value that has one ("2019///", "2019 Nov 15", "11/2019")."""
    for value in values:
        match = _YEAR.search(value or "")
        if match:
            return int(match.group(1))
    return None


def doi_of(value: str) -> str | None:
    """The DOI when `value` is one ("10.1/x", "doi:10.1/x", "DOI 10.1/x", "https://doi.org/10.1/x",
    WoS "ARTN 12\n10.1/x"), else None."""
    match = _DOI_WHOLE.match(value or "")
    if match is None:
        return None
    return _strip_doi_tail(match.group(1))


def doi_in_url(value: str) -> str | None:
    """The DOI inside a doi.org URL ("https://dx.doi.org/10.1/x" -> "10.1/x"), else None."""
    if "doi.org/" not in (value or "").lower():
        return None
    match = _DOI.search(value)
    return _strip_doi_tail(match.group(1)) if match else None


def _strip_doi_tail(doi: str) -> str:
    """Drop trailing punctuation an exporter glued onto a DOI ("10.1/x." or "10.1/x [doi]")."""
    return doi.rstrip(".,;")


def pages_of(start: str, end: str) -> str:
    """ "SP-EP" when both are given and SP is not already a range, else whichever is given."""
    start, end = start.strip(), end.strip()
    if start and end and "-" not in start and start != end:
        return f"{start}-{end}"
    return start or end


def is_pmid(value: str) -> bool:
    """True for a plausible PubMed id (1-9 digits, no leading zero)."""
    return bool(re.fullmatch(r"[1-9]\d{0,8}", value.strip()))


def first(values: Iterable[str]) -> str:
    """The first non-empty value, or ""."""
    for value in values:
        if value.strip():
            return value.strip()
    return ""


def unique(values: Iterable[str]) -> tuple[str, ...]:
    """Non-empty values in order, each once."""
    seen: dict[str, None] = {}
    for value in values:
        value = value.strip()
        if value and value not in seen:
            seen[value] = None
    return tuple(seen)


# Database names as exporters write them in DB/DP -> the name lreview reports.
DATABASE_NAMES: dict[str, str] = {
    "nlm": "PubMed",
    "pubmed": "PubMed",
    "medline": "MEDLINE",
    "mdc": "MEDLINE",
    "embase": "Embase",
    "scopus": "Scopus",
    "psyh": "APA PsycInfo",
    "ecn": "EconLit",
    "egh": "Environment Index",
    "8gh": "GreenFILE",
    "i3h": "Criminal Justice Abstracts",
    "a9h": "Academic Search Premier",
    "ccm": "CINAHL",
    "cin20": "CINAHL",
    "eric": "ERIC",
}


def database_name(value: str) -> str:
    """The reported name for a DB/DP value: "NLM" -> "PubMed", "Ovid MEDLINE(R) <2021>" -> "MEDLINE"."""
    value = value.strip()
    key = value.lower()
    if key in DATABASE_NAMES:
        return DATABASE_NAMES[key]
    if "medline" in key and "ovid" in key:
        return "MEDLINE"
    return value


def file_stem(name: str) -> str:
    """The file name without folder or extension ("x/embase.ris" -> "embase"): the last-resort source."""
    return PurePath(name.replace("\\", "/")).stem
