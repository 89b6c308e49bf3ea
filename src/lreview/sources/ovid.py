"""Ovid tagged text ("<1. >" record markers, `XX  - ` tags; Ovid's Citavi/EndNote/"Complete
Reference" exports, .ovd/.cgi/.txt) -> Records, all or nothing.

Ovid RIS exports go through `ris.py`; this is Ovid's own display/export layout. A record starts at its
`<N. >` marker; a line that is neither a tag nor a marker continues the previous field (indented
wraps joined with a space, the EndNote variant's paragraph lines of AB joined with a newline).
"""

from __future__ import annotations

import re

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

_MARKER = re.compile(r"^<(\d+)\. ?>\s*$")
_TAG_LINE = re.compile(r"^([A-Z][A-Z0-9]) {1,2}- ?(.*)$")
_VOLUME_ISSUE = re.compile(r"\.\s+(\d+)\s*(?:\(([^)]*)\))?")

_SLOT_TAGS = frozenset({"UI", "TI", "AB", "AU", "IS", "DO", "LG", "PT", "YR", "KW", "VO", "IP", "PG", "JN"})


def _scan(text: str, name: str) -> list[tuple[int, int, list[list[str]]]]:
    """(marker number, marker line, [tag, value] pairs) per record, structure checked."""
    records: list[tuple[int, int, list[list[str]]]] = []
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        marker = _MARKER.match(line.strip())
        if marker:
            records.append((int(marker.group(1)), lineno, []))
            continue
        if not records:
            raise InputError(f"{name}: record 1 (line {lineno}): text before the first <N. > record marker")
        fields = records[-1][2]
        match = _TAG_LINE.match(line.rstrip())
        if match and not line.startswith(" "):
            fields.append([match.group(1), match.group(2).strip()])
        elif not fields:
            raise InputError(f"{name}: record {len(records)} (line {lineno}): text before the first tag")
        else:
            sep = "\n" if fields[-1][0] == "AB" and not line.startswith(" ") else " "
            fields[-1][1] = f"{fields[-1][1]}{sep}{line.strip()}"
    return records


def _to_record(number: int, fields: list[list[str]], source: str | None, name: str) -> Record:
    def get(*tags: str) -> list[str]:
        return [v for t, v in fields if t in tags and v.strip()]

    record_source = source or database_name(first(get("DB"))) or file_stem(name)
    ui = first(get("UI"))
    so = first(get("SO"))
    journal = first(get("JN")) or so.split(". ", 1)[0]
    vol_issue = _VOLUME_ISSUE.search(so.split(". ", 1)[1]) if ". " in so else None
    terms = get("MH")
    is_medline = record_source == "MEDLINE"
    doi = first(d for d in (doi_of(v) or doi_in_url(v) for v in get("DO")) if d) or None
    extra = tuple((t, v) for t, v in fields if t not in _SLOT_TAGS and t != "MH")
    return Record(
        source=record_source,
        source_id=ui or f"{name}:{number}",
        title=first(get("TI")),
        abstract=first(get("AB")),
        authors=tuple(get("AU")),
        year=year_of(*get("YR"), so),
        journal=journal,
        volume=first(get("VO")) or (vol_issue.group(1) if vol_issue else ""),
        issue=first(get("IP")) or (vol_issue.group(2) or "" if vol_issue else ""),
        pages=first(get("PG")),
        pmid=ui if is_medline and is_pmid(ui) else None,
        doi=doi,
        issn=first(get("IS")),
        language=unique(get("LG")),
        publication_types=unique(get("PT")),
        mesh=tuple(terms) if is_medline else (),
        keywords=tuple(get("KW")) + (() if is_medline else tuple(terms)),
        extra=extra,
    )


def parse_ovid(text: str, name: str, *, source: str | None = None) -> list[Record]:
    """Every record of an Ovid tagged-text export, in file order; `InputError` naming file/record/line."""
    scanned = _scan(text, name)
    if not scanned:
        raise InputError(f"{name}: no Ovid records (no <N. > record marker)")
    return [_to_record(position, fields, source, name) for position, (_, _, fields) in enumerate(scanned, 1)]
