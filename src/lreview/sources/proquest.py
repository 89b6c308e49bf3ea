"""ProQuest plain-text reports ("Report Information from ProQuest", "Document N of M") -> Records.

Layout: a table of contents, then one block per document — "Document N of M", the title paragraph,
"Label: value" fields (values may run over several paragraphs, as abstracts do), a bare document URL,
and an underscore rule — then an optional bibliography and contact footer, which are not records.
A line starts a new field only when its label is one ProQuest writes (`LABELS`), so "Background:"
inside an abstract stays in the abstract. All or nothing: documents must run 1..M in order.
"""

from __future__ import annotations

import re

from lreview.errors import InputError
from lreview.records import Record
from lreview.sources.fields import doi_of, first, is_pmid, unique, year_of

_HEADING = re.compile(r"^Document (\d+) of (\d+)\s*$")
_RULE = re.compile(r"^_{20,}\s*$")
_FIELD = re.compile(r"^([A-Za-z][A-Za-z /()\-.]{0,40}?):\s?(.*)$")

# ProQuest field labels -> Record slot ("" = keep in extra under the label).
LABELS: dict[str, str] = {
    "Title": "title",
    "Author": "authors",
    "Abstract": "abstract",
    "Publication year": "year",
    "Publication date": "date",
    "Publication title": "journal",
    "Volume": "volume",
    "Issue": "issue",
    "Pages": "pages",
    "First page": "first_page",
    "DOI": "doi",
    "ISSN": "issn",
    "PubMed ID": "pmid",
    "Language": "language",
    "Document type": "publication_types",
    "Identifier / keyword": "keywords",
    "Subject": "keywords",
    "MeSH": "mesh",
    "Database": "source",
    "ProQuest document ID": "source_id",
    "Document URL": "url",
    **{
        label: ""
        for label in (
            "Accession number",
            "Advisor",
            "Affiliation",
            "Author affiliation",
            "Author e-mail address",
            "Classification",
            "Committee member",
            "Company / organization",
            "Conference title",
            "Copyright",
            "Country of publication",
            "Degree",
            "Degree date",
            "Department",
            "Dissertation/thesis number",
            "Document feature",
            "e-ISSN",
            "ISBN",
            "Journal subset",
            "Language of summary",
            "Last updated",
            "Links",
            "Location",
            "Number of pages",
            "Number of references",
            "Place of publication",
            "Publication subject",
            "Publisher",
            "School code",
            "Section",
            "Source",
            "Source type",
            "Supplemental data",
            "Translated title",
            "University location",
            "University/institution",
            "Update",
            "Publication history",
            "Online publication date",
            "Print publication date",
            "Spatial focus",
            "Illustration",
            "References",
            "Editor",
            "Series title",
            "Edition",
            "Corporate author",
        )
    },
}


def _blocks(text: str, name: str) -> list[tuple[int, list[str]]]:
    """(heading line, body lines) per document, checking the 1..M numbering."""
    blocks: list[tuple[int, list[str]]] = []
    body: list[str] | None = None
    total = 0
    for lineno, line in enumerate(text.split("\n"), start=1):
        heading = _HEADING.match(line)
        if heading:
            number, total = int(heading.group(1)), int(heading.group(2))
            if number != len(blocks) + 1:
                raise InputError(
                    f"{name}: record {len(blocks) + 1} (line {lineno}): heading says Document {number}"
                )
            body = []
            blocks.append((lineno, body))
        elif _RULE.match(line):
            body = None
        elif body is not None:
            body.append(line)
    if not blocks:
        raise InputError(f"{name}: no 'Document N of M' records in this ProQuest report")
    if len(blocks) != total:
        raise InputError(f"{name}: record {len(blocks)}: report says {total} documents but has {len(blocks)}")
    return blocks


def _fields(body: list[str]) -> list[tuple[str, str]]:
    """(label, value) pairs in order; the first paragraph is the title, a bare URL the document URL."""
    fields: list[tuple[str, str]] = []
    paragraph_break = True
    for line in body:
        stripped = line.strip()
        if not stripped:
            paragraph_break = True
            continue
        match = _FIELD.match(stripped)
        if match and match.group(1) in LABELS:
            fields.append((match.group(1), match.group(2).strip()))
        elif not fields:
            fields.append(("Heading", stripped))
        elif stripped.startswith("http") and " " not in stripped and fields[-1][0] in ("Author", "Heading"):
            fields.append(("Document URL", stripped))
        else:
            label, value = fields[-1]
            joiner = "\n" if paragraph_break and label == "Abstract" else " "
            fields[-1] = (label, f"{value}{joiner}{stripped}".strip())
        paragraph_break = False
    return fields


def _to_record(number: int, fields: list[tuple[str, str]], source: str | None, name: str) -> Record:
    slots: dict[str, list[str]] = {}
    extra: list[tuple[str, str]] = []
    for label, value in fields:
        slot = LABELS.get(label, "")
        if slot and value:
            slots.setdefault(slot, []).append(value)
        elif value and label != "Heading":
            extra.append((label, value))

    def one(slot: str) -> str:
        return first(slots.get(slot, []))

    def split(slot: str, sep: str = ";") -> tuple[str, ...]:
        return unique(part for value in slots.get(slot, []) for part in value.split(sep))

    heading = first(v for label, v in fields if label == "Heading")
    pmid = one("pmid")
    return Record(
        source=source or one("source") or "ProQuest",
        source_id=one("source_id") or f"{name}:{number}",
        title=one("title") or heading,
        abstract=one("abstract"),
        authors=split("authors"),
        year=year_of(one("year"), one("date")),
        journal=one("journal"),
        volume=one("volume"),
        issue=one("issue"),
        pages=one("pages") or one("first_page"),
        pmid=pmid if is_pmid(pmid) else None,
        doi=doi_of(one("doi")),
        issn=one("issn"),
        language=split("language", ","),
        publication_types=split("publication_types", ","),
        mesh=split("mesh"),
        keywords=split("keywords"),
        url=one("url"),
        extra=tuple(extra),
    )


def parse_proquest(text: str, name: str, *, source: str | None = None) -> list[Record]:
    """Every document of a ProQuest plain-text report, in report order; `InputError` on any fault."""
    return [_to_record(n, _fields(body), source, name) for n, (_, body) in enumerate(_blocks(text, name), 1)]
