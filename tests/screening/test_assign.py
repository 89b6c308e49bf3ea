"""Who screens what next: pairs rotate, open items stay with their holder, nobody gets a record twice."""

from __future__ import annotations

from lreview.decisions import FULL_TEXT, TITLE_ABSTRACT, Decision
from lreview.screening.assign import assign, conflicts
from lreview.screening.states import derive_states

DUAL = {TITLE_ABSTRACT: 2, FULL_TEXT: 2}
REVIEWERS = ("ann", "bob", "cat")


def ta(record_id: int, decision: str, reviewer: str) -> Decision:
    return Decision(record_id, TITLE_ABSTRACT, decision, reviewer)


def test_dual_screening_gives_each_record_to_two_reviewers_and_rotates_the_pairs() -> None:
    states = derive_states([(i,) for i in range(1, 7)], [], DUAL)
    chosen = assign(states, TITLE_ABSTRACT, order=[6, 5, 4, 3, 2, 1], reviewers=REVIEWERS, needed=2,
                    batch_size=4, issued={})  # fmt: skip
    holders = {rid: sorted(r for r, ids in chosen.items() if rid in ids) for rid in range(1, 7)}
    assert all(len(h) == 2 for h in holders.values())
    assert {tuple(h) for h in holders.values()} == {("ann", "bob"), ("ann", "cat"), ("bob", "cat")}
    assert all(len(ids) == 4 for ids in chosen.values())
    assert chosen["ann"][0] == 6  # in ranking order


def test_an_open_item_stays_with_its_holder_and_is_not_issued_to_a_third_reviewer() -> None:
    states = derive_states([(1,), (2,)], [ta(1, "include", "ann")], DUAL)
    issued = {"ann": [1], "bob": [1, 2]}  # bob holds both and has decided neither
    chosen = assign(states, TITLE_ABSTRACT, order=[1, 2], reviewers=REVIEWERS, needed=2, batch_size=10,
                    issued=issued)  # fmt: skip
    assert 1 not in chosen["ann"]  # decided by ann: never issued to her again
    assert 1 in chosen["bob"] and 1 not in chosen["cat"]  # bob still holds it: no third reviewer
    assert sorted(r for r in REVIEWERS if 2 in chosen[r]) == ["ann", "bob"]  # one more, ties in config order


def test_final_and_conflicting_records_are_not_issued_and_conflicts_go_to_the_arbiter() -> None:
    log = [ta(1, "include", "ann"), ta(1, "include", "bob"), ta(2, "include", "ann"), ta(2, "exclude", "bob")]
    states = derive_states([(1,), (2,), (3,)], log, DUAL)
    chosen = assign(states, TITLE_ABSTRACT, order=[1, 2, 3], reviewers=REVIEWERS, needed=2, batch_size=10,
                    issued={})  # fmt: skip
    assert all(set(ids) <= {3} for ids in chosen.values())
    assert conflicts(states, TITLE_ABSTRACT) == [2]
    full_text = assign(states, FULL_TEXT, order=[1], reviewers=REVIEWERS, needed=2, batch_size=10, issued={})
    assert sorted(r for r, ids in full_text.items() if ids == [1]) == ["ann", "bob"]
