"""The one step list: its order, which steps a flow may retry, and the review lock every loop holds."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from lreview import pipeline
from lreview.errors import StoreError
from lreview.pipeline.steps import INGEST_STEPS, PRISMA_STEPS, REFRESH_STEPS, LoopRun, Step, run_loop
from lreview.records import Record
from lreview.sources.eutils import EutilsClient, EutilsSettings
from lreview.store import Store
from tests.support.eutils_server import EutilsServer
from tests.support.pubmed_builder import make_articles
from tests.support.review_builders import decide, imported, rank_rows, ris_for, write
from tests.support.screening_builders import imported_review, screening_config


def names(steps: tuple[Step, ...]) -> list[str]:
    return [s.name for s in steps]


def test_each_loop_lists_its_steps_in_the_order_the_review_needs() -> None:
    assert names(REFRESH_STEPS) == [
        "fail-unfinished-runs", "harvest", "import", "ingest", "dedupe", "rank", "prisma",
    ]  # fmt: skip
    assert names(INGEST_STEPS) == ["ingest", "rank", "prisma"]
    assert names(PRISMA_STEPS) == ["prisma"]


def test_only_steps_that_store_a_model_run_or_issue_workbooks_are_not_retried() -> None:
    once = {
        s.name for steps in (REFRESH_STEPS, INGEST_STEPS, PRISMA_STEPS) for s in steps if not s.idempotent
    }
    assert once == {"rank"}


@pytest.fixture
def server() -> Iterator[EutilsServer]:
    with EutilsServer(make_articles(40, start=date(2024, 1, 1), end=date(2024, 12, 31))) as running:
        yield running


def test_a_refresh_runs_every_step_once_in_list_order_and_says_so(
    tmp_path: Path, server: EutilsServer
) -> None:
    config = screening_config(tmp_path, f"sqlite:///{tmp_path / 's.sqlite'}", mode="single")
    client = EutilsClient(EutilsSettings(base_url=server.url, requests_per_second=100))
    summary = pipeline.refresh(config, today=date(2025, 1, 10), client=client)
    assert [t.step for t in summary.steps] == names(REFRESH_STEPS)
    assert summary.harvests[0].new == 40 and summary.ranking is not None
    assert summary.format().splitlines()[-1].startswith("steps: fail-unfinished-runs ")


def test_a_step_sees_the_results_of_the_steps_before_it(tmp_path: Path) -> None:
    config = imported_review(tmp_path, f"sqlite:///{tmp_path / 's.sqlite'}")
    seen: list[object] = []
    steps = (
        Step("count", lambda run: sum(1 for _ in run.store.iter_records(run.config.review_id)), True),
        Step("look", lambda run: seen.append(run.result("count", int)), True),
    )
    run = run_loop(config, "test", steps)
    assert seen == [60] and [t.step for t in run.timings] == ["count", "look"]


def test_a_second_loop_on_the_review_is_refused_at_once_naming_the_running_one(tmp_path: Path) -> None:
    config = imported_review(tmp_path, f"sqlite:///{tmp_path / 's.sqlite'}")
    with pipeline.refresh_lock(config), pytest.raises(StoreError, match="already running") as refused:
        pipeline.prisma_loop(config)
    assert f"(holder {socket.gethostname()}:{os.getpid()}:" in str(refused.value)


def test_a_loop_that_may_wait_runs_once_the_running_one_ends(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = imported_review(tmp_path, f"sqlite:///{tmp_path / 's.sqlite'}")
    ran: list[str] = []
    step = Step("mark", lambda run: ran.append("ingest"), True)
    caplog.set_level(logging.INFO, logger="lreview.pipeline")
    outcome: list[LoopRun | BaseException] = []

    def ingest() -> None:
        try:
            outcome.append(run_loop(config, "ingest", (step,), wait=timedelta(minutes=5)))
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            outcome.append(exc)

    with pipeline.refresh_lock(config):
        thread = threading.Thread(target=ingest)
        thread.start()
        for _ in range(600):
            if any("the ingest waits for it" in r.getMessage() for r in caplog.records):
                break
            thread.join(0.05)
        assert ran == []  # still waiting while the refresh holds the review
        ran.append("refresh done")
    thread.join(60)
    assert not thread.is_alive() and isinstance(outcome[0], LoopRun)
    assert ran == ["refresh done", "ingest"]


def test_the_lock_is_released_when_a_step_fails(tmp_path: Path) -> None:
    config = imported_review(tmp_path, f"sqlite:///{tmp_path / 's.sqlite'}")

    def broken(run: LoopRun) -> None:
        raise RuntimeError("step broke")

    with pytest.raises(RuntimeError, match="step broke"):
        run_loop(config, "refresh", (Step("broken", broken, True),))
    assert pipeline.prisma_loop(config).review_id == "scr"  # the review is free again
    with Store.open(config.database_url) as store:
        assert store.count_by_source("scr") == {"PubMed": 60}


def test_a_refresh_with_a_few_new_records_decodes_only_those_and_their_neighbours(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = imported(tmp_path)  # 60 records, deduplicated: the dedup index is written
    first = rank_rows(config)
    rows = [(first[0]["record_id"], "include"), (first[5]["record_id"], "exclude")]
    pipeline.ingest_decisions(config, decide(tmp_path, config, rows, "d.csv"))
    pipeline.rank(config)  # trained: the feature cache is built
    new = make_articles(3, first_pmid=20_000_000, start=date(2025, 2, 1), end=date(2025, 3, 1), seed=99)
    pipeline.import_files(config, [write(tmp_path / "new.ris", ris_for(new))], source="Embase")
    decoded: list[int] = []
    from_dict = Record.from_dict

    def counting(data: dict[str, Any]) -> Record:
        decoded.append(1)
        return from_dict(data)

    monkeypatch.setattr(Record, "from_dict", counting)  # counts the records read back from the store
    steps = [s for s in REFRESH_STEPS if s.name in ("dedupe", "rank")]
    run = run_loop(config, "refresh", steps)
    dedup = run.result("dedupe", pipeline.DedupStepSummary)
    assert dedup is not None and dedup.mode.startswith("incremental") and dedup.records == 63
    assert run.result("rank", pipeline.RankStepSummary) is not None
    assert 3 <= len(decoded) < 60  # the new records and a few near them, not the whole review
