"""Record text -> sparse feature matrix, fitted once over every record of a review.

Fitting the vectoriser on all records (labelled or not) is unsupervised and allowed in production, where
every record is known before screening starts; only the classifier is refitted as labels arrive.

Each extractor is a small object with one method, `fit_transform(records) -> csr_matrix`, chosen by name
from `FEATURES`; `fit_transform_views` also returns other views of the same records (the first is the
full matrix) for models that ensemble over views:
- "tfidf": ASReview's ELAS u4 extractor (title + abstract, word 1-2-grams, sublinear tf, max_df 0.95).
- "tfidf_meta": the same words, optionally a weighted title-only block, plus a weighted block for
  controlled terms (MeSH headings, keywords, publication types) as whole-term tokens; its second view
  is the words alone.
Not for: choosing or training a model (see `models`, `active`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from lreview.rank.registry import lookup
from lreview.records import Record

_SPACES = re.compile(r"\s+")


def record_text(record: Record) -> str:
    """Title and abstract as one string (the free text a reviewer reads)."""
    return f"{record.title} {record.abstract}".strip()


def record_terms(record: Record) -> list[str]:
    """Controlled-vocabulary tokens: MeSH headings, keywords, publication types, lower-cased, prefixed."""
    terms: list[str] = []
    for prefix, values in (("mesh", record.mesh), ("kw", record.keywords), ("pt", record.publication_types)):
        for value in values:
            clean = _SPACES.sub(" ", value.strip().lower().lstrip("*"))
            if not clean:
                continue
            terms.append(f"{prefix}:{clean}")
            if prefix == "mesh" and "/" in clean:  # "drug therapy/methods": also the bare descriptor
                terms.append(f"{prefix}:{clean.split('/', 1)[0]}")
    return terms


def _identity(terms: list[str]) -> list[str]:
    return terms


class FeatureExtractor(Protocol):
    @property
    def name(self) -> str: ...

    def fit_transform(self, records: Sequence[Record]) -> sp.csr_matrix: ...

    def fit_transform_views(self, records: Sequence[Record]) -> tuple[sp.csr_matrix, ...]: ...


def _word_vectorizer(min_df: int, max_df: float) -> TfidfVectorizer:
    return TfidfVectorizer(
        ngram_range=(1, 2), sublinear_tf=True, min_df=min_df, max_df=max_df, dtype=np.float64
    )


@dataclass(frozen=True)
class Tfidf:
    """ELAS u4's TF-IDF over title + abstract."""

    min_df: int = 1
    max_df: float = 0.95
    name: str = "tfidf"

    def fit_transform(self, records: Sequence[Record]) -> sp.csr_matrix:
        texts = [record_text(r) for r in records]
        try:
            return sp.csr_matrix(_word_vectorizer(self.min_df, self.max_df).fit_transform(texts))
        except ValueError:  # every text empty: no vocabulary, a single constant column
            return sp.csr_matrix(np.ones((len(records), 1), dtype=np.float64))

    def fit_transform_views(self, records: Sequence[Record]) -> tuple[sp.csr_matrix, ...]:
        """One view: the matrix itself."""
        return (self.fit_transform(records),)


@dataclass(frozen=True)
class TfidfMeta:
    """Word TF-IDF plus a weighted block of MeSH / keyword / publication-type tokens."""

    min_df: int = 1
    max_df: float = 0.95
    term_weight: float = 0.5
    title_weight: float = 0.0
    name: str = "tfidf_meta"

    def fit_transform(self, records: Sequence[Record]) -> sp.csr_matrix:
        return self.fit_transform_views(records)[0]

    def fit_transform_views(self, records: Sequence[Record]) -> tuple[sp.csr_matrix, ...]:
        """(words + terms, words) when any record has controlled terms, else (words,)."""
        words = Tfidf(self.min_df, self.max_df).fit_transform(records)
        if self.title_weight > 0:
            titles = [r.title for r in records]
            try:
                block = _word_vectorizer(2, self.max_df).fit_transform(titles)
                words = sp.csr_matrix(sp.hstack([words, block * self.title_weight], format="csr"))
            except ValueError:  # no title word shared by two records
                pass
        terms = [record_terms(r) for r in records]
        if not any(terms) or self.term_weight == 0:
            return (words,)
        vectorizer = TfidfVectorizer(
            analyzer=_identity, sublinear_tf=True, min_df=2, max_df=self.max_df, dtype=np.float64
        )
        try:
            block = vectorizer.fit_transform(terms)
        except ValueError:  # no term shared by two records
            return (words,)
        return sp.csr_matrix(sp.hstack([words, block * self.term_weight], format="csr")), words


FEATURES: dict[str, type[Tfidf] | type[TfidfMeta]] = {"tfidf": Tfidf, "tfidf_meta": TfidfMeta}


def get_features(name: str, **params: float) -> FeatureExtractor:
    """The feature extractor registered under `name`, with its parameters."""
    return lookup(FEATURES, name, "feature extractor")(**params)  # type: ignore[arg-type]
