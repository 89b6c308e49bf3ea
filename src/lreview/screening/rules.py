"""The decision rules a returned file must pass before anything of it is logged (pure, all or nothing).

Any file format (workbook or CSV) is first read into `Returned` rows, each naming where it came from
(`Screen!B17`, `row 17`); `check_returned` then applies every rule and gives the `Decision`s to log, or
raises one `InputError` naming the file, the cell(s) and the problem:

- the record is one of the review's, and (for a workbook) one issued in that workbook's batch;
- the reason is one of the config's exclusion reasons, and only `exclude` takes one; at full text
  `exclude` needs one;
- full-text decisions only for publications that passed title/abstract;
- one reviewer giving two different decisions on one publication in one file is an error naming both
  rows (the same decision twice counts once).
Blank decisions never reach here: a blank row leaves the record unscreened.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from lreview.decisions import EXCLUDE, FULL_TEXT, REVIEWER, Decision
from lreview.errors import InputError
from lreview.screening.states import ReviewStates


@dataclass(frozen=True)
class Returned:
    """One filled-in row of a returned file, before the rules."""

    record_id: int
    decision: str  # already a word of the stage's vocabulary
    reason: str
    notes: str
    reviewer: str
    where: str  # the decision cell or row, e.g. "Screen!B17"
    reason_where: str


def _reason(name: str, row: Returned, reasons: Collection[str], stage: str) -> str:
    known = {r.casefold(): r for r in reasons}
    text = " ".join(row.reason.split())
    if text and text.casefold() not in known:
        raise InputError(
            f"{name}: {row.reason_where}: {row.reason!r} is not one of the review's exclusion reasons"
        )
    if text and row.decision != EXCLUDE:
        raise InputError(
            f"{name}: {row.reason_where}: reason {row.reason!r} given for {row.decision!r} "
            "(reasons are for exclude; use notes)"
        )
    if not text and row.decision == EXCLUDE and stage == FULL_TEXT:
        raise InputError(f"{name}: {row.reason_where}: exclude at full text needs a reason")
    return known.get(text.casefold(), "")


def check_returned(
    name: str,
    rows: Sequence[Returned],
    *,
    stage: str,
    states: ReviewStates,
    reasons: Collection[str],
    issued: Collection[int] | None = None,
    role: str = REVIEWER,
    batch_id: int | None = None,
    source_hash: str | None = None,
    review_id: str = "this review",
) -> list[Decision]:
    """The decisions a returned file gives, after every rule (see the module docstring)."""
    pubs = states.by_record()
    allowed = None if issued is None else {pubs[r].record_id for r in issued if r in pubs}
    seen: dict[tuple[str, int], Returned] = {}
    out: list[Decision] = []
    for row in rows:
        p = pubs.get(row.record_id)
        if p is None:
            raise InputError(
                f"{name}: {row.where}: record_id {row.record_id} is not a record of review {review_id}"
            )
        if allowed is not None and p.record_id not in allowed:
            raise InputError(
                f"{name}: {row.where}: record_id {row.record_id} was not issued in batch {batch_id} "
                "(rows may not be added to a workbook)"
            )
        reason = _reason(name, row, reasons, stage)
        if stage == FULL_TEXT and not p.title_abstract.passed:
            raise InputError(
                f"{name}: {row.where}: record {row.record_id} has not passed title/abstract screening "
                f"({p.title_abstract.state.value}), so it has no full-text decision"
            )
        key = (row.reviewer, p.record_id)
        earlier = seen.get(key)
        if earlier is not None:
            if (earlier.decision, earlier.reason.casefold()) != (row.decision, row.reason.casefold()):
                raise InputError(
                    f"{name}: {earlier.where} and {row.where}: {row.reviewer} gives record {p.record_id} "
                    f"two decisions ({earlier.decision!r} and {row.decision!r}); keep one"
                )
            continue
        seen[key] = row
        out.append(Decision(
            record_id=row.record_id, stage=stage, decision=row.decision, reviewer=row.reviewer,
            reason=reason, batch_id=batch_id, source_file=name, source_hash=source_hash,
            row_key=f"{row.reviewer}:{row.record_id}", role=role, notes=row.notes.strip(),
        ))  # fmt: skip
    return out


def new_decisions(decisions: Sequence[Decision], states: ReviewStates) -> list[Decision]:
    """The decisions that do not merely repeat their reviewer's current one (so a re-saved file
    appends nothing)."""
    pubs = states.by_record()
    out = []
    for d in decisions:
        p = pubs.get(d.record_id)
        status = None if p is None else (p.title_abstract if d.stage != FULL_TEXT else p.full_text)
        current = None
        if status is not None:
            current = status.arbiter if d.role != REVIEWER else status.current.get(d.reviewer)
        said = None if current is None else (current.decision, current.reason, current.notes)
        if said != (d.decision, d.reason, d.notes):
            out.append(d)
    return out
