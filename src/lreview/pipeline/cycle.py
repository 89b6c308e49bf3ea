"""The loops of a living review, as the CLI runs them and the flows publish them: a refresh (harvest,
import, ingest the inbox, dedupe, rank and issue workbooks, PRISMA), an ingest of returned workbooks
(re-rank, issue the next, PRISMA) and a PRISMA export, each the step list of `steps.py` under the
review's lock, and what each run did as a summary to print or publish.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from lreview.config import ReviewConfig
from lreview.decisions import TITLE_ABSTRACT
from lreview.pipeline.common import table
from lreview.pipeline.duplicates import DedupStepSummary
from lreview.pipeline.imports import FileResult, ImportSummary
from lreview.pipeline.ingest import InboxResult
from lreview.pipeline.prisma import PrismaSummary
from lreview.pipeline.pubmed import HarvestSummary, find_search
from lreview.pipeline.ranking import RankStepSummary
from lreview.pipeline.screening import EmitSummary
from lreview.pipeline.steps import (
    DEDUPE,
    HARVEST,
    IMPORT,
    INGEST,
    INGEST_STEPS,
    PRISMA,
    PRISMA_STEPS,
    RANK,
    REFRESH_STEPS,
    LoopInputs,
    LoopRun,
    Step,
    StepTime,
    call,
    run_loop,
    timings_line,
)
from lreview.sources.eutils import EutilsClient

Execute = Callable[[Step, LoopRun], object]


def _returned_problems(returned: Sequence[InboxResult]) -> tuple[str, ...]:
    return tuple(f"{r.path}: {r.error}" for r in returned if r.error)


@dataclass(frozen=True)
class RefreshSummary:
    """What one refresh of a review did, one row per search."""

    review_id: str
    harvests: tuple[HarvestSummary, ...] = ()
    imports: tuple[FileResult, ...] = ()
    dedup: DedupStepSummary | None = None
    ranking: RankStepSummary | None = None
    returned: tuple[InboxResult, ...] = ()  # workbooks and CSVs found in the screening inbox
    prisma: PrismaSummary | None = None  # what the last step, PRISMA, wrote
    steps: tuple[StepTime, ...] = ()  # the steps that ran, in order, and how long each took

    @classmethod
    def of(cls, run: LoopRun) -> RefreshSummary:
        """What a run of `REFRESH_STEPS` did."""
        imported = run.result(IMPORT, ImportSummary)
        return cls(
            run.config.review_id,
            run.result(HARVEST, tuple) or (),
            imported.files if imported else (),
            run.result(DEDUPE, DedupStepSummary),
            run.result(RANK, RankStepSummary),
            run.result(INGEST, tuple) or (),
            run.result(PRISMA, PrismaSummary),
            tuple(run.timings),
        )

    @property
    def problems(self) -> tuple[str, ...]:
        """Files that could not be imported (nothing was taken from them)."""
        files = tuple(f"{f.path}: {f.message}" for f in self.imports if f.status == "failed")
        return files + _returned_problems(self.returned)

    def rows(self) -> list[dict[str, Any]]:
        return [h.row() for h in self.harvests]

    def format(self) -> str:
        lines = [f"refresh of review {self.review_id}", table(self.rows())]
        for h in self.harvests:
            if h.query_translation:
                lines.append(f"{h.search}: {h.database} searched {h.query_translation}")
        if self.imports:
            lines += ["imported files:", table([f.row() for f in self.imports])]
        if self.returned:
            lines += ["returned screening files:", *(r.format() for r in self.returned)]
        if self.dedup is not None:
            lines.append(self.dedup.format())
        if self.ranking is not None:
            lines.append(self.ranking.format())
        if self.prisma is not None:
            lines.append(self.prisma.format())
        if self.steps:
            lines.append(timings_line(self.steps))
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def refresh(
    config: ReviewConfig,
    searches: Sequence[str] | None = None,
    today: date | None = None,
    client: EutilsClient | None = None,
    *,
    execute: Execute = call,
    wait: timedelta = timedelta(0),
) -> RefreshSummary:
    """Run `REFRESH_STEPS` (every search, or the named ones) holding the review's lock."""
    names = tuple(searches or ())
    for name in names:
        find_search(config, name)  # an unknown name fails before anything runs
    inputs = LoopInputs(searches=names, today=today)
    run = run_loop(config, "refresh", REFRESH_STEPS, inputs, client=client, execute=execute, wait=wait)
    return RefreshSummary.of(run)


@dataclass(frozen=True)
class IngestLoopSummary:
    """What one ingest run did: the returned files, the re-ranking (or only the re-issued workbooks)."""

    review_id: str
    returned: tuple[InboxResult, ...] = ()
    ranking: RankStepSummary | None = None
    workbooks: EmitSummary | None = None  # when nothing new at title/abstract asked for a re-rank
    prisma: PrismaSummary | None = None
    steps: tuple[StepTime, ...] = ()

    @classmethod
    def of(cls, run: LoopRun) -> IngestLoopSummary:
        """What a run of `INGEST_STEPS` did."""
        return cls(
            run.config.review_id,
            run.result(INGEST, tuple) or (),
            run.result(RANK, RankStepSummary),
            run.result(RANK, EmitSummary),
            run.result(PRISMA, PrismaSummary),
            tuple(run.timings),
        )

    @property
    def problems(self) -> tuple[str, ...]:
        """Returned files that were refused (moved to `inbox/refused/` with the reason)."""
        return _returned_problems(self.returned)

    def format(self) -> str:
        lines = [f"ingest of review {self.review_id}"]
        lines += [r.format() for r in self.returned] or ["no returned screening files"]
        lines += [s.format() for s in (self.ranking, self.workbooks, self.prisma) if s is not None]
        return "\n".join([*lines, timings_line(self.steps)])

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def ingest_loop(
    config: ReviewConfig,
    files: Sequence[Path] = (),
    *,
    stage: str = TITLE_ABSTRACT,
    inbox: bool = True,
    execute: Execute = call,
    wait: timedelta = timedelta(0),
) -> IngestLoopSummary:
    """Run `INGEST_STEPS` on the named returned files and (with `inbox`) the screening inbox."""
    inputs = LoopInputs(files=tuple(Path(f) for f in files), stage=stage, inbox=inbox)
    return IngestLoopSummary.of(run_loop(config, "ingest", INGEST_STEPS, inputs, execute=execute, wait=wait))


@dataclass(frozen=True)
class PrismaLoopSummary:
    """What one PRISMA run wrote."""

    review_id: str
    prisma: PrismaSummary | None = None
    steps: tuple[StepTime, ...] = ()

    def format(self) -> str:
        done = self.prisma.format() if self.prisma is not None else "PRISMA export not available"
        return "\n".join([done, timings_line(self.steps)])

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def prisma_loop(
    config: ReviewConfig, *, execute: Execute = call, wait: timedelta = timedelta(0)
) -> PrismaLoopSummary:
    """Run `PRISMA_STEPS` holding the review's lock."""
    run = run_loop(config, "prisma", PRISMA_STEPS, execute=execute, wait=wait)
    return PrismaLoopSummary(config.review_id, run.result(PRISMA, PrismaSummary), tuple(run.timings))
