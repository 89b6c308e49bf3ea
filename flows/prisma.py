"""Prefect flow: the review's PRISMA 2020 export, the library's `PRISMA_STEPS` (counts, checked, the
template CSV, JSON and diagram in `<output_dir>/prisma/`). Refresh and ingest end with the same step;
this flow is for an export on demand (`prefect deployment run lreview-prisma/prisma-<review>`).

    python flows/prisma.py --config config/ldn-endometriosis.toml      # run once
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
from review_loop import DEFAULT_CONFIG, as_task, one_run_per_review, publish, run_once  # noqa: E402

from lreview import pipeline  # noqa: E402
from lreview.config import load_config  # noqa: E402


@flow(name="lreview-prisma", log_prints=True)
def prisma(config_path: str = DEFAULT_CONFIG) -> dict[str, Any]:
    """Export the review's PRISMA 2020 files (one run of the review at a time) and publish them."""
    config = load_config(config_path)
    with one_run_per_review(config):
        summary = pipeline.prisma_loop(config, execute=as_task, wait=pipeline.LOCK_WAIT)
    publish("prisma", config, summary)
    print(summary.format())
    return summary.as_dict()


def deployment(config_path: str) -> RunnerDeployment:
    """The review's PRISMA export, run on demand, one run at a time."""
    config = load_config(config_path)
    return prisma.to_deployment(
        name=f"prisma-{config.review_id}",
        parameters={"config_path": str(Path(config_path).resolve())},
        concurrency_limit=1,
        tags=["lreview", config.review_id],
    )


if __name__ == "__main__":
    sys.exit(run_once(prisma))
