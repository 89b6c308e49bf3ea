"""The local E-utilities server answers like PubMed where the client depends on it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import httpx
import pytest
from lxml import etree

from lreview.sources.pubmed_xml import parse_pubmed_xml
from tests.support.eutils_server import RETSTART_ERROR, EutilsServer, Fault, windows_over
from tests.support.pubmed_builder import HOSTILE_PAYLOADS, hostile_articles, make_articles, parse_minimal


@pytest.fixture(scope="module")
def server() -> Iterator[EutilsServer]:
    """12,000 records entered 2010-2019, three of them deleted."""
    with EutilsServer(
        make_articles(12_000, start=date(2010, 1, 1), end=date(2019, 12, 31)),
        deleted={"10000005", "10000006", "10000007"},
    ) as s:
        yield s


def get(server: EutilsServer, endpoint: str, **params: str) -> bytes:
    """GET one E-utility and return the body."""
    response = httpx.get(f"{server.url}{endpoint}.fcgi", params={"db": "pubmed", **params})
    assert response.status_code == 200
    return response.content


def test_esearch_never_lists_more_than_9999_ids(server: EutilsServer) -> None:
    root = etree.fromstring(get(server, "esearch", term="x", retmax="100000"))
    assert root.findtext("Count") == "12000"
    assert len(root.findall("IdList/Id")) == 9_999


def test_esearch_retstart_beyond_9998_is_an_error_like_pubmed(server: EutilsServer) -> None:
    root = etree.fromstring(get(server, "esearch", term="x", retstart="9999"))
    assert root.findtext("ERROR") == RETSTART_ERROR
    assert root.find("Count") is None


def test_esearch_date_window_is_inclusive(server: EutilsServer) -> None:
    whole_2015 = etree.fromstring(
        get(
            server,
            "esearch",
            term="x",
            datetype="edat",
            mindate="2015/01/01",
            maxdate="2015/12/31",
            retmax="0",
        )
    )
    by_year = etree.fromstring(
        get(server, "esearch", term="x", datetype="edat", mindate="2015", maxdate="2015", rettype="count")
    )
    assert whole_2015.findtext("Count") == by_year.findtext("Count")
    assert 1_100 < int(whole_2015.findtext("Count") or 0) < 1_300


def test_efetch_by_history_and_expired_history(server: EutilsServer) -> None:
    root = etree.fromstring(get(server, "esearch", term="x", usehistory="y", retmax="0"))
    webenv, key = root.findtext("WebEnv") or "", root.findtext("QueryKey") or ""
    records = parse_minimal(get(server, "efetch", WebEnv=webenv, query_key=key, retstart="10", retmax="5"))
    assert len(records) == 5
    server.expire_history()
    expired = etree.fromstring(get(server, "efetch", WebEnv=webenv, query_key=key, retmax="5"))
    assert expired.tag == "eFetchResult" and expired.findtext("ERROR") == "Unable to obtain query #1"


def test_deleted_records_are_searchable_but_not_fetchable(server: EutilsServer) -> None:
    ids = ",".join(str(10_000_000 + i) for i in range(10))
    records = parse_minimal(get(server, "efetch", id=ids))
    assert [r.pmid for r in records] == [str(10_000_000 + i) for i in range(10) if not 5 <= i <= 7]


def test_faults_apply_in_order_and_are_logged(server: EutilsServer) -> None:
    server.add_fault(Fault("status", "esearch", status=429, retry_after=2))
    server.add_fault(Fault("drop", "esearch"))
    first = httpx.get(f"{server.url}esearch.fcgi", params={"term": "x", "api_key": "k"})
    assert first.status_code == 429 and first.headers["Retry-After"] == "2"
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{server.url}esearch.fcgi", params={"term": "x"})
    assert get(server, "esearch", term="x").startswith(b"<?xml")
    last3 = server.requests[-3:]
    assert [r.fault for r in last3] == ["status", "drop", None]
    assert last3[0].has_api_key and last3[0].params["api_key"] == "***"


def test_windows_over_counts_half_open_one_second_windows() -> None:
    assert windows_over([0.0, 0.5, 0.99, 1.0], 3) == []
    assert windows_over([0.0, 0.5, 0.9, 0.99], 3) == [(0.0, 4)]


def test_hostile_records_are_served_and_parse_with_every_payload_leading() -> None:
    with EutilsServer(make_articles(5), hostile=True) as hostile:
        ids = ",".join(a.pmid for a in hostile_articles())
        body = get(hostile, "efetch", id=ids)
    assert b"&#13;=HYPERLINK" in body and b"<ArticleTitle>\t=1+1" in body  # CR and TAB sent as such
    records = parse_pubmed_xml(body)
    *formulas, awkward = records
    assert len(formulas) == len(HOSTILE_PAYLOADS)
    for record, payload in zip(formulas, HOSTILE_PAYLOADS, strict=True):
        lead = payload.lstrip()  # the parser collapses whitespace: what follows TAB/CR is a formula too
        assert lead[0] in "=+-@"
        assert record.title.startswith(lead) and record.abstract.startswith(lead)
        assert record.journal.startswith(lead) and record.authors[0].startswith(lead)
    assert "\u202e" in awkward.title and "\ufeff" in awkward.title and "\x9b" in awkward.title
