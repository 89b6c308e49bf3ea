"""Control characters out of imported records: every field kind, counts, and the loader's one path."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lreview.records import Link, Record
from lreview.sources.clean import CONTROLS, clean_records, strip_controls
from lreview.sources.loader import load_export
from lreview.sources.pubmed_xml import PubmedXmlError, parse_pubmed_xml

_ANY_CONTROL = re.compile(f"[{re.escape(CONTROLS)}]")


def test_controls_are_every_c0_character_but_tab_lf_cr() -> None:
    assert sorted(map(ord, CONTROLS)) == [c for c in range(32) if c not in (9, 10, 13)]


def test_strip_controls_cleans_every_kind_of_field_and_counts_what_it_removed() -> None:
    record = Record(
        source="Em\x00base",
        source_id="id\x01",
        title="Nul\x00 in\x07 a\ttitle\nsecond line\r",
        authors=("Sm\x1bith, J", "Doe, A"),
        pmid="\x00",
        doi="10.1/x\x1f",
        keywords=("k\x0b",),
        links=(Link("CommentOn", "12\x00", "ref\x02"),),
        extra=(("N\x001", "note\x08"),),
    )
    cleaned, removed = strip_controls(record)
    assert removed == 12
    assert (cleaned.source, cleaned.source_id) == ("Embase", "id")
    assert cleaned.title == "Nul in a\ttitle\nsecond line\r"  # TAB, LF and CR are text
    assert cleaned.authors == ("Smith, J", "Doe, A")
    assert (cleaned.pmid, cleaned.doi) == (None, "10.1/x")  # an identifier with nothing left is absent
    assert cleaned.keywords == ("k",)
    assert cleaned.links == (Link("CommentOn", "12", "ref"),)
    assert cleaned.extra == (("N1", "note"),)


def test_a_clean_record_is_returned_as_it_is() -> None:
    record = Record(source="PubMed", source_id="1", title="Tabs\tand\nlines stay")
    assert strip_controls(record) == (record, 0)
    assert clean_records([record]).note() == ""


def test_note_counts_characters_and_records() -> None:
    records = [Record("x", "1", title="a\x00b\x00"), Record("x", "2"), Record("x", "3", abstract="\x01")]
    cleaned = clean_records(records)
    assert (cleaned.characters, cleaned.changed) == (3, 2)
    assert cleaned.note() == "3 control characters removed from 2 records"
    assert [r.title for r in cleaned.records] == ["ab", "", ""]


@given(title=st.text(), authors=st.lists(st.text(), max_size=3))
def test_no_control_survives_and_nothing_else_is_touched(title: str, authors: list[str]) -> None:
    record = Record("x", "1", title=title, authors=tuple(authors))
    cleaned, removed = strip_controls(record)
    assert not _ANY_CONTROL.search(cleaned.title + "".join(cleaned.authors))
    assert cleaned.title == "".join(c for c in title if c not in CONTROLS)
    before, after = title + "".join(authors), cleaned.title + "".join(cleaned.authors)
    assert removed == len(before) - len(after)
    assert strip_controls(cleaned) == (cleaned, 0)


HOSTILE_RIS = (
    "TY  - JOUR\nTI  - Low-dose\x00 naltrexone\x01 for pain\nAU  - Sm\x07ith, Jane\n"
    "AB  - Background\x1b[31m: red\x00.\nPY  - 2021\nER  - \n\n"
    "TY  - JOUR\nTI  - A clean record\nER  - \n"
)


@pytest.mark.parametrize("codec", ["utf-8", "utf-16", "cp1252"])
def test_every_file_importer_path_cleans_through_load_export(codec: str) -> None:
    export = load_export(HOSTILE_RIS.encode(codec), "hostile.ris")
    first, second = export.records
    assert (first.title, first.authors) == ("Low-dose naltrexone for pain", ("Smith, Jane",))
    assert first.abstract == "Background[31m: red."
    assert second.title == "A clean record"
    assert export.note() == "5 control characters removed from 1 record"


@pytest.mark.parametrize(
    ("fmt", "text"),
    [
        ("nbib", "PMID- 1\nTI  - Nul\x00 title\nAB  - tab\tkept\x01\n"),
        ("csv", "title,abstract\nNul\x00 title,tab\tkept\x01\n"),
        ("txt", "FN x\nPT J\nTI Nul\x00 title\nAB tab\tkept\x01\nUT WOS:1\nER\nEF\n"),
    ],
)
def test_medline_csv_and_wos_records_are_cleaned_too(fmt: str, text: str) -> None:
    (record,) = load_export(text.encode(), f"x.{fmt}").records
    assert (record.title, record.abstract) == ("Nul title", "tab\tkept")


@pytest.mark.parametrize("control", [b"\x00", b"\x01", b"&#1;", b"&#x1f;"])
def test_pubmed_xml_cannot_carry_a_control_into_a_record(control: bytes) -> None:
    """XML 1.0 forbids C0 controls, raw or as references: the parser path refuses them, naming the line."""
    xml = (
        b"<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article><ArticleTitle>A"
        + control
        + b"B</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>"
    )
    with pytest.raises(PubmedXmlError, match=r"^response: line 1: malformed or truncated XML"):
        parse_pubmed_xml(xml)
