"""Realistic PRISMA counts for the tests of lreview.prisma: a living review's second version."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from lreview.prisma.counts import PrismaCounts


def living_review_counts(**changes: Any) -> PrismaCounts:
    """A consistent second version of a living review (every invariant holds); `changes` override fields.

    1489 identified (PubMed 812, Embase 640, ClinicalTrials.gov 37) - 300 duplicates - 600 automation
    = 589 = 560 screened + 29 awaiting; 560 - 480 excluded = 80 sought; 80 - 5 not retrieved = 70 assessed
    + 5 awaiting; 70 - 61 excluded (30 + 22 + 9) = 9 reports of 8 new studies; previous 4 studies / 5
    reports, total 12 / 14.
    """
    counts = PrismaCounts(
        databases=(("PubMed", 812), ("Embase", 640)),
        registers=(("ClinicalTrials.gov", 37),),
        duplicates=300,
        excluded_automatic=600,
        excluded_other=0,
        screened=560,
        screened_excluded=480,
        awaiting=29,
        sought=80,
        not_retrieved=5,
        assessed=70,
        fulltext_awaiting=5,
        excluded_reasons=(("Wrong population", 30), ("Wrong intervention", 22), ("Wrong study design", 9)),
        new_studies=8,
        new_reports=9,
        previous_studies=4,
        previous_reports=5,
        as_of="2025-03-01T09:30:00+00:00",
        version="0.1.0",
    )
    return replace(counts, **changes)


def new_review_counts(**changes: Any) -> PrismaCounts:
    """A finished first version: one database, no registers, no previous version, nothing awaiting."""
    counts = PrismaCounts(
        databases=(("PubMed", 120),),
        duplicates=0,
        excluded_automatic=40,
        screened=80,
        screened_excluded=70,
        sought=10,
        not_retrieved=1,
        assessed=9,
        excluded_reasons=(("Wrong population", 6),),
        new_studies=3,
        new_reports=3,
        as_of="2025-01-15T12:00:00+00:00",
        version="0.1.0",
    )
    return replace(counts, **changes)
