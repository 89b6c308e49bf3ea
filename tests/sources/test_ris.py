"""RIS importer: field mapping, real-world layout quirks, all-or-nothing errors, property tests."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lreview.errors import InputError
from lreview.sources.ris import parse_ris


def ris_record(*fields: tuple[str, str], ty: str = "JOUR", er: str = "ER  - ") -> str:
    """One RIS record: TY, the given (tag, value) lines in order, then the ER line."""
    lines = [f"TY  - {ty}", *(f"{tag}  - {value}" for tag, value in fields), er]
    return "\n".join(lines) + "\n"


BASIC = (
    ("TI", "Aspirin after stroke"),
    ("AU", "Smith, John"),
    ("AU", "Doe, A."),
    ("PY", "2019///"),
    ("T2", "The Lancet"),
    ("J2", "Lancet"),
    ("VL", "393"),
    ("IS", "4"),
    ("SP", "100"),
    ("EP", "109"),
    ("DO", "10.1016/S0140-6736(19)30001-1"),
    ("SN", "0140-6736"),
    ("KW", "stroke"),
    ("KW", "aspirin"),
    ("LA", "English"),
    ("AB", "Background text."),
)


def test_ris_maps_core_fields_onto_record() -> None:
    (record,) = parse_ris(ris_record(*BASIC), "x.ris")
    assert record.title == "Aspirin after stroke"
    assert record.authors == ("Smith, John", "Doe, A.")
    assert record.year == 2019
    assert (record.journal, record.journal_abbrev) == ("The Lancet", "Lancet")
    assert (record.volume, record.issue, record.pages) == ("393", "4", "100-109")
    assert record.doi == "10.1016/S0140-6736(19)30001-1"
    assert record.issn == "0140-6736"
    assert record.keywords == ("stroke", "aspirin")
    assert record.language == ("English",)
    assert record.abstract == "Background text."
    assert record.publication_types == ("Journal Article",)


def test_ris_source_id_falls_back_to_file_position_and_source_to_file_stem() -> None:
    text = ris_record(("TI", "a")) + ris_record(("TI", "b"))
    records = parse_ris(text, "exports/mine.ris")
    assert [r.source_id for r in records] == ["exports/mine.ris:1", "exports/mine.ris:2"]
    assert {r.source for r in records} == {"mine"}


def test_ris_explicit_source_overrides_db_tag() -> None:
    (record,) = parse_ris(ris_record(("DB", "Scopus"), ("TI", "a")), "x.ris", source="Embase")
    assert record.source == "Embase"


def test_ris_nlm_database_is_pubmed_and_numeric_accession_is_pmid() -> None:
    (record,) = parse_ris(ris_record(("DP", "NLM"), ("AN", "31234567"), ("TI", "a")), "x.ris")
    assert (record.source, record.pmid, record.source_id) == ("PubMed", "31234567", "31234567")


def test_ris_numeric_accession_is_not_a_pmid_outside_pubmed() -> None:
    (record,) = parse_ris(ris_record(("DB", "psyh"), ("AN", "2019123"), ("TI", "a")), "x.ris")
    assert record.source == "APA PsycInfo"
    assert record.pmid is None


def test_ris_records_without_db_take_the_files_single_database() -> None:
    text = ris_record(("DB", "Scopus"), ("TI", "a")) + ris_record(("TI", "b"))
    assert [r.source for r in parse_ris(text, "x.ris")] == ["Scopus", "Scopus"]


def test_ris_mixed_file_does_not_lend_one_database_to_untagged_records() -> None:
    text = ris_record(("DB", "Scopus"), ("TI", "a")) + ris_record(("DP", "NLM"), ("TI", "b"))
    text += ris_record(("TI", "c"))
    assert [r.source for r in parse_ris(text, "mixed.ris")] == ["Scopus", "PubMed", "mixed"]


def test_ris_er_with_and_without_trailing_space_both_end_records() -> None:
    text = ris_record(("TI", "a"), er="ER  -") + ris_record(("TI", "b"), er="ER  - ")
    assert [r.title for r in parse_ris(text, "x.ris")] == ["a", "b"]


def test_ris_untagged_lines_continue_the_previous_field_as_line_breaks_except_in_titles() -> None:
    text = "TY  - JOUR\nTI  - A long title\nthat wraps here\nAB  - First part\n  second part\nER  - \n"
    (record,) = parse_ris(text, "x.ris")
    assert record.title == "A long title that wraps here"
    assert record.abstract == "First part\nsecond part"


def test_ris_keyword_continuation_lines_are_one_keyword_each() -> None:
    text = "TY  - JOUR\nTI  - t\nKW  - Joint Commission\nStandards\nMedication Errors\nER  -\n"
    (record,) = parse_ris(text, "x.ris")
    assert record.keywords == ("Joint Commission", "Standards", "Medication Errors")


def test_ris_continuation_line_starting_with_er_word_is_not_a_terminator() -> None:
    text = "TY  - JOUR\nTI  - Soil\nKW  - soil\nEROSION\nAB  - text\nER  - \n"
    (record,) = parse_ris(text, "x.ris")
    assert record.keywords == ("soil", "EROSION")
    assert record.abstract == "text"


def test_ris_blank_lines_inside_a_record_are_skipped() -> None:
    text = "TY  - JOUR\nU3  - Cited By :9\n\nExport Date: 12 May 2022\n\nTI  - t\nER  - \n"
    (record,) = parse_ris(text, "x.ris")
    assert record.title == "t"
    assert ("U3", "Cited By :9\nExport Date: 12 May 2022") in record.extra


def test_ris_wos_and_unknown_tags_are_kept_in_extra() -> None:
    text = ris_record(("TI", "t"), ("J9", "J APPL RES"), ("WE", "SSCI"), ("ZZ", "odd"), ("M4", "Citavi"))
    (record,) = parse_ris(text, "x.ris")
    assert record.journal_abbrev == "J APPL RES"
    assert ("WE", "SSCI") in record.extra
    assert ("ZZ", "odd") in record.extra
    assert ("M4", "Citavi") in record.extra


def test_ris_uk_tag_is_an_ordinary_unknown_tag() -> None:
    (record,) = parse_ris(ris_record(("TI", "t"), ("UK", "one"), ("QQ", "two"), ("UK", "three")), "x.ris")
    assert record.extra == (("UK", "one"), ("QQ", "two"), ("UK", "three"))


def test_ris_repeated_tags_keep_every_value() -> None:
    (record,) = parse_ris(ris_record(("TI", "t"), ("SN", "1111-1111"), ("SN", "2222-2222")), "x.ris")
    assert record.issn == "1111-1111"
    assert ("SN", "2222-2222") in record.extra


def test_ris_doi_taken_from_doi_org_url_when_no_do_tag() -> None:
    (record,) = parse_ris(ris_record(("TI", "t"), ("L2", "http://dx.doi.org/10.4103/2303-9027.138783")), "x")
    assert record.doi == "10.4103/2303-9027.138783"


def test_ris_pmid_from_dimensions_pmid_note() -> None:
    (record,) = parse_ris(ris_record(("TI", "t"), ("U1", "35957633 [PMID]")), "x.ris")
    assert record.pmid == "35957633"


def test_ris_ovid_medline_pmid_from_record_link() -> None:
    link = "http://ovidsp.ovid.com/ovidweb.cgi?T=JS&PAGE=reference&D=medp&NEWS=N&AN=39012781"
    (record,) = parse_ris(ris_record(("TI", "t"), ("DB", "Ovid MEDLINE(R) <2024>"), ("L2", link)), "x.ris")
    assert (record.source, record.pmid) == ("MEDLINE", "39012781")


def test_ris_year_from_y1_and_da_variants() -> None:
    text = ris_record(("Y1", "2014//")) + ris_record(("DA", "2021/03/02/"))
    assert [r.year for r in parse_ris(text, "x.ris")] == [2014, 2021]


def test_ris_ovid_record_counters_links_and_trailing_nl_are_tolerated() -> None:
    text = (
        "1.\n"
        + ris_record(("TI", "a"), er="ER  -")
        + "NL  - Clin Psychol\n\nLink to the Ovid Full Text or citation: https://ovid.example/1\n\n2.\n"
        + ris_record(("TI", "b"))
    )
    first, second = parse_ris(text, "ovid.ris")
    assert (first.title, second.title) == ("a", "b")
    assert ("NL", "Clin Psychol") in first.extra
    assert ("Ovid link", "https://ovid.example/1") in first.extra


def test_ris_publisher_download_header_is_skipped_and_names_the_database() -> None:
    text = "Provider: Wiley\nDatabase: Wiley Online Library\nContent: text/plain; charset=UTF-8\n\n"
    records = parse_ris(text + ris_record(("TI", "a")), "wiley.ris")
    assert [(r.title, r.source) for r in records] == [("a", "Wiley Online Library")]


def test_ris_field_before_ty_names_file_record_and_line() -> None:
    text = ris_record(("TI", "a")) + "AU  - Stray, A\n" + ris_record(("TI", "b"))
    with pytest.raises(InputError, match=r"^exports/e\.ris: record 2 \(line 4\): field AU before TY"):
        parse_ris(text, "exports/e.ris")


def test_ris_missing_er_at_end_of_file_names_the_open_record() -> None:
    text = ris_record(("TI", "a")) + "TY  - JOUR\nTI  - b\n"
    with pytest.raises(InputError, match=r"record 2 \(line 4\): missing ER terminator at end of file"):
        parse_ris(text, "x.ris")


def test_ris_new_ty_inside_open_record_is_a_missing_er() -> None:
    text = "TY  - JOUR\nTI  - a\nTY  - JOUR\nTI  - b\nER  - \n"
    with pytest.raises(InputError, match=r"record 1 \(line 1\): missing ER terminator before the next TY"):
        parse_ris(text, "x.ris")


def test_ris_file_without_records_is_an_error() -> None:
    with pytest.raises(InputError, match="no RIS records"):
        parse_ris("\n\n", "x.ris")


_field_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\x85"),
    min_size=1,
).filter(lambda s: s.strip() == s and s.strip())


@given(title=_field_text)
@settings(max_examples=200, deadline=None)
def test_ris_any_single_line_title_round_trips(title: str) -> None:
    (record,) = parse_ris(ris_record(("TI", title), ("AU", "X, Y")), "x.ris")
    assert record.title == title


@given(text=st.text(max_size=400))
@settings(max_examples=300, deadline=None)
def test_ris_arbitrary_text_raises_only_input_error(text: str) -> None:
    try:
        records = parse_ris(text, "x.ris")
    except InputError:
        return
    assert records
