"""Optional process parallelism for large batches: keys and pair comparisons split over workers.

Used only when `DedupOptions.workers > 1` and the batch is large. Workers are forked, so the
records and keys reach them through process memory, not pickling; only each worker's results
(keys, and the few pair verdicts that are not plainly "distinct") travel back. POSIX only; where
fork is unavailable the caller falls back to one process. Results are identical to one process.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence

from lreview.dedup.compare import DISTINCT, Verdict, compare
from lreview.dedup.keys import Keys, keys_of
from lreview.records import Record

CHUNK = 4000

# Set once in each forked worker by its initializer (never in the parent process).
_worker_records: Sequence[Record] = ()
_worker_keys: Sequence[Keys] = ()
_worker_link_related = True


def available() -> bool:
    """True when worker processes can be forked here."""
    return "fork" in multiprocessing.get_all_start_methods()


def keys_in_workers(records: Sequence[Record], workers: int) -> list[Keys]:
    """`keys_of` over `records`, in `workers` forked processes."""
    spans = [(start, min(start + CHUNK, len(records))) for start in range(0, len(records), CHUNK)]
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_init_records, initargs=(records,)) as pool:
        parts = pool.map(_keys_span, spans)
    return [k for part in parts for k in part]


def compare_in_workers(
    keys: Sequence[Keys], pairs: list[tuple[int, int]], link_related: bool, workers: int
) -> dict[tuple[int, int], Verdict]:
    """Verdicts of `pairs` that are not plainly distinct, computed in `workers` forked processes."""
    chunks = [pairs[start : start + CHUNK * 4] for start in range(0, len(pairs), CHUNK * 4)]
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_init_keys, initargs=(keys, link_related)) as pool:
        parts = pool.map(_compare_chunk, chunks)
    return {pair: verdict for part in parts for pair, verdict in part}


def _init_records(records: Sequence[Record]) -> None:
    global _worker_records
    _worker_records = records


def _init_keys(keys: Sequence[Keys], link_related: bool) -> None:
    global _worker_keys, _worker_link_related
    _worker_keys = keys
    _worker_link_related = link_related


def _keys_span(span: tuple[int, int]) -> list[Keys]:
    return [keys_of(_worker_records[i]) for i in range(*span)]


def _compare_chunk(chunk: list[tuple[int, int]]) -> list[tuple[tuple[int, int], Verdict]]:
    keys, link_related = _worker_keys, _worker_link_related
    found = []
    for i, j in chunk:
        verdict = compare(keys[i], keys[j], link_related)
        if verdict.decision != DISTINCT or verdict.guard:
            found.append(((i, j), verdict))
    return found
