"""RIS exports (Embase, Scopus, Ovid, EBSCOhost, ProQuest, WoS-as-RIS, Zotero, EndNote, Lens, ...).

`parse_ris(text, name)` turns decoded RIS text into Records, all or nothing: any structural fault
(a field before `TY`, a record without `ER`) raises one `InputError` naming file, record and line.

How: a small line scanner of ours checks the structure, numbers records and lines, and pre-normalises
the real-world variants rispy does not handle (see `ris_scan`); rispy's `RisParser` then groups each
record's tags through the mapping table `RIS_MAPPING`, and `_to_record` maps those onto `Record`.
Not for: Web of Science plain text (`wos.py`), PubMed MEDLINE/.nbib (`medline.py`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import rispy

from lreview.errors import InputError
from lreview.records import Record
from lreview.sources.fields import (
    database_name,
    doi_in_url,
    doi_of,
    file_stem,
    first,
    is_pmid,
    pages_of,
    unique,
    year_of,
)
from lreview.sources.ris_scan import DOWNLOAD_HEADER, RawRecord, scan

# rispy's table plus the non-standard tags real exporters write (WoS: FU FX J9 JI MA PA PI PU WE,
# Ovid PsycInfo: AI NL, Scopus via Citavi: M4 TS, WoS: CP). Every tag is read as a list so a
# repeated tag never overwrites an earlier value; tags outside this table still reach `extra`.
RIS_MAPPING: dict[str, str] = {
    **{tag: key for tag, key in rispy.TAG_KEY_MAPPING.items() if tag != "UK"},
    "?!": "unknown_tag",
    "AI": "ovid_author_identifier",
    "CP": "issue_alternate",
    "ED": "editor",
    "FU": "funding",
    "FX": "funding_text",
    "J9": "journal_abbrev_29",
    "JI": "journal_iso_abbrev",
    "L3": "related_records",
    "LK": "link",
    "M2": "start_page_alternate",
    "M4": "citavi_m4",
    "MA": "meeting_abstract",
    "NL": "ovid_nlm_link",
    "PA": "publisher_address",
    "PI": "publisher_city",
    "PU": "publisher_wos",
    "TS": "citavi_ts",
    "U1": "user_definable_1",
    "U2": "user_definable_2",
    "U3": "user_definable_3",
    "U4": "user_definable_4",
    "U5": "user_definable_5",
    "WE": "wos_edition",
}
_TAG_OF: dict[str, str] = {key: tag for tag, key in RIS_MAPPING.items()}
_UNKNOWN = "unknown_tag"


class _Parser(rispy.RisParser):  # type: ignore[misc]
    """rispy's parser with its catch-all key moved off the real tag "UK" (which some files use)."""

    UNKNOWN_TAG = "?!"  # never a tag: tags are a letter and a letter or digit


# Accession-number prefixes that name the database when a record has no DB tag (WoS RIS exports).
ACCESSION_PREFIXES: dict[str, str] = {"WOS:": "Web of Science"}
_PROVIDERS = frozenset({"ebscohost", "ovid technologies", "proquest"})

# RIS reference types -> publication type words (the rest keep their RIS code).
REFERENCE_TYPES: dict[str, str] = {
    "JOUR": "Journal Article",
    "JFULL": "Journal Article",
    "EJOUR": "Journal Article",
    "ABST": "Abstract",
    "BOOK": "Book",
    "CHAP": "Book Chapter",
    "CONF": "Conference Proceeding",
    "CPAPER": "Conference Paper",
    "THES": "Thesis",
    "RPRT": "Report",
    "GEN": "Generic",
    "ELEC": "Web Page",
    "NEWS": "Newspaper Article",
    "MGZN": "Magazine Article",
    "INPR": "In Press",
    "SER": "Serial",
    "STAT": "Statute",
    "UNPB": "Unpublished Work",
}

_PMID_NOTE = re.compile(r"^(\d{1,9})\s*\[PMID\]$", re.IGNORECASE)
# Ovid MEDLINE RIS carries the PMID only in its record link: ovidweb.cgi?...&D=medp&...&AN=39012781
_OVID_MEDLINE_LINK = re.compile(r"ovidweb\.cgi\?.*[?&]D=(?:med|prem)\w*&.*[?&]AN=(\d{1,9})\b")


# One parser for all records: it keeps no state between `parse_lines` calls. The list tags are a
# frozenset because rispy tests `tag in list_tags` once per line.
_PARSER = _Parser(
    mapping=RIS_MAPPING,
    list_tags=frozenset(tag for tag in RIS_MAPPING if tag not in ("TY", "ER", "?!")),
    delimiter_tags_mapping={},
    skip_unknown_tags=False,
    enforce_list_tags=True,
)


def _group(raw: RawRecord) -> dict[str, list[str]]:
    """Tag -> values (file order) for one record, grouped by rispy through `RIS_MAPPING`."""
    lines = [f"{tag}  - {value}" for tag, value in raw.fields] + ["ER  - "]
    parsed: list[dict[str, object]] = _PARSER.parse_lines(iter(lines))
    grouped: dict[str, list[str]] = {}
    for key, value in parsed[0].items():
        if key == _UNKNOWN and isinstance(value, Mapping):
            for tag, values in value.items():
                grouped[str(tag)] = [str(v) for v in values]
        elif isinstance(value, list):
            grouped[_TAG_OF[key]] = [str(v) for v in value]
        else:
            grouped[_TAG_OF[key]] = [str(value)]
    return grouped


def _record_database(tags: Mapping[str, Sequence[str]]) -> str:
    """The database a record names in DB (or DP when it is a database, not a provider or a date)."""
    for tag in ("DB", "DP"):
        for value in tags.get(tag, ()):
            value = value.strip()
            if value and not value[0].isdigit() and value.lower() not in _PROVIDERS:
                return database_name(value)
    for prefix, database in ACCESSION_PREFIXES.items():
        if any(value.startswith(prefix) for value in tags.get("AN", ())):
            return database
    return ""


def _to_record(raw: RawRecord, tags: dict[str, list[str]], source: str, name: str) -> Record:
    """Map one record's tags onto `Record`; every value not in a slot is kept in `extra`."""

    def get(*names: str) -> list[str]:
        return [v for tag in names for v in tags.get(tag, ()) if v.strip()]

    title = first(get("TI", "T1"))
    abstract = first(get("AB", "N2"))
    authors = tuple(get("AU", "A1"))
    year = year_of(*get("PY", "Y1", "DA"))
    full = first(get("JF", "T2", "JO"))
    journal_names = get("JO", "JA", "J2", "JI", "J9")
    abbrev = first(v for v in journal_names if v.strip() != full)
    start, end = first(get("SP")), first(get("EP"))
    doi = first(d for d in (doi_of(v) for v in get("DO", "M3", "L3")) if d) or None
    urls = get("UR", "L2", "LK")
    if doi is None:
        doi = first(d for d in (doi_in_url(v) for v in urls) if d) or None
    pmid: str | None = None
    pmcid: str | None = None
    accession = first(get("AN"))
    if source in ("PubMed", "MEDLINE") and is_pmid(accession):
        pmid = accession
    for value in get("C2"):
        if value.upper().startswith("PMC"):
            pmcid = value.split()[0]
        elif source == "Scopus" and is_pmid(value):
            pmid = value
    if source == "Embase" and is_pmid(first(get("C5"))):
        pmid = first(get("C5"))  # Embase.com writes the MEDLINE PMID in C5
    for value in get("U1", "U2", "U3", "U4", "U5"):
        note = _PMID_NOTE.match(value.strip())
        if note and pmid is None:
            pmid = note.group(1)
    if pmid is None and source == "MEDLINE":
        pmid = first(m.group(1) for v in urls if (m := _OVID_MEDLINE_LINK.search(v))) or None
    embase_id = first(v for v in get("U2") if re.fullmatch(r"L\d+", v.strip()))
    source_id = accession or first(get("ID")) or embase_id or f"{name}:{raw.number}"
    issns = unique(get("SN"))
    ris_type = first(get("TY"))
    types = unique([REFERENCE_TYPES.get(ris_type, ris_type), *get("M3")])
    volume, issue = first(get("VL")), first(get("IS", "CP"))
    languages, keywords = unique(get("LA")), tuple(get("KW"))
    # A (tag, value) leaves `extra` only when that very value sits in a Record slot; anything else
    # (a second ISSN, a full date, U3 notes, other URLs) is kept as written.
    slot_values: dict[str, set[str]] = {
        "TY": {ris_type} if ris_type in REFERENCE_TYPES else set(),
        "TI": {title},
        "T1": {title},
        "AB": {abstract},
        "N2": {abstract},
        "AU": set(authors),
        "A1": set(authors),
        "PY": {str(year)},
        "Y1": {str(year)},
        "VL": {volume},
        "IS": {issue},
        "CP": {issue},
        "SP": {start},
        "EP": {end},
        "DO": {doi or ""},
        "L3": {doi or ""},
        "M3": {*types, doi or ""},
        "AN": {source_id},
        "ID": {source_id},
        "U2": {source_id},
        "C2": {pmid or "", pmcid or ""},
        "C5": {pmid or ""},
        "SN": {issns[0]} if issns else set(),
        "LA": set(languages),
        "KW": set(keywords),
        "UR": {urls[0]} if urls else set(),
    }
    for tag in ("JF", "T2", "JO", "JA", "J2", "JI", "J9"):
        slot_values[tag] = {full, abbrev}
    extra = tuple(
        (tag, value) for tag, value in raw.fields if value.strip() not in slot_values.get(tag, set())
    )
    return Record(
        source=source,
        source_id=source_id,
        title=title,
        abstract=abstract,
        authors=authors,
        year=year,
        journal=full,
        journal_abbrev=abbrev,
        volume=volume,
        issue=issue,
        pages=pages_of(start, end),
        pmid=pmid,
        doi=doi,
        pmcid=pmcid,
        issn=issns[0] if issns else "",
        language=languages,
        publication_types=types,
        keywords=keywords,
        url=urls[0] if urls else "",
        extra=extra,
    )


def parse_ris(text: str, name: str, *, source: str | None = None) -> list[Record]:
    """Every record of a RIS export, in file order; `InputError` naming file/record/line on any fault."""
    raws = scan(text, name)
    if not raws:
        raise InputError(f"{name}: no RIS records (no 'TY  -' ... 'ER  -' block)")
    grouped = [_group(raw) for raw in raws]
    # Records without a DB tag take the file's database only when the file names exactly one
    # (a Scopus export where some records lack "DB  - Scopus"), not in mixed re-exports.
    named = unique(_record_database(tags) for tags in grouped)
    file_database = named[0] if len(named) == 1 else ""
    head = [m for line in text.split("\n", 10)[:10] if (m := DOWNLOAD_HEADER.match(line.strip()))]
    header = next((m.group(2) for m in head if m.group(1) == "Database"), "")
    if header and not named:
        file_database = database_name(header)
    stem = file_stem(name)
    records = []
    for raw, tags in zip(raws, grouped, strict=True):
        record_source = source or _record_database(tags) or file_database or stem
        records.append(_to_record(raw, tags, record_source, name))
    return records
