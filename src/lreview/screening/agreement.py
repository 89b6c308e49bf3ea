"""Agreement between two reviewers who screened the same records: percent agreement, Cohen's kappa
with its 95 % confidence interval, and Gwet's AC1.

Kappa is reported because readers expect it; AC1 beside it because kappa misleads at the low
prevalence of includes that screening always has (two reviewers who agree on 98 % of records can get
a kappa near 0). Both read the same confusion table, built from one (rater A, rater B) pair per record.

Pure: plain values in, an `Agreement` (and table rows or CSV text) out. Not for: deciding which
decisions count as a pair (that is the lifecycle's job) or writing files (the pipeline's).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist

import pandas as pd

Z95 = NormalDist().inv_cdf(0.975)  # 1.959963984540054
DECIMALS = 3  # kappa, its interval and AC1 in rows and CSV
PERCENT_DECIMALS = 1  # percent agreement in rows and CSV
OVERALL = "overall"  # the batch label of the row over all batches
COLUMNS = ("batch", "n", "agreement_pct", "kappa", "kappa_low", "kappa_high", "ac1")


@dataclass(frozen=True)
class Agreement:
    """Agreement of two raters over the items both rated; a coefficient is None where undefined."""

    n: int  # items rated by both raters
    observed: float | None  # percent agreement as a proportion (0..1); None when n == 0
    kappa: float | None  # Cohen's kappa; None when n == 0 or expected agreement is 1
    kappa_low: float | None  # 95 % confidence interval of kappa (see `agreement_from_table`)
    kappa_high: float | None
    ac1: float | None  # Gwet's AC1; None when n == 0
    table: tuple[tuple[int, ...], ...]  # table[i][j]: items A put in categories[i] and B in categories[j]
    categories: tuple[str, ...]


def confusion_table(
    pairs: Sequence[tuple[str, str]], categories: Sequence[str]
) -> tuple[tuple[int, ...], ...]:
    """The q x q table of (rater A's category, rater B's category) counts, in `categories` order."""
    index = {category: i for i, category in enumerate(categories)}
    if len(index) != len(categories):
        raise ValueError(f"categories repeat: {list(categories)}")
    counts = [[0] * len(categories) for _ in categories]
    for a, b in pairs:
        for value in (a, b):
            if value not in index:
                raise ValueError(f"{value!r} is not one of the categories {list(categories)}")
        counts[index[a]][index[b]] += 1
    return tuple(tuple(row) for row in counts)


def agreement(pairs: Sequence[tuple[str, str]], categories: Sequence[str]) -> Agreement:
    """Agreement of two raters from one (A's category, B's category) pair per item both rated."""
    return agreement_from_table(confusion_table(pairs, categories), categories)


def agreement_from_table(table: Sequence[Sequence[int]], categories: Sequence[str]) -> Agreement:
    """Agreement from a q x q confusion table (rows rater A, columns rater B; q >= 2 categories).

    - observed: pa = sum of the diagonal / n.
    - Cohen's kappa: (pa - pe) / (1 - pe), pe = sum_k row_k col_k / n^2; undefined (None) when
      pe == 1, i.e. both raters put every item in one and the same category.
    - Its 95 % interval: kappa +- 1.96 SE with the large-sample (non-null) standard error of
      Fleiss, Cohen & Everitt (1969, Psychol Bull 72:323-327), the one statsmodels'
      `cohens_kappa(table).std_kappa`, `kappa_low`, `kappa_upp` give. Where that standard error
      is 0 (all items agree, or one rater used a single category) the interval has width 0.
    - Gwet's AC1 (Gwet 2008, Br J Math Stat Psychol 61:29-48): (pa - pe) / (1 - pe) with
      pe = 1/(q-1) sum_k pi_k (1 - pi_k), pi_k the mean of the two raters' marginal proportions of
      category k and q the number of categories offered (used or not). Defined whenever n > 0.
    """
    q = len(categories)
    if q < 2:
        raise ValueError(f"agreement needs at least 2 categories, got {list(categories)}")
    if len(table) != q or any(len(row) != q for row in table):
        raise ValueError(f"the table must be {q} x {q} for categories {list(categories)}")
    counts = tuple(tuple(int(cell) for cell in row) for row in table)
    n = sum(map(sum, counts))
    if n == 0:
        return Agreement(0, None, None, None, None, None, counts, tuple(categories))
    rows = [sum(row) / n for row in counts]  # rater A's marginal proportions
    cols = [sum(row[k] for row in counts) / n for k in range(q)]  # rater B's
    observed = sum(counts[k][k] for k in range(q)) / n
    pi = [(rows[k] + cols[k]) / 2 for k in range(q)]
    pe_ac1 = sum(p * (1 - p) for p in pi) / (q - 1)  # at most 1/q < 1
    ac1 = (observed - pe_ac1) / (1 - pe_ac1)
    kappa = low = high = None
    if not any(sum(counts[k]) == n and sum(row[k] for row in counts) == n for k in range(q)):
        pe = sum(rows[k] * cols[k] for k in range(q))
        kappa = (observed - pe) / (1 - pe)
        se = _kappa_standard_error(counts, n, rows, cols, kappa, pe)
        low, high = kappa - Z95 * se, kappa + Z95 * se
    return Agreement(n, observed, kappa, low, high, ac1, counts, tuple(categories))


def _kappa_standard_error(
    counts: tuple[tuple[int, ...], ...],
    n: int,
    rows: list[float],
    cols: list[float],
    kappa: float,
    pe: float,
) -> float:
    """Fleiss, Cohen & Everitt (1969) large-sample standard error of kappa (not the one under H0)."""
    q = len(rows)
    diagonal = sum(counts[i][i] / n * (1 - (rows[i] + cols[i]) * (1 - kappa)) ** 2 for i in range(q))
    off_diagonal = (1 - kappa) ** 2 * sum(
        counts[i][j] / n * (cols[i] + rows[j]) ** 2 for i in range(q) for j in range(q) if i != j
    )
    correction = (kappa - pe * (1 - kappa)) ** 2
    variance = (diagonal + off_diagonal - correction) / ((1 - pe) ** 2 * n)
    return math.sqrt(max(variance, 0.0))  # rounding can leave -1e-17 when every item agrees


def _number(value: float | None, decimals: int) -> str:
    return "" if value is None else f"{value:.{decimals}f}"


def agreement_row(batch: str, result: Agreement) -> dict[str, object]:
    """One row: batch, n, agreement % and kappa, its interval and AC1 as fixed-decimal text ("" if
    undefined), so `lreview status` and `agreement.csv` show the same figures."""
    percent = None if result.observed is None else 100 * result.observed
    return {
        "batch": batch,
        "n": result.n,
        "agreement_pct": _number(percent, PERCENT_DECIMALS),
        "kappa": _number(result.kappa, DECIMALS),
        "kappa_low": _number(result.kappa_low, DECIMALS),
        "kappa_high": _number(result.kappa_high, DECIMALS),
        "ac1": _number(result.ac1, DECIMALS),
    }


def agreement_rows(by_batch: Mapping[str, Agreement], overall: Agreement) -> list[dict[str, object]]:
    """A row per batch (in mapping order), then the row over all of them, batch `OVERALL`."""
    rows = [agreement_row(batch, result) for batch, result in by_batch.items()]
    return [*rows, agreement_row(OVERALL, overall)]


def agreement_csv(rows: Sequence[Mapping[str, object]]) -> str:
    """`agreement_rows` as CSV text with the `COLUMNS` header (what `screening/agreement.csv` holds)."""
    frame = pd.DataFrame([dict(row) for row in rows], columns=list(COLUMNS))
    return str(frame.to_csv(index=False, lineterminator="\r\n"))
