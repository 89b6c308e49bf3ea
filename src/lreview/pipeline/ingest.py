"""Returned screening files into the decision log: one workbook or CSV, or every file in the inbox.

All or nothing: a file is read and every row checked (`screening.rules`) before anything is logged;
a refused file changes nothing. A workbook must be one lreview issued for this review (its hidden
`lreview` sheet names the review, stage, kind, batch, reviewer and a checksum of the issued records);
rows may be re-sorted, filtered or deleted (deleted rows count as blank) but not added. A decision
that repeats its reviewer's current one is not logged again, so the same (or a re-saved) file twice
appends nothing, and a corrected file appends only the corrections.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from lreview.config import ReviewConfig
from lreview.decisions import ARBITER, REVIEWER, TITLE_ABSTRACT
from lreview.errors import InputError, LreviewError
from lreview.pipeline.common import open_store
from lreview.pipeline.decisions import read_decisions_csv
from lreview.pipeline.screening import CONFLICTS, review_states, screening_dir
from lreview.screening.rules import Returned, check_returned, new_decisions
from lreview.screening.workbook import ReturnedWorkbook, read_workbook
from lreview.store import Store

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


@dataclass(frozen=True)
class IngestSummary:
    """What one returned file did."""

    review_id: str
    path: str
    stage: str
    rows: int  # filled-in decisions in the file
    appended: int  # new decisions logged (the rest repeat what is logged)

    def format(self) -> str:
        same = self.rows - self.appended
        note = f" ({same} already logged)" if same else ""
        return (
            f"{self.path}: {self.appended} of {self.rows} decisions appended to review {self.review_id}{note}"
        )


def _check_workbook(
    config: ReviewConfig, store: Store, book: ReturnedWorkbook, name: str
) -> tuple[int, list[int]]:
    """The batch id and issued record ids of a returned workbook, after checking it is this review's."""
    meta = book.meta
    if meta.review != config.review_id:
        raise InputError(f"{name}: a workbook of review {meta.review!r}, not {config.review_id!r}")
    batch = next(iter(store.batches(config.review_id, batch_id=meta.batch)), None)
    if batch is None:
        raise InputError(f"{name}: batch {meta.batch} was never issued in review {config.review_id}")
    issued = (batch.reviewer, batch.stage, batch.kind, batch.issued)
    if (meta.reviewer, meta.stage, meta.kind, meta.issued) != issued:
        raise InputError(
            f"{name}: the lreview sheet says batch {meta.batch} is {meta.kind} {meta.stage} "
            f"for {meta.reviewer!r}, but it was issued as {batch.kind} {batch.stage} for {batch.reviewer!r} "
            "(was the lreview sheet edited or copied from another workbook?)"
        )
    return batch.id, list(batch.record_ids)


def ingest_decisions(config: ReviewConfig, path: Path, stage: str = TITLE_ABSTRACT) -> IngestSummary:
    """Append a returned workbook's (or decisions CSV's) decisions to the log (all rows or none)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    digest = hashlib.sha256(data).hexdigest()
    name = str(path)
    with open_store(config) as store:
        states = review_states(config, store)
        issued: list[int] | None = None
        batch_id, role = None, REVIEWER
        if path.suffix.lower() in WORKBOOK_SUFFIXES:
            book = read_workbook(data, name)
            batch_id, issued = _check_workbook(config, store, book, name)
            stage, role = book.meta.stage, ARBITER if book.meta.kind == CONFLICTS else REVIEWER
            rows = [
                Returned(
                    r.record_id, r.decision, r.reason, r.notes, book.meta.reviewer, r.cell, r.reason_cell
                )
                for r in book.rows
                if r.decision is not None
            ]
        else:
            rows = read_decisions_csv(config, data, name, stage)
        decisions = check_returned(
            name,
            rows,
            stage=stage,
            states=states,
            reasons=config.review.exclusion_reasons,
            issued=issued,
            role=role,
            batch_id=batch_id,
            source_hash=digest,
            review_id=config.review_id,
        )
        new = new_decisions(decisions, states)
        appended = store.append_decisions(config.review_id, new) if new else 0
    return IngestSummary(config.review_id, name, stage, len(decisions), appended)


@dataclass(frozen=True)
class InboxResult:
    """One file found in the screening inbox: ingested (moved to `inbox/done/`) or refused (moved to
    `inbox/refused/` with the reason beside it)."""

    path: Path
    summary: IngestSummary | None
    error: str | None

    def format(self) -> str:
        return self.summary.format() if self.summary else f"{self.path.name}: refused: {self.error}"


def inbox_dir(config: ReviewConfig) -> Path:
    return screening_dir(config) / "inbox"


def ingest_inbox(config: ReviewConfig) -> list[InboxResult]:
    """Ingest every workbook and CSV dropped into `<output_dir>/screening/inbox/`, oldest first."""
    inbox = inbox_dir(config)
    if not inbox.is_dir():
        return []
    files = sorted(
        (p for p in inbox.iterdir() if p.is_file() and not p.name.startswith((".", "~$"))),
        key=lambda p: (p.stat().st_mtime, p.name),
    )
    results = []
    for path in files:
        if path.suffix.lower() not in (*WORKBOOK_SUFFIXES, ".csv"):
            continue
        try:
            summary = ingest_decisions(config, path)
        except LreviewError as exc:
            target = inbox / "refused" / path.name
            target.parent.mkdir(exist_ok=True)
            shutil.move(str(path), target)
            target.with_name(target.name + ".error.txt").write_text(f"{exc}\n", encoding="utf-8")
            results.append(InboxResult(target, None, str(exc)))
            continue
        target = inbox / "done" / path.name
        target.parent.mkdir(exist_ok=True)
        shutil.move(str(path), target)
        results.append(InboxResult(target, summary, None))
    return results
