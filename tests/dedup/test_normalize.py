"""Field normalisers: DOI variants, pages, journals, titles, authors; idempotent and total (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lreview.dedup import normalize


@pytest.mark.parametrize(
    "raw",
    [
        "10.1097/MOL.0b013e3282ffaf82",
        "https://doi.org/10.1097/MOL.0b013e3282ffaf82",
        "http://dx.doi.org/10.1097/mol.0b013e3282ffaf82",
        "doi:10.1097/MOL.0b013e3282ffaf82",
        "DOI: 10.1097/MOL.0B013E3282FFAF82.",
        " 10.1097/MOL.0b013e3282ffaf82; ",
    ],
)
def test_doi_variants_normalise_to_one_key(raw: str) -> None:
    assert normalize.doi(raw) == "10.1097/mol.0b013e3282ffaf82"


def test_doi_url_encoded_brackets_are_decoded() -> None:
    assert (
        normalize.doi("https://doi.org/10.1016/S0140-6736%2800%2902232-4") == "10.1016/s0140-6736(00)02232-4"
    )


def test_doi_without_a_doi_is_none() -> None:
    assert normalize.doi("not a doi") is None
    assert normalize.doi("") is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("123-9", ("123", "129")),
        ("123-129", ("123", "129")),
        ("1123-45", ("1123", "1145")),
        ("e123", ("e123", "")),
        ("06-Oct", ("6", "10")),
        ("532, 534-536", ("532", "")),
        ("S109–S112", ("s109", "s112")),
        ("Suppl-12", ("", "")),
        ("", ("", "")),
    ],
)
def test_pages_expand_short_last_page(raw: str, expected: tuple[str, str]) -> None:
    assert normalize.pages(raw) == expected


def test_abbreviated_and_full_journal_names_match() -> None:
    assert normalize.journals_match(
        normalize.journal("Curr Opin Lipidol"), normalize.journal("Current opinion in lipidology")
    )
    assert normalize.journals_match(
        normalize.journal("J. Clin. Virol."), normalize.journal("Journal of Clinical Virology")
    )
    assert normalize.journals_match(
        normalize.journal("PLoS ONE [Electronic Resource]"), normalize.journal("PLoS One")
    )


def test_different_journals_do_not_match() -> None:
    assert not normalize.journals_match(normalize.journal("Diabetologia"), normalize.journal("Diabetes"))


def test_title_drops_markup_case_accents_greek_and_language_tags() -> None:
    assert (
        normalize.title("<i>In vivo</i> Évaluation of β-Amyloid. [Chinese]")
        == "in vivo evaluation of beta amyloid"
    )
    assert normalize.title("[Migraine: ignition of the brain]") == normalize.title(
        "Migraine: Ignition of the brain"
    )
    assert normalize.title("A title.[Erratum appears in J Pediatr. 2003 Jun]") == "a title"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Zuna, R E", ("zuna", "r")),
        ("Adeli K.", ("adeli", "k")),
        ("Lewis G. F.", ("lewis", "g")),
        ("Smith JA", ("smith", "j")),
        ("John Smith", ("smith", "j")),
        ("Müller", ("muller", "")),
    ],
)
def test_author_becomes_surname_and_first_initial(raw: str, expected: tuple[str, str]) -> None:
    assert normalize.author(raw) == expected


def test_year_and_volume_keys() -> None:
    assert normalize.year("2008 Jun") == 2008
    assert normalize.year("n.d.") is None
    assert normalize.volume("Vol. 019") == "19"
    assert normalize.volume("3)") == ""


TEXT = st.text(max_size=80)


@given(TEXT)
def test_doi_is_idempotent(raw: str) -> None:
    once = normalize.doi(raw)
    assert once is None or normalize.doi(once) == once


@given(TEXT)
def test_title_is_idempotent(raw: str) -> None:
    once = normalize.title(raw)
    assert normalize.title(once) == once


@given(TEXT)
def test_pages_never_crash_and_are_idempotent(raw: str) -> None:
    first, last = normalize.pages(raw)
    assert normalize.pages(first)[0] == first
    assert isinstance(last, str)


@given(TEXT)
def test_author_volume_journal_never_crash(raw: str) -> None:
    surname, initial = normalize.author(raw)
    assert surname == normalize.fold(surname)
    assert len(initial) <= 1
    assert normalize.volume(normalize.volume(raw)) == normalize.volume(raw)
    assert normalize.journal(" ".join(normalize.journal(raw))) == normalize.journal(raw)


@pytest.mark.parametrize(
    ("x", "y", "expected"),
    [
        ("221-8", "221-228", True),
        ("488", "487-488", True),
        ("a1754", "969-972", None),
        ("", "12-14", None),
        ("2297-2108", "2097-2108", False),
        ("2141-2147", "2142-2147", True),
        ("2141-2145", "2142-2147", False),
        ("51", "52", False),
    ],
)
def test_page_ranges_agree(x: str, y: str, expected: bool | None) -> None:
    assert normalize.page_ranges_agree(normalize.page_key(x), normalize.page_key(y)) is expected


def test_page_ranges_overlap() -> None:
    assert normalize.page_ranges_overlap(normalize.page_key("3499-3512"), normalize.page_key("3502-15"))
    assert normalize.page_ranges_overlap(normalize.page_key("S145-S146"), normalize.page_key("S146"))
    assert not normalize.page_ranges_overlap(normalize.page_key("51"), normalize.page_key("52"))
    assert not normalize.page_ranges_overlap(normalize.page_key(""), normalize.page_key("52"))
