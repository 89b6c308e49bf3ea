"""Term counts per record, kept so that re-ranking after records are added only counts the added ones.

`count_terms` counts word 1-2-grams (title + abstract) and controlled terms of some records, as the
TF-IDF extractors (`features.Tfidf`, `features.TfidfMeta`) tokenise them. `Vocabulary` gives each term
a number for good: a term first seen later is numbered after every earlier one (append-only, so
stored rows never need renumbering), found again by a 128-bit hash of its text (no term strings are
kept or compared; two terms sharing a hash is as unlikely as two records sharing a SHA-256 content
hash). `rows_over_ids` turns counts into rows of sublinear term frequencies (1 + log tf) over those
numbers: what `tfidf_views` builds the TF-IDF views from.
Not for: files (the pipeline's `feature_cache` keeps these arrays on disk) or the TF-IDF itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

from lreview.rank.features import record_terms, record_text
from lreview.records import Record


@dataclass(frozen=True)
class TermCounts:
    """Counts of each vocabulary term (in first-seen order) in each row (CSR, sorted indices, int64)."""

    vocabulary: list[str]
    matrix: sp.csr_matrix


def _identity(terms: list[str]) -> list[str]:
    return terms


_WORDS = CountVectorizer(ngram_range=(1, 2)).build_analyzer()  # TfidfVectorizer's, for the same terms


def count_terms(records: Sequence[Record]) -> tuple[TermCounts, TermCounts]:
    """(word 1-2-gram counts of title + abstract, controlled-term counts) of `records`."""
    return (
        _counted(_WORDS, [record_text(r) for r in records]),
        _counted(_identity, [record_terms(r) for r in records]),
    )


def _counted(analyze: Callable[[Any], list[str]], docs: Sequence[Any]) -> TermCounts:
    """What CountVectorizer counts, without sorting the vocabulary (its numbers are ours to give)."""
    vocabulary: dict[str, int] = {}
    indices: list[int] = []
    values: list[int] = []
    indptr = [0]
    for doc in docs:
        counts: dict[int, int] = {}
        for term in analyze(doc):
            number = vocabulary.setdefault(term, len(vocabulary))
            counts[number] = counts.get(number, 0) + 1
        indices += counts
        values += counts.values()
        indptr.append(len(indices))
    matrix = sp.csr_matrix(
        (
            np.array(values, dtype=np.int64),
            np.array(indices, dtype=np.int64),
            np.array(indptr, dtype=np.int64),
        ),
        shape=(len(docs), len(vocabulary)),
    )
    matrix.sort_indices()
    return TermCounts(list(vocabulary), matrix)


def term_hashes(terms: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Two uint64 halves (high, low) of each term's BLAKE2b-128 hash."""
    digests = b"".join(
        hashlib.blake2b(t.encode("utf-8", "surrogatepass"), digest_size=16).digest() for t in terms
    )
    halves = np.frombuffer(digests, dtype=">u8").astype(np.uint64).reshape(-1, 2)
    return np.ascontiguousarray(halves[:, 0]), np.ascontiguousarray(halves[:, 1])


@dataclass(frozen=True)
class VocabularyPart:
    """Terms numbered at one time: hash halves sorted by (high, low), and each term's number."""

    high: np.ndarray  # uint64
    low: np.ndarray  # uint64
    ids: np.ndarray  # int64

    @staticmethod
    def of(high: np.ndarray, low: np.ndarray, ids: np.ndarray) -> VocabularyPart:
        order = np.lexsort((low, high))
        return VocabularyPart(high[order], low[order], ids[order])

    def find(self, high: np.ndarray, low: np.ndarray) -> np.ndarray:
        """Each hash's number in this part, or -1."""
        found = np.full(high.size, -1, dtype=np.int64)
        order = np.argsort(high, kind="stable")  # sorted needles: each search starts where the last ended
        high, low = high[order], low[order]
        at = np.searchsorted(self.high, high)
        pending = np.arange(high.size)
        while pending.size:  # walk along hashes sharing the high half until the low half matches
            pending = pending[at[pending] < self.high.size]
            pending = pending[self.high[at[pending]] == high[pending]]
            hit = self.low[at[pending]] == low[pending]
            found[order[pending[hit]]] = self.ids[at[pending[hit]]]
            pending = pending[~hit]
            at[pending] += 1
        return found


@dataclass(frozen=True)
class Vocabulary:
    """Term numbers 0..size-1, found by hash in the parts numbered so far."""

    parts: tuple[VocabularyPart, ...]
    size: int

    def number(self, terms: Sequence[str]) -> tuple[np.ndarray, Vocabulary, VocabularyPart]:
        """Each term's number (new ones numbered from `size`, in the order given), the vocabulary
        with them, and the part they make (to keep)."""
        high, low = term_hashes(terms)
        ids = np.full(len(terms), -1, dtype=np.int64)
        for part in self.parts:
            missing = ids < 0
            if not missing.any():
                break
            ids[missing] = part.find(high[missing], low[missing])
        new = np.flatnonzero(ids < 0)
        ids[new] = self.size + np.arange(new.size)
        part = VocabularyPart.of(high[new], low[new], ids[new])
        return ids, Vocabulary((*self.parts, part), self.size + new.size), part


EMPTY_VOCABULARY = Vocabulary((), 0)


def rows_over_ids(counts: TermCounts, ids: np.ndarray, width: int) -> sp.csr_matrix:
    """`counts` as rows of 1 + log(tf) (float64) over term numbers `ids` (one per vocabulary term),
    `width` columns; int32 indices, sorted in each row."""
    matrix = counts.matrix
    rows = sp.csr_matrix(
        (
            np.log(matrix.data.astype(np.float64)) + 1.0,
            ids[matrix.indices].astype(np.int32),
            matrix.indptr.astype(np.int64),
        ),
        shape=(matrix.shape[0], width),
    )
    rows.sort_indices()
    return rows
