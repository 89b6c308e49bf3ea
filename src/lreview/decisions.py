"""The screening vocabulary: stages, the words reviewers use at each, roles, and the logged `Decision`.

The bottom layer under the store, `screening/` and (later) `prisma/`: plain values only. What a
publication's state *is* given the log is derived in `lreview.screening.states`, nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

TITLE_ABSTRACT = "title_abstract"
FULL_TEXT = "full_text"
STAGES = (TITLE_ABSTRACT, FULL_TEXT)

INCLUDE, EXCLUDE, MAYBE = "include", "exclude", "maybe"
NOT_RETRIEVED = "not_retrieved"  # full text could not be obtained (PRISMA: "reports not retrieved")
AUTO_EXCLUDE = "auto_exclude"  # the stopping rule's exclusion (PRISMA: "excluded by automation tools")

STAGE_DECISIONS: dict[str, tuple[str, ...]] = {
    TITLE_ABSTRACT: (INCLUDE, EXCLUDE, MAYBE),
    FULL_TEXT: (INCLUDE, EXCLUDE, NOT_RETRIEVED),
}
"""The words a person may use at each stage (workbooks offer exactly these)."""

DECISION_VALUES = (INCLUDE, EXCLUDE, MAYBE, NOT_RETRIEVED, AUTO_EXCLUDE)

REVIEWER, ARBITER, AUTOMATION = "reviewer", "arbiter", "automation"
ROLES = (REVIEWER, ARBITER, AUTOMATION)
"""Who logged a decision: a screening reviewer, the arbiter settling a conflict (final), or the
stopping rule (never counted as human screening)."""

AUTOMATION_REVIEWER = "lreview:stopping-rule"

WORDS: dict[str, str] = {
    "include": INCLUDE, "included": INCLUDE, "in": INCLUDE, "yes": INCLUDE,
    "exclude": EXCLUDE, "excluded": EXCLUDE, "out": EXCLUDE, "no": EXCLUDE,
    "maybe": MAYBE, "unsure": MAYBE,
    "not_retrieved": NOT_RETRIEVED, "not retrieved": NOT_RETRIEVED, "notretrieved": NOT_RETRIEVED,
}  # fmt: skip


def parse_decision_word(text: str, stage: str) -> str | None:
    """The decision a cell or CSV field means at `stage` (case and spaces ignored); None if it is
    not one of that stage's words. Blank text is not a decision: callers check for it first."""
    key = " ".join(text.replace("-", " ").split()).casefold()
    word = WORDS.get(key) or WORDS.get(key.replace(" ", "_"))
    return word if word in STAGE_DECISIONS[stage] else None


@dataclass(frozen=True, slots=True)
class Decision:
    """One logged screening decision; `source_hash` + `row_key` make re-ingesting a file idempotent.

    `id` and `created_at` are filled in by the store; leave them None when appending (or give
    `created_at` to log when the reviewer decided). `batch_id` links the decision to the batch
    (workbook) it came from; `role` says whether it is a reviewer's, the arbiter's (final) or the
    stopping rule's; `notes` is the reviewer's free text.
    """

    record_id: int
    stage: str  # one of STAGES
    decision: str  # one of DECISION_VALUES
    reviewer: str
    reason: str = ""
    batch_id: int | None = None
    source_file: str | None = None
    source_hash: str | None = None  # sha256 of the file the decision came from
    row_key: str | None = None  # the row within that file, e.g. "Screen!17" or the record id
    created_at: datetime | None = None
    id: int | None = None
    role: str = REVIEWER  # one of ROLES
    notes: str = ""
