"""Reviewer decisions from a CSV (`record_id,decision,reviewer[,reason]`) into the append-only log.

Until screening workbooks exist this is how decisions reach the store; every row is validated
before anything is written, and re-ingesting the same file appends nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from lreview.config import ReviewConfig
from lreview.errors import InputError
from lreview.pipeline.common import open_store
from lreview.pipeline.tables import cell
from lreview.store import Decision

DECISION_WORDS = {
    "include": "include",
    "included": "include",
    "exclude": "exclude",
    "excluded": "exclude",
    "maybe": "maybe",
    "unsure": "maybe",
}


@dataclass(frozen=True)
class IngestSummary:
    """What one ingest of reviewer decisions did."""

    review_id: str
    path: str
    rows: int
    appended: int

    def format(self) -> str:
        skipped = self.rows - self.appended
        note = f" ({skipped} already logged from this file)" if skipped else ""
        return (
            f"{self.path}: {self.appended} of {self.rows} decisions appended to review {self.review_id}{note}"
        )


def read_decisions_csv(config: ReviewConfig, path: Path, stage: str) -> list[Decision]:
    """Validate every row of a decisions CSV (record_id,decision,reviewer[,reason]) against the config."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    digest = hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start}); save the CSV as UTF-8") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in ("record_id", "decision", "reviewer") if c not in header]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)} (need record_id,decision,reviewer)")
    reviewers = set(config.review.reviewers)
    reasons = {r.casefold(): r for r in config.review.exclusion_reasons}
    out: list[Decision] = []
    for line, raw in enumerate(reader, start=2):
        row = {k.strip().lower(): cell(v) for k, v in raw.items() if k is not None}
        where = f"{path}: row {line}"
        try:
            record_id = int(row["record_id"])
        except ValueError:
            raise InputError(f"{where}: record_id {row['record_id']!r} is not a record number") from None
        decision = DECISION_WORDS.get(row["decision"].casefold())
        if decision is None:
            raise InputError(f"{where}: decision {row['decision']!r} is not include/exclude/maybe")
        if row["reviewer"] not in reviewers:
            raise InputError(
                f"{where}: reviewer {row['reviewer']!r} is not in review.reviewers of the config"
            )
        reason = row.get("reason", "")
        if reason and reason.casefold() not in reasons:
            raise InputError(f"{where}: reason {reason!r} is not in review.exclusion_reasons of the config")
        out.append(
            Decision(
                record_id=record_id,
                stage=stage,
                decision=decision,
                reviewer=row["reviewer"],
                reason=reasons.get(reason.casefold(), ""),
                source_file=str(path),
                source_hash=digest,
                row_key=str(line),
            )
        )
    if not out:
        raise InputError(f"{path}: no decisions in the file")
    return out


def ingest_decisions(config: ReviewConfig, path: Path, stage: str = "title_abstract") -> IngestSummary:
    """Append a decisions CSV to the review's decision log (all rows or none; re-ingest is a no-op)."""
    decisions = read_decisions_csv(config, Path(path), stage)
    with open_store(config) as store:
        known = store.get_records(config.review_id, [d.record_id for d in decisions])
        for d in decisions:
            if d.record_id not in known:
                raise InputError(
                    f"{path}: row {d.row_key}: record_id {d.record_id} "
                    f"is not a record of review {config.review_id}"
                )
        appended = store.append_decisions(config.review_id, decisions)
    return IngestSummary(config.review_id, str(path), len(decisions), appended)
