"""The decision vocabulary: which words mean what at each stage."""

from __future__ import annotations

import pytest

from lreview.decisions import FULL_TEXT, TITLE_ABSTRACT, parse_decision_word


@pytest.mark.parametrize(
    ("text", "expected"),
    [("include", "include"), (" Include ", "include"), ("EXCLUDED", "exclude"), ("maybe", "maybe"),
     ("Unsure", "maybe"), ("not_retrieved", None), ("inclde", None)],
)  # fmt: skip
def test_title_abstract_words_ignore_case_and_spaces(text: str, expected: str | None) -> None:
    assert parse_decision_word(text, TITLE_ABSTRACT) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("include", "include"), ("exclude", "exclude"), ("Not retrieved", "not_retrieved"),
     ("not-retrieved", "not_retrieved"), ("NOT_RETRIEVED", "not_retrieved"), ("maybe", None)],
)  # fmt: skip
def test_full_text_words_have_no_maybe_but_not_retrieved(text: str, expected: str | None) -> None:
    assert parse_decision_word(text, FULL_TEXT) == expected
