"""MEDLINE / .nbib importer: mapping, wrapped values, links and flags, all-or-nothing errors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lreview.errors import InputError
from lreview.records import Link
from lreview.sources.medline import parse_medline


def nbib(pmid: str, *fields: tuple[str, str]) -> str:
    """One MEDLINE record: PMID line, then `TAG - value` lines (tag padded to 4), then a blank line."""
    lines = [f"PMID- {pmid}", *(f"{tag:<4}- {value}" for tag, value in fields)]
    return "\n".join(lines) + "\n\n"


def test_medline_maps_core_fields_onto_record() -> None:
    text = nbib(
        "28441597",
        ("IS", "1879-1026 (Electronic)"),
        ("VI", "598"),
        ("IP", "2"),
        ("DP", "2017 Nov 15"),
        ("TI", "Nitrate export."),
        ("PG", "188-197"),
        ("LID", "10.1016/j.scitotenv.2017.04.075 [doi]"),
        ("AB", "Agricultural activities."),
        ("FAU", "Smith, John"),
        ("AU", "Smith J"),
        ("AU", "Doe A"),
        ("LA", "eng"),
        ("PT", "Journal Article"),
        ("TA", "Sci Total Environ"),
        ("JT", "The Science of the total environment"),
        ("MH", "Humans"),
        ("OT", "riparian zone"),
        ("EDAT", "2017/04/26 06:00"),
        ("LR", "20180315"),
        ("PMC", "PMC1234567"),
    )
    (record,) = parse_medline(text, "p.nbib")
    assert (record.source, record.source_id, record.pmid) == ("PubMed", "28441597", "28441597")
    assert record.title == "Nitrate export."
    assert record.authors == ("Smith J", "Doe A")
    assert record.year == 2017
    assert (record.journal, record.journal_abbrev) == (
        "The Science of the total environment",
        "Sci Total Environ",
    )
    assert (record.volume, record.issue, record.pages) == ("598", "2", "188-197")
    assert record.doi == "10.1016/j.scitotenv.2017.04.075"
    assert record.issn == "1879-1026"
    assert record.pmcid == "PMC1234567"
    assert record.mesh == ("Humans",)
    assert record.keywords == ("riparian zone",)
    assert (record.date_entered, record.date_revised) == ("2017-04-26", "2018-03-15")
    assert ("FAU", "Smith, John") in record.extra


def test_medline_wrapped_lines_join_into_one_value_even_for_list_tags() -> None:
    text = "PMID- 1\nTI  - A title that\n      wraps.\nOT  - a very long keyword\n      continued\n\n"
    (record,) = parse_medline(text, "p.nbib")
    assert record.title == "A title that wraps."
    assert record.keywords == ("a very long keyword continued",)


def test_medline_records_come_back_in_file_order() -> None:
    text = nbib("3", ("TI", "c")) + nbib("1", ("TI", "a")) + nbib("2", ("TI", "b"))
    assert [r.pmid for r in parse_medline(text, "p.nbib")] == ["3", "1", "2"]


def test_medline_retraction_and_erratum_links_and_flags() -> None:
    text = nbib(
        "10",
        ("TI", "Retracted work"),
        ("PT", "Journal Article"),
        ("PT", "Retracted Publication"),
        ("RIN", "Nature. 2020;1:2. PMID: 99"),
    ) + nbib("11", ("TI", "Erratum"), ("PT", "Published Erratum"), ("EFR", "Nature. 2019;1:1. PMID: 10"))
    retracted, erratum = parse_medline(text, "p.nbib")
    assert retracted.is_retracted and not retracted.is_erratum
    assert retracted.links == (Link(kind="RetractionIn", pmid="99", ref="Nature. 2020;1:2. PMID: 99"),)
    assert erratum.is_erratum
    assert erratum.links[0].kind == "ErratumFor" and erratum.links[0].pmid == "10"


def test_medline_record_not_starting_with_pmid_names_record_and_line() -> None:
    text = nbib("1", ("TI", "a")) + "TI  - orphan\nPMID- 2\n\n"
    with pytest.raises(InputError, match=r"^p\.nbib: record 2 \(line 4\): record does not start with PMID-"):
        parse_medline(text, "p.nbib")


def test_medline_two_records_without_blank_line_is_an_error() -> None:
    with pytest.raises(InputError, match=r"record 1 \(line 3\): second PMID-"):
        parse_medline("PMID- 1\nTI  - a\nPMID- 2\nTI  - b\n", "p.nbib")


def test_medline_stray_untagged_line_is_an_error() -> None:
    with pytest.raises(InputError, match=r"record 1 \(line 2\): not a MEDLINE tag line"):
        parse_medline("PMID- 1\nthis is not a tag\n", "p.nbib")


def test_medline_explicit_source_is_kept() -> None:
    (record,) = parse_medline(nbib("5", ("TI", "a")), "p.nbib", source="MEDLINE (Ovid)")
    assert record.source == "MEDLINE (Ovid)"


@given(text=st.text(max_size=400))
@settings(max_examples=300, deadline=None)
def test_medline_arbitrary_text_raises_only_input_error(text: str) -> None:
    try:
        records = parse_medline(text, "p.nbib")
    except InputError:
        return
    assert records
