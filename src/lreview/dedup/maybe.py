"""The possible-duplicates queue for a human: one pair per two clusters, most likely first.

A pair lands here when `compare` was unsure (similar titles, a conflicting field) or when a confirmed
pair was refused by a cluster-level guard. The human's answer comes back as `DedupOptions.decisions`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from lreview.dedup.compare import POSSIBLE, Verdict
from lreview.dedup.result import PossiblePair


def possible_pairs(verdicts: Mapping[tuple[int, int], Verdict], labels: Sequence[int]) -> list[PossiblePair]:
    """Undecided pairs whose records ended in different clusters, best per cluster pair, by score."""
    best: dict[frozenset[int], PossiblePair] = {}
    for (i, j), verdict in verdicts.items():
        if verdict.decision != POSSIBLE or labels[i] == labels[j]:
            continue
        key = frozenset((labels[i], labels[j]))
        current = best.get(key)
        if current is None or verdict.score > current.score:
            best[key] = PossiblePair(i, j, verdict.score, verdict.reasons)
    return sorted(best.values(), key=lambda p: (-p.score, p.a, p.b))
