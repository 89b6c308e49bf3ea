"""Prefect flow: one refresh of a review, the library's `REFRESH_STEPS` (harvest every search, import
dropped files, ingest the inbox, dedupe, rank and issue workbooks, PRISMA), each a task.

    python flows/refresh.py --config config/ldn-endometriosis.toml     # run once
    lreview serve --config config/ldn-endometriosis.toml               # on the config's cron (flows/serve.py)
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

FLOWS = str(Path(__file__).resolve().parent)
if FLOWS not in sys.path:  # flows/review_loop.py, however this file is loaded
    sys.path.insert(0, FLOWS)

from prefect import flow  # noqa: E402
from prefect.deployments.runner import RunnerDeployment  # noqa: E402
from prefect.schedules import Cron  # noqa: E402
from review_loop import DEFAULT_CONFIG, as_task, one_run_per_review, publish, run_once  # noqa: E402

from lreview import pipeline  # noqa: E402
from lreview.config import load_config  # noqa: E402


@flow(name="lreview-refresh", log_prints=True)
def refresh(config_path: str = DEFAULT_CONFIG) -> dict[str, Any]:
    """Refresh the review (one run of it at a time) and publish what the run did."""
    config = load_config(config_path)
    with one_run_per_review(config):
        summary = pipeline.refresh(config, execute=as_task, wait=pipeline.LOCK_WAIT)
    publish("refresh", config, summary)
    print(summary.format())
    return summary.as_dict()


def deployment(config_path: str) -> RunnerDeployment:
    """The review's refresh on its cron and time zone, one run at a time."""
    config = load_config(config_path)
    return refresh.to_deployment(
        name=f"refresh-{config.review_id}",
        schedules=[Cron(config.schedule.cron, timezone=config.schedule.timezone)],
        parameters={"config_path": str(Path(config_path).resolve())},
        concurrency_limit=1,
        tags=["lreview", config.review_id],
    )


if __name__ == "__main__":
    sys.exit(run_once(refresh))
