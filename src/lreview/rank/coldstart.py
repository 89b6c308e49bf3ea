"""Ranking before any model can be trained: BM25 similarity to the review's question.

The query is the review's search query and eligibility text, plus the text of any records already known
to be relevant (seed includes named in the config), used as pseudo-relevance feedback. BM25 (Robertson &
Zaragoza 2009, k1=1.2, b=0.75) over title + abstract unigrams; written here because scikit-learn has no
BM25 and it is a dozen lines over its CountVectorizer.
Not for: ranking once both an include and an exclude are known (see `active`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

from lreview.rank.features import record_text
from lreview.records import Record


def bm25_scores(
    records: Sequence[Record], query: str, seed_texts: Sequence[str] = (), k1: float = 1.2, b: float = 0.75
) -> np.ndarray:
    """BM25 score of every record for `query` plus `seed_texts`; all zeros when nothing matches."""
    texts = [record_text(r) for r in records]
    vectorizer = CountVectorizer(stop_words="english")
    try:
        counts = sp.csc_matrix(vectorizer.fit_transform(texts), dtype=np.float64)
    except ValueError:  # no vocabulary at all
        return np.zeros(len(records))
    query_terms = vectorizer.transform([" ".join([query, *seed_texts])])
    columns = np.flatnonzero(query_terms.toarray()[0])
    if columns.size == 0:
        return np.zeros(len(records))
    n_docs = counts.shape[0]
    doc_freq = np.diff(counts.indptr)[columns]
    idf = np.log(1.0 + (n_docs - doc_freq + 0.5) / (doc_freq + 0.5))
    lengths = np.asarray(counts.sum(axis=1)).ravel()
    norm = k1 * (1.0 - b + b * lengths / max(lengths.mean(), 1e-9))
    tf = counts[:, columns].toarray()
    weighted = tf * (k1 + 1.0) / (tf + norm[:, None])
    return np.asarray(weighted @ idf, dtype=np.float64)
