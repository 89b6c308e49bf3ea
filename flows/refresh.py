"""Prefect flow: refresh one review (PubMed harvest per search), run once or served on the config's cron.

    python flows/refresh.py --config config/ldn-endometriosis.toml          # run once
    python flows/refresh.py serve --config config/ldn-endometriosis.toml    # serve the schedule

A thin shell over `lreview.pipeline`: the library does the work; this file adds Prefect task retries
around idempotent steps (a harvest upserts by PMID, so re-running it is safe), the review-level lock,
a run summary as a table artifact, and the scheduled deployment.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

# Telemetry off unless the user turned it on explicitly (must be set before Prefect is imported).
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from prefect import flow, task  # noqa: E402
from prefect import serve as prefect_serve  # noqa: E402
from prefect.artifacts import create_table_artifact  # noqa: E402
from prefect.deployments.runner import RunnerDeployment  # noqa: E402
from prefect.schedules import Cron  # noqa: E402

from lreview import pipeline  # noqa: E402
from lreview.config import load_config  # noqa: E402


@task(retries=2, retry_delay_seconds=[30, 120])
def harvest_search(config_path: str, search_name: str) -> pipeline.HarvestSummary:
    """One PubMed search into the store; idempotent, so Prefect may retry it."""
    return pipeline.harvest_search(load_config(config_path), search_name)


@task(retries=1, retry_delay_seconds=[30])
def import_dropped_files(config_path: str) -> pipeline.ImportSummary:
    """Import export files newly dropped in the review's import folders (each file once, by hash)."""
    return pipeline.import_dropped_files(load_config(config_path))


@task(retries=1, retry_delay_seconds=[30])
def deduplicate(config_path: str) -> pipeline.DedupStepSummary:
    """Cluster duplicates across all sources (recomputed from the store, so safe to retry)."""
    return pipeline.deduplicate(load_config(config_path))


@task(retries=1, retry_delay_seconds=[30])
def rank(config_path: str) -> pipeline.RankStepSummary:
    """Retrain on every decision so far and re-rank the unscreened records (reproducible from the store)."""
    return pipeline.rank(load_config(config_path))


@flow(name="lreview-refresh", log_prints=True)
def refresh(config_path: str = "config/ldn-endometriosis.toml") -> dict[str, Any]:
    """Harvest every search of the review while holding its refresh lock; publish a summary table."""
    config = load_config(config_path)
    with pipeline.refresh_lock(config):
        harvests = tuple(harvest_search(config_path, s.name) for s in config.searches)
        imported = import_dropped_files(config_path)
        dedup = deduplicate(config_path)
        ranked = rank(config_path) if dedup.records else None
    summary = pipeline.RefreshSummary(config.review_id, harvests, imported.files, dedup, ranked)
    create_table_artifact(
        key=f"refresh-{config.review_id}",
        table=summary.rows(),
        description=f"lreview refresh of {config.review_id}",
    )
    print(summary.format())
    return summary.as_dict()


def deployment(config_path: str) -> RunnerDeployment:
    """The scheduled refresh deployment of one review: its cron and time zone, one run at a time."""
    config = load_config(config_path)
    return refresh.to_deployment(
        name=f"refresh-{config.review_id}",
        schedules=[Cron(config.schedule.cron, timezone=config.schedule.timezone)],
        parameters={"config_path": str(Path(config_path).resolve())},
        concurrency_limit=1,
        tags=["lreview", config.review_id],
    )


def serve(config_path: str) -> None:
    """Serve the review's refresh deployment (needs a persistent Prefect API, see the README)."""
    prefect_serve(deployment(config_path), limit=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="lreview refresh flow")
    parser.add_argument("mode", nargs="?", choices=["run", "serve"], default="run")
    parser.add_argument("--config", default="config/ldn-endometriosis.toml")
    args = parser.parse_args(argv)
    if args.mode == "serve":
        serve(args.config)
    else:
        refresh(args.config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
