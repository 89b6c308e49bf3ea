"""EndNote XML exports (`<xml><records><record>...`, also written by Mendeley and Zotero) -> Records.

Streams the file with lxml (one `<record>` in memory at a time), all or nothing: malformed XML
raises one `InputError` naming file, record number and line. Text is read with `itertext`, so
EndNote's `<style face=...>` wrappers vanish. Not for PubMed XML (`pubmed_xml.py`).
"""

from __future__ import annotations

import dataclasses
import io

from lxml import etree

from lreview.errors import InputError
from lreview.records import Record
from lreview.sources.fields import (
    database_name,
    doi_in_url,
    doi_of,
    file_stem,
    first,
    is_pmid,
    unique,
    year_of,
)
from lreview.sources.ris import REFERENCE_TYPES

# Element paths (relative to <record>) that fill a Record slot; every other leaf goes to `extra`.
_SLOTS: dict[str, str] = {
    "title": "titles/title",
    "journal": "periodical/full-title",
    "journal_alt": "titles/secondary-title",
    "journal_abbrev": "periodical/abbr-1",
    "abstract": "abstract",
    "volume": "volume",
    "issue": "number",
    "issue_alt": "issue",
    "pages": "pages",
    "doi": "electronic-resource-num",
    "accession": "accession-num",
    "issn": "isbn",
    "year": "dates/year",
    "rec_number": "rec-number",
    "database": "remote-database-name",
    "provider": "remote-database-provider",
}
_LISTS: dict[str, str] = {
    "authors": "contributors/authors/author",
    "keywords": "keywords/keyword",
    "language": "language",
    "urls": "urls/related-urls/url",
    "pub_dates": "dates/pub-dates/date",
}


def _text(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


def _path(element: etree._Element, record: etree._Element) -> str:
    """The element's path below `record`, e.g. "titles/title"."""
    parts = [str(element.tag)]
    parent = element.getparent()
    while parent is not None and parent is not record:
        parts.append(str(parent.tag))
        parent = parent.getparent()
    return "/".join(reversed(parts))


def _leaves(record: etree._Element) -> list[tuple[str, str]]:
    """(path, text) for every element with text and no element children, in document order."""
    out = []
    for element in record.iter():
        if element is record or not isinstance(element.tag, str) or element.tag == "style":
            continue
        if any(isinstance(child.tag, str) and child.tag != "style" for child in element):
            continue
        text = _text(element)
        if text:
            out.append((_path(element, record), text))
    return out


def _to_record(record: etree._Element, number: int, source: str | None, name: str) -> Record:
    leaves = _leaves(record)
    single: dict[str, str] = {}
    for slot, path in _SLOTS.items():
        single[slot] = first(text for p, text in leaves if p == path)
    many = {slot: [text for p, text in leaves if p == path] for slot, path in _LISTS.items()}
    ref_type = record.find("ref-type")
    type_name = (ref_type.get("name") or "").strip() if ref_type is not None else ""
    record_source = source or database_name(single["database"] or single["provider"]) or file_stem(name)
    accession = single["accession"]
    pmid = accession if record_source in ("PubMed", "MEDLINE") and is_pmid(accession) else None
    doi = doi_of(single["doi"]) or first(d for d in (doi_in_url(u) for u in many["urls"]) if d) or None
    built = Record(
        source=record_source,
        source_id=accession or single["rec_number"] or f"{name}:{number}",
        title=single["title"],
        abstract=single["abstract"],
        authors=tuple(many["authors"]),
        year=year_of(single["year"], *many["pub_dates"]),
        journal=single["journal"] or single["journal_alt"],
        journal_abbrev=single["journal_abbrev"],
        volume=single["volume"],
        issue=single["issue"] or single["issue_alt"],
        pages=single["pages"],
        pmid=pmid,
        doi=doi,
        issn=single["issn"],
        language=unique(many["language"]),
        publication_types=unique([REFERENCE_TYPES.get(type_name, type_name)]),
        keywords=tuple(many["keywords"]),
        url=first(many["urls"]),
    )
    # A leaf leaves `extra` only when its very text sits in a Record slot; the rest is kept as written.
    in_slots = {
        *(getattr(built, f) for f in ("title", "abstract", "journal", "journal_abbrev", "volume", "issue")),
        *(built.pages, built.doi, built.issn, built.source_id, built.url, str(built.year)),
        *built.authors,
        *built.keywords,
        *built.language,
    }
    slot_paths = set(_SLOTS.values()) | set(_LISTS.values())
    extra = tuple((p, text) for p, text in leaves if not (p in slot_paths and text in in_slots))
    return dataclasses.replace(built, extra=extra)


def parse_endnote_xml(data: bytes, name: str, *, source: str | None = None) -> list[Record]:
    """Every `<record>` of an EndNote XML export, in file order; `InputError` naming file/record/line."""
    records: list[Record] = []
    events = etree.iterparse(
        io.BytesIO(data),
        events=("end",),
        tag="record",
        resolve_entities=False,
        no_network=True,
        huge_tree=True,
    )
    try:
        for _, element in events:
            records.append(_to_record(element, len(records) + 1, source, name))
            element.clear(keep_tail=True)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else "?"
        raise InputError(
            f"{name}: record {len(records) + 1} (line {line}): malformed XML: {exc.msg}"
        ) from exc
    if not records:
        raise InputError(f"{name}: no <record> elements in this EndNote XML file")
    return records
