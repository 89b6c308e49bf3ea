"""Term counts per record, so that re-fitting the TF-IDF features after records are added only counts
the added ones: `TermCounts` (a sorted vocabulary and one row of counts per record), `count_terms`,
`combine` (cached rows and new rows, in the order of the records now) and `views_from_counts` (the
views `features.TfidfMeta` / `features.Tfidf` give for the same records).

The views equal a fit from scratch (`active.build_features`) in shape, vocabulary and stored entries;
values can differ in the last bit, because each row's L2 norm is summed in column order here and in
the vectoriser's first-seen term order there. Not for: models whose features are not plain TF-IDF
over words and controlled terms (`views_from_counts` returns None; build from scratch).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

from lreview.rank.active import ModelConfig
from lreview.rank.features import record_terms, record_text
from lreview.records import Record

MIN_RECORDS = 50  # below this a fit from scratch is as quick, and sklearn's small-corpus errors apply


@dataclass(frozen=True)
class TermCounts:
    """Counts of each vocabulary term (sorted) in each row (CSR, sorted indices, int64)."""

    vocabulary: list[str]
    matrix: sp.csr_matrix


def _identity(terms: list[str]) -> list[str]:
    return terms


def count_terms(records: Sequence[Record]) -> tuple[TermCounts, TermCounts]:
    """(word 1-2-gram counts of title + abstract, controlled-term counts) of `records`."""
    words = CountVectorizer(ngram_range=(1, 2), dtype=np.int64)
    terms = CountVectorizer(analyzer=_identity, dtype=np.int64)
    return (
        _counted(words, [record_text(r) for r in records]),
        _counted(terms, [record_terms(r) for r in records]),
    )


def _counted(vectorizer: CountVectorizer, docs: Sequence[object]) -> TermCounts:
    try:
        matrix = sp.csr_matrix(vectorizer.fit_transform(docs))
    except ValueError:  # no term in any document
        return TermCounts([], sp.csr_matrix((len(docs), 0), dtype=np.int64))
    matrix.sort_indices()
    return TermCounts(list(vectorizer.get_feature_names_out()), matrix)


def combine(old: TermCounts, old_rows: Sequence[int], new: TermCounts, order: Sequence[int]) -> TermCounts:
    """Rows of `old` (those numbered `old_rows`) and every row of `new`, in the order `order` gives
    (row k of the result is `old_rows`' row if order[k] < len(old_rows), else a new row), over the
    union of both vocabularies restricted to the terms the result's rows use."""
    places = np.array([bisect_left(old.vocabulary, t) for t in new.vocabulary], dtype=np.int64)
    is_missing = np.array(
        [
            p >= len(old.vocabulary) or old.vocabulary[p] != t
            for p, t in zip(places.tolist(), new.vocabulary, strict=True)
        ],
        dtype=bool,
    )
    at = places[is_missing]  # where each new term goes among the old ones (sorted)
    missing = [t for t, m in zip(new.vocabulary, is_missing.tolist(), strict=True) if m]
    old_map = np.arange(len(old.vocabulary), dtype=np.int64)
    old_map += np.searchsorted(at, old_map, side="right")
    new_map = np.where(
        is_missing, places + np.cumsum(is_missing) - 1, places + np.searchsorted(at, places, side="right")
    )
    width = len(old.vocabulary) + len(missing)
    stacked = sp.vstack(
        [_remap(old.matrix, old_map, width), _remap(new.matrix, new_map, width)], format="csr"
    )
    picks = np.asarray(order, dtype=np.int64)
    from_old = picks < len(old_rows)
    source = picks - len(old_rows) + old.matrix.shape[0]  # a new row: after every old one in `stacked`
    source[from_old] = np.asarray(old_rows, dtype=np.int64)[picks[from_old]]
    rows = sp.csr_matrix(stacked[source])
    vocabulary = _merged(old.vocabulary, missing, at)
    used = np.bincount(rows.indices, minlength=width) > 0
    if used.all():
        return TermCounts(vocabulary, rows)
    compact = np.cumsum(used) - 1
    shape = (rows.shape[0], int(used.sum()))
    rows = sp.csr_matrix((rows.data, compact[rows.indices], rows.indptr), shape=shape)
    return TermCounts([t for t, u in zip(vocabulary, used.tolist(), strict=True) if u], rows)


def _remap(matrix: sp.csr_matrix, mapping: np.ndarray, width: int) -> sp.csr_matrix:
    indices = mapping[matrix.indices] if matrix.nnz else matrix.indices.astype(np.int64)
    return sp.csr_matrix((matrix.data, indices, matrix.indptr), shape=(matrix.shape[0], width))


def _merged(vocabulary: list[str], missing: list[str], at: np.ndarray) -> list[str]:
    out: list[str] = []
    start = 0
    for term, place in zip(missing, at.tolist(), strict=True):
        out += vocabulary[start:place]
        out.append(term)
        start = place
    out += vocabulary[start:]
    return out


def views_from_counts(
    words: TermCounts, terms: TermCounts, config: ModelConfig
) -> tuple[sp.csr_matrix, ...] | None:
    """The feature views `active.build_features` gives for the counted records, or None when this
    model's features are not made from these counts (or the corpus is too small to matter)."""
    params = dict(config.feature_params)
    n = words.matrix.shape[0]
    if config.features not in ("tfidf", "tfidf_meta") or params.get("title_weight", 0) or n < MIN_RECORDS:
        return None
    min_df, max_df = int(params.get("min_df", 1)), float(params.get("max_df", 0.95))
    word_view = _tfidf(words.matrix, min_df, max_df)
    if word_view is None:
        return None
    weight = float(params.get("term_weight", 0.5))
    if config.features == "tfidf" or weight == 0 or terms.matrix.nnz == 0:
        return (word_view,)
    block = _tfidf(terms.matrix, 2, max_df)
    if block is None:  # no term shared by two records
        return (word_view,)
    combined = sp.csr_matrix(sp.hstack([word_view, block * weight], format="csr"))
    return (combined, word_view) if config.view_weight > 0 else (combined,)


def _tfidf(counts: sp.csr_matrix, min_df: int, max_df: float) -> sp.csr_matrix | None:
    """sklearn's TfidfVectorizer(sublinear_tf=True, min_df, max_df) output from raw counts: terms
    outside [min_df, max_df * rows] dropped, 1 + log(tf) times the smoothed idf, rows L2-normalised."""
    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    keep = (df >= min_df) & (df <= max_df * n)
    if not keep.any():
        return None
    entry = keep[counts.indices]
    column = np.cumsum(keep) - 1
    indices = column[counts.indices[entry]]
    indptr = np.concatenate([[0], np.cumsum(entry)])[counts.indptr]
    idf = np.log((n + 1) / (df[keep] + 1.0)) + 1.0
    data = (np.log(counts.data[entry].astype(np.float64)) + 1.0) * idf[indices]
    rows = np.repeat(np.arange(n), np.diff(indptr))
    norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=n))
    norms[norms == 0.0] = 1.0
    data /= norms[rows]
    return sp.csr_matrix((data, indices.astype(np.int32), indptr), shape=(n, int(keep.sum())))
