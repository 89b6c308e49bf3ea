"""The Prefect refresh flow runs the library pipeline once and publishes a summary table artifact."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest

from lreview.pipeline.pubmed import UNFINISHED
from lreview.store import Store
from tests.support.eutils_server import EutilsServer
from tests.support.pubmed_builder import make_articles
from tests.support.review_builders import ris_for

REPO = Path(__file__).resolve().parents[2]
CONFIG = """
[review]
id = "flow-review"
title = "Flow test"
eligibility = "anything"
exclusion_reasons = ["wrong population"]
reviewers = ["r1"]
output_dir = "{out}"

[imports]
folders = ["{drop}"]
source_by_folder = {{ drop = "Embase" }}

[[searches]]
name = "one"
query = "naltrexone"

[[searches]]
name = "two"
query = "endometriosis"
mindate = 2024-01-01
"""

pytestmark = pytest.mark.prefect


@pytest.fixture(scope="module")
def prefect_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    pytest.importorskip("prefect")
    home = tmp_path_factory.mktemp("prefect-home")
    saved = {k: os.environ.get(k) for k in ("PREFECT_HOME", "PREFECT_API_URL")}
    os.environ["PREFECT_HOME"] = str(home)
    os.environ.pop("PREFECT_API_URL", None)
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def load_flow_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("refresh_flow", REPO / "flows" / "refresh.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["refresh_flow"] = module  # Prefect finds a flow's file through its module
    spec.loader.exec_module(module)
    return module


def test_refresh_flow_harvests_every_search_and_publishes_a_table(
    prefect_home: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_path = tmp_path / "review.toml"
    config_path.write_text(CONFIG.format(out=tmp_path / "out", drop=tmp_path / "drop"), encoding="utf-8")
    articles = make_articles(300, start=date(2023, 1, 1), end=date(2025, 6, 30))
    (tmp_path / "drop").mkdir()
    (tmp_path / "drop" / "embase.ris").write_text(ris_for(articles[:5]), encoding="utf-8")
    store_url = f"sqlite:///{tmp_path / 'out' / 'lreview.sqlite'}"
    with Store.open(store_url) as store:  # a run left `running` by a refresh that was killed
        left = store.start_run("flow-review", "one", "naltrexone")
    with EutilsServer(articles) as server:
        monkeypatch.setenv("LREVIEW_EUTILS_URL", server.url)
        monkeypatch.delenv("LREVIEW_DATABASE_URL", raising=False)
        flow_module = load_flow_module()
        result = flow_module.refresh(str(config_path))
    with Store.open(store_url) as store:
        assert (store.run(left).status, store.run(left).errors) == ("failed", (UNFINISHED,))
    rows = {h["search"]: h for h in result["harvests"]}
    assert rows["one"]["count"] == 300
    assert rows["two"]["count"] == sum(a.entrez_date >= date(2024, 1, 1) for a in articles)
    assert [(f["source"], f["records"], f["status"]) for f in result["imports"]] == [
        ("Embase", 5, "imported")
    ]
    assert result["dedup"]["records"] == 305 and result["dedup"]["publications"] == 300
    assert result["ranking"]["publications"] == 300 and result["ranking"]["workbooks"] is not None
    with Store.open(f"sqlite:///{tmp_path / 'out' / 'lreview.sqlite'}") as store:
        assert store.count_by_source("flow-review") == {"PubMed": 300, "Embase": 5}

    from prefect.client.orchestration import get_client

    async def artifacts() -> list[object]:
        async with get_client() as client:
            return list(await client.read_artifacts())

    import asyncio

    published = asyncio.run(artifacts())
    tables = [a for a in published if getattr(a, "key", None) == "refresh-flow-review"]
    assert tables and getattr(tables[0], "type", None) == "table"


def test_deployment_takes_cron_timezone_and_one_run_at_a_time_from_the_config(tmp_path: Path) -> None:
    config_path = tmp_path / "review.toml"
    text = CONFIG.format(out=tmp_path / "out", drop=tmp_path / "drop")
    config_path.write_text(
        text + '\n[schedule]\ncron = "30 5 * * 2"\ntimezone = "Asia/Tokyo"\n', encoding="utf-8"
    )
    deployment = load_flow_module().deployment(str(config_path))
    (schedule,) = deployment.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("30 5 * * 2", "Asia/Tokyo")
    assert deployment.concurrency_limit == 1
    assert deployment.name == "refresh-flow-review"
    assert deployment.parameters == {"config_path": str(config_path.resolve())}
