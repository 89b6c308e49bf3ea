"""EndNote XML exports (`<xml><records><record>...`, also written by Mendeley and Zotero) -> Records.

Feeds the file to lxml one `<record>` at a time, all or nothing: malformed XML raises one
`InputError` naming file, record number (our own count, not libxml2's) and line. Text is read with
`itertext`, so EndNote's `<style face=...>` wrappers vanish. Not for PubMed XML (`pubmed_xml.py`).
"""

from __future__ import annotations

import codecs
import dataclasses
from collections.abc import Iterator

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


def _spelling(data: bytes, text: str) -> bytes:
    """`text` as it is spelled in the file's bytes (UTF-8 and single-byte code pages, or UTF-16)."""
    if data.startswith((codecs.BOM_UTF16_LE, b"<\0")):
        return text.encode("utf-16-le")
    if data.startswith((codecs.BOM_UTF16_BE, b"\0<")):
        return text.encode("utf-16-be")
    return text.encode("ascii")


def _pieces(data: bytes) -> Iterator[tuple[bytes, bool]]:
    """(bytes, holds a record) pieces of the file, cut just after each `</record>`: piece n holds the
    end of record n and nothing of a later record; the last piece holds a record only if it was cut."""
    end_tag, start_tag = _spelling(data, "</record>"), _spelling(data, "<record")
    start = 0
    while (end := data.find(end_tag, start)) >= 0:
        yield data[start : end + len(end_tag)], True
        start = end + len(end_tag)
    yield data[start:], data.find(start_tag, start) >= 0


def parse_endnote_xml(data: bytes, name: str, *, source: str | None = None) -> list[Record]:
    """Every `<record>` of an EndNote XML export, in file order; `InputError` naming file/record/line.

    The bytes are fed to the parser one record at a time, so the record a syntax error lies in is
    our own count of the pieces fed, whatever libxml2 reports and however it buffers its events.
    """
    records: list[Record] = []
    parser = etree.XMLPullParser(
        events=("end",), tag="record", resolve_entities=False, no_network=True, huge_tree=True
    )
    fed, in_record = 0, False  # pieces fed so far; whether the last one fed holds (part of) a record
    try:
        for piece, holds_record in _pieces(data):
            fed, in_record = fed + 1, holds_record
            parser.feed(piece)
            _read(parser, records, source, name)
        parser.close()  # an error here lies in the last piece: a cut record or the file's end
        _read(parser, records, source, name)
    except etree.XMLSyntaxError as exc:
        where = f"record {fed}" if in_record else f"after record {fed - 1}"
        line = exc.lineno if exc.lineno else "?"
        raise InputError(f"{name}: {where} (line {line}): malformed XML: {exc.msg}") from exc
    if not records:
        raise InputError(f"{name}: no <record> elements in this EndNote XML file")
    return records


def _read(parser: etree.XMLPullParser, records: list[Record], source: str | None, name: str) -> None:
    """Turn the records the parser has finished into Records (then free their elements)."""
    for _, element in parser.read_events():
        records.append(_to_record(element, len(records) + 1, source, name))
        element.clear(keep_tail=True)
