"""ClinicalTrials.gov v2 study JSON -> Record."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lreview.errors import InputError
from lreview.sources.ctgov_json import parse_studies_page, parse_study
from tests.support.ctgov_server import study


def test_study_becomes_a_registration_record_with_its_fields() -> None:
    record = parse_study(
        study(
            "NCT01234567",
            "Low-dose naltrexone for endometriosis pain",
            secondary_ids=[
                {"id": "2019-001234-12", "type": "EUDRACT_NUMBER"},
                {"id": "ISRCTN12345678", "type": "REGISTRY"},
            ],
            pmids=["31234567"],
            interventions=[("DRUG", "Naltrexone"), ("DRUG", "Placebo")],
            phases=["PHASE2", "PHASE3"],
        )
    )
    assert record.source == "ClinicalTrials.gov" and record.source_id == "NCT01234567"
    assert record.title == "Low-dose naltrexone for endometriosis pain"
    assert record.abstract.startswith("SUMMARY: This study tests")
    assert record.publication_types == ("Clinical Trial Registration",)
    assert record.url == "https://clinicaltrials.gov/study/NCT01234567"
    assert record.year == 2024 and record.date_revised == "2025-06-01" and record.pmid is None
    extra = dict(record.extra)
    assert extra["official_title"].startswith("A Randomised Trial")
    assert extra["status"] == "RECRUITING" and extra["phase"] == "PHASE2, PHASE3"
    assert extra["start_date"] == "2024-03" and extra["completion_date"] == "2026-12-31"
    assert extra["sponsor"] == "University Hospital" and extra["enrollment"] == "60 (estimated)"
    pairs = record.extra
    assert ("intervention", "Drug: Naltrexone") in pairs and ("condition", "Endometriosis") in pairs
    assert ("secondary_id", "EudraCT 2019-001234-12") in pairs
    assert ("secondary_id", "ISRCTN ISRCTN12345678") in pairs
    assert ("reference_pmid", "31234567") in pairs


def test_page_gives_records_token_and_total() -> None:
    body = json.dumps(
        {"studies": [study("NCT00000001", "A")], "nextPageToken": "abc", "totalCount": 7}
    ).encode()
    records, token, total = parse_studies_page(body)
    assert [r.source_id for r in records] == ["NCT00000001"] and token == "abc" and total == 7


def test_study_without_nct_id_is_an_input_error() -> None:
    with pytest.raises(InputError, match="without protocolSection.identificationModule.nctId"):
        parse_study({"protocolSection": {}})


@given(st.binary(max_size=200))
def test_arbitrary_bytes_raise_value_error_or_parse(body: bytes) -> None:
    with contextlib.suppress(ValueError, InputError):
        parse_studies_page(body)
