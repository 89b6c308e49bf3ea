"""Deduplication quality metrics over `record_id → cluster label` maps.

Definitions: shared/data/dedup/README.md ("Metrics").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Metrics:
    records: int
    true_duplicates: int  # removable: n - G
    sensitivity: float
    specificity: float
    precision: float  # pairwise
    recall: float  # pairwise
    f1: float  # pairwise
    wrong_clusters: int  # predicted clusters mixing two or more gold publications
    wrong_records: int  # records in those clusters
    false_merges: int  # FP = R - P


def _pairs(sizes: Counter[object]) -> int:
    return sum(s * (s - 1) // 2 for s in sizes.values())


def evaluate(gold: Mapping[str, str], predicted: Mapping[str, object]) -> Metrics:
    """Metrics of `predicted` against `gold`; a record missing from `predicted` is a singleton."""
    ids = list(gold)
    pred = {r: predicted.get(r, ("singleton", r)) for r in ids}
    n = len(ids)
    g = len(set(gold.values()))
    p = len(set(pred.values()))
    both = Counter((pred[r], gold[r]) for r in ids)
    r_count = len(both)
    tp = n - r_count
    fp = r_count - p
    tn = g - fp
    same_both = _pairs(Counter(both))
    same_pred = _pairs(Counter(pred.values()))
    same_gold = _pairs(Counter(gold.values()))
    precision = same_both / same_pred if same_pred else 1.0
    recall = same_both / same_gold if same_gold else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    golds_per_pred: dict[object, set[str]] = {}
    for r in ids:
        golds_per_pred.setdefault(pred[r], set()).add(gold[r])
    mixed = {c for c, gs in golds_per_pred.items() if len(gs) > 1}
    return Metrics(
        records=n,
        true_duplicates=n - g,
        sensitivity=tp / (n - g) if n > g else 1.0,
        specificity=tn / g if g else 1.0,
        precision=precision,
        recall=recall,
        f1=f1,
        wrong_clusters=len(mixed),
        wrong_records=sum(1 for r in ids if pred[r] in mixed),
        false_merges=fp,
    )
