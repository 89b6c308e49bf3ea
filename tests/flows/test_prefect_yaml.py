"""prefect.yaml (the team's work-pool deployments) stays in step with the flows and the shipped config."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from lreview.config import load_config
from tests.support.flows import REPO, load_flow


def deployments() -> dict[str, dict[str, Any]]:
    text = (REPO / "prefect.yaml").read_text(encoding="utf-8")
    return {d["name"]: d for d in yaml.safe_load(text)["deployments"]}


def test_every_deployment_runs_a_flow_of_flows_on_the_process_pool_one_at_a_time() -> None:
    found = deployments()
    assert sorted(found) == [
        "ingest-ldn-endometriosis",
        "prisma-ldn-endometriosis",
        "refresh-ldn-endometriosis",
    ]
    for name, deployment in found.items():
        path, function = deployment["entrypoint"].split(":")
        assert Path(path).parent == Path("flows") and callable(getattr(load_flow(Path(path).stem), function))
        assert name.startswith(function + "-")
        assert deployment["work_pool"]["name"] == "lreview"
        assert deployment["concurrency_limit"] == {"limit": 1, "collision_strategy": "ENQUEUE"}
        assert (REPO / deployment["parameters"]["config_path"]).is_file()


def test_schedules_are_the_shipped_configs() -> None:
    found = deployments()
    schedule = load_config(REPO / "config" / "ldn-endometriosis.toml").schedule
    assert found["refresh-ldn-endometriosis"]["schedules"] == [
        {"cron": schedule.cron, "timezone": schedule.timezone}
    ]
    assert found["ingest-ldn-endometriosis"]["schedules"] == [
        {"interval": schedule.ingest_every_minutes * 60}
    ]
    assert "schedules" not in found["prisma-ldn-endometriosis"]
