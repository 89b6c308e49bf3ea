"""Candidate pairs: records that share a cheap blocking key, so `compare` never sees all n² pairs.

Keys (each a separate pass; a pair found by any pass is a candidate):
- exact identifiers: normalised DOI, PMID;
- title: the first 24 letters, the last three words (catches changed starts such as a dropped
  article or a prefix); (first three words + year was tried: on the five benchmark sets it found
  no duplicate the other keys missed);
- first author surname + year + volume, first author surname + first page;
- abstract: its first 60 letters (catches translated or rewritten titles);
- sorted neighbourhood: each record against the next `WINDOW` records in title order (on the
  benchmark sets every duplicate it finds is also found by a key above, so the window is small).
A key shared by more than `MAX_BLOCK` records ("introduction 2010") is not expanded to all pairs:
within it only sorted neighbours are paired. Cost is therefore O(n · (keys · MAX_BLOCK + WINDOW)).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from lreview.dedup.keys import Keys

WINDOW = 2
MAX_BLOCK = 30

KeyFunction = Callable[[Keys], str | None]


def _doi(k: Keys) -> str | None:
    return k.doi


def _pmid(k: Keys) -> str | None:
    return k.pmid


def _title_prefix(k: Keys) -> str | None:
    letters = k.title.replace(" ", "")
    return letters[:24] if len(letters) >= 24 else None


def _title_end(k: Keys) -> str | None:
    return " ".join(k.title_words[-3:]) if len(k.title_words) >= 5 else None


def _author_year_volume(k: Keys) -> str | None:
    return f"{k.first_author}|{k.year}|{k.volume}" if k.first_author and k.year and k.volume else None


def _author_page(k: Keys) -> str | None:
    return f"{k.first_author}|{k.first_page}" if k.first_author and k.first_page else None


def _abstract_start(k: Keys) -> str | None:
    letters = k.abstract.replace(" ", "")
    return letters[:60] if len(letters) >= 60 else None


KEYS: tuple[KeyFunction, ...] = (
    _doi,
    _pmid,
    _title_prefix,
    _title_end,
    _author_year_volume,
    _author_page,
    _abstract_start,
)


def candidate_pairs(keys: Sequence[Keys], only: Iterable[int] | None = None) -> set[tuple[int, int]]:
    """Pairs (i, j), i < j, of positions sharing a blocking key; with `only`, pairs touching those."""
    wanted = None if only is None else set(only)
    pairs: set[tuple[int, int]] = set()
    for key_function in KEYS:
        blocks: dict[str, list[int]] = defaultdict(list)
        for position, k in enumerate(keys):
            value = key_function(k)
            if value:
                blocks[value].append(position)
        for members in blocks.values():
            if len(members) > 1:
                _pair_block(members, keys, wanted, pairs)
    _sorted_neighbours(keys, wanted, pairs, lambda k: k.title)
    return pairs


def _pair_block(
    members: list[int], keys: Sequence[Keys], wanted: set[int] | None, pairs: set[tuple[int, int]]
) -> None:
    if wanted is not None and not any(m in wanted for m in members):
        return
    if len(members) <= MAX_BLOCK:
        for x, i in enumerate(members):
            for j in members[x + 1 :]:
                _add(i, j, wanted, pairs)
        return
    ordered = sorted(members, key=lambda m: keys[m].title)
    _window(ordered, wanted, pairs)


def _sorted_neighbours(
    keys: Sequence[Keys], wanted: set[int] | None, pairs: set[tuple[int, int]], key: Callable[[Keys], str]
) -> None:
    ordered = sorted((p for p, k in enumerate(keys) if k.title), key=lambda p: key(keys[p]))
    _window(ordered, wanted, pairs)


def _window(ordered: list[int], wanted: set[int] | None, pairs: set[tuple[int, int]]) -> None:
    for x, i in enumerate(ordered):
        for j in ordered[x + 1 : x + 1 + WINDOW]:
            _add(i, j, wanted, pairs)


def _add(i: int, j: int, wanted: set[int] | None, pairs: set[tuple[int, int]]) -> None:
    if wanted is not None and i not in wanted and j not in wanted:
        return
    pairs.add((i, j) if i < j else (j, i))
