"""End to end: `pipeline.refresh` against the local E-utilities server into a real store."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from lreview import pipeline
from lreview.cli import main
from lreview.config import ReviewConfig, parse_config
from lreview.errors import EutilsError, StoreError
from lreview.sources.eutils import EutilsClient, EutilsSettings
from lreview.store import Store
from tests.support.eutils_server import EutilsServer, Fault
from tests.support.pubmed_builder import SyntheticArticle, make_articles

TODAY = date(2026, 1, 10)


def make_config(tmp_path: Path, url: str, **search: Any) -> ReviewConfig:
    data = {
        "review": {
            "id": "test-review",
            "title": "A test review",
            "eligibility": "anything",
            "exclusion_reasons": ["wrong population"],
            "reviewers": ["r1"],
            "output_dir": str(tmp_path / "out"),
            "database_url": url,
        },
        "searches": [{"name": "main", "query": "naltrexone AND endometriosis", **search}],
    }
    return parse_config(data, tmp_path / "review.toml")


def client_for(server: EutilsServer, **overrides: Any) -> EutilsClient:
    settings = EutilsSettings(
        base_url=server.url, requests_per_second=100, backoff_base=0.01, backoff_max=0.05, **overrides
    )
    return EutilsClient(settings)


def stored_pmids(config: ReviewConfig) -> list[str]:
    with Store.open(config.database_url) as store:
        return [r.record.pmid or "" for r in store.iter_records(config.review_id)]


def corpus() -> list[SyntheticArticle]:
    return make_articles(1200, start=date(2020, 1, 1), end=date(2025, 12, 31))


@pytest.fixture
def server() -> Iterator[EutilsServer]:
    with EutilsServer(corpus()) as running:
        yield running


def test_first_refresh_stores_every_record_once(tmp_path: Path, server: EutilsServer, store_url: str) -> None:
    config = make_config(tmp_path, store_url)
    summary = pipeline.refresh(config, today=TODAY, client=client_for(server))
    pmids = stored_pmids(config)
    assert len(pmids) == 1200 and len(set(pmids)) == 1200
    (harvest,) = summary.harvests
    assert (harvest.count, harvest.fetched, harvest.new, harvest.missing) == (1200, 1200, 1200, 0)
    with Store.open(config.database_url) as store:
        (run,) = store.runs(config.review_id)
    assert run.status == "succeeded" and run.n_new == 1200 and run.maxdate == TODAY


def test_second_refresh_fetches_only_records_entered_since(tmp_path: Path, server: EutilsServer) -> None:
    config = make_config(tmp_path, f"sqlite:///{tmp_path / 's.sqlite'}")
    pipeline.refresh(config, today=TODAY, client=client_for(server))
    fresh = make_articles(
        30, first_pmid=90_000_000, start=TODAY + timedelta(days=3), end=TODAY + timedelta(days=6)
    )
    server.add_articles(fresh)
    before = len(server.requests)
    summary = pipeline.refresh(config, today=TODAY + timedelta(days=7), client=client_for(server))
    fetched = {
        pmid
        for entry in server.requests[before:]
        if entry.endpoint == "efetch"
        for pmid in entry.params.get("id", "").split(",")
        if pmid
    }
    window_start = TODAY - timedelta(days=2)
    revised_in_window = {
        a.pmid for a in corpus() if window_start <= a.date_revised <= TODAY + timedelta(days=7)
    }
    assert revised_in_window  # the corpus has records PubMed revised (MDAT) inside the new window
    assert fetched == {a.pmid for a in fresh} | revised_in_window
    (harvest,) = summary.harvests
    assert harvest.mindate == (TODAY - timedelta(days=2)).isoformat()
    assert harvest.new == 30
    assert len(set(stored_pmids(config))) == len(stored_pmids(config)) == 1230


def test_revised_record_is_updated_not_duplicated(tmp_path: Path, server: EutilsServer) -> None:
    config = make_config(tmp_path, f"sqlite:///{tmp_path / 's.sqlite'}")
    pipeline.refresh(config, today=TODAY, client=client_for(server))
    first = stored_pmids(config)
    # An old record (entered months before the window) that PubMed revises inside the next window.
    window = (TODAY - timedelta(days=2), TODAY + timedelta(days=1))
    target = next(a.pmid for a in corpus() if window[0] <= a.revised().date_revised <= window[1])
    revised = server.revise(target)
    summary = pipeline.refresh(config, today=TODAY + timedelta(days=1), client=client_for(server))
    assert (summary.harvests[0].updated, summary.harvests[0].new) == (1, 0)
    after = stored_pmids(config)
    assert sorted(after) == sorted(first)
    with Store.open(config.database_url) as store:
        versions = store.raw_versions(config.review_id, "PubMed", target)
    assert [v.title for v in versions][-1] == revised.title and len(versions) == 2


def test_failed_run_is_resumed_by_the_next_without_duplicates(
    tmp_path: Path, server: EutilsServer, store_url: str
) -> None:
    config = make_config(tmp_path, store_url)
    server.add_fault(Fault("status", endpoint="efetch", status=500), times=1000)
    with pytest.raises(EutilsError):
        pipeline.refresh(config, today=TODAY, client=client_for(server, max_retries=1, batch_size=100))
    with Store.open(config.database_url) as store:
        assert [r.status for r in store.runs(config.review_id)] == ["failed"]
    while server.pending_faults:
        server.take_fault("efetch")
    summary = pipeline.refresh(config, today=TODAY, client=client_for(server))
    assert summary.harvests[0].mindate == ""  # nothing succeeded before: harvest everything again
    pmids = stored_pmids(config)
    assert len(pmids) == len(set(pmids)) == 1200


def test_partly_stored_run_then_rerun_keeps_each_record_once(tmp_path: Path, server: EutilsServer) -> None:
    config = make_config(tmp_path, f"sqlite:///{tmp_path / 's.sqlite'}")
    client = client_for(server, batch_size=100)
    stored_batches = 0
    real_store_records = Store.store_records

    def store_then_crash(self: Store, *args: Any, **kwargs: Any) -> Any:
        nonlocal stored_batches
        if stored_batches == 5:
            raise KeyboardInterrupt("killed")
        stored_batches += 1
        return real_store_records(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Store, "store_records", store_then_crash)
        with pytest.raises(KeyboardInterrupt):
            pipeline.refresh(config, today=TODAY, client=client)
    assert len(stored_pmids(config)) == 500
    pipeline.refresh(config, today=TODAY, client=client_for(server))
    pmids = stored_pmids(config)
    assert len(pmids) == len(set(pmids)) == 1200


def test_second_refresh_of_same_review_is_refused_while_one_runs(
    tmp_path: Path, server: EutilsServer
) -> None:
    config = make_config(tmp_path, f"sqlite:///{tmp_path / 's.sqlite'}")
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with pipeline.refresh_lock(config):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert held.wait(10)
        with pytest.raises(StoreError, match="already running"):
            pipeline.refresh(config, today=TODAY, client=client_for(server))
    finally:
        release.set()
        thread.join()
    assert len(stored_pmids(config)) == 0


def test_phrase_not_found_is_stored_with_the_run(tmp_path: Path) -> None:
    articles = make_articles(10)
    with EutilsServer(articles, errors=[("PhraseNotFound", "endometriossis")]) as server:
        config = make_config(tmp_path, f"sqlite:///{tmp_path / 's.sqlite'}")
        summary = pipeline.refresh(config, today=TODAY, client=client_for(server))
    assert "PhraseNotFound: endometriossis" in summary.harvests[0].warnings
    assert "PhraseNotFound" in summary.format()
    with Store.open(config.database_url) as store:
        (run,) = store.runs(config.review_id)
    assert "PhraseNotFound: endometriossis" in run.warnings


def test_cli_refresh_failing_on_an_error_that_echoes_the_request_leaks_no_api_key(
    tmp_path: Path,
    server: EutilsServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    core = "7f3a9c1e5b2d4f6a8c0e"
    server.add_fault(Fault("echo_error", "esearch", message="Invalid query syntax"))
    monkeypatch.setenv("LREVIEW_EUTILS_URL", server.url)
    monkeypatch.setenv("NCBI_API_KEY", f"leak+Me/Not={core}")
    monkeypatch.setenv("NCBI_EMAIL", "someone@example.org")
    monkeypatch.delenv("LREVIEW_DATABASE_URL", raising=False)
    config = tmp_path / "review.toml"
    config.write_text(
        f'[review]\nid = "leak"\ntitle = "t"\neligibility = "e"\nexclusion_reasons = ["x"]\n'
        f'reviewers = ["r1"]\noutput_dir = "{tmp_path / "out"}"\n'
        f'database_url = "sqlite:///{tmp_path / "s.sqlite"}"\n\n'
        f'[[searches]]\nname = "main"\nquery = "naltrexone"\n',
        encoding="utf-8",
    )
    caplog.set_level(logging.DEBUG)
    assert main(["refresh", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "Invalid query syntax" in err
    with Store.open(f"sqlite:///{tmp_path / 's.sqlite'}") as store:
        (run,) = store.runs("leak")
    assert run.status == "failed" and "Invalid query syntax" in run.errors[0]
    assert [text for text in (err, caplog.text, *run.errors) if core in text] == []
