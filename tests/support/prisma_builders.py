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


def large_review_counts(**changes: Any) -> PrismaCounts:
    """A large update with many databases and long names and reasons (boxes must wrap and grow)."""
    counts = PrismaCounts(
        databases=(
            ("PubMed", 81200),
            ("Embase", 64000),
            ("Cochrane Central Register of Controlled Trials (CENTRAL)", 3120),
            ("CINAHL Complete", 512),
            ("APA PsycInfo", 400),
            ("Web of Science Core Collection", 2200),
            ("Scopus", 9000),
            ("LILACS", 12),
            ("Global Index Medicus", 7),
        ),
        registers=(("ClinicalTrials.gov", 370), ("WHO International Clinical Trials Registry Platform", 120)),
        duplicates=30000,
        excluded_automatic=100000,
        excluded_other=512,
        screened=30000,
        awaiting=429,
        screened_excluded=29000,
        sought=1000,
        not_retrieved=50,
        assessed=900,
        fulltext_awaiting=50,
        excluded_reasons=(
            ("Wrong population (adults with a diagnosis other than endometriosis)", 300),
            ("Wrong intervention", 220),
            ("Wrong comparator", 100),
            ("Wrong outcome", 90),
            ("Wrong study design (not randomised)", 80),
            ("Conference abstract only", 50),
            ("Duplicate publication", 10),
        ),
        new_studies=40,
        new_reports=50,
        previous_studies=30,
        previous_reports=44,
        as_of="2025-06-01T00:00:00+00:00",
        version="0.1.0",
    )
    return replace(counts, **changes)
