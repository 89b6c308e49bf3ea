"""A review's feature matrices kept on disk between re-ranks, so each ingest pays only for the refit.

Fitting the vectoriser over every record of a large review takes seconds (about 20 s for 50,000
records); refitting the classifier and re-ranking takes a fraction of a second. The matrices depend on
the records' text and the model's feature settings only, never on the labels, so they are saved once
(`numpy.savez`, no pickle) with a key: a SHA-256 over the lreview version, the model's description and,
in order, every field a feature extractor reads. A cache whose key differs (a record added, revised or
re-clustered; another model or version), or which cannot be read, is rebuilt and replaced atomically.
Not for: anything the store must keep; deleting the cache file only costs time.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from lreview import __version__
from lreview.rank.active import ModelConfig, build_features
from lreview.records import Record

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
    path: Path, records: Sequence[Record], config: ModelConfig, *, key: str | None = None
) -> tuple[sp.csr_matrix, ...]:
    """The feature views of `records` from `path` when its key matches, else built and saved there.

    `key` (default `content_key`) may come from elsewhere, e.g. the store's content hashes of the
    records: then `records` are read only when the features must be built.
    """
    key = key or content_key(records, config)
    views = _load(path, key)
    if views is None:
        views = build_features(records, config)
        _save(path, key, views)
    return views


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
