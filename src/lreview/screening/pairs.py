"""The pairs of decisions that inter-rater agreement is measured on (pure).

For every publication two reviewers decided at a stage (their current decisions, never the arbiter's or
the stopping rule's), one (first reviewer's category, second reviewer's category) pair, the reviewers
taken in config order. The categories are those the conflict rule compares (`screening.states`): at
title/abstract "exclude" vs "not excluded" (include and maybe both move a record on), at full text the
decision itself (include / exclude / not retrieved). Kappa and AC1 on these pairs therefore describe
exactly the disagreements that became conflicts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from lreview.decisions import EXCLUDE, INCLUDE, NOT_RETRIEVED, TITLE_ABSTRACT
from lreview.screening.assign import status_at
from lreview.screening.states import ReviewStates

CATEGORIES = {TITLE_ABSTRACT: ("exclude", "not excluded"), "full_text": (INCLUDE, EXCLUDE, NOT_RETRIEVED)}


def _category(stage: str, word: str) -> str:
    if stage == TITLE_ABSTRACT:
        return "exclude" if word == EXCLUDE else "not excluded"
    return word


def decision_pairs(
    states: ReviewStates, stage: str, reviewers: Sequence[str], round_of: Mapping[int | None, int]
) -> dict[int, list[tuple[str, str]]]:
    """round -> the (category, category) pairs completed in that round (the later decision's batch
    round; 0 for decisions that came from a CSV rather than a workbook)."""
    order = {r: i for i, r in enumerate(reviewers)}
    out: dict[int, list[tuple[str, str]]] = {}
    for p in states.publications:
        status = status_at(p, stage)
        if status is None or len(status.current) < 2:
            continue
        first, second = sorted(status.current.values(), key=lambda d: order.get(d.reviewer, len(order)))[:2]
        done = max(round_of.get(first.batch_id, 0), round_of.get(second.batch_id, 0))
        pair = (_category(stage, first.decision), _category(stage, second.decision))
        out.setdefault(done, []).append(pair)
    return out
