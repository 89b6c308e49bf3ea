"""The Prefect ingest and PRISMA flows run the library's step lists as tasks and publish artifacts;
`lreview serve`'s deployments take their schedules and limits from the config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lreview import pipeline
from lreview.config import ReviewConfig, load_config
from lreview.pipeline import INGEST_STEPS, PRISMA_STEPS
from tests.support.flows import artifacts, load_flow, task_run_names
from tests.support.review_builders import RANKING_ARTICLES, ris_for, write
from tests.support.screening_builders import current_workbooks, fill, sheet_rows

CONFIG = """
[review]
id = "flow_ingest"
title = "Low-dose naltrexone for endometriosis"
eligibility = "LDN trials"
exclusion_reasons = ["wrong design"]
reviewers = ["ann"]
output_dir = "{out}"

[[searches]]
name = "s"
query = "naltrexone"

[screening]
batch_size = 10

[schedule]
cron = "0 7 * * 3"
timezone = "Europe/Berlin"
ingest_every_minutes = 20
"""

pytestmark = pytest.mark.prefect


@pytest.fixture
def review(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, ReviewConfig]:
    """A review on an SQLite file holding 60 records, ranked, with ann's first workbook issued."""
    monkeypatch.delenv("LREVIEW_DATABASE_URL", raising=False)
    path = write(tmp_path / "review.toml", CONFIG.format(out=tmp_path / "out"))
    config = load_config(path)
    pipeline.import_files(config, [write(tmp_path / "a.ris", ris_for(RANKING_ARTICLES))], "PubMed")
    pipeline.rank(config)
    return path, config


def test_ingest_flow_logs_the_inbox_reranks_and_publishes_the_run(
    prefect_home: None, review: tuple[Path, ReviewConfig]
) -> None:
    path, config = review
    issued = current_workbooks(config)[("ann", "TA", "screen")]
    answers = {int(r["record_id"]): ("exclude", "wrong design") for r in sheet_rows(issued)}
    answers[min(answers)] = ("include", "")
    fill(issued, pipeline.screening_dir(config) / "inbox" / "ann.xlsx", answers)

    state = load_flow("ingest").ingest(str(path), return_state=True)

    assert state.is_completed()
    result = state.result()
    assert [r["summary"]["appended"] for r in result["returned"]] == [10]
    assert result["ranking"]["screened"] == 10
    run_id = state.state_details.flow_run_id
    assert task_run_names(run_id) == [s.name for s in INGEST_STEPS]
    published = artifacts(run_id)
    rows = json.loads(published["ingest-flow-ingest"].data)
    assert [row["step"] for row in rows] == ["ingest", "rank", "prisma"]
    assert "10 of 10 decisions appended" in published["ingest-flow-ingest-summary"].data
    assert published["stopping-flow-ingest"].type == "table"


def test_prisma_flow_publishes_the_counts_and_the_diagram(
    prefect_home: None, review: tuple[Path, ReviewConfig]
) -> None:
    path, config = review
    state = load_flow("prisma").prisma(str(path), return_state=True)
    assert state.is_completed()
    run_id = state.state_details.flow_run_id
    assert task_run_names(run_id) == [s.name for s in PRISMA_STEPS]
    published = artifacts(run_id)
    counts = {
        (row["box"], row["name"]): row["n"] for row in json.loads(published["prisma-counts-flow-ingest"].data)
    }
    assert counts[("databases", "PubMed")] == 60 and counts[("awaiting", "")] == 60
    diagram = published["prisma-diagram-flow-ingest"].data
    png = config.output_dir / "prisma" / "prisma.png"
    assert png.is_file() and f"]({png.resolve().as_uri()})" in diagram and "prisma.svg" in diagram


def test_a_flow_run_holds_the_reviews_global_concurrency_limit_of_one(
    prefect_home: None, review: tuple[Path, ReviewConfig]
) -> None:
    path, _ = review
    assert load_flow("prisma").prisma(str(path), return_state=True).is_completed()
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        limit = client.read_global_concurrency_limit_by_name("lreview-review-flow-ingest")
    assert (limit.limit, limit.active_slots) == (1, 0)  # one run at a time; released when done


def test_serve_deploys_refresh_on_cron_ingest_on_the_interval_and_prisma_on_demand(
    review: tuple[Path, ReviewConfig],
) -> None:
    path, _ = review
    refresh, ingest, prisma = load_flow("serve").deployments(str(path))
    assert [d.name for d in (refresh, ingest, prisma)] == [
        "refresh-flow_ingest", "ingest-flow_ingest", "prisma-flow_ingest",
    ]  # fmt: skip
    (cron,) = refresh.schedules
    assert (cron.schedule.cron, cron.schedule.timezone) == ("0 7 * * 3", "Europe/Berlin")
    (every,) = ingest.schedules
    assert every.schedule.interval.total_seconds() == 20 * 60
    assert prisma.schedules == []
    assert {d.concurrency_limit for d in (refresh, ingest, prisma)} == {1}
    assert {d.parameters["config_path"] for d in (refresh, ingest, prisma)} == {str(path.resolve())}
