"""Reviewer decisions from a CSV (`record_id,decision,reviewer[,reason][,notes]`), read into `Returned` rows.

The workbook is the reviewer's real workplace; a CSV decisions file still works for scripts and other
tools. A row with a blank decision leaves its record unscreened. The rules (`screening.rules`) apply
to both formats alike.
"""

from __future__ import annotations

import csv
import io

from lreview.config import ReviewConfig
from lreview.decisions import STAGE_DECISIONS, parse_decision_word
from lreview.errors import InputError
from lreview.pipeline.tables import cell
from lreview.screening.rules import Returned


def read_decisions_csv(config: ReviewConfig, data: bytes, name: str, stage: str) -> list[Returned]:
    """Every filled-in row of a decisions CSV, with its decision word and reviewer checked."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: not UTF-8 text (byte {exc.start}); save the CSV as UTF-8") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in ("record_id", "decision", "reviewer") if c not in header]
    if missing:
        raise InputError(f"{name}: missing column(s) {', '.join(missing)} (need record_id,decision,reviewer)")
    reviewers = {r.casefold(): r for r in [*config.review.reviewers, config.arbiter]}
    words = "/".join(STAGE_DECISIONS[stage])
    out: list[Returned] = []
    for line, raw in enumerate(reader, start=2):
        row = {k.strip().lower(): cell(v) for k, v in raw.items() if k is not None}
        where = f"row {line}"
        if not row.get("decision"):
            continue  # blank: the record stays unscreened
        try:
            record_id = int(row["record_id"])
        except ValueError:
            raise InputError(
                f"{name}: {where}: record_id {row['record_id']!r} is not a record number"
            ) from None
        decision = parse_decision_word(row["decision"], stage)
        if decision is None:
            raise InputError(f"{name}: {where}: decision {row['decision']!r} is not {words}")
        reviewer = reviewers.get(row["reviewer"].casefold())
        if reviewer is None:
            raise InputError(
                f"{name}: {where}: reviewer {row['reviewer']!r} is not in review.reviewers of the config"
            )
        out.append(
            Returned(
                record_id,
                decision,
                row.get("reason", ""),
                row.get("notes", ""),
                reviewer,
                where,
                f"{where} (reason)",
            )
        )
    return out
