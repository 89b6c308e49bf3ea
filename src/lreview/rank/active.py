"""The active-learning loop: given labelled and unlabelled records, fit and rank.

Production (`rank_records`) and simulation (`simulate`) run the same `ActiveLearner`: features are built
once per review, then for each ranking request the classifier is refitted on the labelled rows (with
balancing weights) and every record is scored; the querier orders the unlabelled ones. A learner may keep
its last scores between labels (`retrain="adaptive"`) to stay fast on large reviews: it refits after
every label while fewer than `warmup` records are labelled, at once whenever a new include arrives, and
otherwise after every `max(1, n_labelled // growth)` labels.

Before both an include and an exclude are known, records are ranked by BM25 similarity to the review's
question and seed includes (`coldstart`).

Models are named configurations in `MODELS`:
- "elas_u4" replicates ASReview LAB's default model (TF-IDF word 1-2-grams, linear SVM C=0.11,
  balanced weights ratio 9.8, highest score first, refit after every label); on the benchmark it gives
  the same screening order as ASReview itself.
- "lreview" (default) is ours, chosen on the screening benchmark (`benchmarks/screening/compare.py`):
  the same SVM and weights over word TF-IDF (as ELAS u4) plus MeSH / keyword / publication-type tokens
  (weight 0.15), ensembled with equal weight with a words-only SVM (sum of the two z-scored scores),
  refitted after every label up to 500 labels and on the adaptive schedule after that. The words-only
  view weighs as much as the main one because controlled terms sometimes mislead: at weight 0.5 one
  review (Cohen OralHypoglycemics) screened 2-3 % more than ELAS u4 before 95 % recall; at 1.0 every
  review is within 2 % of ELAS u4 on seeds 1-3 and the mean gain is unchanged (`tune.py`). A heavier
  term block (0.25-0.5) or min_df 2 won on average but lost badly on some reviews (Cohen BetaBlockers,
  ProtonPumpInhibitors; ACEInhibitors). Tried and not kept (each moved single reviews by +-0.03-0.12
  WSS@95 with no mean gain): character n-gram and LSA views, naive Bayes or logistic regression as a
  second member, reciprocal-rank fusion, random unlabelled records as pseudo-excludes, author and year
  tokens, a view of pretrained WordLlama embeddings (`benchmarks/screening/try_embeddings.py`).
Not for: persisting model runs (the store does) or deciding when to stop (see `stopping`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from lreview.rank.balance import get_balancer
from lreview.rank.coldstart import bm25_scores
from lreview.rank.features import get_features, record_text
from lreview.rank.models import Matrix, get_classifier, zscore
from lreview.rank.query import get_querier
from lreview.rank.registry import lookup
from lreview.records import Record

Params = tuple[tuple[str, float | str], ...]


@dataclass(frozen=True)
class ModelConfig:
    """A named combination of feature extractor, classifier, balancer, querier and retrain schedule."""

    name: str
    features: str = "tfidf_meta"
    feature_params: Params = ()
    classifier: str = "svm"
    classifier_params: Params = ()
    balancer: str = "balanced"
    balancer_params: Params = ()
    querier: str = "max"
    retrain: str = "adaptive"  # "every" label, or "adaptive" (see module docstring)
    warmup: int = 100
    growth: int = 20
    view_weight: float = 0.0  # > 0: add each extra feature view's z-scored scores with this weight

    def describe(self) -> str:
        """One line naming every part and parameter, for the model-run log."""

        def fmt(part: str, params: Params) -> str:
            return part + ("(" + ", ".join(f"{k}={v}" for k, v in params) + ")" if params else "")

        schedule = (
            self.retrain
            if self.retrain == "every"
            else f"adaptive(warmup={self.warmup}, growth={self.growth})"
        )
        return (
            f"{self.name}: features={fmt(self.features, self.feature_params)} "
            f"classifier={fmt(self.classifier, self.classifier_params)} "
            f"balancer={fmt(self.balancer, self.balancer_params)} querier={self.querier} retrain={schedule}"
            + (f" view_weight={self.view_weight}" if self.view_weight else "")
        )


ELAS_U4 = ModelConfig(
    name="elas_u4",
    features="tfidf",
    classifier="svm",
    classifier_params=(("C", 0.11), ("loss", "squared_hinge")),
    balancer="balanced",
    balancer_params=(("ratio", 9.8),),
    retrain="every",
)
LREVIEW = ModelConfig(
    name="lreview",
    features="tfidf_meta",
    feature_params=(("min_df", 1), ("term_weight", 0.15)),
    classifier="svm",
    classifier_params=(("C", 0.11),),
    balancer="balanced",
    balancer_params=(("ratio", 9.8),),
    retrain="adaptive",
    warmup=500,
    view_weight=1.0,
)
MODELS: dict[str, ModelConfig] = {c.name: c for c in (ELAS_U4, LREVIEW)}
DEFAULT_MODEL = "lreview"


def get_model(name: str) -> ModelConfig:
    """The model configuration registered under `name`."""
    return lookup(MODELS, name, "model")


def build_features(records: Sequence[Record], config: ModelConfig) -> tuple[sp.csr_matrix, ...]:
    """The feature matrices (views) of a review, fitted once over all its records; the first is the main.

    Only the main view is returned unless the model ensembles over views (`view_weight` > 0).
    """
    extractor = get_features(config.features, **dict(config.feature_params))  # type: ignore[arg-type]
    if config.view_weight > 0:
        return extractor.fit_transform_views(records)
    return (extractor.fit_transform(records),)


FeatureBuilder = Callable[[Sequence[Record], ModelConfig], tuple[Matrix, ...]]


@dataclass
class ActiveLearner:
    """Scores the records of one review from its labels; refits on the configured schedule.

    With several feature views (`build_features`), one classifier is fitted per view and the score is
    the main view's z-score plus `view_weight` times each other view's z-score: a hedge for records whose
    controlled terms mislead the main model.
    """

    views: tuple[Matrix, ...]  # csr matrices, or TF-IDF kept as counts (`tfidf_views.CountedView`)
    config: ModelConfig
    seed: int = 0
    cold_scores: np.ndarray | None = None  # used until both classes are labelled
    fits: int = field(default=0, init=False)
    _scores: np.ndarray | None = field(default=None, init=False, repr=False)
    _fitted_at: int = field(default=0, init=False, repr=False)
    _includes_at_fit: int = field(default=0, init=False, repr=False)

    def __post_init__(self) -> None:
        self.features = self.views[0]
        n = self.features.shape[0]
        self._classifier = get_classifier(
            self.config.classifier, self.seed, **dict(self.config.classifier_params)
        )
        self._balancer = get_balancer(self.config.balancer, **dict(self.config.balancer_params))  # type: ignore[arg-type]
        self.querier = get_querier(self.config.querier, n, self.seed)

    def _due(self, n_labelled: int, n_includes: int) -> bool:
        if self._scores is None or self.config.retrain == "every":
            return True
        if n_includes > self._includes_at_fit or n_labelled < self.config.warmup:
            return True
        return n_labelled - self._fitted_at >= max(1, n_labelled // self.config.growth)

    def scores(self, labelled: np.ndarray, labels: np.ndarray, *, refit: bool = False) -> np.ndarray:
        """A score for every record, from the rows `labelled` with 0/1 `labels` (refit if due or asked)."""
        n_includes = int(labels.sum())
        if n_includes == 0 or n_includes == labels.size:
            if self.cold_scores is not None:
                return self.cold_scores
            return np.zeros(self.features.shape[0])
        if refit or self._due(labels.size, n_includes):
            weights = self._balancer.weights(labels)
            scores = [self._classifier.fit_score(x[labelled], labels, weights, x) for x in self.views]
            if len(scores) == 1:
                self._scores = scores[0]
            else:
                extra = sum((zscore(s) for s in scores[1:]), np.zeros_like(scores[0]))
                self._scores = zscore(scores[0]) + self.config.view_weight * extra
            self._fitted_at = labels.size
            self._includes_at_fit = n_includes
            self.fits += 1
        assert self._scores is not None
        return self._scores


@dataclass(frozen=True)
class Ranking:
    """Unlabelled records best first (indices into the records given), with their scores."""

    order: tuple[int, ...]
    scores: tuple[float, ...]
    trained: bool  # False: cold start (BM25 to the question), no classifier yet
    model: str  # ModelConfig.describe()
    n_includes: int
    n_excludes: int


def rank_records(
    records: Sequence[Record],
    labels: Mapping[int, bool],
    *,
    query_text: str = "",
    seed_includes: Sequence[int] = (),
    model: str = DEFAULT_MODEL,
    seed: int = 0,
    build: FeatureBuilder = build_features,
) -> Ranking:
    """Rank the unlabelled `records` given `labels` (record index -> included?) and known seed includes.

    `build` makes the feature views once the classifier can train (never for the cold start); pass a
    caching builder (`lreview.pipeline.feature_cache`: views from stored term counts) to skip refitting
    the vectoriser, which depends on the records only, not on the labels.
    """
    config = get_model(model)
    all_labels = dict(labels)
    for index in seed_includes:
        all_labels.setdefault(index, True)
    for index in all_labels:
        if not 0 <= index < len(records):
            raise ValueError(f"label for record index {index}, but there are {len(records)} records")
    labelled = np.fromiter(sorted(all_labels), dtype=np.int64, count=len(all_labels))
    y = np.array([int(all_labels[i]) for i in labelled], dtype=np.int64)
    trained = 0 < int(y.sum()) < y.size
    cold = None
    if not trained:
        seed_texts = [record_text(records[i]) for i in labelled[y == 1]]
        cold = bm25_scores(records, query_text, seed_texts)
    mask = np.ones(len(records), dtype=bool)
    mask[labelled] = False
    if cold is not None:  # no classifier yet: the cold-start scores are the ranking (no features needed)
        scores = cold
        order = get_querier(config.querier, len(records), seed).order(scores, np.flatnonzero(mask))
    else:
        features = build(records, config)
        if any(view.shape[0] != len(records) for view in features):
            raise ValueError(f"features do not have one row for each of the {len(records)} records")
        learner = ActiveLearner(features, config, seed)
        scores = learner.scores(labelled, y, refit=True)
        order = learner.querier.order(scores, np.flatnonzero(mask))
    return Ranking(
        order=tuple(int(i) for i in order),
        scores=tuple(float(scores[i]) for i in order),
        trained=trained,
        model=config.describe(),
        n_includes=int(y.sum()),
        n_excludes=int(y.size - y.sum()),
    )
