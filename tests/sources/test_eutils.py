"""The E-utilities client against a local, fault-injecting E-utilities server (no network)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from datetime import date

import httpx
import pytest

from lreview.errors import EutilsError
from lreview.sources.eutils import EutilsClient, EutilsSettings, FetchedBatch
from lreview.sources.ratelimit import RateLimiter
from tests.support.eutils_server import EutilsServer, Fault, serve_in_subprocess, windows_over
from tests.support.pubmed_builder import make_articles, parse_minimal

SECRET = "fakeNCBIkey0123456789abcdef"


def settings(server: EutilsServer, **overrides: object) -> EutilsSettings:
    """Fast settings for tests: high rate, tiny backoff."""
    values: dict[str, object] = {
        "base_url": server.url,
        "email": "someone@example.org",
        "requests_per_second": 200.0,
        "backoff_base": 0.01,
        "backoff_max": 0.05,
        "max_retries": 6,
        "batch_size": 250,
    }
    values.update(overrides)
    return EutilsSettings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def big_server() -> Iterator[EutilsServer]:
    """26,000 records entered 1995-2025."""
    with EutilsServer(make_articles(26_000)) as server:
        yield server


@pytest.fixture
def small_server() -> Iterator[EutilsServer]:
    """600 records entered 2020-2024."""
    with EutilsServer(make_articles(600, start=date(2020, 1, 1), end=date(2024, 12, 31))) as server:
        yield server


def all_records(batches: Iterator[FetchedBatch]) -> tuple[list[str], list[str]]:
    """(PMIDs of the returned records, missing PMIDs) over all batches."""
    got: list[str] = []
    missing: list[str] = []
    for batch in batches:
        got += [r.pmid or "" for r in batch.records]
        missing += batch.missing
    return got, missing


# -- large result sets ------------------------------------------------------------------------------


def test_search_and_fetch_over_the_9999_cap_lose_and_duplicate_no_pmid(big_server: EutilsServer) -> None:
    expected = {str(10_000_000 + i) for i in range(26_000)}
    with EutilsClient(settings(big_server)) as client:
        outcome = client.search_pmids("naltrexone", mindate=None, maxdate=date(2026, 1, 1))
        got, missing = all_records(client.fetch(outcome.pmids, parse_minimal))
    assert outcome.count == 26_000
    assert len(outcome.pmids) == len(set(outcome.pmids)) == 26_000
    assert set(outcome.pmids) == expected
    assert len(outcome.slices) > 2 and all(c <= 9_999 for _, _, c in outcome.slices)
    assert sum(c for _, _, c in outcome.slices) == 26_000
    assert not [w for w in outcome.warnings if w.kind == "HarvestMismatch"]
    assert len(got) == len(set(got)) == 26_000 and set(got) == expected and missing == []
    searches = [r for r in big_server.requests if r.endpoint == "esearch"]
    assert all(int(r.params.get("retstart", "0")) <= 9_998 for r in searches)
    assert all(r.params["datetype"] == "edat" for r in searches)


def test_search_pmids_within_the_cap_uses_one_window(small_server: EutilsServer) -> None:
    with EutilsClient(settings(small_server)) as client:
        outcome = client.search_pmids("ldn", mindate=date(2021, 1, 1), maxdate=date(2021, 12, 31))
    in_2021 = [a for a in make_articles(600, start=date(2020, 1, 1), end=date(2024, 12, 31))]
    expected = {a.pmid for a in in_2021 if a.entrez_date.year == 2021}
    assert set(outcome.pmids) == expected and outcome.count == len(expected)
    assert outcome.slices == [(date(2021, 1, 1), date(2021, 12, 31), len(expected))]
    assert outcome.query_translation == "ldn[All Fields]"
    first = small_server.requests[0].params
    assert (first["mindate"], first["maxdate"], first["retmax"]) == ("2021/01/01", "2021/12/31", "0")


def test_more_than_9999_records_on_one_day_raise_a_clear_error() -> None:
    day = date(2024, 3, 1)
    with (
        EutilsServer(make_articles(10_050, start=day, end=day)) as server,
        EutilsClient(settings(server)) as c,
        pytest.raises(EutilsError, match="10050 records entered on 2024-03-01"),
    ):
        c.search_pmids("x", mindate=date(2024, 1, 1), maxdate=date(2024, 12, 31))


def test_count_change_during_harvest_is_recorded_not_hidden(small_server: EutilsServer) -> None:
    extra = make_articles(5, first_pmid=90_000_000, start=date(2022, 6, 1), end=date(2022, 6, 2))
    added = threading.Event()

    class Growing(EutilsClient):
        def esearch(self, term: str, **kw: object) -> object:  # type: ignore[override]
            page = super().esearch(term, **kw)  # type: ignore[arg-type]
            if not added.is_set():  # new records land after the whole-window count was taken
                added.set()
                small_server.add_articles(extra)
            return page

    with Growing(settings(small_server)) as client:
        outcome = client.search_pmids("x", mindate=date(2020, 1, 1), maxdate=date(2024, 12, 31))
    assert {a.pmid for a in extra} <= set(outcome.pmids)
    assert len(outcome.pmids) == 605 and outcome.count == 605  # re-asked the whole window once
    assert not [w for w in outcome.warnings if w.kind == "HarvestMismatch"]


# -- faults -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        Fault("status", "efetch", status=429, retry_after=0.05),
        Fault("status", "efetch", status=500),
        Fault("status", "efetch", status=502),
        Fault("status", "efetch", status=503),
        Fault("drop", "efetch"),
        Fault("truncate", "efetch"),
        Fault("truncate_declared", "efetch"),
        Fault("bad_gzip", "efetch"),
    ],
    ids=lambda f: f"{f.kind}-{f.status}",
)
def test_efetch_retries_faults_then_succeeds(small_server: EutilsServer, fault: Fault) -> None:
    small_server.add_fault(fault, times=2)
    pmids = [str(10_000_000 + i) for i in range(600)]
    with EutilsClient(settings(small_server)) as client:
        got, missing = all_records(client.fetch(pmids, parse_minimal))
    assert sorted(got) == pmids and missing == []
    assert small_server.pending_faults == 0
    assert [r.fault for r in small_server.requests].count(fault.kind) == 2


def test_efetch_retries_truncated_xml_then_succeeds(small_server: EutilsServer) -> None:
    small_server.add_fault(Fault("truncate", "efetch"))
    with EutilsClient(settings(small_server)) as client:
        (batch,) = list(client.fetch(["10000001", "10000002"], parse_minimal))
    assert [r.pmid for r in batch.records] == ["10000001", "10000002"]
    assert [r.fault for r in small_server.requests] == ["truncate", None]


@pytest.mark.parametrize("kind", ["drop", "truncate", "status", "bad_gzip"])
def test_esearch_retries_faults_then_succeeds(small_server: EutilsServer, kind: str) -> None:
    small_server.add_fault(Fault(kind, "esearch", status=502))  # type: ignore[arg-type]
    with EutilsClient(settings(small_server)) as client:
        page = client.esearch("x", retmax=5)
    assert page.count == 600 and len(page.ids) == 5


def test_429_retry_after_is_honoured(small_server: EutilsServer) -> None:
    small_server.add_fault(Fault("status", "esearch", status=429, retry_after=0.4))
    with EutilsClient(settings(small_server, backoff_max=5.0)) as client:
        client.esearch("x", retmax=0)
    first, second = small_server.arrivals("esearch")
    assert second - first >= 0.4


def test_esearch_error_element_is_retried_then_succeeds(small_server: EutilsServer) -> None:
    small_server.add_fault(Fault("esearch_error", "esearch"), times=2)
    with EutilsClient(settings(small_server)) as client:
        page = client.esearch("x", retmax=3)
    assert page.count == 600
    assert [r.fault for r in small_server.requests] == ["esearch_error", "esearch_error", None]


def test_persistent_esearch_error_raises_eutils_error_naming_it(small_server: EutilsServer) -> None:
    small_server.add_fault(Fault("esearch_error", "esearch", message="Search Backend failed: boom"), times=9)
    with EutilsClient(settings(small_server, max_retries=2)) as client, pytest.raises(EutilsError) as err:
        client.esearch("x")
    assert "esearch" in str(err.value) and "Search Backend failed: boom" in str(err.value)
    assert "3 attempts" in str(err.value)


def test_retstart_beyond_the_cap_is_a_permanent_error(small_server: EutilsServer) -> None:
    with EutilsClient(settings(small_server)) as client, pytest.raises(EutilsError, match="9998"):
        client.esearch("x", retstart=10_000)
    assert len(small_server.requests) == 1


def test_persistent_failure_raises_clear_error_without_the_api_key(
    small_server: EutilsServer, caplog: pytest.LogCaptureFixture
) -> None:
    small_server.add_fault(Fault("status", status=429), times=4)  # the 429 body echoes the api key
    caplog.set_level(logging.DEBUG)
    s = settings(small_server, api_key=SECRET, max_retries=3)
    with EutilsClient(s) as client, pytest.raises(EutilsError) as err:
        client.esearch("endometriosis AND naltrexone")
    message = str(err.value)
    assert "esearch" in message and "HTTP 429" in message and "4 attempts" in message
    assert SECRET not in message and SECRET not in repr(s) and SECRET not in caplog.text
    assert "esearch attempt 1/4" in caplog.text  # the DEBUG request log is there, minus the key
    assert all(r.has_api_key for r in small_server.requests)


def test_persistent_connection_drops_raise_without_the_api_key(
    small_server: EutilsServer, caplog: pytest.LogCaptureFixture
) -> None:
    small_server.add_fault(Fault("drop"), times=3)
    caplog.set_level(logging.DEBUG)
    with (
        EutilsClient(settings(small_server, api_key=SECRET, max_retries=2)) as client,
        pytest.raises(EutilsError, match="efetch: gave up after 3 attempts") as err,
    ):
        list(client.fetch(["10000001"], parse_minimal))  # producer error re-raised in consumer
    assert SECRET not in str(err.value) and SECRET not in caplog.text


def test_client_error_status_is_not_retried(small_server: EutilsServer) -> None:
    small_server.add_fault(Fault("status", status=400), times=3)
    with EutilsClient(settings(small_server)) as client, pytest.raises(EutilsError, match="HTTP 400"):
        client.esearch("x")
    assert len(small_server.requests) == 1


# -- what PubMed says about the query ---------------------------------------------------------------


def test_phrase_not_found_is_surfaced_in_search_outcome_errors() -> None:
    articles = make_articles(20)
    with (
        EutilsServer(
            articles,
            terms={"abcXYZ": []},
            errors=[("PhraseNotFound", "abcXYZ")],
            warnings=[("QuotedPhraseNotFound", '"abc xyz"')],
        ) as server,
        EutilsClient(settings(server)) as client,
    ):
        outcome = client.search_pmids("abcXYZ", mindate=None, maxdate=None)
    assert outcome.pmids == [] and outcome.count == 0
    assert [(e.kind, e.text) for e in outcome.errors] == [("PhraseNotFound", "abcXYZ")]
    kinds = [w.kind for w in outcome.warnings]
    assert "QuotedPhraseNotFound" in kinds and "OutputMessage" in kinds


# -- efetch reconciliation, history, pipelining ---------------------------------------------------------


def test_missing_pmids_are_reported_and_asked_for_once() -> None:
    articles = make_articles(30)
    deleted = {"10000003", "10000017"}
    with EutilsServer(articles, deleted=deleted) as server, EutilsClient(settings(server)) as client:
        batches = list(client.fetch([a.pmid for a in articles], parse_minimal))
        fetches = [r for r in server.requests if r.endpoint == "efetch"]
    assert len(batches) == 1
    assert set(batches[0].missing) == deleted
    assert len(batches[0].records) == 28
    assert len(fetches) == 2 and fetches[1].params["id"] == "10000003,10000017"


def test_history_expiry_does_not_touch_the_harvest_route(small_server: EutilsServer) -> None:
    small_server.add_fault(Fault("expire_history", "efetch"))  # NCBI forgets every WebEnv mid-harvest
    with EutilsClient(settings(small_server, batch_size=200)) as client:
        outcome = client.search_pmids("x", mindate=date(2020, 1, 1), maxdate=date(2024, 12, 31))
        got, missing = all_records(client.fetch(outcome.pmids, parse_minimal))
    assert sorted(got) == [str(10_000_000 + i) for i in range(600)] and missing == []
    assert not [r for r in small_server.requests if "WebEnv" in r.params or "query_key" in r.params]
    assert [r.fault for r in small_server.requests].count("expire_history") == 1


def test_fetch_downloads_the_next_batch_while_the_consumer_works(small_server: EutilsServer) -> None:
    pmids = [str(10_000_000 + i) for i in range(600)]
    with EutilsClient(settings(small_server, batch_size=100)) as client:
        stream = client.fetch(pmids, parse_minimal)
        next(stream)
        deadline = time.monotonic() + 5  # the consumer is "busy" with batch 1; batch 2+ must arrive
        while len(small_server.arrivals("efetch")) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(small_server.arrivals("efetch")) >= 3
        rest = list(stream)
    assert sum(len(b.records) for b in rest) == 500


def test_stopping_early_stops_the_download_thread(small_server: EutilsServer) -> None:
    pmids = [str(10_000_000 + i) for i in range(600)]
    with EutilsClient(settings(small_server, batch_size=10, requests_per_second=50.0)) as client:
        stream = client.fetch(pmids, parse_minimal, prefetch=2)
        for _ in stream:
            break
        stream.close()  # type: ignore[attr-defined]
        assert not [t for t in threading.enumerate() if t.name.startswith("eutils-fetch")]
        made = len(small_server.requests)
        time.sleep(0.3)
    assert len(small_server.requests) == made < 60


# -- request parameters and rate limit ----------------------------------------------------------------------


def test_tool_email_and_api_key_are_sent_on_every_request(small_server: EutilsServer) -> None:
    small_server.add_fault(Fault("status", "efetch", status=500))
    with EutilsClient(settings(small_server, api_key=SECRET)) as client:
        client.search_pmids("x", mindate=date(2020, 1, 1), maxdate=date(2020, 12, 31))
        list(client.fetch(["10000001", "10000002"], parse_minimal))
    assert len(small_server.requests) >= 4
    assert all(r.has_tool and r.has_email and r.has_api_key for r in small_server.requests)
    assert all(r.method == "POST" for r in small_server.requests)


def test_settings_from_env_and_default_rates() -> None:
    env = {"LREVIEW_EUTILS_URL": "http://127.0.0.1:1/e", "NCBI_EMAIL": "a@b.c", "NCBI_API_KEY": SECRET}
    s = EutilsSettings.from_env(env)
    assert (s.base_url, s.email, s.api_key, s.rate) == ("http://127.0.0.1:1/e/", "a@b.c", SECRET, 10.0)
    assert SECRET not in repr(s)
    assert EutilsSettings.from_env({}).rate == 3.0
    assert EutilsSettings.from_env({}).base_url == "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
    with pytest.raises(ValueError, match="batch_size"):
        EutilsSettings(batch_size=1000)


def test_rate_limiter_spaces_starts_by_the_interval() -> None:
    now = [0.0]

    def sleep(dt: float) -> None:
        now[0] += dt

    limiter = RateLimiter(4.0, clock=lambda: now[0], sleep=sleep)
    starts = [limiter.acquire() for _ in range(9)]
    assert starts == pytest.approx([i * 1.05 / 4 for i in range(9)])
    assert windows_over(starts, 4) == []


def test_rate_limiter_window_holds_back_starts_bunching_after_a_late_one() -> None:
    now = [0.0]
    overshoot = [0.0, 0.55]  # the 2nd caller oversleeps its slot by 0.55 s (GIL, scheduling)

    def sleep(dt: float) -> None:
        now[0] += dt + (overshoot.pop() if overshoot else 0.0)

    limiter = RateLimiter(3.0, clock=lambda: now[0], sleep=sleep)
    starts = [limiter.acquire() for _ in range(5)]
    assert starts[1] == starts[2] == pytest.approx(0.90)  # late, and the next slot was already due
    assert starts[4] == pytest.approx(0.90 + 1.02)  # spacing alone would have allowed 1.60
    assert windows_over(starts, 3, width=1.02) == []


def test_rate_limit_is_one_budget_shared_across_threads(small_server: EutilsServer) -> None:
    rate = 20.0

    def work() -> None:
        with EutilsClient(settings(small_server, requests_per_second=rate)) as client:
            for _ in range(15):
                client.esearch("x", retmax=0)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    arrivals = small_server.arrivals()
    assert len(arrivals) == 30
    assert windows_over(arrivals, int(rate)) == []
    assert max(arrivals) - min(arrivals) >= 29 / rate


@pytest.mark.slow
@pytest.mark.parametrize("api_key,limit", [(None, 3), (SECRET, 10)], ids=["no-key-3ps", "key-10ps"])
def test_real_rate_never_exceeds_ncbi_limit_in_any_second(api_key: str | None, limit: int) -> None:
    """What the client sends, timed as it leaves (an httpx hook), is within NCBI's limit in every second.
    Arrival times at a server are not asserted here: on a loaded machine the scheduler can bunch two
    well-spaced requests on arrival, which says nothing of the client (benchmarks/eutils_30k.py runs an
    enforcing server at scale and reports any refusal)."""
    sent: list[float] = []
    http = httpx.Client(event_hooks={"request": [lambda _request: sent.append(time.monotonic())]})
    # The server runs in its own process, as NCBI does, so its clock is not held up by our GIL.
    with serve_in_subprocess(300) as server:
        s = EutilsSettings(
            base_url=server.url, api_key=api_key, backoff_base=0.01, backoff_max=0.05, batch_size=20
        )
        with EutilsClient(s, http=http) as client:
            outcome = client.search_pmids("x", mindate=None, maxdate=None)
            got, _ = all_records(client.fetch(outcome.pmids, parse_minimal))
            for _ in range(8):
                client.esearch("x", retmax=0)
        requests = server.requests()
    assert s.rate == limit and len(got) == 300
    assert len(requests) == len(sent) == 25 and all(r.status == 200 for r in requests)
    assert windows_over(sent, limit) == []
    assert sent[-1] - sent[0] >= 24 / limit  # 25 requests at `limit` per second take this long at least


# -- window splitting ------------------------------------------------------------------------------------


def test_records_crowded_on_two_days_are_split_down_to_single_days() -> None:
    day1, day2 = date(2023, 5, 8), date(2023, 5, 9)
    articles = make_articles(6_000, start=day1, end=day1) + make_articles(
        6_000, first_pmid=20_000_000, start=day2, end=day2
    )
    spread = make_articles(500, first_pmid=30_000_000, start=date(2000, 1, 1), end=date(2023, 12, 31))
    with EutilsServer(articles + spread) as server, EutilsClient(settings(server)) as client:
        outcome = client.search_pmids("x", mindate=None, maxdate=date(2024, 1, 1))
    assert len(outcome.pmids) == len(set(outcome.pmids)) == 12_500 == outcome.count
    assert (day1, day1, 6_000 + sum(a.entrez_date == day1 for a in spread)) in outcome.slices
    assert not [w for w in outcome.warnings if w.kind == "HarvestMismatch"]


def test_search_by_revision_date_finds_revised_records(small_server: EutilsServer) -> None:
    articles = {a.pmid: a for a in make_articles(600, start=date(2020, 1, 1), end=date(2024, 12, 31))}
    for pmid in ("10000000", "10000001", "10000002"):  # entered Jan 2020; revised twice -> mid 2020
        small_server.revise(pmid)
        articles[pmid] = small_server.revise(pmid)
    lo, hi = date(2020, 4, 25), date(2020, 6, 30)
    expected = {p for p, a in articles.items() if lo <= a.date_revised <= hi}
    with EutilsClient(settings(small_server)) as client:
        outcome = client.search_pmids("x", mindate=lo, maxdate=hi, datetype="mdat")
    assert {"10000000", "10000001", "10000002"} <= expected
    assert set(outcome.pmids) == expected
    assert all(r.params["datetype"] == "mdat" for r in small_server.requests)
