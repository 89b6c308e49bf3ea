"""Agreement figures checked against statsmodels (kappa and its interval), against Gwet's published
worked example (AC1), and on the edge cases screening produces (nothing paired, one category only)."""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from statsmodels.stats.inter_rater import cohens_kappa

from lreview.decisions import EXCLUDE, INCLUDE, MAYBE
from lreview.screening.agreement import (
    COLUMNS,
    OVERALL,
    Agreement,
    agreement,
    agreement_csv,
    agreement_from_table,
    agreement_rows,
    confusion_table,
)

TA = (INCLUDE, EXCLUDE, MAYBE)


def pairs_of(table: list[list[int]], categories: tuple[str, ...]) -> list[tuple[str, str]]:
    """One (A, B) pair per item, so tests go through `agreement` as the pipeline does."""
    return [
        (categories[i], categories[j])
        for i, row in enumerate(table)
        for j, count in enumerate(row)
        for _ in range(count)
    ]


def assert_matches_statsmodels(result: Agreement, table: list[list[int]]) -> None:
    with np.errstate(invalid="ignore", divide="ignore"):  # its sqrt of a rounded-negative variance
        reference = cohens_kappa(table)
    assert result.kappa == pytest.approx(reference.kappa, abs=1e-12)
    if math.isnan(reference.kappa_low):  # a variance of exactly 0 that rounding took below 0
        assert reference.var_kappa == pytest.approx(0, abs=1e-12)
        assert result.kappa_low == result.kappa == result.kappa_high
        return
    assert result.kappa_low == pytest.approx(reference.kappa_low, abs=1e-9)
    assert result.kappa_high == pytest.approx(reference.kappa_upp, abs=1e-9)


def test_gwet_handbook_abstractors_example_gives_published_kappa_and_ac1() -> None:
    # Gwet, K.L. (2014) Handbook of Inter-Rater Reliability, 4th ed., Advanced Analytics: 100
    # pregnant women classified by two abstractors as Ectopic / AIU / NIU (dataset
    # `cont3x3abstractors`); the published results, as printed in the README of Gwet's own R
    # package irrCAC: Cohen's kappa 0.7964094, Gwet's AC1 0.8493305, percent agreement 0.89.
    table = [[13, 0, 0], [0, 20, 7], [0, 4, 56]]
    result = agreement(pairs_of(table, ("Ectopic", "AIU", "NIU")), ("Ectopic", "AIU", "NIU"))
    assert result.n == 100
    assert result.observed == pytest.approx(0.89)
    assert result.kappa == pytest.approx(0.7964094, abs=5e-8)
    assert result.ac1 == pytest.approx(0.8493305, abs=5e-8)
    assert_matches_statsmodels(result, table)


@pytest.mark.parametrize(
    "table",
    [
        [[20, 5], [10, 15]],  # balanced two categories
        [[2, 3], [4, 191]],  # screening-like: few includes, kappa low while agreement is 96.5 %
        [[5, 1, 2], [2, 150, 3], [1, 4, 2]],  # include / exclude / maybe
        [[3, 0, 0], [1, 40, 0], [0, 0, 0]],  # a category nobody used
        [[0, 7], [9, 0]],  # no agreement at all: kappa below 0
    ],
)
def test_kappa_and_interval_equal_statsmodels(table: list[list[int]]) -> None:
    categories = TA[: len(table)]
    assert_matches_statsmodels(agreement(pairs_of(table, categories), categories), table)


@st.composite
def tables(draw: st.DrawFn) -> list[list[int]]:
    q = draw(st.integers(min_value=2, max_value=4))
    cells = st.integers(min_value=0, max_value=60)
    return draw(st.lists(st.lists(cells, min_size=q, max_size=q), min_size=q, max_size=q))


@given(tables())
def test_kappa_and_interval_equal_statsmodels_on_any_table(table: list[list[int]]) -> None:
    result = agreement_from_table(table, tuple(f"c{k}" for k in range(len(table))))
    n = sum(map(sum, table))
    one_category = any(sum(table[k]) == n and sum(r[k] for r in table) == n for k in range(len(table)))
    if n == 0 or one_category:
        assert result.kappa is result.kappa_low is result.kappa_high is None
    else:
        assert_matches_statsmodels(result, table)


@given(tables())
def test_ac1_ignores_which_rater_is_a_and_the_order_of_categories(table: list[list[int]]) -> None:
    q = len(table)
    names = tuple(f"c{k}" for k in range(q))
    result = agreement_from_table(table, names)
    transposed = agreement_from_table([list(col) for col in zip(*table, strict=True)], names)
    reordered = agreement_from_table([row[::-1] for row in table[::-1]], names[::-1])
    if result.n == 0:
        assert result.ac1 is None
        return
    assert result.ac1 is not None and transposed.ac1 is not None and reordered.ac1 is not None
    assert transposed.ac1 == pytest.approx(result.ac1)
    assert reordered.ac1 == pytest.approx(result.ac1)
    assert -1 <= result.ac1 <= 1
    assert (result.ac1 == pytest.approx(1)) == (result.observed == 1)


def test_ac1_of_two_categories_follows_gwets_closed_form() -> None:
    # 2 x 2: pe = 2 pi (1 - pi), pi = mean share of "include". Table [[2, 3], [4, 191]]:
    # pi = (5 + 6) / 400 = 0.0275, pe = 0.0534875, pa = 193 / 200 = 0.965.
    result = agreement(pairs_of([[2, 3], [4, 191]], (INCLUDE, EXCLUDE)), (INCLUDE, EXCLUDE))
    assert result.ac1 == pytest.approx((0.965 - 0.0534875) / (1 - 0.0534875))
    assert result.kappa is not None and result.kappa < 0.4 < 0.9 < result.ac1  # the kappa paradox


def test_ac1_counts_categories_offered_even_when_unused() -> None:
    # Same decisions, "maybe" offered but never used: q = 3, so pe = sum pi (1 - pi) / 2.
    pairs = pairs_of([[2, 3], [4, 191]], (INCLUDE, EXCLUDE))
    three = agreement(pairs, TA)
    assert three.ac1 == pytest.approx((0.965 - 0.0534875 / 2) / (1 - 0.0534875 / 2))
    assert three.kappa == pytest.approx(agreement(pairs, (INCLUDE, EXCLUDE)).kappa)


def test_no_pairs_leaves_every_coefficient_undefined() -> None:
    result = agreement([], TA)
    assert result == Agreement(0, None, None, None, None, None, ((0, 0, 0),) * 3, TA)


def test_all_items_in_one_category_leave_kappa_undefined_and_ac1_one() -> None:
    result = agreement([(EXCLUDE, EXCLUDE)] * 40, TA)
    assert result.n == 40 and result.observed == 1.0
    assert result.kappa is None and result.kappa_low is None and result.kappa_high is None
    assert result.ac1 == 1.0


def test_one_rater_using_one_category_gives_kappa_zero() -> None:
    result = agreement([(EXCLUDE, EXCLUDE)] * 9 + [(EXCLUDE, INCLUDE)], TA)
    assert result.kappa == pytest.approx(0.0)
    assert result.observed == pytest.approx(0.9)


def test_perfect_agreement_gives_one_with_a_zero_width_interval() -> None:
    result = agreement([(INCLUDE, INCLUDE)] * 3 + [(EXCLUDE, EXCLUDE)] * 17 + [(MAYBE, MAYBE)], TA)
    assert result.kappa == pytest.approx(1.0)
    assert result.kappa_low == pytest.approx(1.0) and result.kappa_high == pytest.approx(1.0)
    assert result.ac1 == pytest.approx(1.0)


def test_table_rows_are_rater_a_and_columns_rater_b_in_category_order() -> None:
    pairs = [(INCLUDE, EXCLUDE), (INCLUDE, EXCLUDE), (MAYBE, INCLUDE), (EXCLUDE, EXCLUDE)]
    assert confusion_table(pairs, TA) == ((0, 2, 0), (0, 1, 0), (1, 0, 0))
    assert agreement(pairs, TA).categories == TA


def test_a_word_outside_the_categories_is_refused() -> None:
    with pytest.raises(ValueError, match="'not_retrieved' is not one of the categories"):
        agreement([(INCLUDE, "not_retrieved")], TA)


def test_fewer_than_two_categories_or_repeated_ones_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 2 categories"):
        agreement([(INCLUDE, INCLUDE)], (INCLUDE,))
    with pytest.raises(ValueError, match="categories repeat"):
        agreement([], (INCLUDE, INCLUDE))


def test_rows_give_each_batch_then_overall_with_fixed_decimals_and_blanks_where_undefined() -> None:
    batch_1 = agreement(pairs_of([[13, 0, 0], [0, 20, 7], [0, 4, 56]], TA), TA)
    batch_2 = agreement([(EXCLUDE, EXCLUDE)] * 5, TA)
    rows = agreement_rows({"1": batch_1, "2": batch_2}, agreement([], TA))
    assert [row["batch"] for row in rows] == ["1", "2", OVERALL]
    assert rows[0] == {
        "batch": "1",
        "n": 100,
        "agreement_pct": "89.0",
        "kappa": "0.796",
        "kappa_low": f"{batch_1.kappa_low:.3f}",
        "kappa_high": f"{batch_1.kappa_high:.3f}",
        "ac1": "0.849",
    }
    assert rows[1]["kappa"] == "" and rows[1]["ac1"] == "1.000"
    assert rows[2] == dict.fromkeys(COLUMNS, "") | {"batch": OVERALL, "n": 0}


def test_csv_has_the_columns_and_reads_back_as_written() -> None:
    rows = agreement_rows({"7": agreement([(INCLUDE, INCLUDE), (EXCLUDE, INCLUDE)], TA)}, agreement([], TA))
    text = agreement_csv(rows)
    assert text.splitlines()[0] == ",".join(COLUMNS)
    back = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert back.to_dict("records") == [{k: str(v) for k, v in row.items()} for row in rows]
