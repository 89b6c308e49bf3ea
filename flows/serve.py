"""Serve a review's three deployments from this process (what `lreview serve --config C` runs):

- `lreview-refresh/refresh-<review>` on the config's `[schedule] cron` and `timezone`;
- `lreview-ingest/ingest-<review>` every `[schedule] ingest_every_minutes`;
- `lreview-prisma/prisma-<review>` on demand (refresh and ingest end with PRISMA too).

Runs of one review never overlap: each flow holds the review's global concurrency slot, and the
library its store lock. Needs a persistent Prefect API (`PREFECT_API_URL`, see the README); for a
team, register the same flows in a work pool instead (`prefect.yaml`).

    python flows/serve.py --config config/ldn-endometriosis.toml
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

FLOWS = Path(__file__).resolve().parent
if str(FLOWS) not in sys.path:  # flows/review_loop.py, however this file is loaded
    sys.path.insert(0, str(FLOWS))

from prefect import serve  # noqa: E402
from prefect.deployments.runner import RunnerDeployment  # noqa: E402
from review_loop import DEFAULT_CONFIG  # noqa: E402


def flow_file(name: str) -> ModuleType:
    """`flows/<name>.py` by its path (a bare `import prisma` could find another `prisma`)."""
    spec = importlib.util.spec_from_file_location(f"lreview_flows_{name}", FLOWS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # Prefect finds a flow's file through its module
    spec.loader.exec_module(module)
    return module


def deployments(config_path: str) -> list[RunnerDeployment]:
    """The review's refresh, ingest and PRISMA deployments."""
    return [flow_file(name).deployment(config_path) for name in ("refresh", "ingest", "prisma")]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="serve a review's lreview deployments (Prefect)")
    parser.add_argument("--config", default=DEFAULT_CONFIG)
    args = parser.parse_args(argv)
    serve(*deployments(args.config))
    return 0


if __name__ == "__main__":
    sys.exit(main())
