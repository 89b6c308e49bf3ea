"""The files of the term-counts cache (`feature_cache`): a folder of `.npy` arrays and a manifest.

    manifest.json                 layout, lreview version + model, the segments in order
    <segment>.keys.json           content hash of each row the segment stores
    <segment>.<block>.<array>.npy block "words" or "terms": the rows (data: 1 + log tf, float64;
                                  indices: term numbers, int32; indptr, int64) and the terms the
                                  segment numbered (high, low: hash halves; ids)
    <first segment>.<block>.df.npy document frequency of each term over the first segment's rows
                                  (int32; the later, small segments' rows are counted in on reading)

Arrays are read memory-mapped and checked (types, lengths, term numbers in range) before use: a folder
that fails a check, or any file of it, reads as no cache. Writing puts each new file in place
atomically (temporary file, then rename), the manifest last; then deletes what it no longer names
and the cache files of the layout before this one. Files are 0644, hold no pickles.
Not for: deciding what to store (see `feature_cache`).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from lreview.rank.counts import EMPTY_VOCABULARY, Vocabulary, VocabularyPart
from lreview.rank.tfidf_views import StoredCounts

LAYOUT = "lreview term counts 1"
BLOCKS = ("words", "terms")
_ROW_ARRAYS = {"data": np.float64, "indices": np.int32, "indptr": np.int64}
_EXTRA = "x"  # the same three arrays of the repeats (`tfidf_views.repeats`) start with it
_TERM_ARRAYS = {"high": np.uint64, "low": np.uint64, "ids": np.int64}


@dataclass(frozen=True)
class Block:
    """One block's stored rows, document frequencies and vocabulary (part i: segment i's terms)."""

    counts: StoredCounts
    vocabulary: Vocabulary


@dataclass(frozen=True)
class Segment:
    """Rows stored together and the terms they numbered: how many rows, vocabulary sizes after."""

    name: str
    rows: int
    words: int
    terms: int


@dataclass(frozen=True)
class Counted:
    """What the folder holds (segment i: part i of each block), the key of each stored row, and how
    many of the last segments are not written yet."""

    segments: tuple[Segment, ...]
    keys: tuple[str, ...]
    blocks: tuple[Block, Block]
    unsaved: int = 0


_NO_BLOCK = Block(StoredCounts((), (), np.zeros(0, np.int32)), EMPTY_VOCABULARY)
EMPTY = Counted((), (), (_NO_BLOCK, _NO_BLOCK))


def load(folder: Path, model: str) -> Counted | None:
    """The counts in `folder` if written for `model` in this layout and whole, else None."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
        if manifest["layout"] != LAYOUT or manifest["model"] != model or not manifest["segments"]:
            return None
        segments = tuple(Segment(str(s["name"]), int(s["rows"]), int(s["words"]), int(s["terms"]))
                         for s in manifest["segments"])  # fmt: skip
        keys: list[str] = []
        for segment in segments:
            found = json.loads((folder / f"{segment.name}.keys.json").read_text("utf-8"))
            if (
                not isinstance(found, list)
                or len(found) != segment.rows
                or not all(isinstance(k, str) for k in found)
            ):
                raise ValueError("keys")
            keys += found
        words, terms = (_block(folder, segments, name) for name in BLOCKS)
        return Counted(segments, tuple(keys), (words, terms))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # missing, from another layout, or damaged: count afresh


def _block(folder: Path, segments: tuple[Segment, ...], name: str) -> Block:
    parts, extra, vocabulary, before = [], [], [], 0
    width = getattr(segments[-1], name)
    for segment in segments:
        size = getattr(segment, name)
        if size < before:
            raise ValueError(f"{segment.name}.{name}: vocabulary size")
        parts.append(_rows(folder, f"{segment.name}.{name}.", segment.rows, size, width))
        extra.append(_rows(folder, f"{segment.name}.{name}.{_EXTRA}", segment.rows, size, width))
        part = {
            a: _array(folder / f"{segment.name}.{name}.{a}.npy", t, size - before)
            for a, t in _TERM_ARRAYS.items()
        }
        ids = part["ids"]
        if ids.size and (ids.min() < before or ids.max() >= size):
            raise ValueError(f"{segment.name}.{name}: term numbers")
        vocabulary.append(VocabularyPart(part["high"], part["low"], ids))
        before = size
    df = _array(folder / f"{segments[0].name}.{name}.df.npy", np.int32, getattr(segments[0], name))
    if len(segments) > 1:  # the later segments' rows counted in
        df = np.concatenate([df, np.zeros(width - df.size, dtype=np.int32)])
        for part in parts[1:]:
            np.add.at(df, part.indices, 1)
    return Block(StoredCounts(tuple(parts), tuple(extra), df), Vocabulary(tuple(vocabulary), width))


def _rows(folder: Path, prefix: str, n_rows: int, size: int, width: int) -> sp.csr_matrix:
    """Stored rows (arrays `<prefix>data.npy` ...), checked: term numbers below `size`."""
    data, indices, indptr = (_array(folder / f"{prefix}{a}.npy", t) for a, t in _ROW_ARRAYS.items())
    if (
        indptr.size != n_rows + 1
        or indptr[0] != 0
        or indptr[-1] != data.size
        or indices.size != data.size
        or np.any(np.diff(indptr) < 0)
        or (indices.size and (indices.min() < 0 or indices.max() >= size))
    ):
        raise ValueError(f"{prefix}: rows")
    return sp.csr_matrix((data, indices, indptr), shape=(n_rows, width))


def _array(path: Path, dtype: type, size: int | None = None) -> np.ndarray:
    array: np.ndarray = np.load(path, mmap_mode="r", allow_pickle=False)
    if array.dtype != dtype or array.ndim != 1 or (size is not None and array.size != size):
        raise ValueError(f"{path.name}: not a {dtype.__name__} array of {size} values")
    return array


def save(folder: Path, model: str, counted: Counted) -> None:
    """Write the unsaved segments, the document frequencies and the manifest; delete the rest."""
    folder.mkdir(parents=True, exist_ok=True)
    first = len(counted.segments) - counted.unsaved
    for k in range(first, len(counted.segments)):
        name = counted.segments[k].name
        start = sum(s.rows for s in counted.segments[:k])
        _write(
            folder / f"{name}.keys.json",
            json.dumps(counted.keys[start : start + counted.segments[k].rows]).encode(),
        )
        for block_name, block in zip(BLOCKS, counted.blocks, strict=True):
            rows, extra, part = block.counts.parts[k], block.counts.extra[k], block.vocabulary.parts[k]
            prefix = folder / f"{name}.{block_name}."
            for array_name, dtype in _ROW_ARRAYS.items():
                _write(Path(f"{prefix}{array_name}.npy"), np.asarray(getattr(rows, array_name), dtype))
                _write(
                    Path(f"{prefix}{_EXTRA}{array_name}.npy"), np.asarray(getattr(extra, array_name), dtype)
                )
            for array_name, dtype in _TERM_ARRAYS.items():
                _write(Path(f"{prefix}{array_name}.npy"), np.asarray(getattr(part, array_name), dtype))
    if first == 0:  # then the only segment: a first count or a compaction
        name = counted.segments[0].name
        for block_name, block in zip(BLOCKS, counted.blocks, strict=True):
            _write(folder / f"{name}.{block_name}.df.npy", np.asarray(block.counts.df, dtype=np.int32))
    manifest = {"layout": LAYOUT, "model": model, "segments": [vars(s) for s in counted.segments]}
    _write(folder / "manifest.json", json.dumps(manifest, indent=1).encode())
    _tidy(folder, {s.name for s in counted.segments})


def _tidy(folder: Path, names: set[str]) -> None:
    """Delete segment files the manifest no longer names, and the previous layout's caches."""
    for path in folder.iterdir():
        if path.name.startswith("."):  # being written, or left by a crash: deleted a day later
            if path.name.endswith(".tmp") and time.time() - path.stat().st_mtime > 86400:
                path.unlink(missing_ok=True)
        elif path.name != "manifest.json" and path.name.split(".")[0] not in names:
            path.unlink(missing_ok=True)
    for old in (folder.with_name(folder.name + ".npz"), folder.with_name(folder.name + ".counts.npz")):
        old.unlink(missing_ok=True)


def _write(path: Path, content: bytes | np.ndarray) -> None:
    """Put `content` (bytes, or an array as .npy) at `path` atomically, readable by the team."""
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            if isinstance(content, bytes):
                out.write(content)
            else:
                np.save(out, content, allow_pickle=False)
        os.chmod(tmp, 0o644)  # mkstemp makes it owner-only; teammates' runs may read it too
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
