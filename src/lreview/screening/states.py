"""One lifecycle state per record and per publication, derived from clusters and the decision log.

Pure: plain values in (the review's publications as member-id tuples, the append-only decision log in
the order it was appended, how many reviewers each stage needs), plain values out. The ranker's training
labels, the stopping estimate, `lreview status`, batch assignment and PRISMA all read these states;
nothing else derives them.

The rules, in one place:

- A decision on any member record holds for its whole publication (dedup cluster).
- A reviewer's later decision on a publication and stage supersedes their earlier one (the log keeps both).
- A stage is *final* when the arbiter has decided (latest arbiter decision wins), or when the number of
  reviewers the stage needs (1 single, 2 dual) have current decisions and they agree. Reviewers agree at
  title/abstract when they agree on "excluded" vs "not excluded" (include and maybe both move a
  publication on to full text; the outcome is `include` if any of them said include, else `maybe`); at
  full text they must give the same decision, and for `exclude` the same reason.
- More reviewers than needed who disagree are a conflict too: no decision is ever dropped silently.
- The stopping rule's `auto_exclude` holds only while no person has decided the publication at title/
  abstract; it is never counted as human screening, never a training label, never in the stop estimate.
- Full text is reached only by publications whose title/abstract stage is final and not excluded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType

from lreview.decisions import (
    ARBITER,
    AUTO_EXCLUDE,
    AUTOMATION,
    EXCLUDE,
    FULL_TEXT,
    INCLUDE,
    MAYBE,
    NOT_RETRIEVED,
    TITLE_ABSTRACT,
    Decision,
)


class StageState(StrEnum):
    """Where a publication stands within one stage."""

    AWAITING = "awaiting"
    """Nobody has decided it yet at this stage (at full text: the report is sought)."""
    SCREENED_ONCE = "screened_once"
    """Dual screening: one of the two reviewers has decided; the other has not."""
    CONFLICT = "conflict"
    """The reviewers disagree; the arbiter's decision is awaited."""
    INCLUDED = "included"
    EXCLUDED = "excluded"
    MAYBE = "maybe"
    """Title/abstract only: not excluded, unsure; goes on to full text like an include."""
    NOT_RETRIEVED = "not_retrieved"
    """Full text only: the report could not be obtained."""
    AUTO_EXCLUDED = "auto_excluded"
    """Title/abstract only: excluded by the stopping rule (automation), never screened by a person."""


FINAL = frozenset({StageState.INCLUDED, StageState.EXCLUDED, StageState.MAYBE, StageState.NOT_RETRIEVED})
"""Stage states that are a final human decision."""


class Lifecycle(StrEnum):
    """The one state of a record in the review (after CoLRev's `RecordState`)."""

    DUPLICATE = "duplicate"
    """A record merged into another record's publication (PRISMA: duplicate removed)."""
    AWAITING_SCREENING = "awaiting_screening"
    """A unique publication nobody has screened at title/abstract."""
    SCREENED_ONCE = "screened_once"
    """Dual screening: one reviewer has decided at title/abstract, the second has not."""
    IN_CONFLICT = "in_conflict"
    """The title/abstract reviewers disagree; awaiting the arbiter."""
    AUTO_EXCLUDED = "auto_excluded"
    """Excluded by the stopping rule without human screening (PRISMA: excluded by automation tools)."""
    EXCLUDED = "excluded"
    """Excluded by people at title/abstract."""
    FULLTEXT_SOUGHT = "fulltext_sought"
    """Passed title/abstract (include or maybe); no full-text decision yet."""
    FULLTEXT_SCREENED_ONCE = "fulltext_screened_once"
    FULLTEXT_IN_CONFLICT = "fulltext_in_conflict"
    NOT_RETRIEVED = "not_retrieved"
    """Passed title/abstract; the full text could not be obtained."""
    FULLTEXT_EXCLUDED = "fulltext_excluded"
    """Full text assessed and excluded, with a reason."""
    INCLUDED = "included"
    """Full text assessed and included."""


@dataclass(frozen=True)
class StageStatus:
    """One publication at one stage: its state, the final decision (if any) and who said what."""

    state: StageState
    decision: str | None = None  # the final decision word, or None
    reason: str = ""  # the final exclusion reason (full text) or ""
    current: Mapping[str, Decision] = field(default_factory=dict)  # reviewer -> their current decision
    arbiter: Decision | None = None
    first_decided: int | None = None  # log position of the first human decision at this stage
    decided_at: datetime | None = None  # when the newest decision counted here was logged

    @property
    def final(self) -> bool:
        return self.state in FINAL

    @property
    def passed(self) -> bool:
        """Final and not excluded: moves on (title/abstract: to full text)."""
        return self.state in (StageState.INCLUDED, StageState.MAYBE)


@dataclass(frozen=True)
class Publication:
    """A unique publication (dedup cluster): its canonical record id, members and both stages."""

    record_id: int
    members: tuple[int, ...]
    title_abstract: StageStatus
    full_text: StageStatus | None  # None until title/abstract passed

    @property
    def lifecycle(self) -> Lifecycle:
        ta = self.title_abstract.state
        if not self.title_abstract.passed:
            return _TA_LIFECYCLE[ta]
        assert self.full_text is not None
        return _FT_LIFECYCLE[self.full_text.state]


_TA_LIFECYCLE = {
    StageState.AWAITING: Lifecycle.AWAITING_SCREENING,
    StageState.SCREENED_ONCE: Lifecycle.SCREENED_ONCE,
    StageState.CONFLICT: Lifecycle.IN_CONFLICT,
    StageState.AUTO_EXCLUDED: Lifecycle.AUTO_EXCLUDED,
    StageState.EXCLUDED: Lifecycle.EXCLUDED,
}
_FT_LIFECYCLE = {
    StageState.AWAITING: Lifecycle.FULLTEXT_SOUGHT,
    StageState.SCREENED_ONCE: Lifecycle.FULLTEXT_SCREENED_ONCE,
    StageState.CONFLICT: Lifecycle.FULLTEXT_IN_CONFLICT,
    StageState.NOT_RETRIEVED: Lifecycle.NOT_RETRIEVED,
    StageState.EXCLUDED: Lifecycle.FULLTEXT_EXCLUDED,
    StageState.INCLUDED: Lifecycle.INCLUDED,
}


@dataclass(frozen=True)
class ReviewStates:
    """Every publication's state, in canonical-record-id order, and the records merged away."""

    publications: tuple[Publication, ...]
    duplicates: tuple[int, ...]  # record ids that are non-canonical members of a publication

    def by_record(self) -> dict[int, Publication]:
        """Any member record id -> its publication."""
        return {rid: p for p in self.publications for rid in p.members}

    def counts(self) -> dict[Lifecycle, int]:
        """How many records are in each lifecycle state (every state listed, zeros included)."""
        out = dict.fromkeys(Lifecycle, 0)
        out[Lifecycle.DUPLICATE] = len(self.duplicates)
        for p in self.publications:
            out[p.lifecycle] += 1
        return out


_FT_STATE = {
    INCLUDE: StageState.INCLUDED,
    EXCLUDE: StageState.EXCLUDED,
    NOT_RETRIEVED: StageState.NOT_RETRIEVED,
}


def _agree_key(stage: str, d: Decision) -> tuple[str, str]:
    if stage == TITLE_ABSTRACT:
        return ("out" if d.decision == EXCLUDE else "on", "")
    return (d.decision, d.reason.casefold() if d.decision == EXCLUDE else "")


def _final_state(stage: str, decisions: Sequence[Decision]) -> tuple[StageState, str, str]:
    """The state, decision word and reason that agreeing (or arbiter) decisions give."""
    words = {d.decision for d in decisions}
    reason = next((d.reason for d in decisions if d.reason), "")
    if stage == TITLE_ABSTRACT:
        if words == {EXCLUDE}:
            return StageState.EXCLUDED, EXCLUDE, reason
        word = INCLUDE if INCLUDE in words else MAYBE
        return (StageState.INCLUDED if word == INCLUDE else StageState.MAYBE), word, ""
    word = decisions[0].decision
    return _FT_STATE[word], word, reason if word == EXCLUDE else ""


def stage_status(stage: str, entries: Sequence[tuple[int, Decision]], needed: int) -> StageStatus:
    """One publication's status at `stage` from its (log position, decision) entries, in log order."""
    if not entries:
        return _AWAITING  # most publications of a large review: one shared value (10^5 per re-rank)
    current: dict[str, Decision] = {}
    arbiter: Decision | None = None
    auto = False
    first: int | None = None
    times = [d.created_at for _, d in entries if d.created_at is not None]
    at = max(times) if times else None
    for position, d in entries:
        if d.role == AUTOMATION or d.decision == AUTO_EXCLUDE:
            auto = True
            continue
        first = position if first is None else first
        if d.role == ARBITER:
            arbiter = d
        else:
            current[d.reviewer] = d
    if arbiter is not None:
        state, word, reason = _final_state(stage, [arbiter])
        return StageStatus(state, word, reason, current, arbiter, first, at)
    if not current:
        auto_excluded = auto and stage == TITLE_ABSTRACT
        return StageStatus(StageState.AUTO_EXCLUDED if auto_excluded else StageState.AWAITING, decided_at=at)
    if len({_agree_key(stage, d) for d in current.values()}) > 1:
        return StageStatus(StageState.CONFLICT, current=current, first_decided=first, decided_at=at)
    if len(current) < needed:
        return StageStatus(StageState.SCREENED_ONCE, current=current, first_decided=first, decided_at=at)
    state, word, reason = _final_state(stage, list(current.values()))
    return StageStatus(state, word, reason, current, None, first, at)


_AWAITING = StageStatus(StageState.AWAITING, current=MappingProxyType({}))


def derive_states(
    clusters: Iterable[Sequence[int]],
    decisions: Sequence[Decision],
    needed: Mapping[str, int],
) -> ReviewStates:
    """Every publication's state. `clusters`: member ids with the canonical record first (every record
    of the review in exactly one); `decisions`: the log in append order; `needed`: reviewers per stage."""
    groups = sorted(tuple(m) for m in clusters if m)
    owner = {rid: g[0] for g in groups for rid in g}
    entries: dict[tuple[int, str], list[tuple[int, Decision]]] = {}
    for position, d in enumerate(decisions):
        canonical = owner.get(d.record_id)
        if canonical is not None:
            entries.setdefault((canonical, d.stage), []).append((position, d))
    pubs = []
    for g in groups:
        ta = stage_status(TITLE_ABSTRACT, entries.get((g[0], TITLE_ABSTRACT), ()), needed[TITLE_ABSTRACT])
        ft = None
        if ta.passed:
            ft = stage_status(FULL_TEXT, entries.get((g[0], FULL_TEXT), ()), needed[FULL_TEXT])
        pubs.append(Publication(g[0], g, ta, ft))
    duplicates = tuple(sorted(rid for g in groups for rid in g[1:]))
    return ReviewStates(tuple(pubs), duplicates)


def training_labels(states: ReviewStates) -> list[tuple[int, bool]]:
    """(canonical record id, relevant?) for the ranker, in the order publications were first screened.

    Final title/abstract decisions give the label (include or maybe: relevant). Until a publication's
    decision is final (dual screening half done, or in conflict) the provisional rule holds: relevant
    if any reviewer's current decision is include or maybe. Automation exclusions never train.
    """
    out = []
    for p in states.publications:
        ta = p.title_abstract
        if ta.first_decided is None:
            continue
        relevant = ta.passed if ta.final else any(d.decision != EXCLUDE for d in ta.current.values())
        out.append((ta.first_decided, p.record_id, relevant))
    return [(rid, relevant) for _, rid, relevant in sorted(out)]


def final_labels(states: ReviewStates) -> list[bool]:
    """Relevant? for each publication with a final human title/abstract decision, in screening order:
    what the stopping estimate reads (never provisional decisions, never automation)."""
    done = [(p.title_abstract.first_decided or 0, p.title_abstract.passed)
            for p in states.publications if p.title_abstract.final]  # fmt: skip
    return [relevant for _, relevant in sorted(done)]
