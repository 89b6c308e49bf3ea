"""Extra feature views of a review's records, for models that ensemble one classifier per view.

Each view is a function `records -> csr_matrix` fitted over every record (unsupervised, transductive),
chosen by name from `VIEWS`:
- "char": character 3-5-gram TF-IDF (within word boundaries, sublinear) over title + abstract; shares
  evidence between inflections and drug-name stems that word tokens keep apart.
- "lsa": latent semantic analysis (truncated SVD, 100 dimensions) of the word TF-IDF, rows
  L2-normalised; links records that use related but different words.
Not for: the main view (see `features`) or how views are combined (see `active`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from lreview.rank.features import Tfidf, record_text
from lreview.records import Record


def char_view(records: Sequence[Record]) -> sp.csr_matrix:
    """Character 3-5-gram TF-IDF of title + abstract."""
    texts = [record_text(r) for r in records]
    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, max_df=0.95, dtype=np.float64
    )
    try:
        return sp.csr_matrix(vectorizer.fit_transform(texts))
    except ValueError:  # every text empty
        return sp.csr_matrix(np.ones((len(records), 1), dtype=np.float64))


def lsa_view(records: Sequence[Record], dims: int = 100) -> sp.csr_matrix:
    """Truncated SVD of the word TF-IDF (fixed random state), rows L2-normalised."""
    words = Tfidf().fit_transform(records)
    k = min(dims, words.shape[0] - 1, words.shape[1] - 1)
    if k < 1:
        return sp.csr_matrix(np.ones((len(records), 1), dtype=np.float64))
    dense = TruncatedSVD(n_components=k, random_state=0).fit_transform(words)
    return sp.csr_matrix(normalize(dense))


VIEWS: dict[str, Callable[[Sequence[Record]], sp.csr_matrix]] = {"char": char_view, "lsa": lsa_view}


def get_view(name: str) -> Callable[[Sequence[Record]], sp.csr_matrix]:
    """The view function registered under `name`."""
    try:
        return VIEWS[name]
    except KeyError:
        raise ValueError(f"unknown view {name!r}; known: {sorted(VIEWS)}") from None
