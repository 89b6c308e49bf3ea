"""Workbook details and flags for registrations and preprints."""

from __future__ import annotations

from lreview.records import Record
from lreview.screening.details import details, source_flags
from lreview.sources.ctgov_json import parse_study
from tests.support.ctgov_server import study


def test_registration_details_show_status_phase_dates_and_sponsor() -> None:
    record = parse_study(study("NCT01234567", "LDN for endometriosis", status="COMPLETED", phases=["PHASE2"]))
    lines = dict(details(record))
    assert lines["Registration"] == "NCT01234567"
    assert lines["Status"] == "COMPLETED" and lines["Phase"] == "PHASE2"
    assert lines["Start"] == "2024-03" and lines["Completion"] == "2026-12-31"
    assert lines["Sponsor"] == "University Hospital" and lines["Intervention"] == "Drug: Low-dose naltrexone"
    assert source_flags([record]) == ("trial registration",)


def test_preprint_shows_its_server_and_is_flagged() -> None:
    record = Record(
        "Europe PMC", "PPR:PPR1", publication_types=("Preprint",), extra=(("preprint_server", "medRxiv"),)
    )
    assert details(record) == (("Preprint server", "medRxiv"),)
    assert source_flags([record]) == ("preprint",)


def test_article_citing_a_trial_shows_the_registration_number() -> None:
    record = Record("PubMed", "1", pmid="1", extra=(("trial_registration", "NCT01234567"),))
    assert details(record) == (("Trial registration", "NCT01234567"),)
    assert source_flags([record]) == ()
