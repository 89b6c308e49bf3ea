"""Clusters from confirmed pairs: union-find that refuses any union a "never merge" rule forbids.

Pairwise decisions are not transitive: A~B and B~C may chain an erratum to its article, or two
papers with different DOIs, through a record that lacks the distinguishing field. So every union
is checked at cluster level: one cluster holds at most one PMID, one DOI (unless a pair with two
DOIs was confirmed on all other fields), one kind of publication (article, erratum, ...), one set
of part numbers, years at most one apart, one first page, and no two records a guard or a human
kept apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from lreview.dedup.keys import Keys
from lreview.dedup.normalize import PageKey, page_ranges_agree, page_ranges_overlap


@dataclass(slots=True)
class _Cluster:
    size: int
    dois: set[str]
    pmids: set[str]
    kinds: set[str]
    parts: set[frozenset[int]]
    years: set[int]
    pages: set[PageKey]
    cannot: set[int] = field(default_factory=set)  # positions this cluster must never join


class Clusters:
    """Union-find over record positions with cluster-level conflict checks."""

    def __init__(self, keys: Sequence[Keys]) -> None:
        self._parent = list(range(len(keys)))
        self._keys = keys
        self._states: dict[int, _Cluster] = {}  # per root, built when first needed

    def _state(self, root: int) -> _Cluster:
        state = self._states.get(root)
        if state is None:
            k = self._keys[root]
            state = self._states[root] = _Cluster(
                size=1,
                dois={k.doi} if k.doi else set(),
                pmids={k.pmid} if k.pmid else set(),
                kinds={k.kind},
                parts={k.parts},
                years={k.year} if k.year is not None else set(),
                pages={k.pages} if k.first_page else set(),
            )
        return state

    def find(self, position: int) -> int:
        """The root of `position`'s cluster (with path halving)."""
        parent = self._parent
        while parent[position] != position:
            parent[position] = parent[parent[position]]
            position = parent[position]
        return position

    def forbid(self, i: int, j: int) -> None:
        """Never put `i` and `j` into one cluster (a guard fired or a human said "different")."""
        self._state(self.find(i)).cannot.add(j)
        self._state(self.find(j)).cannot.add(i)

    def conflict(self, i: int, j: int, overrides: frozenset[str] = frozenset()) -> str | None:
        """Why the clusters of `i` and `j` may not be joined, or None when they may.

        `overrides` names checks the pair's own evidence outweighs: "dois" (two DOIs, all else
        equal), "pages" (same title, abstract, authors and volume; one database mistyped the pages).
        """
        ri, rj = self.find(i), self.find(j)
        if ri == rj:
            return None
        a, b = self._state(ri), self._state(rj)
        if len(a.pmids | b.pmids) > 1:
            return "cluster would hold two PMIDs"
        if a.dois and b.dois and not (a.dois & b.dois) and "dois" not in overrides:
            return "cluster would hold two DOIs"
        if len(a.kinds | b.kinds) > 1:
            return "cluster would mix " + " and ".join(sorted(a.kinds | b.kinds))
        if len(a.parts | b.parts) > 1:
            return "cluster would mix part/series numbers"
        years = a.years | b.years
        if years and max(years) - min(years) > 1:
            return "cluster years more than one apart"
        if a.pages and b.pages and "pages" not in overrides and not self._pages_compatible(a, b):
            return "cluster would hold different pages"
        if any(self.find(p) == rj for p in a.cannot) or any(self.find(p) == ri for p in b.cannot):
            return "cluster holds a pair kept apart"
        return None

    @staticmethod
    def _pages_compatible(a: _Cluster, b: _Cluster) -> bool:
        # With a shared DOI, overlapping ranges ("3499-3512" / "3502-15") are one item with a typo.
        overlap_ok = bool(a.dois & b.dois)
        return any(
            page_ranges_agree(x, y) is not False or (overlap_ok and page_ranges_overlap(x, y))
            for x in a.pages
            for y in b.pages
        )

    def union(self, i: int, j: int, overrides: frozenset[str] = frozenset()) -> str | None:
        """Join the clusters of `i` and `j` unless `conflict` forbids it; returns the conflict."""
        reason = self.conflict(i, j, overrides)
        if reason is not None:
            return reason
        self.join(i, j)
        return None

    def join(self, i: int, j: int) -> None:
        """Join unconditionally (a human confirmed the pair, or records already share a cluster)."""
        ri, rj = self.find(i), self.find(j)
        if ri == rj:
            return
        if self._state(ri).size < self._state(rj).size:
            ri, rj = rj, ri
        a, b = self._state(ri), self._state(rj)
        del self._states[rj]
        self._parent[rj] = ri
        a.size += b.size
        a.dois |= b.dois
        a.pmids |= b.pmids
        a.kinds |= b.kinds
        a.parts |= b.parts
        a.years |= b.years
        a.pages |= b.pages
        a.cannot |= b.cannot

    def groups(self) -> list[list[int]]:
        """Member positions per cluster, clusters ordered by their first member."""
        members: dict[int, list[int]] = {}
        for position in range(len(self._parent)):
            members.setdefault(self.find(position), []).append(position)
        return sorted(members.values(), key=lambda group: group[0])
