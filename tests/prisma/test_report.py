"""prisma.json: the counts with their time and lreview version, keys in flow order, read back exactly."""

from __future__ import annotations

import json

import pytest

from lreview.errors import PrismaError
from lreview.prisma.counts import PrismaCounts
from lreview.prisma.report import counts_from_json, prisma_json
from tests.support.prisma_builders import living_review_counts, new_review_counts

KEYS = [
    "as_of", "lreview_version", "identified", "databases", "registers", "duplicates", "excluded_automatic",
    "excluded_other", "screened", "screened_excluded", "awaiting", "sought", "not_retrieved", "assessed",
    "fulltext_awaiting", "excluded_reasons", "new_studies", "new_reports", "previous_studies",
    "previous_reports", "total_studies", "total_reports",
]  # fmt: skip


def test_json_has_time_version_boxes_and_totals_in_flow_order() -> None:
    text = prisma_json(living_review_counts())
    data = json.loads(text)
    assert list(data) == KEYS
    assert data["as_of"] == "2025-03-01T09:30:00+00:00"
    assert data["lreview_version"] == "0.1.0"
    assert data["databases"] == {"PubMed": 812, "Embase": 640}
    assert list(data["excluded_reasons"]) == ["Wrong population", "Wrong intervention", "Wrong study design"]
    assert (data["identified"], data["total_studies"], data["total_reports"]) == (1489, 12, 14)
    assert text.endswith("}\n")


def test_no_previous_version_is_null() -> None:
    data = json.loads(prisma_json(new_review_counts()))
    assert (data["previous_studies"], data["previous_reports"]) == (None, None)
    assert (data["total_studies"], data["total_reports"]) == (3, 3)


@pytest.mark.parametrize("counts", [living_review_counts(), new_review_counts()], ids=["living", "new"])
def test_json_round_trip_gives_the_same_counts(counts: PrismaCounts) -> None:
    assert counts_from_json(prisma_json(counts)) == counts


def test_non_ascii_names_are_kept_as_text() -> None:
    counts = living_review_counts(databases=(("PubMed", 812), ("Índice Bibliográfico Español", 640)))
    text = prisma_json(counts)
    assert "Índice Bibliográfico Español" in text
    assert counts_from_json(text) == counts


def test_inconsistent_counts_are_not_written() -> None:
    with pytest.raises(PrismaError, match=r"^PRISMA: reports assessed \(70\)"):
        prisma_json(living_review_counts(new_reports=8, new_studies=8))


def test_edited_total_that_no_longer_adds_up_is_named() -> None:
    data = json.loads(prisma_json(living_review_counts()))
    data["total_studies"] = 13
    with pytest.raises(PrismaError, match=r"prisma.json: total_studies is 13 but the boxes add up to 12"):
        counts_from_json(json.dumps(data))


def test_edited_box_that_breaks_an_invariant_is_named() -> None:
    data = json.loads(prisma_json(living_review_counts()))
    data["duplicates"] = 301
    with pytest.raises(PrismaError, match=r"^PRISMA: records identified \(1489\) - duplicates \(301\)"):
        counts_from_json(json.dumps(data))


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("duplicates", "300", "prisma.json: duplicates: expected a whole number, got '300'"),
        ("screened", True, "prisma.json: screened: expected a whole number, got True"),
        ("previous_studies", 4.0, "prisma.json: previous_studies: expected a whole number, got 4.0"),
        ("databases", [["PubMed", 812]], "prisma.json: databases: expected an object of name: count"),
    ],
)
def test_wrong_types_are_named(key: str, value: object, message: str) -> None:
    data = json.loads(prisma_json(living_review_counts()))
    data[key] = value
    with pytest.raises(PrismaError) as caught:
        counts_from_json(json.dumps(data))
    assert str(caught.value) == message


def test_text_that_is_not_json_is_named() -> None:
    with pytest.raises(PrismaError, match="^prisma.json: not JSON: "):
        counts_from_json("{'as_of': 1")
    with pytest.raises(PrismaError, match="^prisma.json: expected a JSON object$"):
        counts_from_json("[1, 2]")
