"""Writers at once on one PostgreSQL store: an ingest during a refresh loses no record and no decision.

The refresh is held inside its harvest (a table lock taken here blocks its record writes) while the
ingest runs in another thread; then the refresh is let go. Both finish, and every record and every
decision is in the store exactly once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from lreview import pipeline
from lreview.config import ReviewConfig, parse_config
from lreview.sources.eutils import EutilsClient, EutilsSettings
from lreview.store import Store
from tests.support.eutils_server import EutilsServer
from tests.support.pubmed_builder import make_articles
from tests.support.screening_builders import current_workbooks, fill, sheet_rows

pytestmark = pytest.mark.postgres
FIRST = make_articles(60, start=date(2024, 1, 1), end=date(2024, 12, 31))
LATER = make_articles(30, first_pmid=80_000_000, start=date(2025, 1, 12), end=date(2025, 1, 20))


def review(tmp_path: Path, url: str) -> ReviewConfig:
    data = {
        "review": {
            "id": "busy", "title": "Low-dose naltrexone for endometriosis", "eligibility": "LDN trials",
            "exclusion_reasons": ["wrong design"], "reviewers": ["ann"],
            "output_dir": str(tmp_path / "out"), "database_url": url,
        },
        "searches": [{"name": "s", "query": "naltrexone"}],
        "screening": {"batch_size": 20},
    }  # fmt: skip
    return parse_config(data, tmp_path / "review.toml")


def client(server: EutilsServer) -> EutilsClient:
    return EutilsClient(EutilsSettings(base_url=server.url, requests_per_second=100))


@contextmanager
def background(target: Callable[[], object]) -> Iterator[list[object]]:
    """Run `target` in a thread; the list gets its result or exception once the block has ended."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(target())
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    try:
        yield outcome
    finally:
        thread.join(300)
    assert not thread.is_alive()


def blocked_writers(conn: sa.Connection) -> int:
    """Sessions waiting for a lock on the record tables."""
    query = (
        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
        " WHERE c.relname IN ('records', 'raw_records') AND NOT l.granted"
    )
    return int(conn.exec_driver_sql(query).scalar_one())


def wait_for(condition: Callable[[], bool], what: str) -> None:
    for _ in range(2400):
        if condition():
            return
        threading.Event().wait(0.05)
    raise AssertionError(f"gave up waiting: {what}")


@pytest.fixture
def screened_once(tmp_path: Path, postgres_url: str) -> Iterator[tuple[ReviewConfig, EutilsServer, Path]]:
    """A review refreshed once (60 records, ann's first workbook), the filled workbook ready, and 30
    new PubMed records waiting for the next refresh."""
    config = review(tmp_path, postgres_url)
    with EutilsServer(FIRST) as server:
        pipeline.refresh(config, today=date(2025, 1, 10), client=client(server))
        issued = current_workbooks(config)[("ann", "TA", "screen")]
        answers = {int(r["record_id"]): ("exclude", "wrong design") for r in sheet_rows(issued)}
        answers[min(answers)] = ("include", "")
        filled = fill(issued, tmp_path / "ann-1.xlsx", answers)
        server.add_articles(LATER)
        yield config, server, filled


def test_an_ingest_loop_during_a_refresh_waits_for_it_and_loses_nothing(
    screened_once: tuple[ReviewConfig, EutilsServer, Path], caplog: pytest.LogCaptureFixture
) -> None:
    config, server, filled = screened_once
    caplog.set_level(logging.INFO, logger="lreview.pipeline")
    engine = sa.create_engine(config.database_url)
    with engine.connect() as blocker, engine.connect() as watcher:
        blocker.begin()
        blocker.exec_driver_sql("LOCK TABLE records, raw_records IN SHARE MODE")
        refresh = lambda: pipeline.refresh(config, today=date(2025, 1, 25), client=client(server))  # noqa: E731
        with background(refresh) as refreshed:
            wait_for(lambda: blocked_writers(watcher) > 0, "the refresh to write records")
            ingest = lambda: pipeline.ingest_loop(config, [filled], wait=pipeline.LOCK_WAIT)  # noqa: E731
            with background(ingest) as ingested:  # `lreview ingest FILE` while the refresh runs
                wait_for(lambda: "the ingest waits for it" in caplog.text, "the ingest to wait")
                with Store.open(config.database_url) as store:
                    assert store.decisions("busy") == []  # nothing logged while the refresh holds the review
                blocker.commit()
    engine.dispose()

    (refresh_summary,) = refreshed
    (ingest_summary,) = ingested
    assert isinstance(refresh_summary, pipeline.RefreshSummary), refresh_summary
    assert isinstance(ingest_summary, pipeline.IngestLoopSummary), ingest_summary
    assert refresh_summary.harvests[0].new == 30 and refresh_summary.returned == ()
    (returned,) = ingest_summary.returned
    assert returned.summary is not None and returned.summary.appended == 20
    assert ingest_summary.ranking is not None and ingest_summary.ranking.publications == 90
    with Store.open(config.database_url) as store:
        pmids = [r.record.pmid for r in store.iter_records("busy")]
        logged = [(d.record_id, d.reviewer, d.stage) for d in store.decisions("busy")]
    assert len(pmids) == len(set(pmids)) == 90
    assert len(logged) == len(set(logged)) == 20


def test_decisions_logged_during_a_refresh_are_kept_and_not_issued_again(
    screened_once: tuple[ReviewConfig, EutilsServer, Path],
) -> None:
    config, server, filled = screened_once
    engine = sa.create_engine(config.database_url)
    with engine.connect() as blocker, engine.connect() as watcher:
        blocker.begin()
        blocker.exec_driver_sql("LOCK TABLE records, raw_records IN SHARE MODE")
        refresh = lambda: pipeline.refresh(config, today=date(2025, 1, 25), client=client(server))  # noqa: E731
        with background(refresh) as refreshed:
            wait_for(lambda: blocked_writers(watcher) > 0, "the refresh to write records")
            ingested = pipeline.ingest_decisions(config, filled)  # `lreview ingest FILE --no-rank`
            blocker.commit()
    engine.dispose()

    (summary,) = refreshed
    assert isinstance(summary, pipeline.RefreshSummary), summary
    assert ingested.appended == 20 and summary.ranking is not None and summary.ranking.screened == 20
    decided = {int(r["record_id"]) for r in sheet_rows(filled)}
    following = current_workbooks(config)[("ann", "TA", "screen")]
    assert not decided & {int(r["record_id"]) for r in sheet_rows(following)}
    with Store.open(config.database_url) as store:
        pmids = [r.record.pmid for r in store.iter_records("busy")]
        logged = [(d.record_id, d.reviewer, d.stage) for d in store.decisions("busy")]
    assert len(pmids) == len(set(pmids)) == 90
    assert sorted(rid for rid, _, _ in logged) == sorted(decided)
