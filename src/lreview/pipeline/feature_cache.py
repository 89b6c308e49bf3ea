"""A review's term counts kept on disk between re-ranks, so a re-rank counts only the records added.

Tokenising every record of a large review takes about a minute at 100,000 records; the TF-IDF views
the ranker needs follow from each record's term counts and the current set of records
(`lreview.rank.tfidf_views`), in well under a second. So the counts are kept in a folder
(`feature_cache_path`, files: `counts_files`), append-only: each re-rank that meets records not
counted yet (by content hash: a revised record is a new one) counts those, numbers their new terms
after the known ones (`rank.counts.Vocabulary`) and adds one segment with their rows (`.npy` files,
read memory-mapped, never decompressed); the manifest, replaced last and atomically, names the
segments in order; nothing else is rewritten. Rows no current record uses (re-clustered away,
revised) stay until they are more than a fifth of the rows, or the segments too many: then the
current rows are written again as one segment (compaction).
A folder from another model, lreview version or layout, or which cannot be read, is counted afresh and
replaced. Files are 0644 (teammates' runs may read them) and hold no pickles.
Not for: anything the store must keep; deleting the folder only costs time.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from lreview import __version__
from lreview.pipeline.counts_files import EMPTY, Block, Counted, Segment, load, save
from lreview.rank.active import ModelConfig, build_features
from lreview.rank.counts import TermCounts, Vocabulary, VocabularyPart, count_terms, rows_over_ids
from lreview.rank.models import Matrix
from lreview.rank.tfidf_views import StoredCounts, counted_model, repeats, views_from_counts
from lreview.records import Record

Reader = Callable[[Sequence[int]], Sequence[Record]]  # records by position, for those not counted yet

MAX_SEGMENTS = 12
MAX_UNUSED = 0.2  # share of stored rows no current record uses before compaction


def cached_features(
    folder: Path, config: ModelConfig, keys: Sequence[str], read: Reader
) -> tuple[Matrix, ...]:
    """The feature views of the records keyed `keys` (content hashes, in order): from the counts in
    `folder`, counting and adding the records not there (`read` by position); built from scratch
    over every record when the model's features are not such counts."""
    if not counted_model(config, len(keys)):
        return build_features(read(range(len(keys))), config)
    model = f"{__version__}\x1e{config.describe()}"
    stored = load(folder, model) or EMPTY
    rows, fresh = _place(stored.keys, keys)
    if fresh:
        stored = _added(stored, [keys[n] for n in fresh], read(fresh))
        first_use = rows[np.sort(np.unique(rows, return_index=True)[1])]  # each used row once
        unused = len(stored.keys) - first_use.size
        if unused > MAX_UNUSED * len(stored.keys) or len(stored.segments) > MAX_SEGMENTS:
            stored = _compacted(stored, first_use)
            rows, _ = _place(stored.keys, keys)
        save(folder, model, stored)
    words, terms = (b.counts for b in stored.blocks)
    views = views_from_counts(words, terms, rows, config)
    return views if views is not None else build_features(read(range(len(keys))), config)


def _place(stored: Sequence[str], keys: Sequence[str]) -> tuple[np.ndarray, list[int]]:
    """The stored row of each key (a key not stored gets the next new row) and the positions of the
    keys not stored (each key once)."""
    index = dict(zip(stored, range(len(stored)), strict=True))
    rows = np.fromiter((index.get(k, -1) for k in keys), dtype=np.int64, count=len(keys))
    fresh: list[int] = []
    for n in np.flatnonzero(rows < 0).tolist():
        row = index.get(keys[n])
        if row is None:
            row = index[keys[n]] = len(stored) + len(fresh)
            fresh.append(n)
        rows[n] = row
    return rows, fresh


def _added(stored: Counted, keys: list[str], records: Sequence[Record]) -> Counted:
    """`stored` with a segment of `records`' counts (keyed `keys`) appended."""
    blocks = []
    for block, counts in zip(stored.blocks, count_terms(records), strict=True):
        ids, vocabulary, part = _numbered(block.vocabulary, counts)
        rows = rows_over_ids(counts, ids, vocabulary.size)
        df = np.zeros(vocabulary.size, dtype=np.int32)
        df[: block.counts.df.size] = block.counts.df
        np.add.at(df, rows.indices, 1)
        parts = tuple(_widened(p, vocabulary.size) for p in block.counts.parts) + (rows,)
        extra = tuple(_widened(p, vocabulary.size) for p in block.counts.extra) + (repeats(rows),)
        blocks.append(Block(StoredCounts(parts, extra, df), vocabulary))
    segment = Segment(_new_name(), len(keys), blocks[0].vocabulary.size, blocks[1].vocabulary.size)
    return Counted(
        (*stored.segments, segment), (*stored.keys, *keys), (blocks[0], blocks[1]), stored.unsaved + 1
    )


def _numbered(vocabulary: Vocabulary, counts: TermCounts) -> tuple[np.ndarray, Vocabulary, VocabularyPart]:
    """`Vocabulary.number` of the counted terms, new ones numbered most frequent first (so the terms
    most rows use sit together in memory: the products over the rows read fewer cache lines)."""
    order = np.argsort(-np.bincount(counts.matrix.indices, minlength=len(counts.vocabulary)), kind="stable")
    ids, vocabulary, part = vocabulary.number([counts.vocabulary[k] for k in order.tolist()])
    numbers = np.empty_like(ids)
    numbers[order] = ids
    return numbers, vocabulary, part


def _compacted(stored: Counted, rows: np.ndarray) -> Counted:
    """Only stored rows `rows`, in that order, as one segment (term numbers and vocabulary kept)."""
    blocks = []
    for block in stored.blocks:
        matrix = block.counts.take(rows)
        df = np.bincount(matrix.indices, minlength=block.counts.df.size).astype(np.int32)
        counts = StoredCounts((matrix,), (repeats(matrix),), df)
        blocks.append(Block(counts, _merged(block.vocabulary)))
    segment = Segment(_new_name(), rows.size, blocks[0].vocabulary.size, blocks[1].vocabulary.size)
    keys = tuple(stored.keys[r] for r in rows.tolist())
    return Counted((segment,), keys, (blocks[0], blocks[1]), 1)


def _new_name() -> str:
    return uuid.uuid4().hex[:16]


def _merged(vocabulary: Vocabulary) -> Vocabulary:
    parts = vocabulary.parts
    part = VocabularyPart.of(
        *(np.concatenate([getattr(p, f) for p in parts]) for f in ("high", "low", "ids"))
    )
    return Vocabulary((part,), vocabulary.size)


def _widened(part: sp.csr_matrix, width: int) -> sp.csr_matrix:
    return sp.csr_matrix((part.data, part.indices, part.indptr), shape=(part.shape[0], width))
