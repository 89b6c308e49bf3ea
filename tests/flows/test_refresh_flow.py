"""The Prefect refresh flow runs the library pipeline once and publishes a summary table artifact."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from lreview.cli import main
from lreview.pipeline import REFRESH_STEPS
from lreview.pipeline.pubmed import UNFINISHED
from lreview.store import Store
from tests.support.eutils_server import EutilsServer
from tests.support.flows import artifacts, load_flow, task_run_names
from tests.support.pubmed_builder import make_articles
from tests.support.review_builders import ris_for

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
        result = load_flow("refresh").refresh(str(config_path))
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
    published = artifacts()
    assert published["refresh-flow-review"].type == "table"
    assert "refresh of review flow-review" in published["refresh-flow-review-summary"].data
    assert published["stopping-flow-review"].type == "table"  # cold start: no estimate yet


def test_cli_refresh_and_the_flow_run_the_same_steps_in_the_same_order(
    prefect_home: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    articles = make_articles(40, start=date(2024, 1, 1), end=date(2024, 12, 31))
    monkeypatch.delenv("LREVIEW_DATABASE_URL", raising=False)
    ran = {}
    with EutilsServer(articles) as server:
        monkeypatch.setenv("LREVIEW_EUTILS_URL", server.url)
        for side in ("cli", "flow"):
            config_path = tmp_path / side / "review.toml"
            config_path.parent.mkdir()
            text = CONFIG.format(out=tmp_path / side / "out", drop=tmp_path / side / "drop")
            config_path.write_text(text, encoding="utf-8")
            if side == "cli":
                assert main(["refresh", "--config", str(config_path)]) == 0
                (line,) = [x for x in capsys.readouterr().out.splitlines() if x.startswith("steps: ")]
                ran[side] = [part.rsplit(" ", 2)[0] for part in line.removeprefix("steps: ").split(", ")]
            else:
                state = load_flow("refresh").refresh(str(config_path), return_state=True)
                assert state.is_completed()
                ran[side] = task_run_names(state.state_details.flow_run_id)
    assert ran["cli"] == ran["flow"] == [s.name for s in REFRESH_STEPS]


def test_deployment_takes_cron_timezone_and_one_run_at_a_time_from_the_config(tmp_path: Path) -> None:
    config_path = tmp_path / "review.toml"
    text = CONFIG.format(out=tmp_path / "out", drop=tmp_path / "drop")
    config_path.write_text(
        text + '\n[schedule]\ncron = "30 5 * * 2"\ntimezone = "Asia/Tokyo"\n', encoding="utf-8"
    )
    deployment = load_flow("refresh").deployment(str(config_path))
    (schedule,) = deployment.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("30 5 * * 2", "Asia/Tokyo")
    assert deployment.concurrency_limit == 1
    assert deployment.name == "refresh-flow-review"
    assert deployment.parameters == {"config_path": str(config_path.resolve())}
