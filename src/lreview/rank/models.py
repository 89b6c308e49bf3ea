"""Classifiers that score every record from the labelled ones.

Each classifier has one method, `fit_score(X_train, y, weights, X_all) -> ndarray`: fit on the labelled
rows and return a relevance score for every row of `X_all` (higher = more likely relevant). Only the
order of the scores matters to the querier; ensembles put members on one scale by z-scoring. `X_all`
may be a `LinearMatrix` (TF-IDF kept as counts, `tfidf_views.CountedView`): the linear ones score it
with one product, `X_all.dot(coef) + intercept`, without building it.
Chosen by name from `CLASSIFIERS`:
- "svm": linear SVM, squared hinge, C=0.11 (ASReview ELAS u4's classifier; margin as the score).
- "logistic": L2 logistic regression (liblinear); log-odds as the score.
- "nb": multinomial naive Bayes, alpha=3.822 (ASReview ELAS u3); log-odds as the score.
- "svm_nb": mean of the z-scored "svm" and "nb" scores.
Not for: feature extraction or sample weighting (see `features`, `balance`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Protocol, TypeAlias

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import MultinomialNB
from sklearn.svm import LinearSVC

from lreview.rank.registry import lookup


class LinearMatrix(Protocol):
    """A feature matrix not held whole: its shape, rows on demand and products with a weight vector."""

    @property
    def shape(self) -> tuple[int, int]: ...

    def __getitem__(self, index: np.ndarray) -> sp.csr_matrix: ...

    def dot(self, coef: np.ndarray) -> np.ndarray: ...


Matrix: TypeAlias = sp.csr_matrix | LinearMatrix


class Classifier(Protocol):
    @property
    def name(self) -> str: ...

    def fit_score(
        self, x_train: sp.csr_matrix, y: np.ndarray, weights: np.ndarray, x_all: Matrix
    ) -> np.ndarray: ...


@dataclass(frozen=True)
class Svm:
    """Linear SVM (liblinear); the signed distance to the margin is the score."""

    C: float = 0.11
    loss: str = "squared_hinge"
    seed: int = 0
    name: str = "svm"

    def fit_score(
        self, x_train: sp.csr_matrix, y: np.ndarray, weights: np.ndarray, x_all: Matrix
    ) -> np.ndarray:
        model = LinearSVC(C=self.C, loss=self.loss, random_state=self.seed)
        return _linear_fit_score(model, x_train, y, weights, x_all)


@dataclass(frozen=True)
class Logistic:
    """L2 logistic regression (liblinear); the log-odds is the score."""

    C: float = 1.0
    seed: int = 0
    name: str = "logistic"

    def fit_score(
        self, x_train: sp.csr_matrix, y: np.ndarray, weights: np.ndarray, x_all: Matrix
    ) -> np.ndarray:
        model = LogisticRegression(C=self.C, solver="liblinear", random_state=self.seed)
        return _linear_fit_score(model, x_train, y, weights, x_all)


@dataclass(frozen=True)
class NaiveBayes:
    """Multinomial naive Bayes; the log-odds is the score."""

    alpha: float = 3.822
    seed: int = 0
    name: str = "nb"

    def fit_score(
        self, x_train: sp.csr_matrix, y: np.ndarray, weights: np.ndarray, x_all: Matrix
    ) -> np.ndarray:
        model = MultinomialNB(alpha=self.alpha)
        model.fit(x_train, y, sample_weight=weights)
        if not _held(x_all):  # log-odds are linear in the features
            prior = model.class_log_prior_
            log_prob = model.feature_log_prob_
            odds: np.ndarray = x_all.dot(log_prob[1] - log_prob[0]) + float(prior[1] - prior[0])
            return odds
        log_proba = model.predict_joint_log_proba(x_all)
        return np.asarray(log_proba[:, 1] - log_proba[:, 0], dtype=np.float64)


def _held(x: object) -> bool:
    """Whether `x` is a whole matrix (sklearn scores it) rather than a `LinearMatrix`."""
    return sp.issparse(x) or isinstance(x, np.ndarray)


def _linear_fit_score(
    model: LinearSVC | LogisticRegression,
    x_train: sp.csr_matrix,
    y: np.ndarray,
    weights: np.ndarray,
    x_all: Matrix,
) -> np.ndarray:
    """Fit a linear model and return its decision function on every row (float64 input: no copies)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x_train, y, sample_weight=weights)
    if not _held(x_all):
        scores: np.ndarray = x_all.dot(model.coef_.ravel()) + float(model.intercept_[0])
        return scores
    return np.asarray(model.decision_function(x_all), dtype=np.float64)


def zscore(scores: np.ndarray) -> np.ndarray:
    """Scores on a common scale (mean 0, sd 1) so that ensembles can add them."""
    spread = float(scores.std())
    centred: np.ndarray = (scores - scores.mean()) / (spread if spread > 0 else 1.0)
    return centred


@dataclass(frozen=True)
class SvmNb:
    """Mean of z-scored linear-SVM and naive-Bayes scores (two views of the same features)."""

    C: float = 0.11
    alpha: float = 3.822
    nb_weight: float = 0.5
    seed: int = 0
    name: str = "svm_nb"

    def fit_score(
        self, x_train: sp.csr_matrix, y: np.ndarray, weights: np.ndarray, x_all: Matrix
    ) -> np.ndarray:
        svm = Svm(C=self.C, seed=self.seed).fit_score(x_train, y, weights, x_all)
        nb = NaiveBayes(alpha=self.alpha).fit_score(x_train, y, weights, x_all)
        combined: np.ndarray = (1 - self.nb_weight) * zscore(svm) + self.nb_weight * zscore(nb)
        return combined


CLASSIFIERS: dict[str, type[Svm] | type[Logistic] | type[NaiveBayes] | type[SvmNb]] = {
    "svm": Svm,
    "logistic": Logistic,
    "nb": NaiveBayes,
    "svm_nb": SvmNb,
}


def get_classifier(name: str, seed: int = 0, **params: float | str) -> Classifier:
    """The classifier registered under `name`, with its parameters and random seed."""
    return lookup(CLASSIFIERS, name, "classifier")(seed=seed, **params)  # type: ignore[arg-type]
