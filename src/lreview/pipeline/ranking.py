"""Rank the unscreened publications of a review with the current model and estimate what remains.

Runs after every ingest of decisions (and after each refresh): the title/abstract decisions in the log
are the labels, one per publication (a dedup cluster: a decision on any member holds for all of it),
the model is retrained, every unscreened publication is scored, the model run and its ranking are
stored, and the next screening batch (the top of the ranking) is written as a CSV that reviewers fill
in and `lreview ingest` reads back. Each batch carries the stopping rule's estimate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from lreview import __version__
from lreview.config import ReviewConfig
from lreview.dedup import normalize
from lreview.errors import LreviewError
from lreview.pipeline.common import open_store
from lreview.pipeline.tables import write_csv
from lreview.rank.active import (
    DEFAULT_MODEL,
    FeatureBuilder,
    Ranking,
    build_features,
    get_model,
    rank_records,
)
from lreview.rank.cache import cached_features
from lreview.rank.stopping import StopEstimate, get_stopper
from lreview.records import Record
from lreview.store import Decision, Store, StoredRecord, rank_order

STAGE = "title_abstract"
MARK_KEYS = ("upto_raw", "upto_dedup_run", "upto_decision")  # what Store.input_marks returns
POSITIVE = {"include", "maybe"}  # "maybe" goes on to full text, so it trains as relevant
AUTOMATION = "lreview:stopping-rule"
BATCH_COLUMNS = ["record_id", "decision", "reviewer", "reason", "rank", "score", "title", "abstract",
                 "authors", "year", "journal", "pmid", "doi"]  # fmt: skip


@dataclass(frozen=True)
class Publication:
    """One deduplicated publication: its canonical record id, all member ids and the record."""

    record_id: int
    members: tuple[int, ...]
    record: Record


@dataclass(frozen=True)
class RankStepSummary:
    """What one re-ranking did and what the stopping rule says."""

    review_id: str
    model_run_id: int
    model: str
    trained: bool
    publications: int
    screened: int
    included: int
    estimate: StopEstimate | None
    batch: Path | None

    def estimate_lines(self) -> list[str]:
        if self.estimate is None:
            return ["stopping estimate: not yet available (needs at least one include and one exclude)"]
        e = self.estimate
        verdict = "SAFE TO STOP" if e.stop else "keep screening"
        return [
            f"stopping estimate ({e.method}):",
            f"  estimated recall {e.recall_estimate:.3f} (lower bound {e.recall_lower:.3f}); "
            f"relevant records remaining: about {e.remaining_estimate} (at most {e.remaining_upper}); "
            f"p = {e.p_value:.4f} -> {verdict}",
        ]

    def format(self) -> str:
        kind = "classifier" if self.trained else "cold start (similarity to the question)"
        lines = [
            f"ranking of review {self.review_id}: model run {self.model_run_id}, {kind}",
            f"  {self.screened} of {self.publications} publications screened, {self.included} included; "
            f"{self.publications - self.screened} unscreened",
            *self.estimate_lines(),
        ]
        if self.batch is not None:
            lines.append(f"next batch: {self.batch}")
        return "\n".join(lines)


def publications(
    store: Store,
    review_id: str,
    records: Sequence[StoredRecord] | None = None,
    marks: Mapping[str, int] | None = None,
) -> list[Publication]:
    """The review's publications: latest dedup clusters, or one per record before any dedup.

    With `marks` (`Store.input_marks`), the publications as they were when those were the newest ids.
    """
    marks = marks or {}
    clusters = store.latest_clusters(review_id, upto_run=marks.get("upto_dedup_run"))
    if records is None:
        records = list(store.iter_records(review_id, upto_raw=marks.get("upto_raw")))
    stored = {s.id: s for s in records}
    clustered = {rid for members in clusters for rid in members}
    groups = [m for m in clusters if m[0] in stored] + [[rid] for rid in stored if rid not in clustered]
    return [Publication(m[0], tuple(m), stored[m[0]].record) for m in sorted(groups)]


def screening_labels(pubs: list[Publication], decisions: list[Decision]) -> list[tuple[int, bool]]:
    """(publication index, included?) in the order publications were first screened."""
    index = {rid: i for i, p in enumerate(pubs) for rid in p.members}
    first: dict[int, int] = {}
    positive: dict[int, bool] = {}
    for n, d in enumerate(decisions):
        i = index.get(d.record_id)
        if i is None:
            continue
        first.setdefault(i, n)
        # Any reviewer's include (or maybe) keeps a publication in: conflicts never drop a record.
        positive[i] = positive.get(i, False) or d.decision in POSITIVE
    return [(i, positive[i]) for i in sorted(first, key=first.__getitem__)]


def _seed_indices(config: ReviewConfig, pubs: list[Publication]) -> list[int]:
    """Publications named as known includes in the config ("PMID:123" or "DOI:10.1000/x")."""
    pmids, dois = set(), set()
    for seed in config.ranking.seed_includes:
        kind, _, value = seed.partition(":")
        if kind.strip().upper() == "PMID":
            pmids.add(value.strip())
        elif kind.strip().upper() == "DOI" and (d := normalize.doi(value)):
            dois.add(d)
    return [
        i
        for i, p in enumerate(pubs)
        if (p.record.pmid and p.record.pmid in pmids)
        or (p.record.doi and normalize.doi(p.record.doi) in dois)
    ]


def query_text(config: ReviewConfig) -> str:
    """What the cold-start ranking compares records with: the question, criteria and queries."""
    return " ".join([config.review.title, config.review.question, config.review.eligibility,
                     *(s.query for s in config.searches)])  # fmt: skip


def write_batch(path: Path, pubs: list[Publication], order: list[tuple[int, float]], reviewer: str) -> None:
    """The screening batch CSV: one row per publication in `order`, decision and reason left empty."""
    rows = []
    for rank, (i, score) in enumerate(order, start=1):
        r = pubs[i].record
        rows.append({
            "record_id": pubs[i].record_id, "decision": "", "reviewer": reviewer, "reason": "",
            "rank": rank, "score": score, "title": r.title, "abstract": r.abstract,
            "authors": "; ".join(r.authors), "year": r.year or "",
            "journal": r.journal or r.journal_abbrev, "pmid": r.pmid or "", "doi": r.doi or "",
        })  # fmt: skip
    write_csv(path, pd.DataFrame(rows, columns=BATCH_COLUMNS), float_format="%.6f")


def feature_cache_path(config: ReviewConfig) -> Path:
    """Where the review's feature matrices are kept between re-ranks (see `lreview.rank.cache`)."""
    return config.output_dir / "cache" / f"features-{DEFAULT_MODEL}.npz"


def rank_store(
    config: ReviewConfig,
    store: Store,
    *,
    emit_batch: bool = True,
    records: Sequence[StoredRecord] | None = None,
) -> RankStepSummary:
    """Retrain on every decision so far, re-rank all unscreened publications, store and emit a batch.

    The model run stores the newest record version, dedup run and decision it was given
    (`Store.input_marks`), so that `reproduce` can read the same inputs back later.
    """
    marks = store.input_marks(config.review_id)
    pubs = publications(store, config.review_id, records, marks)
    if not pubs:
        raise LreviewError(
            f"review {config.review_id} has no records yet: run lreview refresh or import first"
        )
    screened, ranking = _rank_inputs(
        config, store, pubs, marks, build=partial(cached_features, feature_cache_path(config))
    )
    labels = dict(screened)
    run_id = store.add_model_run(
        config.review_id, model=DEFAULT_MODEL, model_version=__version__,
        params={"description": ranking.model, "trained": ranking.trained, **marks}, seed=config.ranking.seed,
        n_train=len(labels), n_included=sum(labels.values()),
    )  # fmt: skip
    store.save_ranking(run_id, _scores_by_record(pubs, ranking))
    estimate = None
    if ranking.trained:
        stopper = get_stopper("buscar", config.ranking.recall_target, config.ranking.confidence)
        estimate = stopper.estimate([int(v) for _, v in screened], len(pubs))
    batch = None
    top = list(zip(ranking.order, ranking.scores, strict=True))[: config.screening.batch_size]
    if emit_batch and top:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        batch = config.output_dir / "batches" / f"batch-{run_id:04d}-{stamp}.csv"
        write_batch(batch, pubs, top, config.review.reviewers[0] if config.screening.mode == "single" else "")
    summary = RankStepSummary(
        config.review_id, run_id, ranking.model, ranking.trained, len(pubs), len(screened),
        sum(labels.values()), estimate, batch,
    )  # fmt: skip
    if batch is not None:
        batch.with_suffix(".txt").write_text(summary.format() + "\n", encoding="utf-8")
    return summary


def _rank_inputs(
    config: ReviewConfig,
    store: Store,
    pubs: list[Publication],
    marks: Mapping[str, int],
    build: FeatureBuilder,
) -> tuple[list[tuple[int, bool]], Ranking]:
    """The screening labels (decisions up to the marks) and the ranking they give."""
    screened = screening_labels(pubs, store.decisions(config.review_id, STAGE, upto=marks["upto_decision"]))
    ranking = rank_records(
        [p.record for p in pubs], dict(screened), query_text=query_text(config),
        seed_includes=_seed_indices(config, pubs), model=DEFAULT_MODEL, seed=config.ranking.seed, build=build,
    )  # fmt: skip
    return screened, ranking


def _scores_by_record(pubs: list[Publication], ranking: Ranking) -> dict[int, float]:
    """Record id (each publication's canonical record) -> score, for every ranked publication."""
    return {pubs[i].record_id: s for i, s in zip(ranking.order, ranking.scores, strict=True)}


def reproduce(config: ReviewConfig, model_run_id: int) -> str:
    """Re-rank from model run `model_run_id`'s inputs as stored; one line if it matches, else an error.

    Reads the records, clusters and decisions as they were at that run (its stored marks) and the
    config as it is now (question, seed includes, seed), refits the model without the feature cache,
    and compares the order and the scores (to 1e-9) with the ranking the run stored.
    """
    with open_store(config) as store:
        stored = store.latest_ranking(config.review_id, model_run_id=model_run_id)
        if stored is None:
            raise LreviewError(f"review {config.review_id} has no model run {model_run_id}")
        run = stored.model_run
        marks = {key: run.params[key] for key in MARK_KEYS if key in run.params}
        if len(marks) < len(MARK_KEYS):
            raise LreviewError(
                f"model run {model_run_id} was stored by lreview {run.model_version}, before model runs "
                "recorded their inputs: it cannot be reproduced"
            )
        if run.model_version != __version__:
            raise LreviewError(
                f"model run {model_run_id} was made by lreview {run.model_version}; this is lreview "
                f"{__version__}: install {run.model_version} to reproduce it"
            )
        model = get_model(DEFAULT_MODEL).describe()
        if model != run.params.get("description"):
            raise LreviewError(
                f"model run {model_run_id} used {run.params.get('description')!r}; now {model!r}"
            )
        pubs = publications(store, config.review_id, None, marks)
        _, ranking = _rank_inputs(config, store, pubs, marks, build=build_features)
    again = rank_order(_scores_by_record(pubs, ranking))
    before = [(e.record_id, e.score) for e in stored.entries]
    if [rid for rid, _ in again] != [rid for rid, _ in before]:
        first = next(
            (n for n, (a, b) in enumerate(zip(again, before, strict=False), 1) if a[0] != b[0]),
            min(len(again), len(before)) + 1,
        )
        raise LreviewError(
            f"model run {model_run_id} not reproduced: the orders differ from rank {first} "
            f"({len(again)} records ranked now, {len(before)} stored; has the config's question, "
            "seed includes or seed changed since?)"
        )
    worst = max((abs(a[1] - b[1]) for a, b in zip(again, before, strict=True)), default=0.0)
    if worst > 1e-9:
        raise LreviewError(
            f"model run {model_run_id} not reproduced: same order, but scores differ by up to {worst:.3g}"
        )
    return (
        f"model run {model_run_id} reproduced: {len(again)} unscreened publications in the same order "
        f"with the same scores, from {run.n_train} screened ({run.n_included} included); {model}"
    )


def rank(config: ReviewConfig) -> RankStepSummary:
    """Open the store and re-rank the review (the unit a flow task retries)."""
    with open_store(config) as store:
        return rank_store(config, store)


def apply_stopping_rule(config: ReviewConfig, *, force: bool = False) -> tuple[RankStepSummary, int]:
    """Record every unscreened publication as excluded by automation, if the rule says it is safe."""
    with open_store(config) as store:
        summary = rank_store(config, store, emit_batch=False)
        if summary.estimate is None or not (summary.estimate.stop or force):
            raise LreviewError(
                f"review {config.review_id}: the stopping rule does not yet support stopping "
                f"({'; '.join(summary.estimate_lines())}); screen more or pass --force"
            )
        pubs = publications(store, config.review_id)
        done = {i for i, _ in screening_labels(pubs, store.decisions(config.review_id, STAGE))}
        reason = f"{summary.estimate.method}; p={summary.estimate.p_value:.4g}" + (
            "; forced" if force else ""
        )
        rows = [
            Decision(
                record_id=p.record_id,
                stage=STAGE,
                decision="auto_exclude",
                reviewer=AUTOMATION,
                reason=reason,
            )
            for i, p in enumerate(pubs)
            if i not in done
        ]
        appended = store.append_decisions(config.review_id, rows)
    return summary, appended


def summary_dict(summary: RankStepSummary) -> dict[str, Any]:
    """A JSON-ready view for flow artifacts."""
    e = summary.estimate
    return {
        "model_run": summary.model_run_id, "trained": summary.trained, "publications": summary.publications,
        "screened": summary.screened, "included": summary.included,
        "recall_estimate": None if e is None else round(e.recall_estimate, 4),
        "remaining_estimate": None if e is None else e.remaining_estimate,
        "stop": None if e is None else e.stop,
    }  # fmt: skip
