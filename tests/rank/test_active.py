"""Production ranking: cold start by similarity to the question, then the trained model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pytest
import scipy.sparse as sp

from lreview.rank.active import ModelConfig, rank_records
from lreview.records import Record


def _records() -> list[Record]:
    texts = [
        (
            "Low-dose naltrexone in endometriosis",
            "Pain scores fell with low-dose naltrexone.",
            ("Naltrexone",),
        ),
        ("Statins after myocardial infarction", "Cholesterol lowering and mortality.", ("Statins",)),
        ("Naltrexone for chronic pelvic pain", "Endometriosis-associated pain improved.", ("Naltrexone",)),
        ("Alpine soil microbiome", "Bacterial diversity in meadows.", ()),
        ("Retinal imaging with deep learning", "Segmentation of the retina.", ()),
        ("Endometriosis pain and opioid antagonists", "Naltrexone trial in women.", ("Naltrexone",)),
    ]
    return [
        Record(source="test", source_id=str(i), title=t, abstract=a, mesh=m)
        for i, (t, a, m) in enumerate(texts)
    ]


def test_cold_start_ranks_by_similarity_to_the_question() -> None:
    ranking = rank_records(_records(), {}, query_text="low-dose naltrexone endometriosis pain")
    assert not ranking.trained
    assert set(ranking.order[:3]) == {0, 2, 5}
    assert ranking.n_includes == ranking.n_excludes == 0


def test_seed_include_alone_is_used_for_cold_start_and_not_reranked() -> None:
    ranking = rank_records(_records(), {}, seed_includes=[0])
    assert not ranking.trained and 0 not in ranking.order
    assert set(ranking.order[:2]) == {2, 5}


def test_trains_once_an_include_and_an_exclude_are_known() -> None:
    ranking = rank_records(_records(), {0: True, 1: False}, seed=4)
    assert ranking.trained and ranking.n_includes == 1 and ranking.n_excludes == 1
    assert sorted(ranking.order) == [2, 3, 4, 5]
    assert set(ranking.order[:2]) == {2, 5}
    assert list(ranking.scores) == sorted(ranking.scores, reverse=True)
    assert ranking == rank_records(_records(), {0: True, 1: False}, seed=4)
    assert "lreview" in ranking.model


def test_a_custom_feature_builder_is_used_only_once_the_classifier_trains() -> None:
    from lreview.rank.active import build_features

    calls = []

    def counting(records: Sequence[Record], config: ModelConfig) -> tuple[sp.csr_matrix, ...]:
        calls.append(len(records))
        return build_features(records, config)

    records = _records()
    rank_records(records, {}, query_text="naltrexone", build=counting)
    assert calls == []  # cold start: no features
    with_builder = rank_records(records, {0: True, 3: False}, seed=2, build=counting)
    assert calls == [len(records)]
    assert with_builder == rank_records(records, {0: True, 3: False}, seed=2)


def test_default_model_adds_a_words_only_view_when_records_have_mesh() -> None:
    from lreview.rank.active import build_features, get_model

    records = _records()
    views = build_features(records, get_model("lreview"))
    assert len(views) == 2 and views[0].shape[1] > views[1].shape[1]
    plain = [Record(source="t", source_id=r.source_id, title=r.title, abstract=r.abstract) for r in records]
    assert len(build_features(plain, get_model("lreview"))) == 1
    assert len(build_features(records, get_model("elas_u4"))) == 1


@pytest.mark.parametrize("weight", [None, 0.3])
def test_ensemble_score_is_main_zscore_plus_weighted_words_only_zscore(weight: float | None) -> None:
    from lreview.rank.active import ActiveLearner, build_features, get_model
    from lreview.rank.balance import get_balancer
    from lreview.rank.models import get_classifier, zscore

    config = get_model("lreview")  # None: the default model's own weight
    if weight is not None:
        config = replace(config, view_weight=weight)
    views = build_features(_records(), config)
    labelled, labels = np.array([0, 1, 3]), np.array([1, 0, 0])
    svm = get_classifier(config.classifier, 3, **dict(config.classifier_params))
    weights = get_balancer(config.balancer, **dict(config.balancer_params)).weights(labels)  # type: ignore[arg-type]
    main, words = (svm.fit_score(x[labelled], labels, weights, x) for x in views)
    expected = zscore(main) + config.view_weight * zscore(words)
    assert np.allclose(ActiveLearner(views, config, seed=3).scores(labelled, labels), expected)
