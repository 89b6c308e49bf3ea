"""TF-IDF feature views of a review from its stored term counts, never built as whole matrices.

With sublinear tf, the TF-IDF matrix of the current records is X = diag(1 / norm) S diag(idf), where S
holds 1 + log(tf) per record and term (fixed per record, so stored once: `counts`), idf comes from the
document frequencies over the current records (terms outside [min_df, max_df x records] dropped) and
norm is each row's L2 norm, sqrt(S∘S @ idf²). A linear classifier needs X only twice: its training rows
(a few thousand, built here as `features.Tfidf` / `features.TfidfMeta` would, columns in term-number
order) and X @ w for every record, which is (S @ (idf∘w)) / norm: sparse products over the stored
rows. `CountedView` offers exactly these two (`view[rows]`, `view.dot(w)`), so the classifiers in
`models` score a 100,000-record review in a fraction of a second after 500 records were added.

A ranking from these views equals one from a fit from scratch (`active.build_features`) to rounding:
the same terms, idf and norms, columns in another order (each term's number instead of its place in
the sorted vocabulary, which changes no fitted score) and sums taken in another order; scores agree
to about 1e-15. Not for: models whose features are not plain TF-IDF over words and controlled terms
(`views_from_counts` returns None: build from scratch), or reading and writing the counts (the
pipeline's `feature_cache`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from lreview.rank.active import ModelConfig

MIN_RECORDS = 50  # below this a fit from scratch is as quick, and sklearn's small-corpus errors apply


def repeats(rows: sp.csr_matrix) -> sp.csr_matrix:
    """S∘S - S of rows S of 1 + log(tf): nonzero only where a term occurs twice or more (about one
    entry in eight), so that S∘S @ x = S @ x + this @ x costs little more than S @ x."""
    twice = rows.data != 1.0
    data = rows.data[twice] * rows.data[twice] - rows.data[twice]
    row = np.repeat(np.arange(rows.shape[0]), np.diff(rows.indptr))[twice]
    indptr = np.concatenate([[0], np.cumsum(np.bincount(row, minlength=rows.shape[0]))])
    return sp.csr_matrix((data, rows.indices[twice], indptr), shape=rows.shape)


@dataclass(frozen=True)
class StoredCounts:
    """One block's stored rows S (1 + log tf over term numbers; parts as they were stored, each as
    wide as the whole vocabulary), their `repeats`, and how many stored rows contain each term."""

    parts: tuple[sp.csr_matrix, ...]
    extra: tuple[sp.csr_matrix, ...]  # repeats(part) of each part
    df: np.ndarray  # one per term number

    @property
    def n_rows(self) -> int:
        return sum(p.shape[0] for p in self.parts)

    def take(self, rows: np.ndarray) -> sp.csr_matrix:
        """Stored rows `rows` (numbered across the parts), in that order."""
        starts = np.cumsum([0] + [p.shape[0] for p in self.parts])
        part_of = np.searchsorted(starts, rows, side="right") - 1
        pieces, picked = [], []
        for k in np.unique(part_of).tolist():
            chosen = np.flatnonzero(part_of == k)
            pieces.append(self.parts[k][rows[chosen] - starts[k]])
            picked.append(chosen)
        if not pieces:
            return sp.csr_matrix((0, self.df.size), dtype=np.float64)
        stacked = sp.csr_matrix(sp.vstack(pieces, format="csr"))
        return stacked[np.argsort(np.concatenate(picked), kind="stable")]

    def products(self, vector: np.ndarray, *, extra: bool = False) -> np.ndarray:
        """S @ vector (with `extra`: repeats(S) @ vector) for every stored row."""
        out = [part @ vector for part in (self.extra if extra else self.parts)]
        return np.concatenate(out) if out else np.zeros(0)

    def current_df(self, rows: np.ndarray) -> np.ndarray:
        """Document frequencies (float64) over the current records (stored row `rows[k]` is record
        k): rows stored but not current count 0 times, rows two records share count twice."""
        times = np.bincount(rows, minlength=self.n_rows)
        odd = np.flatnonzero(times != 1)
        df = self.df.astype(np.float64)
        if odd.size:
            matrix = self.take(odd)
            np.add.at(df, matrix.indices, np.repeat(times[odd] - 1.0, np.diff(matrix.indptr)))
        return df


class TfidfBlock:
    """One block's TF-IDF over the current records: terms kept, their idf, each stored row's norm
    (worked out at the first product)."""

    def __init__(self, counts: StoredCounts, rows: np.ndarray, min_df: int, max_df: float) -> None:
        n = rows.size
        idf = counts.current_df(rows)
        self.counts, self.rows = counts, rows
        self.keep = (idf >= max(min_df, 1)) & (idf <= max_df * n)
        self.width = int(np.count_nonzero(self.keep))
        idf += 1.0
        np.divide(n + 1, idf, out=idf)
        np.log(idf, out=idf)
        idf += 1.0  # sklearn's smoothed idf: ln((n + 1) / (df + 1)) + 1
        idf[~self.keep] = 0.0
        self.idf = idf
        self._norms: np.ndarray | None = None
        self._columns: np.ndarray | None = None
        self._last: tuple[np.ndarray, sp.csr_matrix] | None = None  # two views share this block

    def rows_of(self, index: np.ndarray) -> sp.csr_matrix:
        """The TF-IDF rows of current records `index` (columns: kept terms by number)."""
        if self._last is not None and np.array_equal(self._last[0], index):
            return self._last[1]
        if self._columns is None:
            self._columns = np.cumsum(self.keep, dtype=np.int32) - 1
        matrix = self.counts.take(self.rows[index])
        kept = self.keep[matrix.indices]
        terms = matrix.indices[kept]
        row = np.repeat(np.arange(index.size), np.diff(matrix.indptr))[kept]
        data = matrix.data[kept] * self.idf[terms]
        norms = np.sqrt(np.bincount(row, weights=data * data, minlength=index.size))
        norms[norms == 0.0] = 1.0
        data /= norms[row]
        indptr = np.concatenate([[0], np.cumsum(np.bincount(row, minlength=index.size))])
        rows = sp.csr_matrix((data, self._columns[terms], indptr), shape=(index.size, self.width))
        self._last = (index.copy(), rows)
        return rows

    def dot(self, coef: np.ndarray) -> np.ndarray:
        """X @ coef for every current record (`coef`: one weight per kept term, by number)."""
        weights = np.zeros(self.keep.size)
        weights[self.keep] = coef
        weights *= self.idf
        if self._norms is None:  # S∘S @ idf² = S @ idf² + repeats(S) @ idf²
            squares = self.idf * self.idf
            norms = np.sqrt(self.counts.products(squares) + self.counts.products(squares, extra=True))
            norms[norms == 0.0] = 1.0  # a row with no kept term stays all zero
            self._norms = norms
        product = self.counts.products(weights)
        scores: np.ndarray = (product / self._norms)[self.rows]
        return scores


@dataclass(frozen=True)
class CountedView:
    """TF-IDF blocks side by side, each times its weight: a feature matrix with `shape`, training
    rows `view[index]` and products `view.dot(coef)` (what the classifiers in `models` use)."""

    blocks: tuple[tuple[TfidfBlock, float], ...]

    @property
    def shape(self) -> tuple[int, int]:
        return self.blocks[0][0].rows.size, sum(b.width for b, _ in self.blocks)

    def __getitem__(self, index: np.ndarray) -> sp.csr_matrix:
        parts = [b.rows_of(np.asarray(index)) * w if w != 1 else b.rows_of(np.asarray(index))
                 for b, w in self.blocks]  # fmt: skip
        return parts[0] if len(parts) == 1 else sp.csr_matrix(sp.hstack(parts, format="csr"))

    def dot(self, coef: np.ndarray) -> np.ndarray:
        total = np.zeros(self.shape[0])
        start = 0
        for block, weight in self.blocks:
            total += block.dot(coef[start : start + block.width]) * weight
            start += block.width
        return total


def counted_model(config: ModelConfig, n_records: int) -> bool:
    """Whether `views_from_counts` may give this model's views of `n_records` records."""
    params = dict(config.feature_params)
    plain = config.features in ("tfidf", "tfidf_meta") and not params.get("title_weight", 0)
    return plain and n_records >= MIN_RECORDS


def views_from_counts(
    words: StoredCounts, terms: StoredCounts, rows: np.ndarray, config: ModelConfig
) -> tuple[CountedView, ...] | None:
    """The feature views `active.build_features` gives for the current records (stored row `rows[k]`
    is record k), or None when this model's features are not made from these counts (or the review
    is too small to matter)."""
    if not counted_model(config, rows.size):
        return None
    params = dict(config.feature_params)
    min_df, max_df = int(params.get("min_df", 1)), float(params.get("max_df", 0.95))
    word_block = TfidfBlock(words, rows, min_df, max_df)
    if word_block.width == 0:
        return None  # no word kept: the extractor's own fallback applies
    word_view = CountedView(((word_block, 1.0),))
    weight = float(params.get("term_weight", 0.5))
    if config.features == "tfidf" or weight == 0:
        return (word_view,)
    term_block = TfidfBlock(terms, rows, 2, max_df)
    if term_block.width == 0:  # no controlled term shared by two records
        return (word_view,)
    combined = CountedView(((word_block, 1.0), (term_block, weight)))
    return (combined, word_view) if config.view_weight > 0 else (combined,)
