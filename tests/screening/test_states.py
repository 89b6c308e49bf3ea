"""Lifecycle states from clusters and the decision log: one state per publication, by the rules."""

from __future__ import annotations

from lreview.decisions import ARBITER, AUTOMATION, FULL_TEXT, TITLE_ABSTRACT, Decision
from lreview.screening.states import (
    Lifecycle,
    StageState,
    derive_states,
    final_labels,
    training_labels,
)

SINGLE = {TITLE_ABSTRACT: 1, FULL_TEXT: 1}
DUAL = {TITLE_ABSTRACT: 2, FULL_TEXT: 2}


def ta(
    record_id: int, decision: str, reviewer: str = "ann", reason: str = "", role: str = "reviewer"
) -> Decision:
    return Decision(record_id, TITLE_ABSTRACT, decision, reviewer, reason, role=role)


def ft(
    record_id: int, decision: str, reviewer: str = "ann", reason: str = "", role: str = "reviewer"
) -> Decision:
    return Decision(record_id, FULL_TEXT, decision, reviewer, reason, role=role)


def state(
    clusters: list[tuple[int, ...]], log: list[Decision], needed: dict[str, int] = SINGLE
) -> dict[int, Lifecycle]:
    return {p.record_id: p.lifecycle for p in derive_states(clusters, log, needed).publications}


def test_a_later_decision_by_the_same_reviewer_supersedes_the_earlier_one() -> None:
    assert state([(1,)], [ta(1, "include"), ta(1, "exclude")]) == {1: Lifecycle.EXCLUDED}
    assert state([(1,)], [ta(1, "exclude"), ta(1, "include")]) == {1: Lifecycle.FULLTEXT_SOUGHT}


def test_a_decision_on_any_member_holds_for_the_publication_and_members_are_duplicates() -> None:
    states = derive_states([(1, 5, 7), (2,)], [ta(7, "exclude")], SINGLE)
    assert [p.lifecycle for p in states.publications] == [Lifecycle.EXCLUDED, Lifecycle.AWAITING_SCREENING]
    assert states.duplicates == (5, 7)
    assert states.counts()[Lifecycle.DUPLICATE] == 2


def test_dual_screening_needs_two_agreeing_reviewers() -> None:
    clusters = [(1,), (2,), (3,), (4,)]
    log = [ta(1, "include", "ann"), ta(2, "include", "ann"), ta(2, "maybe", "bob"),
           ta(3, "exclude", "ann"), ta(3, "include", "bob"),
           ta(4, "exclude", "ann"), ta(4, "exclude", "bob")]  # fmt: skip
    assert state(clusters, log, DUAL) == {
        1: Lifecycle.SCREENED_ONCE, 2: Lifecycle.FULLTEXT_SOUGHT,
        3: Lifecycle.IN_CONFLICT, 4: Lifecycle.EXCLUDED,
    }  # fmt: skip
    states = derive_states(clusters, log, DUAL)
    assert states.publications[1].title_abstract.decision == "include"  # include + maybe -> include


def test_the_arbiter_decides_a_conflict_finally_even_against_later_reviewer_words() -> None:
    log = [ta(3, "exclude", "ann"), ta(3, "include", "bob"), ta(3, "exclude", "cat", role=ARBITER),
           ta(3, "include", "bob")]  # fmt: skip
    assert state([(3,)], log, DUAL) == {3: Lifecycle.EXCLUDED}


def test_disagreeing_reviewers_in_single_mode_are_a_conflict_not_a_silent_winner() -> None:
    assert state([(1,)], [ta(1, "include", "ann"), ta(1, "exclude", "bob")]) == {1: Lifecycle.IN_CONFLICT}


def test_automation_holds_only_until_a_person_decides_and_never_counts_as_screening() -> None:
    auto = Decision(1, TITLE_ABSTRACT, "auto_exclude", "lreview:stopping-rule", role=AUTOMATION)
    old_auto = Decision(2, TITLE_ABSTRACT, "auto_exclude", "lreview:stopping-rule")  # logged before roles
    states = derive_states([(1,), (2,), (3,)], [auto, old_auto, ta(3, "exclude")], SINGLE)
    assert [p.lifecycle for p in states.publications] == [
        Lifecycle.AUTO_EXCLUDED,
        Lifecycle.AUTO_EXCLUDED,
        Lifecycle.EXCLUDED,
    ]
    assert training_labels(states) == [(3, False)]
    assert final_labels(states) == [False]
    assert state([(1,)], [auto, ta(1, "include")]) == {1: Lifecycle.FULLTEXT_SOUGHT}


def test_full_text_counts_only_after_title_abstract_passed() -> None:
    log = [ft(1, "include"), ta(2, "maybe"), ft(2, "exclude", reason="wrong population"),
           ta(3, "include"), ft(3, "not_retrieved"), ta(4, "include"), ft(4, "include")]  # fmt: skip
    states = derive_states([(1,), (2,), (3,), (4,)], log, SINGLE)
    assert [p.lifecycle for p in states.publications] == [
        Lifecycle.AWAITING_SCREENING,
        Lifecycle.FULLTEXT_EXCLUDED,
        Lifecycle.NOT_RETRIEVED,
        Lifecycle.INCLUDED,
    ]
    assert states.publications[0].full_text is None
    assert states.publications[1].full_text is not None
    assert states.publications[1].full_text.reason == "wrong population"


def test_full_text_excludes_with_different_reasons_conflict_in_dual_mode() -> None:
    log = [ta(1, "include", "ann"), ta(1, "include", "bob"),
           ft(1, "exclude", "ann", "wrong population"), ft(1, "exclude", "bob", "wrong outcome")]  # fmt: skip
    assert state([(1,)], log, DUAL) == {1: Lifecycle.FULLTEXT_IN_CONFLICT}
    same = [*log[:3], ft(1, "exclude", "bob", "Wrong Population")]
    publication = derive_states([(1,)], same, DUAL).publications[0]
    assert publication.lifecycle == Lifecycle.FULLTEXT_EXCLUDED
    assert publication.full_text is not None and publication.full_text.state == StageState.EXCLUDED


def test_training_uses_provisional_labels_and_the_stop_estimate_only_final_ones() -> None:
    log = [ta(1, "include", "ann"), ta(2, "exclude", "ann"), ta(2, "exclude", "bob"),
           ta(3, "exclude", "ann"), ta(3, "maybe", "bob")]  # fmt: skip
    states = derive_states([(1,), (2,), (3,)], log, DUAL)
    assert training_labels(states) == [(1, True), (2, False), (3, True)]
    assert final_labels(states) == [False]


def test_every_record_has_exactly_one_state() -> None:
    clusters = [(1, 2), (3,), (4, 5, 6)]
    log = [ta(2, "include"), ta(3, "exclude"), ft(1, "include")]
    counts = derive_states(clusters, log, SINGLE).counts()
    assert sum(counts.values()) == 6
    assert counts[Lifecycle.INCLUDED] == 1 and counts[Lifecycle.EXCLUDED] == 1
    assert counts[Lifecycle.AWAITING_SCREENING] == 1 and counts[Lifecycle.DUPLICATE] == 3
