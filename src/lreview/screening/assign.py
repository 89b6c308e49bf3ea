"""Who screens what next: each reviewer's batch for a stage, and the arbiter's conflicts (pure).

Rules (single or dual screening, any number of reviewers):

- A publication needs 1 (single) or 2 (dual) reviewers at a stage; it goes to the reviewers with the
  fewest open items (ties in config order), so with more than two reviewers the pairs rotate.
- A record already decided by a reviewer is never issued to them again; a record issued to a reviewer
  and not yet returned stays theirs (it is carried into their next workbook) and is not issued to a
  further reviewer while enough reviewers hold it.
- Only publications still waiting for a reviewer are issued: not final, not in conflict (those go to the
  arbiter), not excluded by the stopping rule; at full text only those that passed title/abstract.
- A batch holds at most `batch_size` open items per reviewer, in priority order (the ranking at title/
  abstract), items that are waiting for a second reviewer first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from lreview.decisions import TITLE_ABSTRACT
from lreview.screening.states import Publication, ReviewStates, StageState, StageStatus

OPEN = (StageState.AWAITING, StageState.SCREENED_ONCE)


def status_at(publication: Publication, stage: str) -> StageStatus | None:
    """The publication's status at `stage` (None at full text before title/abstract passed)."""
    return publication.title_abstract if stage == TITLE_ABSTRACT else publication.full_text


def _waiting(publication: Publication, stage: str) -> bool:
    status = status_at(publication, stage)
    return status is not None and status.state in OPEN


def assign(
    states: ReviewStates,
    stage: str,
    *,
    order: Sequence[int],
    reviewers: Sequence[str],
    needed: int,
    batch_size: int,
    issued: Mapping[str, Sequence[int]],
) -> dict[str, list[int]]:
    """reviewer -> canonical record ids of their next batch, in workbook order.

    `order`: canonical ids by priority (publications missing from it come after, by id); `issued`:
    reviewer -> record ids issued to them before at this stage (any member id; old batches included).
    """
    pubs = states.by_record()
    priority = {rid: i for i, rid in enumerate(order)}
    open_items: dict[str, list[int]] = {r: [] for r in reviewers}
    holders: dict[int, set[str]] = {}
    for reviewer in reviewers:
        for rid in issued.get(reviewer, ()):
            p = pubs.get(rid)
            if p is None or not _waiting(p, stage) or p.record_id in open_items[reviewer]:
                continue
            status = status_at(p, stage)
            if status is not None and reviewer not in status.current:
                open_items[reviewer].append(p.record_id)
                holders.setdefault(p.record_id, set()).add(reviewer)
    candidates = sorted(
        (p for p in states.publications if _waiting(p, stage)),
        key=lambda p: (priority.get(p.record_id, len(priority)), p.record_id),
    )
    second = [p for p in candidates if p.title_abstract.state == StageState.SCREENED_ONCE or (
        p.full_text is not None and p.full_text.state == StageState.SCREENED_ONCE)]  # fmt: skip
    first = [p for p in candidates if p not in second]
    for p in [*second, *first]:
        status = status_at(p, stage)
        assert status is not None
        taken = set(status.current) | holders.get(p.record_id, set())
        missing = needed - len(taken)
        if missing <= 0:
            continue
        free = [r for r in reviewers if r not in taken and len(open_items[r]) < batch_size]
        free.sort(key=lambda r: len(open_items[r]))
        for reviewer in free[:missing]:
            open_items[reviewer].append(p.record_id)
        if all(len(items) >= batch_size for items in open_items.values()):
            break
    rank = {p.record_id: i for i, p in enumerate([*second, *first])}
    return {r: sorted(items, key=lambda rid: rank.get(rid, -1)) for r, items in open_items.items()}


def conflicts(states: ReviewStates, stage: str) -> list[int]:
    """Canonical record ids in conflict at `stage`, for the arbiter's workbook."""
    out = []
    for p in states.publications:
        status = status_at(p, stage)
        if status is not None and status.state == StageState.CONFLICT:
            out.append(p.record_id)
    return out
