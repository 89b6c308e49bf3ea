"""Date-window splitting on plain values: no server, `ask_all` answers from a list of dates."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lreview.errors import EutilsError
from lreview.sources.windows import Window, WindowHarvest, harvest_windows, split_window


@dataclass(frozen=True)
class Page:
    count: int
    ids: tuple[str, ...]


def answers(dates: Sequence[date], cap: int, listed: int | None = None) -> Callable[[date, date], Page]:
    """A search over records entered on `dates` (id = position) listing at most `cap` (or `listed`) ids."""

    def ask(lo: date, hi: date) -> Page:
        ids = tuple(str(i) for i, d in enumerate(dates) if lo <= d <= hi)
        return Page(len(ids), ids[: cap if listed is None else listed])

    return ask


def run(dates: Sequence[date], cap: int, listed: int | None = None) -> tuple[WindowHarvest[Page], list[int]]:
    ask = answers(dates, cap, listed)
    levels: list[int] = []

    def ask_all(windows: Sequence[Window]) -> list[Page]:
        levels.append(len(windows))
        return [ask(a, b) for a, b in windows]

    lo, hi = min(dates), max(dates)
    return harvest_windows(lo, hi, Page(ask(lo, hi).count, ()), ask_all, cap=cap), levels


@given(
    start=st.dates(min_value=date(1781, 1, 1), max_value=date(2030, 1, 1)),
    days=st.integers(min_value=1, max_value=100_000),
    pieces=st.integers(min_value=1, max_value=32),
)
def test_split_window_covers_every_day_once(start: date, days: int, pieces: int) -> None:
    end = date.fromordinal(start.toordinal() + days - 1)
    parts = split_window(start, end, min(pieces, days))
    assert parts[0][0] == start and parts[-1][1] == end
    assert all(a <= b for a, b in parts)
    assert all(
        date.fromordinal(b.toordinal() + 1) == c for (_, b), (c, _) in zip(parts, parts[1:], strict=False)
    )


def test_every_id_is_listed_once_from_windows_under_the_cap() -> None:
    dates = [date(2000, 1, 1) + timedelta(days=(i * 37) % 3000) for i in range(250)]
    harvest, levels = run(dates, cap=20)
    assert sorted(harvest.ids(), key=int) == [str(i) for i in range(250)]
    slices = sorted(harvest.slices)
    assert all(c <= 20 for _, _, c in slices) and sum(c for _, _, c in slices) == 250
    assert slices[0][0] == min(dates) and slices[-1][1] == max(dates)
    assert all(b + timedelta(days=1) == c for (_, b, _), (c, _, _) in zip(slices, slices[1:], strict=False))
    assert harvest.notes == [] and levels == [25]  # 250 ids: 25 windows of ~half a cap, asked at once


def test_more_than_the_cap_on_one_day_is_an_error_naming_the_day() -> None:
    dates = [date(2020, 5, 5)] * 30 + [date(2020, 5, 9)]
    with pytest.raises(EutilsError, match="30 records entered on 2020-05-05"):
        run(dates, cap=20)


def test_a_window_listing_fewer_ids_than_it_counts_is_asked_once_more_then_noted() -> None:
    harvest, levels = run([date(2020, 1, 1) + timedelta(days=i) for i in range(5)], cap=20, listed=4)
    assert levels == [1, 1]  # the listing, then one more try
    assert harvest.notes == ["slice 2020-01-01..2020-01-05 counts 5 but lists 4"]
    assert len(harvest.ids()) == 4
