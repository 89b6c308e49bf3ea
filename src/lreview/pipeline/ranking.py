"""Rank the unscreened publications of a review with the current model and estimate what remains.

Runs after every ingest of decisions (and after each refresh): the lifecycle states
(`screening.states`) give the labels, one per publication (a dedup cluster: a decision on any member
holds for all of it; provisional while dual screening is unfinished), the model is retrained, every
unscreened publication is scored, the model run and its ranking are stored, and the screening step
(`pipeline.screening.emit_workbooks`) issues the reviewers' next workbooks from the top of the ranking.
The stopping estimate reads final human decisions only: never the stopping rule's own exclusions.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, overload

from lreview import __version__
from lreview.config import ReviewConfig
from lreview.decisions import AUTO_EXCLUDE, AUTOMATION, AUTOMATION_REVIEWER, TITLE_ABSTRACT, Decision
from lreview.dedup import normalize
from lreview.errors import LreviewError
from lreview.pipeline.common import open_store
from lreview.pipeline.feature_cache import cached_features
from lreview.pipeline.screening import EmitSummary, emit_workbooks, needed_by_stage, review_states
from lreview.rank.active import (
    DEFAULT_MODEL,
    FeatureBuilder,
    ModelConfig,
    Ranking,
    build_features,
    get_model,
    rank_records,
)
from lreview.rank.models import Matrix
from lreview.rank.stopping import StopEstimate, get_stopper
from lreview.records import Record
from lreview.screening.states import ReviewStates, StageState, derive_states, final_labels, training_labels
from lreview.store import Store, StoredRecord, rank_order
from lreview.store.base import gc_paused
from lreview.store.upsert import content_hash

MARK_KEYS = ("upto_raw", "upto_dedup_run", "upto_decision")  # what Store.input_marks returns


@dataclass(frozen=True)
class Publication:
    """One deduplicated publication: its canonical record id, all member ids and the record (read
    from the store only when first asked for: a re-rank whose feature cache is current never is)."""

    record_id: int
    members: tuple[int, ...]
    found: Mapping[int, Record] = field(repr=False, compare=False)

    @property
    def record(self) -> Record:
        return self.found[self.record_id]


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
    workbooks: EmitSummary | None = None
    # what the emit issues from: canonical ids best first, and the publications ranked (member ids)
    order: tuple[int, ...] = field(default=(), repr=False, compare=False)
    groups: tuple[tuple[int, ...], ...] = field(default=(), repr=False, compare=False)

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
            f"  {self.screened} of {self.publications} publications decided at title/abstract by people, "
            f"{self.included} of them passed on to full text",
            *self.estimate_lines(),
        ]
        if self.workbooks is not None:
            lines.append(self.workbooks.format())
        return "\n".join(lines)


def publications(
    store: Store,
    review_id: str,
    records: Sequence[StoredRecord] | None = None,
    marks: Mapping[str, int] | None = None,
    versions: Mapping[int, str] | None = None,
) -> list[Publication]:
    """The review's publications: latest dedup clusters, or one per record before any dedup.

    With `marks` (`Store.input_marks`), the publications as they were when those were the newest ids.
    Without `records`, the records are read when a publication's record is first asked for;
    `versions` (`Store.record_versions` with the same mark) saves reading which records there are.
    """
    marks = marks or {}
    clusters = store.latest_clusters(review_id, upto_run=marks.get("upto_dedup_run"))
    found: Mapping[int, Record]
    if records is None:
        upto = marks.get("upto_raw")
        ids = list(versions if versions is not None else store.record_versions(review_id, upto_raw=upto))
        found = StoredRecords(store, review_id, upto)
    else:
        found = {s.id: s.record for s in records}
        ids = list(found)
    known = set(ids)
    clustered = {rid for members in clusters for rid in members}
    groups = [m for m in clusters if m[0] in known] + [[rid] for rid in ids if rid not in clustered]
    return [Publication(m[0], tuple(m), found) for m in sorted(groups)]


class StoredRecords(Mapping[int, Record]):
    """Record id -> record of a review (as of `upto_raw`), all read from the store on first use."""

    def __init__(self, store: Store, review_id: str, upto_raw: int | None) -> None:
        self._read = partial(store.iter_records, review_id, upto_raw=upto_raw)
        self._records: dict[int, Record] | None = None

    def _all(self) -> dict[int, Record]:
        if self._records is None:
            self._records = {s.id: s.record for s in self._read()}
        return self._records

    def __getitem__(self, record_id: int) -> Record:
        return self._all()[record_id]

    def __iter__(self) -> Iterator[int]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


class _PublicationRecords(Sequence[Record]):
    """The records of publications, in order, read only if an item is asked for."""

    def __init__(self, pubs: Sequence[Publication]) -> None:
        self._pubs = pubs

    def __len__(self) -> int:
        return len(self._pubs)

    @overload
    def __getitem__(self, index: int) -> Record: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Record]: ...
    def __getitem__(self, index: int | slice) -> Record | Sequence[Record]:
        if isinstance(index, slice):
            return [p.record for p in self._pubs[index]]
        return self._pubs[index].record


def publication_states(
    config: ReviewConfig, pubs: list[Publication], decisions: list[Decision]
) -> ReviewStates:
    """The lifecycle states of `pubs` given a decision log (for a past model run: the log as it was)."""
    return derive_states([p.members for p in pubs], decisions, needed_by_stage(config))


def screening_labels(pubs: list[Publication], states: ReviewStates) -> list[tuple[int, bool]]:
    """(publication index, relevant?) in the order publications were first screened (the ranker's
    labels: final decisions, else the provisional rule of `screening.states.training_labels`)."""
    index = {p.record_id: i for i, p in enumerate(pubs)}
    return [(index[rid], relevant) for rid, relevant in training_labels(states) if rid in index]


def _seed_indices(config: ReviewConfig, pubs: list[Publication]) -> list[int]:
    """Publications named as known includes in the config ("PMID:123" or "DOI:10.1000/x")."""
    if not config.ranking.seed_includes:
        return []  # and no record is read
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


def feature_cache_path(config: ReviewConfig) -> Path:
    """The folder where the review's term counts are kept between re-ranks (`pipeline.feature_cache`)."""
    return config.output_dir / "cache" / f"features-{DEFAULT_MODEL}"


@gc_paused()  # 10^5 publications, versions, scores held to the end
def rank_store(
    config: ReviewConfig,
    store: Store,
    *,
    emit_batch: bool = True,
    records: Sequence[StoredRecord] | None = None,
) -> RankStepSummary:
    """Retrain on every decision so far, re-rank all unscreened publications, store, emit workbooks.

    The model run stores the newest record version, dedup run and decision it was given
    (`Store.input_marks`), so that `reproduce` can read the same inputs back later.
    """
    marks = store.input_marks(config.review_id)
    # the feature cache is keyed by the stored content hashes: a current cache needs no record read
    versions = store.record_versions(config.review_id, upto_raw=None if records else marks["upto_raw"])
    pubs = publications(store, config.review_id, records, marks, versions)
    if not pubs:
        raise LreviewError(
            f"review {config.review_id} has no records yet: run lreview refresh or import first"
        )
    hashes = [versions[p.record_id] for p in pubs]

    def build(records: Sequence[Record], model: ModelConfig) -> tuple[Matrix, ...]:
        def read(positions: Sequence[int]) -> Sequence[Record]:  # only records the counts lack
            ids = [pubs[n].record_id for n in positions]
            found = store.get_records(config.review_id, ids)
            if any(rid not in found or content_hash(found[rid].record) != versions[rid] for rid in ids):
                return [records[n] for n in positions]  # revised since the marks: read as of them
            return [found[rid].record for rid in ids]

        return cached_features(feature_cache_path(config), model, hashes, read)

    states, screened, ranking = _rank_inputs(config, store, pubs, marks, build=build)
    labels = dict(screened)
    run_id = store.add_model_run(
        config.review_id, model=DEFAULT_MODEL, model_version=__version__,
        params={"description": ranking.model, "trained": ranking.trained, **marks}, seed=config.ranking.seed,
        n_train=len(labels), n_included=sum(labels.values()),
    )  # fmt: skip
    store.save_ranking(run_id, _scores_by_record(pubs, ranking))
    estimate = None
    final = final_labels(states)
    if ranking.trained and final:
        stopper = get_stopper("buscar", config.ranking.recall_target, config.ranking.confidence)
        estimate = stopper.estimate([int(v) for v in final], len(pubs))
    summary = RankStepSummary(
        config.review_id, run_id, ranking.model, ranking.trained, len(pubs), len(final), sum(final), estimate,
        order=tuple(pubs[i].record_id for i in ranking.order), groups=tuple(p.members for p in pubs),
    )  # fmt: skip
    return replace(summary, workbooks=emit_ranked(config, store, summary)) if emit_batch else summary


def emit_ranked(config: ReviewConfig, store: Store, summary: RankStepSummary) -> EmitSummary:
    """Issue the next workbooks from a ranking just made: its order, stopping estimate and the
    publications it ranked are passed on (not read again); the decision log is read afresh."""
    return emit_workbooks(
        config, store, order=summary.order, model_run_id=summary.model_run_id,
        estimate=summary.estimate_lines(), groups=summary.groups,
    )  # fmt: skip


def _rank_inputs(
    config: ReviewConfig,
    store: Store,
    pubs: list[Publication],
    marks: Mapping[str, int],
    build: FeatureBuilder,
) -> tuple[ReviewStates, list[tuple[int, bool]], Ranking]:
    """The states and screening labels (decisions up to the marks) and the ranking they give."""
    states = publication_states(config, pubs, store.decisions(config.review_id, upto=marks["upto_decision"]))
    screened = screening_labels(pubs, states)
    ranking = rank_records(
        _PublicationRecords(pubs), dict(screened), query_text=query_text(config),
        seed_includes=_seed_indices(config, pubs), model=DEFAULT_MODEL, seed=config.ranking.seed, build=build,
    )  # fmt: skip
    return states, screened, ranking


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
        _, _, ranking = _rank_inputs(config, store, pubs, marks, build=build_features)
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
    """Record every publication nobody has screened as excluded by automation, if the rule says it is
    safe; publications a reviewer has started (dual half done, in conflict) stay with the reviewers."""
    with open_store(config) as store:
        summary = rank_store(config, store, emit_batch=False)
        if summary.estimate is None or not (summary.estimate.stop or force):
            raise LreviewError(
                f"review {config.review_id}: the stopping rule does not yet support stopping "
                f"({'; '.join(summary.estimate_lines())}); screen more or pass --force"
            )
        states = review_states(config, store)
        reason = f"{summary.estimate.method}; p={summary.estimate.p_value:.4g}" + (
            "; forced" if force else ""
        )
        rows = [
            Decision(p.record_id, TITLE_ABSTRACT, AUTO_EXCLUDE, AUTOMATION_REVIEWER, reason, role=AUTOMATION)
            for p in states.publications
            if p.title_abstract.state == StageState.AWAITING  # people's pending decisions stay theirs
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
