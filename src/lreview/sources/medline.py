"""PubMed MEDLINE tagged text (.nbib, "PubMed" format .txt) -> Records, all or nothing.

A small line scanner checks the structure (every record opens with `PMID- `, every line is a tag or
an indented continuation) and joins wrapped values; Bio.Medline then splits each record into tags,
and `_to_record` maps them onto `Record`. Not for PubMed XML (`pubmed_xml.py`) or RIS (`ris.py`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from Bio import Medline

from lreview.errors import InputError
from lreview.records import Link, Record
from lreview.sources.fields import first, unique, year_of

_TAG_LINE = re.compile(r"^([A-Z][A-Z0-9]{1,3}) {0,3}- ?(.*)$")
_DOI_ID = re.compile(r"^(10\.\S+)\s+\[doi\]$")
_ISSN = re.compile(r"\b(\d{4}-\d{3}[\dXx])\b")
_LINKED_PMID = re.compile(r"PMID:\s*(\d+)")

# MEDLINE comment/correction tags -> the kind names Record.links uses (as in PubMed XML).
LINK_KINDS: dict[str, str] = {
    "CIN": "CommentIn",
    "CON": "CommentOn",
    "EIN": "ErratumIn",
    "EFR": "ErratumFor",
    "RIN": "RetractionIn",
    "ROF": "RetractionOf",
    "UIN": "UpdateIn",
    "UOF": "UpdateOf",
    "RPI": "RepublishedIn",
    "RPF": "RepublishedFrom",
    "ECI": "ExpressionOfConcernIn",
    "ECF": "ExpressionOfConcernFor",
    "CRI": "CorrectedandRepublishedIn",
    "CRF": "CorrectedandRepublishedFrom",
}

# Tags whose values land in a Record slot as written; all others go to `extra`.
_SLOT_TAGS = frozenset(
    {"PMID", "TI", "AB", "AU", "JT", "TA", "VI", "IP", "PG", "PMC", "LA", "PT", "MH", "OT", "EDAT", "LR"}
)


def _records_lines(text: str, name: str) -> Iterator[tuple[int, list[str]]]:
    """(first line number, one-line-per-field lines) per record; wrapped values joined with a space.

    Joined here rather than left to Bio.Medline, which turns the wrapped rest of a list-valued tag
    (a long OT keyword, an AID) into a separate value.
    """
    lines: list[str] = []
    start = 0
    number = 0
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            if lines:
                yield start, lines
                lines = []
            continue
        if line.startswith(" ") or line.startswith("\t"):
            if not lines:
                raise InputError(
                    f"{name}: record {number + 1} (line {lineno}): continuation line before any PMID- tag"
                )
            lines[-1] = f"{lines[-1]} {line.strip()}"
            continue
        match = _TAG_LINE.match(line)
        if match is None:
            raise InputError(
                f"{name}: record {number + (0 if lines else 1)} (line {lineno}): "
                f"not a MEDLINE tag line: {line[:60]!r}"
            )
        if not lines:
            number += 1
            start = lineno
            if match.group(1) != "PMID":
                raise InputError(f"{name}: record {number} (line {lineno}): record does not start with PMID-")
        elif match.group(1) == "PMID":
            raise InputError(
                f"{name}: record {number} (line {lineno}): second PMID- with no blank line between records"
            )
        tag = match.group(1)
        lines.append(f"{tag:<4}- {match.group(2).strip()}")
    if lines:
        yield start, lines


def _values(fields: dict[str, object], tag: str) -> list[str]:
    value = fields.get(tag)
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [str(value).strip()] if str(value).strip() else []


def _iso_date(value: str) -> str:
    """ "2017/04/26 06:00" or "20180315" -> "2017-04-26" / "2018-03-15"; "" when not a full date."""
    digits = re.sub(r"\D", "", value)[:8]
    return f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}" if len(digits) == 8 else ""


def _to_record(fields: dict[str, object], source: str) -> Record:
    """Map one Bio.Medline record onto `Record`; tags without a slot are kept in `extra`."""
    pmid = first(_values(fields, "PMID"))
    ids = _values(fields, "LID") + _values(fields, "AID")
    doi = first(m.group(1) for v in ids if (m := _DOI_ID.match(v))) or None
    types = tuple(_values(fields, "PT"))
    links = []
    for tag, kind in LINK_KINDS.items():
        for value in _values(fields, tag):
            linked = _LINKED_PMID.search(value)
            links.append(Link(kind=kind, pmid=linked.group(1) if linked else None, ref=value))
    issn = first(m.group(1) for v in _values(fields, "IS") if (m := _ISSN.search(v)))
    extra = tuple(
        (tag, value)
        for tag in fields
        if tag not in _SLOT_TAGS and tag not in LINK_KINDS
        for value in _values(fields, tag)
    )
    return Record(
        source=source,
        source_id=pmid,
        title=first(_values(fields, "TI") + _values(fields, "BTI")),
        abstract=first(_values(fields, "AB")),
        authors=tuple(_values(fields, "AU")),
        year=year_of(*_values(fields, "DP")),
        journal=first(_values(fields, "JT")),
        journal_abbrev=first(_values(fields, "TA")),
        volume=first(_values(fields, "VI")),
        issue=first(_values(fields, "IP")),
        pages=first(_values(fields, "PG")),
        pmid=pmid,
        doi=doi,
        pmcid=first(_values(fields, "PMC")) or None,
        issn=issn,
        language=unique(_values(fields, "LA")),
        publication_types=types,
        mesh=tuple(_values(fields, "MH")),
        keywords=tuple(_values(fields, "OT")),
        links=tuple(links),
        is_retracted="Retracted Publication" in types or bool(_values(fields, "RIN")),
        is_retraction_notice="Retraction of Publication" in types,
        is_erratum="Published Erratum" in types,
        date_entered=_iso_date(first(_values(fields, "EDAT"))),
        date_revised=_iso_date(first(_values(fields, "LR"))),
        extra=extra,
    )


def parse_medline(text: str, name: str, *, source: str | None = None) -> list[Record]:
    """Every record of a MEDLINE/.nbib export, in file order; `InputError` naming file/record/line."""
    records: list[Record] = []
    for number, (_start, lines) in enumerate(_records_lines(text, name), start=1):
        parsed = list(Medline.parse(line + "\n" for line in lines))  # type: ignore[no-untyped-call]
        if len(parsed) != 1:  # cannot happen with the scanner's one-line-per-field output
            raise InputError(f"{name}: record {number} (line {_start}): unreadable MEDLINE record")
        records.append(_to_record(dict(parsed[0]), source or "PubMed"))
    if not records:
        raise InputError(f"{name}: no MEDLINE records (no 'PMID- ' line)")
    return records
