"""Date-window splitting: every id of a search, though PubMed lists at most 9,999 per search.

`harvest_windows` splits an entrez-date (or revision-date) window until each piece holds at most
`cap` records, asking a whole level of pieces at once through the `ask_all` it is given, and
collects each piece's ids. It is pure apart from `ask_all`: no HTTP, no threads, no logging here
(`eutils.EutilsClient.search_pmids` supplies the esearches and reports the notes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Generic, Protocol, TypeVar

from lreview.errors import EutilsError

Window = tuple[date, date]  # first and last day, inclusive


class Listing(Protocol):
    """What a search answer tells the splitter: how many records match, and the ids listed."""

    @property
    def count(self) -> int: ...

    @property
    def ids(self) -> tuple[str, ...]: ...


P = TypeVar("P", bound=Listing)


def split_window(lo: date, hi: date, pieces: int) -> list[Window]:
    """[lo, hi] cut into `pieces` consecutive inclusive windows of (nearly) equal length."""
    first, days = lo.toordinal(), hi.toordinal() - lo.toordinal() + 1
    cuts = [first + days * i // pieces for i in range(pieces + 1)]
    return [(date.fromordinal(a), date.fromordinal(b - 1)) for a, b in zip(cuts, cuts[1:], strict=False)]


@dataclass
class WindowHarvest(Generic[P]):
    """The windows a search was split into, each with its answer, and notes on counts that disagree."""

    found: list[tuple[date, date, P]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def slices(self) -> list[tuple[date, date, int]]:
        """(first day, last day, count) of each window, newest first."""
        return [(a, b, page.count) for a, b, page in sorted(self.found, key=lambda f: f[0], reverse=True)]

    def ids(self) -> list[str]:
        """Unique ids, newest window first, each window in the service's order."""
        ordered = sorted(self.found, key=lambda f: f[0], reverse=True)
        return list(dict.fromkeys(i for _, _, page in ordered for i in page.ids))


def harvest_windows(
    lo: date, hi: date, root: P, ask_all: Callable[[Sequence[Window]], Sequence[P]], *, cap: int
) -> WindowHarvest[P]:
    """Split [lo, hi] (whose answer is `root`) until every window is under `cap`; collect its ids.

    `ask_all(windows)` answers each window (listing up to `cap` ids), in order. Works level by level,
    so the caller can ask a level's windows concurrently. A window whose answer counts more ids than
    it lists is asked once more, then kept with a note.
    """
    harvest: WindowHarvest[P] = WindowHarvest()
    frontier: list[tuple[date, date, P, int]] = [(lo, hi, root, 0)]  # (.., id requests made)
    while frontier:
        asks: list[tuple[date, date, int]] = []  # (lo, hi, id requests after this one)
        for a, b, page, tries in frontier:
            if page.count <= cap:
                if len(page.ids) == page.count or tries == 2:  # listed, or re-asked once
                    if len(page.ids) != page.count:
                        harvest.notes.append(f"slice {a}..{b} counts {page.count} but lists {len(page.ids)}")
                    harvest.found.append((a, b, page))
                else:
                    asks.append((a, b, tries + 1))
                continue
            if a == b:
                raise EutilsError(
                    f"esearch: {page.count} records entered on {a} match this query, more than "
                    f"the {cap} PubMed lists for one search; narrow the query for that day"
                )
            # Split into pieces expected to hold ~half a cap each and ask for their ids at once:
            # most then need no second request, and the few levels run in parallel.
            pieces = min(b.toordinal() - a.toordinal() + 1, 32, max(2, -(-2 * page.count // cap)))
            asks += [(x, y, 1) for x, y in split_window(a, b, pieces)]
        if not asks:
            break
        pages = ask_all([(x, y) for x, y, _ in asks])
        frontier = [(a, b, page, t) for (a, b, t), page in zip(asks, pages, strict=True)]
    return harvest
