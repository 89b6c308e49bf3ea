"""Term counts: views from counts are the TF-IDF views of a fit from scratch (to the last bit of each
value), and counts of cached rows combined with counts of new rows equal counting everything."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from lreview.rank.active import build_features, get_model
from lreview.rank.counts import combine, count_terms, views_from_counts
from lreview.records import Record
from lreview.sources.loader import load_file


@pytest.fixture(scope="module")
def records(shared_data: Path) -> list[Record]:
    folder = shared_data / "dedup" / "normalized" / "stroke"
    if not folder.is_dir():
        pytest.skip(f"{folder} not found")
    found = load_file(folder / "records.csv")
    # controlled terms for the second block: the first words of the title, as MeSH-like headings
    return [replace(r, mesh=tuple(r.title.split()[:2]) if n % 3 else ()) for n, r in enumerate(found)]


def close(a: tuple[sp.csr_matrix, ...], b: tuple[sp.csr_matrix, ...]) -> bool:
    return len(a) == len(b) and all(
        x.shape == y.shape
        and np.array_equal(x.indptr, y.indptr)
        and np.array_equal(np.sort(x.indices), np.sort(y.indices))
        and abs(x - y).max() < 1e-15
        for x, y in zip(a, b, strict=True)
    )


@pytest.mark.parametrize("model", ["lreview", "elas_u4"])
def test_views_from_counts_are_a_fresh_fits_views(records: list[Record], model: str) -> None:
    config = get_model(model)
    views = views_from_counts(*count_terms(records), config)
    assert views is not None and close(views, build_features(records, config))


def test_a_small_review_is_left_to_a_fresh_fit(records: list[Record]) -> None:
    assert views_from_counts(*count_terms(records[:10]), get_model("lreview")) is None


def test_cached_rows_and_new_rows_combine_into_the_counts_of_everything(records: list[Record]) -> None:
    rng = random.Random(3)
    added = set(rng.sample(range(len(records)), len(records) // 5))
    dropped = set(rng.sample(sorted(set(range(len(records))) - added), 20))  # re-clustered away
    old = [n for n in range(len(records)) if n not in added]
    old_words, old_terms = count_terms([records[n] for n in old])
    new = sorted(added)
    new_words, new_terms = count_terms([records[n] for n in new])
    now = [n for n in range(len(records)) if n not in dropped]
    kept = [old.index(n) for n in now if n not in added]
    slot, order = {n: k for k, n in enumerate(n for n in now if n not in added)}, []
    for n in now:
        order.append(slot[n] if n not in added else len(kept) + new.index(n))
    words = combine(old_words, kept, new_words, order)
    terms = combine(old_terms, kept, new_terms, order)
    expected_words, expected_terms = count_terms([records[n] for n in now])
    for got, expected in ((words, expected_words), (terms, expected_terms)):
        assert got.vocabulary == expected.vocabulary
        assert (got.matrix != expected.matrix).nnz == 0
