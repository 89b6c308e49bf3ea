"""The reviewer workbook's contract: the values written and read back, sheet names and column headers.

Other tools and the tests rely on these names (sheet `Screen` with a header row naming its columns,
hidden sheet `lreview` of key/value rows); `workbook_write` and `workbook_read` share them from here.
Plain values only: no openpyxl, no store.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

SCREEN, INSTRUCTIONS, META, LISTS = "Screen", "Instructions", "lreview", "lists"
SCREEN_KIND, CONFLICTS_KIND = "screen", "conflicts"
KINDS = (SCREEN_KIND, CONFLICTS_KIND)

RECORD_ID, DECISION, REASON, NOTES = "record_id", "decision", "reason", "notes"
REVIEWER_COLUMNS = (RECORD_ID, DECISION, REASON, NOTES)
"""The columns a reviewer fills in (record_id is given); read back by header name, never position."""
RECORD_COLUMNS = (
    "flags", "title", "abstract", "authors", "journal", "year", "pmid", "doi", "pmcid", "rank",
    "publication_types", "keywords", "sources", "details",
)  # fmt: skip
"""What lreview shows about each record, after the reviewer's columns (and, in conflicts
workbooks, after each prior reviewer's `<reviewer> decision` / `<reviewer> reason` pair): what a
reviewer reads to decide comes first, so it is on screen beside the frozen columns and on paper."""
META_KEYS = ("review", "stage", "kind", "batch", "reviewer", "issued")


def header_key(text: object) -> str:
    """A header cell as it is matched: spaces collapsed, case folded (`' Record_ID '` → `record_id`)."""
    return " ".join(str(text).split()).casefold() if text is not None else ""


def prior_headers(reviewer: str) -> tuple[str, str]:
    """The two columns showing a prior reviewer's decision and reason in a conflicts workbook."""
    return f"{reviewer} decision", f"{reviewer} reason"


def issued_checksum(record_ids: Iterable[int]) -> str:
    """sha256 of the sorted distinct record ids issued in a workbook (hex, first 16 characters)."""
    text = ",".join(str(record_id) for record_id in sorted(set(record_ids)))
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:16]


@dataclass(frozen=True)
class WorkbookMeta:
    """The hidden sheet `lreview`: which review, stage, kind, batch and reviewer a workbook is for."""

    review: str
    stage: str  # "title_abstract" | "full_text"
    kind: str  # "screen" | "conflicts"
    batch: int
    reviewer: str  # who the workbook is for (the arbiter for conflicts)
    issued: str  # issued_checksum(record ids issued)


@dataclass(frozen=True)
class PriorDecision:
    """In a conflicts workbook: what one reviewer decided about the record."""

    reviewer: str
    decision: str
    reason: str
    notes: str


@dataclass(frozen=True)
class WorkbookRow:
    """One record as a reviewer sees it in the `Screen` sheet."""

    record_id: int
    rank: int | None
    title: str
    abstract: str
    authors: tuple[str, ...]
    journal: str
    year: int | None
    pmid: str | None
    doi: str | None
    pmcid: str | None = None
    publication_types: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()  # MeSH headings + author keywords
    sources: tuple[str, ...] = ()  # databases the publication was found in
    flags: tuple[str, ...] = ()  # "retracted", "erratum", "possible duplicate", "related record", ...
    prior: tuple[PriorDecision, ...] = ()  # only in conflicts workbooks
    extra: tuple[tuple[str, str], ...] = ()  # (label, text) lines of the `details` column
    link: str | None = None  # an extra http(s) URL (registry page), the `details` cell's hyperlink


@dataclass(frozen=True)
class Instructions:
    """The text of the `Instructions` sheet (from the review config and the stopping estimate)."""

    title: str
    question: str
    eligibility: str
    reasons: tuple[str, ...]  # exclusion reasons (also the `reason` drop-down)
    how_to_return: str
    estimate: tuple[str, ...]  # stopping-estimate lines


@dataclass(frozen=True)
class ReturnedRow:
    """One row of a returned `Screen` sheet, with the cells it came from (for error messages)."""

    record_id: int
    decision: str | None  # a word of STAGE_DECISIONS[meta.stage]; None = blank (unscreened)
    reason: str  # stripped text as typed ("" if blank)
    notes: str
    cell: str  # the decision cell, e.g. "Screen!B17"
    reason_cell: str  # e.g. "Screen!C17"


@dataclass(frozen=True)
class ReturnedWorkbook:
    """A returned workbook: its meta and its rows in sheet order (rows without id or decision skipped)."""

    meta: WorkbookMeta
    rows: tuple[ReturnedRow, ...]
