"""Term counts and the TF-IDF views made from them: the rows a fit from scratch gives, and the same
scores, however the counts were stored (in parts, with rows no record uses, rows two records share)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

from lreview.rank.active import ActiveLearner, build_features, get_model
from lreview.rank.counts import EMPTY_VOCABULARY, Vocabulary, VocabularyPart, count_terms, rows_over_ids
from lreview.rank.features import record_terms, record_text
from lreview.rank.models import get_classifier
from lreview.rank.tfidf_views import StoredCounts, repeats, views_from_counts
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


def stored(*batches: list[Record]) -> tuple[StoredCounts, StoredCounts]:
    """(words, terms) counts of `batches`, one stored part each, numbered as the pipeline does."""
    blocks = []
    for block in range(2):
        vocabulary, parts = EMPTY_VOCABULARY, []
        for batch in batches:
            counts = count_terms(batch)[block]
            order = sorted(range(len(counts.vocabulary)), key=counts.vocabulary.__getitem__)
            ids, vocabulary, _ = vocabulary.number([counts.vocabulary[k] for k in order])
            numbers = np.empty_like(ids)
            numbers[order] = ids  # in one go: numbered as the sorted vocabulary of a fresh fit
            parts.append(rows_over_ids(counts, numbers, vocabulary.size))
        width = vocabulary.size
        parts = [sp.csr_matrix((p.data, p.indices, p.indptr), shape=(p.shape[0], width)) for p in parts]
        df = sum((np.bincount(p.indices, minlength=width) for p in parts), np.zeros(width, np.int64))
        blocks.append(StoredCounts(tuple(parts), tuple(repeats(p) for p in parts), df))
    return blocks[0], blocks[1]


def fitted_scores(views: tuple[object, ...], model: str, n: int) -> np.ndarray:
    rng = np.random.default_rng(2)
    labelled = np.sort(rng.choice(n, 200, replace=False))
    labels = (np.arange(200) % 6 == 0).astype(np.int64)
    learner = ActiveLearner(views, get_model(model))  # type: ignore[arg-type]
    return learner.scores(labelled, labels, refit=True)


@pytest.mark.parametrize("model", ["lreview", "elas_u4"])
def test_counted_in_one_go_the_views_rows_are_a_fresh_fits_rows(records: list[Record], model: str) -> None:
    config = get_model(model)
    views = views_from_counts(*stored(records), np.arange(len(records)), config)
    fresh = build_features(records, config)
    assert views is not None and len(views) == len(fresh)
    everyone = np.arange(len(records))
    for view, matrix in zip(views, fresh, strict=True):
        rows = view[everyone]
        assert view.shape == rows.shape == matrix.shape
        assert np.array_equal(rows.indptr, matrix.indptr) and abs(rows - matrix).max() < 1e-15


@pytest.mark.parametrize("model", ["lreview", "elas_u4"])
def test_counts_stored_in_parts_with_unused_and_shared_rows_score_as_a_fresh_fit(
    records: list[Record], model: str
) -> None:
    n = len(records)
    split = int(n * 0.7)
    unused = records[5:40]  # stored again, then re-clustered away
    words, terms = stored(records[:split], unused + records[split:], records[:3])
    rows = np.concatenate([np.arange(split), split + len(unused) + np.arange(n - split)])
    rows[[7, 8]] = split + len(unused) + (n - split) + np.array([0, 1])  # the third part holds these
    now = list(records)
    now[7], now[8] = records[0], records[1]  # a record whose content another one has too
    views = views_from_counts(words, terms, rows, get_model(model))
    fresh = build_features(now, get_model(model))
    assert views is not None
    for view, matrix in zip(views, fresh, strict=True):
        assert view.shape == matrix.shape
        some = np.arange(0, n, 7)
        gram = view[some] @ view[some].T  # columns are in another order: compare row products
        assert abs(gram - matrix[some] @ matrix[some].T).max() < 1e-12
    ours, theirs = fitted_scores(views, model, n), fitted_scores(fresh, model, n)
    assert abs(ours - theirs).max() < 1e-9
    assert np.array_equal(np.argsort(-ours, kind="stable"), np.argsort(-theirs, kind="stable"))


@pytest.mark.parametrize("name", ["svm", "logistic", "nb", "svm_nb"])
def test_each_classifier_scores_a_counted_view_as_the_matrix_itself(records: list[Record], name: str) -> None:
    view = views_from_counts(*stored(records), np.arange(len(records)), get_model("lreview"))[0]  # type: ignore[index]
    matrix = view[np.arange(len(records))]
    train = np.arange(0, len(records), 4)
    labels = (train % 3 == 0).astype(np.int64)
    classifier = get_classifier(name)
    weights = np.ones(train.size)
    ours = classifier.fit_score(view[train], labels, weights, view)
    assert abs(ours - classifier.fit_score(matrix[train], labels, weights, matrix)).max() < 1e-9


def test_a_small_review_is_left_to_a_fresh_fit(records: list[Record]) -> None:
    assert views_from_counts(*stored(records[:10]), np.arange(10), get_model("lreview")) is None


def test_counts_are_what_the_vectoriser_counts(records: list[Record]) -> None:
    words, terms = count_terms(records)
    vectorisers = (CountVectorizer(ngram_range=(1, 2)), CountVectorizer(analyzer=lambda terms: terms))
    texts = ([record_text(r) for r in records], [record_terms(r) for r in records])
    for counts, fitted, docs in zip((words, terms), vectorisers, texts, strict=True):
        expected = fitted.fit_transform(docs)
        order = np.argsort(counts.vocabulary)
        assert [counts.vocabulary[k] for k in order] == list(fitted.get_feature_names_out())
        assert (counts.matrix[:, order] != expected).nnz == 0


def test_terms_keep_their_numbers_and_new_ones_are_numbered_after_them() -> None:
    ids, vocabulary, part = EMPTY_VOCABULARY.number(["b", "a", "c"])
    assert ids.tolist() == [0, 1, 2] and vocabulary.size == 3 and part.ids.size == 3
    ids, vocabulary, part = vocabulary.number(["c", "d", "a", "e"])
    assert ids.tolist() == [2, 3, 1, 4] and vocabulary.size == 5 and sorted(part.ids.tolist()) == [3, 4]
    ids, _, part = vocabulary.number(["e", "b"])
    assert ids.tolist() == [4, 0] and part.ids.size == 0


def test_a_term_is_found_when_another_shares_the_high_half_of_its_hash() -> None:
    high = np.array([7, 7, 7, 9], dtype=np.uint64)
    low = np.array([3, 1, 2, 1], dtype=np.uint64)
    part = VocabularyPart.of(high, low, np.array([10, 11, 12, 13]))
    query_high = np.array([7, 7, 7, 9, 7, 8], dtype=np.uint64)
    query_low = np.array([1, 2, 3, 1, 4, 1], dtype=np.uint64)
    assert part.find(query_high, query_low).tolist() == [11, 12, 10, 13, -1, -1]
    assert Vocabulary((part,), 14).size == 14
