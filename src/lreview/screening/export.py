"""Exports a review team hands on: the included studies as RIS (for Zotero, EndNote, Mendeley) or CSV,
and the whole decision log as CSV.

RIS carries the screening outcome in `N1` notes, one fact per note (decision, stage, each reason,
each note, the reviewers, the lreview record id), because Zotero and EndNote show every `N1` as a
note on the reference. Each value is written on one line (line breaks become spaces), so no title or
abstract can end a record early or start a forged one. CSV text cells pass through
`lreview.cells.neutralise`, so a spreadsheet never runs a cell as a formula; rows end in CRLF
(RFC 4180), which makes the csv module quote every cell holding a CR or LF (with "\n" line ends a
lone CR went out unquoted and split the row in every reader).

Pure: values in, text out (the pipeline writes the file). Not for: choosing which studies are
included (the lifecycle states do) or reading the store.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import pandas as pd
import rispy

from lreview.cells import clean_for_xml, neutralise
from lreview.decisions import Decision
from lreview.records import Record

PROVIDER = "lreview"  # the RIS `DP` of every exported reference
NOTE_PREFIX = "lreview"  # every N1 this module writes starts "lreview <fact>: "
JOIN = "; "  # between several values in one CSV cell (authors, reasons, notes, reviewers)

# Publication types (as PubMed or lreview's importers name them, lower case) -> RIS reference type;
# the first of a record's types found here wins, anything else is a journal article.
REFERENCE_TYPES: dict[str, str] = {
    "congress": "CONF",
    "conference proceeding": "CONF",
    "conference paper": "CONF",
    "book": "BOOK",
    "book chapter": "CHAP",
    "thesis": "THES",
    "dissertation": "THES",
    "report": "RPRT",
    "technical report": "RPRT",
}
DEFAULT_REFERENCE_TYPE = "JOUR"

INCLUDED_COLUMNS = (
    "record_id", "pmid", "doi", "title", "authors", "year", "journal",
    "stage", "decision", "reasons", "notes", "reviewers",
)  # fmt: skip
# The decision log's leading columns; any other `Decision` field follows in declaration order.
DECISION_COLUMNS = (
    "id", "created_at", "record_id", "title", "stage", "decision", "reason", "reviewer",
    "batch_id", "source_file", "source_hash", "row_key",
)  # fmt: skip


@dataclass(frozen=True)
class IncludedStudy:
    """One included publication with the screening outcome that put it there."""

    record: Record
    record_id: int
    stage: str  # the furthest stage reached ("full_text" if included at full text, else "title_abstract")
    decision: str  # final decision at that stage
    reasons: tuple[str, ...]  # reasons given (exclusion reasons / notes from reviewers)
    notes: tuple[str, ...]
    reviewers: tuple[str, ...]


class _Writer(rispy.RisWriter):  # type: ignore[misc]
    """rispy's RIS writer without the "1." counter line it puts before each reference."""

    def set_header(self, count: int) -> str:
        return ""


def _one_line(text: str) -> str:
    """`text` fit for one RIS line: XML-illegal characters dropped, every run of whitespace
    (including line and paragraph separators) one space."""
    return " ".join(clean_for_xml(text).split())


def reference_type(record: Record) -> str:
    """The RIS `TY` for a record, from its publication types (`REFERENCE_TYPES`), default JOUR."""
    for kind in record.publication_types:
        if found := REFERENCE_TYPES.get(kind.strip().lower()):
            return found
    return DEFAULT_REFERENCE_TYPE


def _urls(record: Record) -> list[str]:
    urls = []
    if record.pmid:
        urls.append(f"https://pubmed.ncbi.nlm.nih.gov/{quote(record.pmid.strip())}/")
    if record.doi:
        urls.append(f"https://doi.org/{quote(record.doi.strip(), safe='/:;()[]')}")
    if record.url and record.url not in urls:
        urls.append(record.url)
    return urls


def _notes(study: IncludedStudy) -> list[str]:
    facts = [("decision", study.decision), ("stage", study.stage)]
    facts += [("reason", reason) for reason in study.reasons]
    facts += [("note", note) for note in study.notes]
    if study.reviewers:
        facts.append(("reviewers", ", ".join(study.reviewers)))
    facts.append(("record", str(study.record_id)))
    if study.record.is_retracted:
        facts.append(("warning", "this publication has been retracted"))
    return [f"{NOTE_PREFIX} {name}: {value}" for name, value in facts if value.strip()]


def _reference(study: IncludedStudy) -> dict[str, Any]:
    """One rispy reference dict (keys are rispy's field names, in the order they are written)."""
    r = study.record
    start, _, end = r.pages.replace("\u2013", "-").partition("-")
    fields: dict[str, Any] = {
        "type_of_reference": reference_type(r),
        "title": r.title,
        "authors": list(r.authors),
        "year": "" if r.year is None else str(r.year),
        "secondary_title": r.journal or r.journal_abbrev,  # T2: Zotero's publication title
        "alternate_title1": r.journal_abbrev if r.journal else "",  # J2: journal abbreviation
        "volume": r.volume,
        "number": r.issue,
        "start_page": start,
        "end_page": end,
        "doi": r.doi or "",
        "accession_number": r.pmid or r.source_id,  # AN
        "abstract": r.abstract,
        "keywords": [*r.keywords, *r.mesh],
        "urls": _urls(r),
        "notes": _notes(study),  # N1, one per fact
        "name_of_database": r.source,  # DB: where the record came from
        "database_provider": PROVIDER,  # DP
    }
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if isinstance(value, list):
            values = [line for line in map(_one_line, value) if line]
            if values:
                out[key] = values
        elif line := _one_line(value):
            out[key] = line
    return out


def included_ris(studies: Sequence[IncludedStudy]) -> str:
    """The included studies as RIS text, one reference per study, in the order given."""
    return str(rispy.dumps([_reference(s) for s in studies], implementation=_Writer))


def _csv(rows: Iterable[Mapping[str, str]], columns: Sequence[str]) -> str:
    frame = pd.DataFrame(list(rows), columns=list(columns), dtype=object)
    return str(frame.to_csv(index=False, lineterminator="\r\n"))


def included_csv(studies: Sequence[IncludedStudy]) -> str:
    """The included studies as CSV (`INCLUDED_COLUMNS`), one row per study; text cells neutralised."""
    rows = []
    for s in studies:
        r = s.record
        text = {
            "pmid": r.pmid or "",
            "doi": r.doi or "",
            "title": r.title,
            "authors": JOIN.join(r.authors),
            "journal": r.journal or r.journal_abbrev,
            "stage": s.stage,
            "decision": s.decision,
            "reasons": JOIN.join(s.reasons),
            "notes": JOIN.join(s.notes),
            "reviewers": JOIN.join(s.reviewers),
        }
        row = {key: neutralise(value) for key, value in text.items()}
        rows.append(row | {"record_id": str(s.record_id), "year": "" if r.year is None else str(r.year)})
    return _csv(rows, INCLUDED_COLUMNS)


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC to the second, e.g. 2025-03-01T09:30:00Z (a naive time is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, str):
        return neutralise(value)
    return str(value)


def decision_columns() -> tuple[str, ...]:
    """`DECISION_COLUMNS` that `Decision` has, then its other fields in declaration order."""
    names = [f.name for f in dataclasses.fields(Decision)]
    leading = [c for c in DECISION_COLUMNS if c in names or c == "title"]
    return (*leading, *(n for n in names if n not in leading))


def decisions_csv(decisions: Sequence[Decision], titles: Mapping[int, str]) -> str:
    """The decision log as CSV, one row per logged decision in the order given (`decision_columns`),
    with each record's title from `titles`; times ISO 8601 UTC, text cells neutralised."""
    columns = decision_columns()
    rows = (
        {c: _cell(titles.get(d.record_id, "") if c == "title" else getattr(d, c)) for c in columns}
        for d in decisions
    )
    return _csv(rows, columns)
