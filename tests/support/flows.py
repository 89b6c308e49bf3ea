"""Loading the Prefect flow files of `flows/` (not a package) and reading back what a flow run did."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any
from uuid import UUID

REPO = Path(__file__).resolve().parents[2]


def load_flow(name: str) -> ModuleType:
    """`flows/<name>.py` as module `<name>_flow` (Prefect finds a flow's file through its module)."""
    spec = importlib.util.spec_from_file_location(f"{name}_flow", REPO / "flows" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[f"{name}_flow"] = module
    spec.loader.exec_module(module)
    return module


def task_run_names(flow_run_id: UUID) -> list[str]:
    """The names of a flow run's task runs, in the order they started."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    async def read() -> list[Any]:
        async with get_client() as client:
            runs = await client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
            )
            return list(runs)

    runs = asyncio.run(read())
    return [r.name for r in sorted(runs, key=lambda r: (r.start_time, r.expected_start_time))]


def artifacts(flow_run_id: UUID | None = None) -> dict[str, Any]:
    """Artifacts by key (of one flow run, or all), the newest for each key."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    async def read() -> list[Any]:
        async with get_client() as client:
            where = None
            if flow_run_id is not None:
                where = ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
            return list(await client.read_artifacts(artifact_filter=where))

    found = sorted(asyncio.run(read()), key=lambda a: a.created)
    return {a.key: a for a in found if a.key}
