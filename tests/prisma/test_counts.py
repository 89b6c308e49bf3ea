"""The PRISMA 2020 invariants: the example reviews balance, and each invariant, broken alone, is named."""

from __future__ import annotations

import re

import pytest

from lreview.errors import LreviewError, PrismaError
from lreview.prisma.counts import PrismaCounts, check, problems
from tests.support.prisma_builders import living_review_counts, new_review_counts


def broken(counts: PrismaCounts) -> str:
    """The one problem `counts` has (exactly one), and check's message contains it."""
    found = problems(counts)
    assert len(found) == 1, found
    with pytest.raises(PrismaError) as caught:
        check(counts)
    assert str(caught.value) == "PRISMA: " + found[0]
    assert "\n" not in str(caught.value)
    return found[0]


def test_example_reviews_are_consistent() -> None:
    check(living_review_counts())
    check(new_review_counts())
    check(PrismaCounts(databases=()))  # an empty review balances too


def test_derived_boxes_add_up() -> None:
    c = living_review_counts()
    assert (c.databases_total, c.registers_total, c.identified) == (1452, 37, 1489)
    assert c.removed_before_screening == 900
    assert c.fulltext_excluded == 61
    assert (c.total_studies, c.total_reports) == (12, 14)
    n = new_review_counts()
    assert not n.has_previous
    assert (n.total_studies, n.total_reports) == (3, 3)


def test_prisma_error_is_an_lreview_error() -> None:
    assert issubclass(PrismaError, LreviewError)


def test_identification_must_balance_with_screened_plus_awaiting() -> None:
    # without the register's 37 records: 1452 - 300 - 600 - 0 = 552, not 560 + 29
    assert broken(living_review_counts(registers=())) == (
        "records identified (1452) - duplicates (300) - automation (600) - other (0) = 552, "
        "but records screened (560) + awaiting screening (29) = 589"
    )


def test_screened_minus_excluded_must_equal_sought() -> None:
    assert broken(living_review_counts(screened_excluded=470)) == (
        "records screened (560) - records excluded (470) = 90, but reports sought for retrieval = 80"
    )


def test_sought_minus_not_retrieved_must_equal_assessed_plus_awaiting() -> None:
    message = broken(living_review_counts(fulltext_awaiting=4))
    assert "reports sought (80) - not retrieved (5) = 75" in message
    assert "reports assessed (70) + awaiting full-text assessment (4) = 74" in message


def test_assessed_minus_excluded_reasons_must_equal_new_reports() -> None:
    reasons = (("Wrong population", 31), ("Wrong intervention", 22), ("Wrong study design", 9))
    message = broken(living_review_counts(excluded_reasons=reasons))
    assert message == (
        "reports assessed (70) - reports excluded (62) = 8, but reports of new included studies = 9"
    )


def test_more_new_studies_than_reports_is_named() -> None:
    message = broken(living_review_counts(new_studies=10))
    assert message.startswith("new included studies (10) > reports of them (9)")


def test_reports_without_any_study_is_named() -> None:
    assert "new included studies = 0" in broken(new_review_counts(new_studies=0))


def test_an_update_may_add_reports_of_earlier_studies_only() -> None:
    check(living_review_counts(new_studies=0))  # 9 new reports, all of the previous version's studies


def test_previous_version_studies_cannot_exceed_its_reports() -> None:
    message = broken(living_review_counts(previous_studies=6))
    assert message.startswith("studies included in previous version (6) > reports of them (5)")


def test_previous_version_needs_both_studies_and_reports() -> None:
    message = broken(living_review_counts(previous_reports=None))
    assert "studies included in previous version (4) and reports of them (None)" in message


@pytest.mark.parametrize(
    ("field", "box"),
    [("excluded_other", "removed for other reasons"), ("not_retrieved", "reports not retrieved")],
)
def test_negative_numbers_are_named(field: str, box: str) -> None:
    # a negative box also unbalances its sums: the sign problem is named first
    c = living_review_counts(**{field: -1})
    found = problems(c)
    assert found[0] == f"{box} (-1) is negative"


def test_negative_count_in_a_list_is_named() -> None:
    c = living_review_counts(registers=(("ClinicalTrials.gov", 38), ("ICTRP", -1)))
    assert broken(c) == "records identified from registers: 'ICTRP' (-1) is negative"


@pytest.mark.parametrize("name", ["", "   "])
def test_empty_database_name_is_named(name: str) -> None:
    message = broken(living_review_counts(databases=(("PubMed", 812), (name, 640))))
    assert message == "records identified from databases: a name is empty"


def test_database_listed_twice_is_named_ignoring_case() -> None:
    message = broken(living_review_counts(databases=(("PubMed", 812), ("pubmed", 640))))
    assert message == "records identified from databases: 'pubmed' is listed twice"


def test_exclusion_reason_listed_twice_is_named() -> None:
    reasons = (("Wrong population", 30), ("Wrong intervention", 22), ("Wrong population", 9))
    assert broken(living_review_counts(excluded_reasons=reasons)) == (
        "reports excluded: 'Wrong population' is listed twice"
    )


def test_several_problems_are_all_named_in_one_line() -> None:
    c = living_review_counts(screened_excluded=470, new_studies=10)
    with pytest.raises(PrismaError, match=re.escape("reports sought for retrieval = 80; new included")):
        check(c)
