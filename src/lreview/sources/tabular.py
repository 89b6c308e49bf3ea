"""Spreadsheet-shaped exports (CSV/TSV from Scopus, WoS, PubMed, Rayyan, ASReview; XLSX rows) -> Records.

The one CSV-to-Record reader of lreview: database exports, the dedup benchmark's
`record_id,title,authors,...` files and `lreview simulate`'s labelled `record_id,...,label_included`
files all go through `parse_csv` (or `records_from_rows` for rows from elsewhere, e.g. XLSX).
Common column names map case-insensitively onto Record fields (`COLUMNS`; a `record_id` column
becomes `source_id`); every other non-empty cell is kept in `extra` under its header (so a
`label_included` or `isbn` column is there). All or nothing: a ragged or badly quoted row raises one
`InputError` naming file and row (the header is row 1, as a spreadsheet shows it).
Not for tagged formats (RIS, MEDLINE, WoS text).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence

from lreview.errors import InputError
from lreview.records import Record
from lreview.sources.fields import doi_in_url, doi_of, file_stem, pages_of, unique, year_of

# Record field (or a helper key) -> header spellings seen in exports, compared after `_norm`.
COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("title", "article title", "ti", "document title", "primary title"),
    "abstract": ("abstract", "ab", "abstract note"),
    "authors": ("authors", "author", "author(s)", "au", "author names"),
    "year": ("year", "publication year", "py", "pubyear", "publication_year", "year published"),
    "journal": (
        "journal",
        "source title",
        "so",
        "journal/book",
        "publication title",
        "journal title",
        "secondary title",
        "journal name",
    ),
    "journal_abbrev": (
        "journal abbreviation",
        "abbreviated source title",
        "ji",
        "journal abbrev",
        "journal_abbrev",
        "iso abbreviation",
    ),
    "doi": ("doi", "di"),
    "pmid": ("pmid", "pubmed id", "pubmed_id", "pubmedid", "pm"),
    "pmcid": ("pmcid", "pmc id"),
    "volume": ("volume", "vl", "vol"),
    "issue": ("issue", "is", "number"),
    "pages": ("pages", "page", "pg", "page range"),
    "page_start": ("page start", "start page", "bp", "first page"),
    "page_end": ("page end", "end page", "ep", "last page"),
    "keywords": ("keywords", "author keywords", "kw", "de", "manual tags"),
    "mesh": ("mesh", "mesh terms", "mesh headings"),
    "record_id": (
        "record_id",
        "record id",
        "ut (unique wos id)",
        "ut",
        "eid",
        "accession number",
        "an",
        "key",
        "id",
    ),
    "issn": ("issn", "sn"),
    "language": ("language", "language of original document", "la"),
    "publication_types": ("document type", "publication type", "type", "dt", "item type"),
    "url": ("url", "link"),
    "source": ("database", "source database", "db", "source"),
}
# Abstract cells can exceed the csv module's 128 KiB default field limit; raise it once, never lower it.
csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))
# One name in a comma-separated author list: "Smith JA" / "Smith J.A." or "J. A. Smith".
_SURNAME_INITIALS = re.compile(r"^[^\W\d][\w'\-. ]* [A-Z][A-Z.\-]*$|^(?:[A-Z]\.[ -]?)+ ?[^\W\d][\w'\-. ]*$")
_PERSON = re.compile(rf"{_SURNAME_INITIALS.pattern}|^[^\W\d][\w'\-. ]*, ?[A-Z][A-Z.\- ]*$")  # or "Doe, A."
# ASySD exports run authors together ("Adeli K.Lewis G. F."): a new name starts where an initial's
# period meets a capitalised surname (not another initial, so "Smith J.A." stays one author).
_RUN_TOGETHER = re.compile(r"(?<=\.)(?=[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'])")


def _norm(header: str) -> str:
    return " ".join(header.replace("_", " ").replace("\ufeff", "").strip().lower().split()).replace(" ", "_")


_RANK: dict[str, tuple[str, int]] = {
    _norm(alias): (field, rank) for field, aliases in COLUMNS.items() for rank, alias in enumerate(aliases)
}


def _assign(headers: Sequence[str]) -> list[str | None]:
    """The Record field each column fills; when several columns could fill one field the column with
    the earlier alias in `COLUMNS` wins (WoS tab-delimited: "UT" is the id, "ID" is Keywords Plus)."""
    best: dict[str, tuple[int, int]] = {}  # field -> (alias rank, column)
    for column, header in enumerate(headers):
        if (hit := _RANK.get(_norm(header))) is not None:
            field, rank = hit
            if field not in best or rank < best[field][0]:
                best[field] = (rank, column)
    by_column = {column: field for field, (_, column) in best.items()}
    return [by_column.get(column) for column in range(len(headers))]


def _cell(value: object) -> str:
    """A cell as text: 2019.0 -> "2019", dates as ISO, None -> ""."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


def _named(text: str) -> list[str]:
    """ "Smith J, Doe AB" -> [Smith J, Doe AB]; run-together "Adeli K.Lewis G. F." -> [Adeli K., Lewis
    G. F.]; otherwise [text] (a single "Surname, Given" stays whole)."""
    for parts in (text.split(","), _RUN_TOGETHER.split(text)):
        if len(parts) >= 2 and all(_SURNAME_INITIALS.match(p.strip()) for p in parts):
            return parts
    return [text]


def _authors(cell: str) -> tuple[str, ...]:
    """Authors from "A; B", "A and B", "Smith J, Doe AB" or run-together "Adeli K.Lewis G. F."; "and"
    splits only between names of people ("Food and Drug Administration" is one author)."""
    if ";" in cell:
        parts = cell.split(";")
    else:
        parts = [name for part in cell.split(" and ") for name in _named(part)]
        if len(cell.split(" and ")) > 1 and not all(_PERSON.match(p.strip()) for p in parts):
            parts = _named(cell)
    return tuple(p.strip() for p in parts if p.strip())  # not de-duplicated: two "Singh, M" are two people


def records_from_rows(
    rows: Iterable[tuple[int, Sequence[object]]], name: str, source: str | None
) -> list[Record]:
    """Records from (row number, cells) pairs whose first pair is the header row."""
    iterator = iter(rows)
    try:
        _, header_cells = next(iterator)
    except StopIteration:
        raise InputError(f"{name}: empty table (no header row)") from None
    headers = [_cell(h) for h in header_cells]
    while headers and not headers[-1]:
        headers.pop()
    fields = _assign(headers)
    if not any(f in ("title", "abstract", "doi", "pmid", "record_id") for f in fields):
        raise InputError(
            f"{name}: row 1: no title, abstract, doi, pmid or id column among the headers {headers[:12]}"
        )
    stem = file_stem(name)
    records: list[Record] = []
    for number, cells in iterator:
        values = [_cell(c) for c in cells]
        if len([v for v in values[len(headers) :] if v]) > 0:
            raise InputError(
                f"{name}: row {number}: {len(values)} cells but the header has {len(headers)} columns"
            )
        if not any(values):
            continue
        row: dict[str, str] = {}
        extra: list[tuple[str, str]] = []
        for header, field, value in zip(headers, fields, values, strict=False):
            if not value:
                continue
            if field is None:
                extra.append((header, value))
            else:
                row[field] = value
        records.append(_to_record(row, tuple(extra), source, stem, f"{name}:{len(records) + 1}"))
    if not records:
        raise InputError(f"{name}: no data rows under the header")
    return records


def _to_record(
    row: dict[str, str], extra: tuple[tuple[str, str], ...], source: str | None, stem: str, position: str
) -> Record:
    def split(key: str) -> tuple[str, ...]:
        return unique(row.get(key, "").split(";"))

    doi_cell = row.get("doi", "")
    doi = doi_of(doi_cell) or doi_in_url(doi_cell) or doi_in_url(row.get("url", ""))
    if doi_cell and doi is None:
        extra += (("doi", doi_cell),)
    return Record(
        source=source or row.get("source") or stem,
        source_id=row.get("record_id") or position,
        title=row.get("title", ""),
        abstract=row.get("abstract", ""),
        authors=_authors(row.get("authors", "")),
        year=year_of(row.get("year", "")),
        journal=row.get("journal", ""),
        journal_abbrev=row.get("journal_abbrev", ""),
        volume=row.get("volume", ""),
        issue=row.get("issue", ""),
        pages=row.get("pages") or pages_of(row.get("page_start", ""), row.get("page_end", "")),
        pmid=row.get("pmid") or None,
        doi=doi,
        pmcid=row.get("pmcid") or None,
        issn=row.get("issn", ""),
        language=split("language"),
        publication_types=split("publication_types"),
        keywords=split("keywords"),
        mesh=split("mesh"),
        url=row.get("url", ""),
        extra=extra,
    )


def parse_csv(text: str, name: str, *, source: str | None = None) -> list[Record]:
    """Every data row of a CSV/TSV export (delimiter sniffed), in file order."""
    sample = text[:65536]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel_tab if sample.split("\n", 1)[0].count("\t") else csv.excel
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=dialect.delimiter,
        quotechar='"',
        doublequote=True,
        strict=True,
    )

    def numbered() -> Iterable[tuple[int, list[str]]]:
        number = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise InputError(f"{name}: row {number + 1} (line {reader.line_num}): {exc}") from exc
            number += 1
            yield number, cells

    return records_from_rows(numbered(), name, source)
