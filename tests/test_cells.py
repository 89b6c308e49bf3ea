"""Cells safe for spreadsheets (formula injection) and for XML, and reading them back unchanged."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lreview.cells import clean_for_xml, neutralise, strip_neutraliser

HOSTILE = [
    '=HYPERLINK("http://evil","x")',
    "+1+1 cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
# Any text at all, including lone surrogates and control characters.
TEXT = st.text(alphabet=st.characters(codec=None, categories=None), max_size=40)


@pytest.mark.parametrize("text", HOSTILE)
def test_text_a_spreadsheet_would_run_gets_a_leading_quote(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize(
    "text", ["", "Low-dose naltrexone", "2019", "10.1000/x", "Smith J; Doe A", " =not a formula", "é=1"]
)
def test_text_a_spreadsheet_shows_as_text_is_left_alone(text: str) -> None:
    assert neutralise(text) == text == strip_neutraliser(text)


def test_a_leading_quote_is_doubled_so_it_survives_the_round_trip() -> None:
    assert neutralise("'=x") == "''=x" and strip_neutraliser("''=x") == "'=x"
    assert neutralise("'Til death") == "''Til death" and strip_neutraliser("''Til death") == "'Til death"


@given(TEXT)
def test_neutralised_text_never_starts_a_formula(text: str) -> None:
    assert neutralise(text)[:1] not in set("=+-@\t\r")


@given(TEXT)
def test_strip_neutraliser_gives_back_exactly_what_was_neutralised(text: str) -> None:
    assert strip_neutraliser(neutralise(text)) == text


@given(TEXT)
def test_text_not_starting_with_a_quote_reads_back_unchanged(text: str) -> None:
    """A value a reviewer typed (no lreview prefix) is never altered by the reader."""
    if not text.startswith("'"):
        assert strip_neutraliser(text) == text


@given(TEXT)
def test_neutralise_is_a_no_op_on_text_that_is_already_safe(text: str) -> None:
    """Idempotent where it can be: an exact inverse rules out neutralise(neutralise(x)) == neutralise(x)
    for all x (an injective idempotent map is the identity), so safe text is its fixed point instead."""
    if text[:1] not in set("=+-@\t\r'"):
        assert neutralise(text) == text
    assert strip_neutraliser(neutralise(neutralise(text))) == neutralise(text)


@pytest.mark.parametrize(
    "word", ["include", "exclude", "maybe", "same", "different", "no", "ann", "1234", "Wrong population"]
)
def test_the_words_a_reviewer_types_pass_through_the_reader(word: str) -> None:
    assert strip_neutraliser(word) == word


def test_clean_for_xml_drops_controls_surrogates_and_non_characters() -> None:
    assert clean_for_xml("a\x00b\x0bc\x1fd\ud800e\ufffef\uffff") == "abcdef"
    legal = "tab\tlf\ncr\r \ud7ff\ue000\ufffd\U0001f600"
    assert clean_for_xml(legal) == legal


def xml_char(c: str) -> bool:
    """XML 1.0's Char production, written out independently of the module."""
    n = ord(c)
    return n in (0x9, 0xA, 0xD) or 0x20 <= n <= 0xD7FF or 0xE000 <= n <= 0xFFFD or 0x10000 <= n <= 0x10FFFF


@given(TEXT)
def test_clean_for_xml_output_parses_as_xml_and_keeps_every_legal_character(text: str) -> None:
    cleaned = clean_for_xml(text)
    document = f"<a>{escape(cleaned, {chr(13): '&#13;'})}</a>".encode()
    assert (ET.fromstring(document).text or "") == cleaned
    assert cleaned == "".join(c for c in text if xml_char(c))


@given(TEXT)
def test_clean_for_xml_is_idempotent(text: str) -> None:
    assert clean_for_xml(clean_for_xml(text)) == clean_for_xml(text)
