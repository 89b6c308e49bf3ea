"""A review's feature matrices kept on disk between re-ranks, so each ingest pays only for the refit.

Fitting the vectoriser over every record of a large review takes seconds (about 20 s for 50,000
records); refitting the classifier and re-ranking takes a fraction of a second. The matrices depend on
the records' text and the model's feature settings only, never on the labels, so they are saved once
(`numpy.savez`, no pickle) with a key: a SHA-256 over the lreview version, the model's description and,
in order, every field a feature extractor reads. A cache whose key differs (a record added, revised or
re-clustered; another model or version), or which cannot be read, is rebuilt and replaced atomically.
When the matrices must be rebuilt because records were added, revised or re-clustered, a second
file beside it (`.counts.npz`) holds each record's term counts (`lreview.rank.counts`), keyed by the
store's content hashes: only the records not in it are read and tokenised, and the TF-IDF views are
recomputed from the combined counts (a fit from scratch gives the same entries; values agree to
within 1e-15, rounding in the last bit).
Not for: anything the store must keep; deleting the cache files only costs time.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from lreview import __version__
from lreview.rank.active import ModelConfig, build_features
from lreview.rank.counts import TermCounts, combine, count_terms, views_from_counts
from lreview.records import Record

Reader = Callable[[Sequence[int]], Sequence[Record]]  # records by position, for those not counted yet

_FIELD = "\x1f"
_RECORD = "\x1e"


def content_key(records: Sequence[Record], config: ModelConfig) -> str:
    """Hex digest of everything the features of `records` under `config` depend on."""
    digest = hashlib.sha256(f"{__version__}{_RECORD}{config.describe()}{_RECORD}".encode())
    for record in records:
        fields = (
            record.title,
            record.abstract,
            *record.mesh,
            _FIELD,
            *record.keywords,
            _FIELD,
            *record.publication_types,
        )
        digest.update((_FIELD.join(fields) + _RECORD).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def hashes_key(hashes: Iterable[str], config: ModelConfig) -> str:
    """A cache key from content hashes of the records, in order (e.g. the store's): it changes with
    any field of a record, so it may rebuild a little more often than `content_key`."""
    digest = hashlib.sha256(f"{__version__}{_RECORD}{config.describe()}{_RECORD}hashes{_RECORD}".encode())
    for value in hashes:
        digest.update(f"{value}{_RECORD}".encode())
    return digest.hexdigest()


def cached_features(
    path: Path,
    records: Sequence[Record],
    config: ModelConfig,
    *,
    key: str | None = None,
    counts: tuple[Sequence[str], Reader] | None = None,
) -> tuple[sp.csr_matrix, ...]:
    """The feature views of `records` from `path` when its key matches, else built and saved there.

    `key` (default `content_key`) may come from elsewhere, e.g. the store's content hashes of the
    records: then `records` are read only when the features must be built. `counts` (those hashes,
    and a reader of records by position) builds them from the term-counts cache, reading only the
    records it has not counted.
    """
    key = key or content_key(records, config)
    views = _load(path, key)
    if views is None:
        views = counted_features(counts_path(path), *counts, config) if counts else None
        if views is None:
            views = build_features(records, config)
        _save(path, key, views)
    return views


def counts_path(path: Path) -> Path:
    """The term-counts cache beside the feature cache at `path`."""
    return path.with_name(path.stem + ".counts.npz")


def counted_features(
    path: Path, keys: Sequence[str], read: Reader, config: ModelConfig
) -> tuple[sp.csr_matrix, ...] | None:
    """The views of the records keyed `keys` (in order) from the counts at `path` and counts of the
    records not there (`read` by position), saved back; None if the model's features are not counts."""
    old_keys, old_words, old_terms = _load_counts(path, config) or ([], _EMPTY, _EMPTY)
    cached = {k: i for i, k in enumerate(old_keys)}
    fresh = [n for n, k in enumerate(keys) if k not in cached]
    new_words, new_terms = count_terms(read(fresh)) if fresh else (_EMPTY, _EMPTY)
    old_rows = [cached[k] for k in keys if k in cached]
    order, taken, added = [], 0, len(old_rows)
    for k in keys:
        if k in cached:
            order.append(taken)
            taken += 1
        else:
            order.append(added)
            added += 1
    words = combine(old_words, old_rows, new_words, order)
    terms = combine(old_terms, old_rows, new_terms, order)
    views = views_from_counts(words, terms, config)
    if views is not None:
        _save_counts(path, keys, words, terms, config)
    return views


_EMPTY = TermCounts([], sp.csr_matrix((0, 0), dtype=np.int64))


def _text_array(items: Sequence[str]) -> np.ndarray:
    return np.frombuffer("\n".join(items).encode("utf-8", "surrogatepass"), dtype=np.uint8)


def _text_list(array: np.ndarray) -> list[str]:
    text = array.tobytes().decode("utf-8", "surrogatepass")
    return text.split("\n") if text else []


def _save_counts(
    path: Path, keys: Sequence[str], words: TermCounts, terms: TermCounts, config: ModelConfig
) -> None:
    arrays: dict[str, np.ndarray] = {
        "model": np.array(f"{__version__}{_RECORD}{config.describe()}"),
        "keys": _text_array(keys),
    }
    for name, counts in (("words", words), ("terms", terms)):
        arrays |= {
            f"{name}_vocabulary": _text_array(counts.vocabulary),
            f"{name}_data": counts.matrix.data.astype(np.int32),
            f"{name}_indices": counts.matrix.indices.astype(np.int32),
            f"{name}_indptr": counts.matrix.indptr.astype(np.int64),
        }
    _write(path, arrays)


def _load_counts(path: Path, config: ModelConfig) -> tuple[list[str], TermCounts, TermCounts] | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["model"]) != f"{__version__}{_RECORD}{config.describe()}":
                return None
            keys = _text_list(data["keys"])
            found = []
            for name in ("words", "terms"):
                vocabulary = _text_list(data[f"{name}_vocabulary"])
                matrix = sp.csr_matrix(
                    (data[f"{name}_data"].astype(np.int64), data[f"{name}_indices"], data[f"{name}_indptr"]),
                    shape=(len(keys), len(vocabulary)),
                )
                found.append(TermCounts(vocabulary, matrix))
            return keys, found[0], found[1]
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None  # missing, from an older layout, or damaged: count every record


def _load(path: Path, key: str) -> tuple[sp.csr_matrix, ...] | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["key"]) != key:
                return None
            return tuple(
                sp.csr_matrix(
                    (data[f"data{i}"], data[f"indices{i}"], data[f"indptr{i}"]),
                    shape=tuple(int(n) for n in data[f"shape{i}"]),
                )
                for i in range(int(data["views"]))
            )
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None  # missing, from an older layout, or damaged: rebuild


def _save(path: Path, key: str, views: tuple[sp.csr_matrix, ...]) -> None:
    arrays: dict[str, np.ndarray] = {"key": np.array(key), "views": np.array(len(views))}
    for i, view in enumerate(views):
        arrays |= {
            f"data{i}": view.data,
            f"indices{i}": view.indices,
            f"indptr{i}": view.indptr,
            f"shape{i}": np.array(view.shape),
        }
    _write(path, arrays)


def _write(path: Path, arrays: dict[str, np.ndarray]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            np.savez(out, **arrays)  # type: ignore[arg-type]
        os.chmod(tmp, 0o644)  # mkstemp makes it owner-only; teammates' runs may read it too
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
