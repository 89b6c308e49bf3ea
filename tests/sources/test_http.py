"""The polite HTTP client: retries on GET as on POST, and no API key in any message it makes."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from lreview.errors import ConfigError, EutilsError
from lreview.sources.ctgov import CtgovSettings
from lreview.sources.europepmc import EuropePmcSettings
from lreview.sources.eutils import EutilsClient, EutilsSettings
from lreview.sources.eutils_xml import parse_esearch
from lreview.sources.http import ApiSettings, PoliteClient, Politeness, scrub
from tests.support.eutils_server import EutilsServer, Fault
from tests.support.pubmed_builder import make_articles, parse_minimal

CORE = "7f3a9c1e5b2d4f6a8c0e"
SECRET = f"leak+Me/Not={CORE}"  # characters that URL-encoding changes: the form body differs from it


def settings(server: EutilsServer, **overrides: object) -> EutilsSettings:
    values: dict[str, object] = {
        "base_url": server.url,
        "api_key": SECRET,
        "requests_per_second": 200.0,
        "backoff_base": 0.01,
        "backoff_max": 0.05,
    }
    values.update(overrides)
    return EutilsSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
def server() -> Iterator[EutilsServer]:
    with EutilsServer(make_articles(50, start=date(2020, 1, 1), end=date(2020, 12, 31))) as running:
        yield running


def test_permanent_error_echoing_the_request_keeps_the_api_key_out(
    server: EutilsServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.add_fault(Fault("echo_error", "esearch", message="Invalid query syntax"))
    caplog.set_level(logging.DEBUG)
    with EutilsClient(settings(server)) as client, pytest.raises(EutilsError) as err:
        client.esearch("naltrexone")
    message = str(err.value)
    assert "Invalid query syntax" in message and "api_key=***" in message  # the echo is there, scrubbed
    assert CORE not in message and CORE not in caplog.text
    assert err.value.__context__ is None  # no unscrubbed original chained into a traceback
    assert len(server.requests) == 1  # permanent: not retried


def test_retried_errors_echoing_the_request_keep_the_api_key_out_of_logs_and_error(
    server: EutilsServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.add_fault(Fault("echo_error", "efetch", message="Backend busy"), times=3)
    caplog.set_level(logging.DEBUG)
    with (
        EutilsClient(settings(server, max_retries=2)) as client,
        pytest.raises(EutilsError, match="gave up after 3 attempts") as err,
    ):
        list(client.fetch(["10000001"], parse_minimal))
    assert "Backend busy" in str(err.value) and "Backend busy" in caplog.text
    assert CORE not in str(err.value) and CORE not in caplog.text
    assert [r.fault for r in server.requests] == ["echo_error"] * 3


@pytest.mark.parametrize(
    "text",
    [
        "POST https://h/entrez/eutils/esearch.fcgi?db=pubmed&api_key={k}&term=x",
        "body: db=pubmed&term=x&API_KEY={k}",
        "url=https%3A%2F%2Fh%2Fesearch.fcgi%3Fapi_key%3D{k}%26term%3Dx",
        '{{"error": "API rate limit exceeded", "api-key": "{k}"}}',
        "params: {{'api_key': '{k}'}}",
    ],
    ids=["query-string", "form-body", "url-encoded", "json-429", "python-repr"],
)
def test_scrub_removes_api_key_values_it_was_not_told_about(text: str) -> None:
    scrubbed = scrub(text.format(k="abcDEF0123456789"))
    assert "abcDEF0123456789" not in scrubbed and "***" in scrubbed


def test_scrub_removes_the_known_secrets_in_every_encoding(monkeypatch: pytest.MonkeyPatch) -> None:
    forms = f"{SECRET} {quote(SECRET, safe='')} {quote_plus(SECRET)}"
    assert CORE not in scrub(forms, [SECRET])
    monkeypatch.setenv("NCBI_API_KEY", SECRET)
    assert CORE not in scrub(forms)  # NCBI_API_KEY is always scrubbed
    assert scrub("esearch: HTTP 502 from https://h/esearch.fcgi; term=x&db=pubmed") == (
        "esearch: HTTP 502 from https://h/esearch.fcgi; term=x&db=pubmed"
    )


@given(st.text(max_size=40), st.from_regex(r"[A-Za-z0-9+/=_.~-]{8,40}", fullmatch=True), st.text(max_size=40))
def test_scrub_never_leaves_a_key_and_is_idempotent(before: str, key: str, after: str) -> None:
    scrubbed = scrub(f"{before}&api_key={key}&{after}", [key])
    assert key not in scrubbed and scrub(scrubbed, [key]) == scrubbed


def test_polite_client_gets_with_query_parameters_and_retries_like_a_post(server: EutilsServer) -> None:
    server.add_fault(Fault("status", status=503))
    server.add_fault(Fault("truncate"))
    policy = Politeness(rate=200.0, max_retries=2, backoff_base=0.01, backoff_max=0.05)
    client = PoliteClient("test", server.url, policy, error=EutilsError, unparseable=(etree.XMLSyntaxError,))
    try:
        page = client.call("esearch", f"{server.url}esearch.fcgi", parse_esearch, params={"term": "x"})
    finally:
        client.close()
    assert page.count == 50 and client.requests_made == 3
    assert [(r.method, r.fault) for r in server.requests] == [
        ("GET", "status"),
        ("GET", "truncate"),
        ("GET", None),
    ]


@pytest.mark.parametrize(
    ("settings", "prefix", "default_url"),
    [
        (CtgovSettings, "LREVIEW_CTGOV", "https://clinicaltrials.gov/api/v2/"),
        (EuropePmcSettings, "LREVIEW_EUROPEPMC", "https://www.ebi.ac.uk/europepmc/webservices/rest/"),
    ],
)
def test_json_api_settings_come_from_their_own_environment_variables(
    settings: type[ApiSettings], prefix: str, default_url: str
) -> None:
    assert settings.from_env({}).base_url == default_url and settings.from_env({}).page_size == 1000
    env = {f"{prefix}_URL": "http://127.0.0.1:9/x", f"{prefix}_RATE": "2.5", f"{prefix}_PAGE_SIZE": "7"}
    found = settings.from_env(env)
    assert (found.base_url, found.rate, found.page_size) == ("http://127.0.0.1:9/x/", 2.5, 7)
    assert settings.from_env(env, page_size=3).page_size == 3  # an override wins
    for value in ("ten", "1001", "0"):
        with pytest.raises(ConfigError, match=rf"^environment: {prefix}_PAGE_SIZE='{value}' is not a whole"):
            settings.from_env({f"{prefix}_PAGE_SIZE": value})
    with pytest.raises(ConfigError, match=rf"^environment: {prefix}_RATE='-1' is not a number"):
        settings.from_env({f"{prefix}_RATE": "-1"})
