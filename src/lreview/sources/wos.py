"""Web of Science plain-text exports ("FN Clarivate Analytics Web of Science", .ciw/.isi/.txt) -> Records.

Layout: a two-letter tag, a space, the value; continuation lines are indented three spaces; `ER`
alone ends a record, `EF` the file; `FN`/`VR` head it. All or nothing: a field outside a record or a
record without `ER` raises one `InputError` naming file, record and line.

Our own scanner, not rispy's `WokParser`: the format is a few lines of rules, and rispy reports no
line numbers and silently drops a last record with no `ER`. Not for WoS *RIS* exports (`ris.py`).
"""

from __future__ import annotations

import re

from lreview.errors import InputError
from lreview.records import Record
from lreview.sources.fields import doi_of, first, pages_of, unique, year_of

SOURCE = "Web of Science"
_TAG_LINE = re.compile(r"^([A-Z][A-Z0-9])(?: (.*))?$")
_HEADER_TAGS = frozenset({"FN", "VR"})

# Tags whose continuation lines are further values (one author / address / reference per line);
# every other tag's continuation lines are the wrapped rest of its value.
_ONE_VALUE_PER_LINE = frozenset({"AU", "AF", "BA", "BF", "BE", "CA", "GP", "CR", "C1", "C3"})

# Tags seen in real WoS / Zoological Record exports: a line such as "AUGilles, H" (tag glued to its
# value, as in metaknowledge's test file) is read as tag + value only for these.
_TAG_LIST = """
PT AU AF BA BF BE CA GP TI SO SE BS LA DT CT CY CL SP HO DE ID AB C1 C3 RP EM RI OI FU FP FX CR NR
TC Z9 U1 U2 PU PI PA SN EI BN J9 JI PD PY VL IS PN SU SI MA BP EP AR DI D2 EA EY PG WC WE SC GA UT
PM OA HC HP DA AN BD NT OR PS ST TN AW UR ER EF
"""
KNOWN_TAGS = frozenset(_TAG_LIST.split())


def _scan(text: str, name: str) -> list[tuple[int, int, list[list[str]]]]:
    """(record number, line of its PT, [tag, value] pairs) per record, structure checked."""
    records: list[tuple[int, int, list[list[str]]]] = []
    fields: list[list[str]] | None = None
    start = 0
    number = 0
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        if line.startswith(" "):
            if fields is None:
                raise InputError(f"{name}: record {number + 1} (line {lineno}): continuation line before PT")
            last = fields[-1]
            if last[0] in _ONE_VALUE_PER_LINE:
                fields.append([last[0], line.strip()])
            else:
                last[1] = f"{last[1]} {line.strip()}".strip()
            continue
        match = _TAG_LINE.match(line.rstrip())
        if match is not None:
            tag, value = match.group(1), (match.group(2) or "").strip()
        elif line[:2] in KNOWN_TAGS and line[2:3].isalnum():
            tag, value = line[:2], line[2:].strip()
        else:
            raise InputError(
                f"{name}: record {number + (0 if fields is not None else 1)} (line {lineno}): "
                f"not a WoS tag line: {line[:60]!r}"
            )
        if tag == "PT":
            if fields is not None:
                raise InputError(
                    f"{name}: record {number} (line {start}): missing ER terminator before the next PT "
                    f"(line {lineno})"
                )
            number += 1
            start = lineno
            fields = [[tag, value]]
        elif tag == "ER":
            if fields is None:
                raise InputError(f"{name}: record {number + 1} (line {lineno}): ER without a record")
            records.append((number, start, fields))
            fields = None
        elif fields is None:
            if tag in _HEADER_TAGS or tag == "EF":
                continue
            raise InputError(
                f"{name}: record {number + 1} (line {lineno}): field {tag} before PT (record has no start)"
            )
        else:
            fields.append([tag, value])
    if fields is not None:
        raise InputError(f"{name}: record {number} (line {start}): missing ER terminator at end of file")
    return records


def _split(values: list[str], sep: str = ";") -> list[str]:
    return [part.strip() for value in values for part in value.split(sep) if part.strip()]


def _to_record(number: int, fields: list[list[str]], source: str, name: str) -> Record:
    """Map one WoS record onto `Record`; tags without a slot are kept in `extra`."""

    def get(tag: str) -> list[str]:
        return [value for t, value in fields if t == tag and value.strip()]

    slot_tags = {"TI", "AB", "AU", "PY", "SO", "JI", "VL", "IS", "BP", "EP", "DI", "PM", "SN", "LA", "DT"}
    slot_tags |= {"DE", "ID", "UT"}
    pages = pages_of(first(get("BP")), first(get("EP"))) or first(get("AR"))
    if first(get("AR")) and pages == first(get("AR")):
        slot_tags.add("AR")
    issns = get("SN")
    doi = first(d for d in (doi_of(v) for v in get("DI")) if d) or None
    if doi is None:
        slot_tags.discard("DI")  # keep a DI that is not a DOI as written
    extra = [(t, v) for t, v in fields if t not in slot_tags]
    extra += [("SN", v) for v in issns[1:]]
    return Record(
        source=source,
        source_id=first(get("UT")) or f"{name}:{number}",
        title=first(get("TI")),
        abstract=first(get("AB")),
        authors=tuple(get("AU")),
        year=year_of(*get("PY"), *get("EA"), *get("PD")),
        journal=first(get("SO")),
        journal_abbrev=first(get("JI")) or first(get("J9")),
        volume=first(get("VL")),
        issue=first(get("IS")),
        pages=pages,
        pmid=first(get("PM")) or None,
        doi=doi,
        issn=first(issns),
        language=unique(_split(get("LA"))),
        publication_types=unique(_split(get("DT"))),
        keywords=unique([*_split(get("DE")), *_split(get("ID"))]),
        extra=tuple(extra),
    )


def parse_wos(text: str, name: str, *, source: str | None = None) -> list[Record]:
    """Every record of a Web of Science plain-text export, in file order; `InputError` on any fault."""
    records = [_to_record(number, fields, source or SOURCE, name) for number, _, fields in _scan(text, name)]
    if not records:
        raise InputError(f"{name}: no Web of Science records (no 'PT' ... 'ER' block)")
    return records
