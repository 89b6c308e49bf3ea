"""What the refresh, ingest and PRISMA flows share: the library's steps as Prefect tasks, one run of a
review at a time, the artifacts every run publishes, and the deployment settings `lreview serve` uses.

- `as_task` runs one `lreview.pipeline.Step` as a task named for it, retried only when the step is
  idempotent. The flows pass it to the library's loop (`pipeline.refresh(..., execute=as_task)`), so
  the order of the steps is the library's one list, never decided here.
- `one_run_per_review` holds a Prefect global concurrency limit named for the review (limit 1,
  created on first use), so refresh, ingest and PRISMA runs of a review queue behind each other on
  any worker; inside it the library still takes the store's review lock (for `lreview` commands run
  by hand) and waits for it up to `pipeline.LOCK_WAIT`.
- `publish` turns a run's summary into artifacts: the run (one row per step), the whole summary as
  text, the PRISMA counts, the diagram (markdown linking the PNG and SVG), the stopping estimate.

Prefect telemetry is off unless the user turned it on (set before Prefect is imported).
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from prefect import task  # noqa: E402
from prefect.artifacts import create_markdown_artifact, create_table_artifact  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.client.orchestration import get_client  # noqa: E402
from prefect.concurrency.sync import concurrency  # noqa: E402

from lreview.config import ReviewConfig  # noqa: E402
from lreview.pipeline import LoopRun, RankStepSummary, Step, StepTime  # noqa: E402
from lreview.pipeline.ranking import summary_dict  # noqa: E402

RETRY_DELAYS = [30, 120]  # seconds before the first and second retry of an idempotent step
DEFAULT_CONFIG = "config/ldn-endometriosis.toml"


def as_task(step: Step, run: LoopRun) -> object:
    """Run one step of the library's list as a Prefect task named for it (retried only if idempotent)."""
    retries = len(RETRY_DELAYS) if step.idempotent else 0
    wrapped = task(
        step.run,
        name=step.name,
        task_run_name=step.name,
        retries=retries,
        retry_delay_seconds=RETRY_DELAYS if retries else 0,
        cache_policy=NO_CACHE,  # the run holds an open store: never hash or cache it
        persist_result=False,
    )
    return wrapped(run)


def slug(review_id: str) -> str:
    """The review id as Prefect keys and limit names allow it (lower-case letters, digits, dashes)."""
    return re.sub(r"[^a-z0-9-]+", "-", review_id.lower())


def limit_name(config: ReviewConfig) -> str:
    return f"lreview-review-{slug(config.review_id)}"


@contextmanager
def one_run_per_review(config: ReviewConfig) -> Iterator[None]:
    """Hold the review's global concurrency slot (limit 1) for the block, waiting for a run holding it."""
    name = limit_name(config)
    with get_client(sync_client=True) as client:
        client.upsert_global_concurrency_limit_by_name(name, 1)
    with concurrency(name, occupy=1, strict=True):
        yield


def _prisma_rows(counts: object) -> list[dict[str, Any]]:
    """One row per PRISMA box (a row per database, register and full-text reason)."""
    rows: list[dict[str, Any]] = []
    for field in fields(counts) if is_dataclass(counts) else ():
        value = getattr(counts, field.name)
        if isinstance(value, tuple):
            rows += [{"box": field.name, "name": name, "n": n} for name, n in value]
        elif isinstance(value, int):
            rows.append({"box": field.name, "name": "", "n": value})
    return rows


def _diagram_markdown(prisma: Any) -> str:
    files = {Path(p).name: Path(p).resolve() for p in prisma.files}
    lines = [f"# PRISMA 2020 flow diagram of review {prisma.review_id}", ""]
    if "prisma.png" in files:
        lines += [f"![PRISMA 2020 flow diagram]({files['prisma.png'].as_uri()})", ""]
    lines += [f"- [{name}]({path.as_uri()}) `{path}`" for name, path in files.items()]
    return "\n".join(lines)


def publish(loop: str, config: ReviewConfig, summary: Any) -> None:
    """Publish a loop's summary as artifacts keyed by loop and review (see the module docstring)."""
    review = slug(config.review_id)
    steps: Sequence[StepTime] = summary.steps
    create_table_artifact(
        key=f"{loop}-{review}",
        table=[{"step": t.step, "seconds": round(t.seconds, 2)} for t in steps],
        description=f"lreview {loop} of {config.review_id}: the steps as they ran",
    )
    create_markdown_artifact(
        key=f"{loop}-{review}-summary",
        markdown=f"```\n{summary.format()}\n```",
        description=f"what the {loop} of {config.review_id} did",
    )
    prisma = getattr(summary, "prisma", None)
    if prisma is not None:
        create_table_artifact(
            key=f"prisma-counts-{review}",
            table=_prisma_rows(prisma.counts),
            description=f"PRISMA 2020 counts of {config.review_id}, as of {prisma.counts.as_of}",
        )
        create_markdown_artifact(
            key=f"prisma-diagram-{review}",
            markdown=_diagram_markdown(prisma),
            description=f"PRISMA 2020 flow diagram of {config.review_id}",
        )
    ranking = getattr(summary, "ranking", None)
    if isinstance(ranking, RankStepSummary):
        create_table_artifact(
            key=f"stopping-{review}",
            table=[summary_dict(ranking)],
            description="\n".join(ranking.estimate_lines()),
        )


def run_once(flow: Callable[[str], object], argv: Sequence[str] | None = None) -> int:
    """`python flows/<name>.py [--config C]`: run the flow once (a temporary Prefect API if none is set)."""
    parser = argparse.ArgumentParser(description=f"run the lreview {getattr(flow, 'name', 'flow')} once")
    parser.add_argument("--config", default=DEFAULT_CONFIG)
    flow(parser.parse_args(argv).config)
    return 0
