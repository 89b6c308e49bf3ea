"""The loops of a living review as data: ordered steps that the CLI and the Prefect flows both run.

A `Step` is one call into the pipeline: a name, a function of the run's shared `LoopRun`, and whether
running it again after a failure is safe (`idempotent`: a flow may retry it, and only then). `run_loop`
runs a list in order while holding the review's lock and times each step; the CLI calls it as is, the
flows (`flows/`) pass an `execute` that wraps each step in a Prefect task. No other module orders them.

- `REFRESH_STEPS`: fail unfinished search runs, harvest every search, import dropped export files,
  ingest the screening inbox, deduplicate, rank and issue the next workbooks, PRISMA.
- `INGEST_STEPS`: ingest returned workbooks (named files and/or the inbox), re-rank and issue the next
  batch, conflicts and full-text workbooks, PRISMA.
- `PRISMA_STEPS`: PRISMA.

Not for: what a step does (the modules it calls), the summaries printed and published (`cycle.py`),
or Prefect, which the library never imports.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TypeVar

from lreview.config import ReviewConfig
from lreview.decisions import TITLE_ABSTRACT
from lreview.pipeline.common import open_store
from lreview.pipeline.duplicates import DedupStepSummary, deduplicate_store
from lreview.pipeline.imports import ImportSummary, import_folders
from lreview.pipeline.ingest import InboxResult, ingest_decisions, ingest_inbox
from lreview.pipeline.locking import review_lock
from lreview.pipeline.prisma import PrismaSummary, prisma
from lreview.pipeline.pubmed import UNFINISHED, HarvestSummary, find_search, harvest, pubmed_client
from lreview.pipeline.ranking import RankStepSummary, rank_store
from lreview.pipeline.screening import EmitSummary, emit_workbooks
from lreview.sources.eutils import EutilsClient
from lreview.store import Store

log = logging.getLogger("lreview.pipeline")
T = TypeVar("T")


@dataclass(frozen=True)
class LoopInputs:
    """What a run was asked to do beyond the config."""

    searches: tuple[str, ...] = ()  # harvest only these searches (empty: every search)
    today: date | None = None  # the harvest's end date (default: today)
    files: tuple[Path, ...] = ()  # returned workbooks or CSVs named on the command line
    stage: str = TITLE_ABSTRACT  # the stage of a named decisions CSV (a workbook names its own)
    inbox: bool = True  # also ingest `<output_dir>/screening/inbox/`


@dataclass(frozen=True)
class StepTime:
    """How long one step of a run took."""

    step: str
    seconds: float


class LoopRun:
    """What the steps of one run share: the config, the open store, the inputs, the E-utilities client
    (opened on first use), each finished step's result by name and the time each step took."""

    def __init__(
        self, config: ReviewConfig, store: Store, inputs: LoopInputs, client: EutilsClient | None = None
    ) -> None:
        self.config, self.store, self.inputs = config, store, inputs
        self._client = client
        self.results: dict[str, object] = {}
        self.timings: list[StepTime] = []

    def client(self) -> EutilsClient:
        if self._client is None:
            self._client = pubmed_client(self.config)
        return self._client

    def result(self, step: str, kind: type[T]) -> T | None:
        """The result of an earlier step of this run, if it ran and gave a `kind`."""
        value = self.results.get(step)
        return value if isinstance(value, kind) else None

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


@dataclass(frozen=True)
class Step:
    """One step of a loop: `run` does it; `idempotent` says running it again after a failure is safe."""

    name: str
    run: Callable[[LoopRun], object]
    idempotent: bool


def call(step: Step, run: LoopRun) -> object:
    """Run a step as it is (the CLI); the flows pass a function that wraps it in a Prefect task."""
    return step.run(run)


def run_loop(
    config: ReviewConfig,
    loop: str,
    steps: Sequence[Step],
    inputs: LoopInputs | None = None,
    *,
    client: EutilsClient | None = None,
    execute: Callable[[Step, LoopRun], object] = call,
    wait: timedelta = timedelta(0),
) -> LoopRun:
    """Run `steps` in order through `execute` under the review's lock; the run holds every result."""
    run: LoopRun | None = None
    try:
        with open_store(config) as store, review_lock(config, store, loop, wait):
            run = LoopRun(config, store, inputs or LoopInputs(), client)
            for step in steps:
                begun = time.monotonic()
                run.results[step.name] = execute(step, run)
                run.timings.append(StepTime(step.name, time.monotonic() - begun))
            return run
    finally:
        if run is not None:
            run.close()
        elif client is not None:
            client.close()


# ---- the steps ---------------------------------------------------------------------------------


def fail_unfinished_runs(run: LoopRun) -> int:
    """Mark search runs a stopped process left `running` as failed (nobody else runs: the lock is ours)."""
    return run.store.fail_unfinished_runs(run.config.review_id, UNFINISHED)


def harvest_searches(run: LoopRun) -> tuple[HarvestSummary, ...]:
    """Every (or each named) search of any source into the store: upserts by source id, so a retry is
    safe. PubMed searches share the run's E-utilities client; other sources open their own."""
    config = run.config
    names = run.inputs.searches or tuple(s.name for s in config.searches)
    searches = [find_search(config, name) for name in names]
    return tuple(
        harvest(config, s, run.store, run.client() if s.database == "PubMed" else None, run.inputs.today)
        for s in searches
    )


def import_dropped(run: LoopRun) -> ImportSummary:
    """Export files newly dropped in the import folders (each file once, by content hash)."""
    return import_folders(run.config, run.store)


def ingest_returned(run: LoopRun) -> tuple[InboxResult, ...]:
    """Returned workbooks and CSVs: the named files, then the inbox (a file already logged adds nothing)."""
    named = tuple(
        InboxResult(path, ingest_decisions(run.config, path, run.inputs.stage), None)
        for path in run.inputs.files
    )
    return named + (tuple(ingest_inbox(run.config)) if run.inputs.inbox else ())


def dedupe(run: LoopRun) -> DedupStepSummary:
    """Cluster every record of the review (recomputed from the store, so a retry is safe). Records
    are read only as the run needs them: an incremental run reads those near the added ones."""
    return deduplicate_store(run.config, run.store)


def rank_and_emit(run: LoopRun) -> RankStepSummary | None:
    """Retrain on every decision, re-rank, store the model run and issue the next workbooks (records
    are read only where the feature cache lacks them)."""
    if not run.store.count_records(run.config.review_id):
        return None
    return rank_store(run.config, run.store)


def rank_if_decided(run: LoopRun) -> RankStepSummary | EmitSummary:
    """Retrain and re-rank when this run logged a new title/abstract decision; otherwise only issue
    the next workbooks (full text, conflicts) from the current ranking."""
    returned = run.result(INGEST, tuple) or ()
    decided = any(
        isinstance(r, InboxResult) and r.summary and r.summary.appended and r.summary.stage == TITLE_ABSTRACT
        for r in returned
    )
    return rank_store(run.config, run.store) if decided else emit_workbooks(run.config, run.store)


def export_prisma(run: LoopRun) -> PrismaSummary:
    """The PRISMA 2020 counts, checked, and its files (rewritten from the store, so a retry is safe)."""
    return prisma(run.config)


FAIL_UNFINISHED, HARVEST, IMPORT, INGEST, DEDUPE, RANK, PRISMA = (
    "fail-unfinished-runs", "harvest", "import", "ingest", "dedupe", "rank", "prisma",
)  # fmt: skip

REFRESH_STEPS: tuple[Step, ...] = (
    Step(FAIL_UNFINISHED, fail_unfinished_runs, idempotent=True),
    Step(HARVEST, harvest_searches, idempotent=True),
    Step(IMPORT, import_dropped, idempotent=True),
    Step(INGEST, ingest_returned, idempotent=True),
    Step(DEDUPE, dedupe, idempotent=True),
    Step(RANK, rank_and_emit, idempotent=False),  # each run stores a model run and may issue a round
    Step(PRISMA, export_prisma, idempotent=True),
)
INGEST_STEPS: tuple[Step, ...] = (
    Step(INGEST, ingest_returned, idempotent=True),
    Step(RANK, rank_if_decided, idempotent=False),
    Step(PRISMA, export_prisma, idempotent=True),
)
PRISMA_STEPS: tuple[Step, ...] = (Step(PRISMA, export_prisma, idempotent=True),)
LOOPS: dict[str, tuple[Step, ...]] = {
    "refresh": REFRESH_STEPS,
    "ingest": INGEST_STEPS,
    "prisma": PRISMA_STEPS,
}


def timings_line(timings: Sequence[StepTime]) -> str:
    """`steps: harvest 1.2 s, import 0.0 s, ...` in the order they ran."""
    return "steps: " + ", ".join(f"{t.step} {t.seconds:.1f} s" for t in timings)
