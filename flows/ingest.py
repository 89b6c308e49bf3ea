"""Prefect flow: ingest the review's screening inbox, the library's `INGEST_STEPS` (log returned
workbooks and CSVs, re-rank, issue the next batch, conflicts and full-text workbooks, PRISMA), each a task.

    python flows/ingest.py --config config/ldn-endometriosis.toml      # run once
    lreview serve --config config/ldn-endometriosis.toml               # every [schedule] ingest_every_minutes
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

FLOWS = str(Path(__file__).resolve().parent)
if FLOWS not in sys.path:  # flows/review_loop.py, however this file is loaded
    sys.path.insert(0, FLOWS)

from prefect import flow  # noqa: E402
from prefect.deployments.runner import RunnerDeployment  # noqa: E402
from prefect.schedules import Interval  # noqa: E402
from review_loop import DEFAULT_CONFIG, as_task, one_run_per_review, publish, run_once  # noqa: E402

from lreview import pipeline  # noqa: E402
from lreview.config import load_config  # noqa: E402


@flow(name="lreview-ingest", log_prints=True)
def ingest(config_path: str = DEFAULT_CONFIG) -> dict[str, Any]:
    """Ingest what reviewers returned (one run of the review at a time) and publish what the run did."""
    config = load_config(config_path)
    with one_run_per_review(config):
        summary = pipeline.ingest_loop(config, execute=as_task, wait=pipeline.LOCK_WAIT)
    publish("ingest", config, summary)
    print(summary.format())
    return summary.as_dict()


def deployment(config_path: str) -> RunnerDeployment:
    """The review's inbox ingest every `[schedule] ingest_every_minutes`, one run at a time."""
    config = load_config(config_path)
    return ingest.to_deployment(
        name=f"ingest-{config.review_id}",
        schedules=[Interval(timedelta(minutes=config.schedule.ingest_every_minutes))],
        parameters={"config_path": str(Path(config_path).resolve())},
        concurrency_limit=1,
        tags=["lreview", config.review_id],
    )


if __name__ == "__main__":
    sys.exit(run_once(ingest))
