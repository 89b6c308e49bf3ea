"""Experiment: the "lreview" model plus a view of pretrained text embeddings (WordLlama), WSS@95 per review.

    .venv/bin/pip install wordllama==0.4.0.post1     # once; not a dependency of lreview
    PYTHONPATH=src .venv/bin/python benchmarks/screening/try_embeddings.py --weights 0 0.2 0.5

Why this exists: the +0.03 mean WSS@95 target over ELAS u4 was out of reach of every TF-IDF variant in
`tune.py`, and the usual next step, pretrained sentence embeddings, needs model files from Hugging Face,
which these machines cannot reach. WordLlama (MIT) is the one pretrained text model found whose wheel on
PyPI carries its weights: 256-dimensional static token embeddings distilled from large language models,
mean-pooled per record. This script measures whether adding it helps.

The loop is `tune.run_one`'s (priors first, then the learner's best record, cut at 95 % recall); the
score is lreview's (z-scored) plus `weight` times the z-scored margin of a linear SVM (C = 1, the same
balancing weights) fitted on the embeddings whenever lreview's own classifier is refitted. Weight 0 is
lreview itself. Results are cached in benchmarks/results/embeddings_cache.json.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

from benchmarks.screening.priors import choose_priors  # noqa: E402
from lreview.pipeline.simulation import read_dataset  # noqa: E402
from lreview.rank.active import ActiveLearner, build_features, get_model  # noqa: E402
from lreview.rank.balance import get_balancer  # noqa: E402
from lreview.rank.features import record_text  # noqa: E402
from lreview.rank.models import zscore  # noqa: E402
from lreview.rank.simulate import Dataset  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "screening" / "normalized"
RESULTS = REPO / "benchmarks" / "results"


@cache
def _wordllama() -> Any:
    import wordllama
    from wordllama import WordLlama

    # The wheel holds its weights and tokenizer; pointing the cache at the package avoids any download.
    return WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)


@dataclass(frozen=True)
class Review:
    """One labelled review, read once: records, lreview's feature views and the embeddings."""

    path: Path
    data: Dataset
    views: tuple[sp.csr_matrix, ...]
    embeddings: np.ndarray

    @classmethod
    def read(cls, path: Path) -> Review:
        data = read_dataset(path)
        with np.errstate(invalid="ignore"):  # an empty text has no direction: zeros
            vectors = _wordllama().embed([record_text(r) for r in data.records], norm=True)
        embeddings = np.nan_to_num(np.asarray(vectors, dtype=np.float64))
        return cls(path, data, build_features(data.records, get_model("lreview")), embeddings)


def wss95(review: Review, seed: int, weight: float) -> float:
    """WSS@95 of lreview + `weight` x the embedding SVM on one review and seed."""
    data, embeddings = review.data, review.embeddings
    included, excluded = choose_priors(review.path, seed)
    position = {record_id: i for i, record_id in enumerate(data.ids)}
    config = get_model("lreview")
    learner = ActiveLearner(review.views, config, seed)
    balancer = get_balancer("balanced", ratio=9.8)
    n = len(data.records)
    needed = max(1, math.ceil(0.95 * int(data.labels.sum()) - 1e-9))
    order = [position[included], position[excluded]]
    screened = np.zeros(n, dtype=bool)
    screened[order] = True
    found = int(data.labels[order].sum())
    dense = np.zeros(n)
    fits_seen = -1
    while found < needed:
        labelled = np.asarray(order, dtype=np.int64)
        y = data.labels[labelled]
        scores = learner.scores(labelled, y)
        if weight > 0 and learner.fits != fits_seen:  # refit the embedding SVM on lreview's schedule
            fits_seen = learner.fits
            svm = LinearSVC(C=1.0, random_state=seed)
            svm.fit(embeddings[labelled], y, sample_weight=balancer.weights(y))
            dense = zscore(svm.decision_function(embeddings))
        combined = scores if weight == 0 else zscore(scores) + weight * dense
        chosen = learner.querier.best(combined, np.flatnonzero(~screened))
        order.append(chosen)
        screened[chosen] = True
        found += int(data.labels[chosen])
    return (n - len(order)) / n - 0.05


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", nargs="+", type=float, default=[0.0, 0.2])
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    args = parser.parse_args(argv)
    cache_file = RESULTS / "embeddings_cache.json"
    cache: dict[str, float] = json.loads(cache_file.read_text()) if cache_file.exists() else {}
    paths = sorted(DATA.glob("*.csv"))
    per_weight: dict[float, dict[str, float]] = {w: {} for w in args.weights}
    for path in paths:
        review: Review | None = None  # read only when a result is not cached
        for weight in args.weights:
            values = []
            for seed in args.seeds:
                key = f"{weight}|{path.stem}|{seed}"
                if key not in cache:
                    review = review or Review.read(path)
                    cache[key] = wss95(review, seed, weight)
                    RESULTS.mkdir(parents=True, exist_ok=True)
                    cache_file.write_text(json.dumps(cache, indent=0))
                values.append(cache[key])
            per_weight[weight][path.stem] = statistics.fmean(values)
    base = per_weight.get(0.0)
    print(f"WSS@95, mean over seeds {args.seeds}; Δ against weight 0 (lreview itself)")
    print("| review | " + " | ".join(f"weight {w:g}" for w in args.weights) + " |")
    print("|---|" + "---:|" * len(args.weights))
    for path in paths:
        cells = []
        for weight in args.weights:
            value = per_weight[weight][path.stem]
            delta = f" ({value - base[path.stem]:+.3f})" if base and weight != 0.0 else ""
            cells.append(f"{value:.3f}{delta}")
        print(f"| {path.stem} | " + " | ".join(cells) + " |")
    means = [statistics.fmean(per_weight[w].values()) for w in args.weights]
    print("| **mean** | " + " | ".join(f"{m:.4f}" for m in means) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
