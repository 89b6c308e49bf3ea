"""Europe PMC REST source and its JSON parser, against the local fake server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from lreview.errors import HarvestError
from lreview.sources.europepmc import EuropePmcSettings, EuropePmcSource
from lreview.sources.europepmc_json import parse_result
from tests.support.europepmc_server import EuropePmcServer, many_results, result
from tests.support.json_server import Fault

END = date(2026, 1, 10)
QUERY = "(naltrexone OR LDN) AND endometriosis AND SRC:PPR"


def source_for(server: EuropePmcServer, page_size: int = 10, retries: int = 4) -> EuropePmcSource:
    settings = EuropePmcSettings(
        base_url=server.url,
        rate=200,
        page_size=page_size,
        max_retries=retries,
        backoff_base=0.01,
        backoff_max=0.05,
    )
    return EuropePmcSource(settings)


def harvest_ids(source: EuropePmcSource, start: date | None = None) -> tuple[list[str], int]:
    found = source.search(QUERY, start, END, incremental=start is not None)
    return [r.source_id for batch in found.batches for r in batch.records], found.count


@pytest.fixture
def server() -> Iterator[EuropePmcServer]:
    with EuropePmcServer(many_results(25)) as running:
        yield running


def test_pages_by_cursor_until_it_repeats(server: EuropePmcServer) -> None:
    ids, count = harvest_ids(source_for(server))
    assert len(ids) == len(set(ids)) == count == 25
    assert [r.params["cursorMark"] for r in server.requests] == ["*", "c10", "c20"]
    assert server.requests[0].params["query"] == f"({QUERY}) AND UPDATE_DATE:[1900-01-01 TO 2026-01-10]"
    assert server.requests[0].params["resultType"] == "core"


def test_empty_last_page_ends_the_paging() -> None:
    with EuropePmcServer(many_results(20), repeat_last_cursor=False) as server:
        ids, count = harvest_ids(source_for(server))
    assert len(ids) == count == 20
    assert [r.params["cursorMark"] for r in server.requests] == ["*", "c10", "c20"]


def test_no_result_is_one_request() -> None:
    with EuropePmcServer([]) as server:
        assert harvest_ids(source_for(server)) == ([], 0)
    assert len(server.requests) == 1


def test_incremental_window_uses_first_index_date(server: EuropePmcServer) -> None:
    ids, count = harvest_ids(source_for(server), start=date(2025, 12, 1))
    assert count == len(ids) == 2
    assert "UPDATE_DATE:[2025-12-01 TO 2026-01-10]" in server.requests[0].params["query"]


@pytest.mark.parametrize(
    "fault",
    [
        Fault("status", 429, retry_after=0.05),
        Fault("status", 503),
        Fault("drop"),
        Fault("truncate"),
        Fault("not_json"),
    ],
)
def test_transient_faults_are_retried(server: EuropePmcServer, fault: Fault) -> None:
    server.add_fault(fault, times=2)
    ids, _ = harvest_ids(source_for(server))
    assert len(ids) == 25


def test_truncated_json_every_time_is_one_line_error_naming_the_page(server: EuropePmcServer) -> None:
    found = source_for(server, retries=1).search(QUERY, None, END, incremental=False)
    server.add_fault(Fault("truncate"), times=2)  # page 1 is in; page 2 downloads as page 1 is read
    batches = iter(found.batches)
    next(batches)
    with pytest.raises(HarvestError) as caught:
        next(batches)
    assert str(caught.value).startswith("Europe PMC: page 2: gave up after 2 attempts")
    assert "response is not JSON (truncated?)" in str(caught.value) and "\n" not in str(caught.value)


def test_preprint_keeps_ids_and_is_typed_preprint() -> None:
    record = parse_result(
        result(
            "PPR123", "LDN in <i>endometriosis</i>: a pilot.", doi="10.1101/2025.01.01.123", server="medRxiv"
        )
    )
    assert record.source == "Europe PMC" and record.source_id == "PPR:PPR123"
    assert record.title == "LDN in endometriosis: a pilot"
    assert record.publication_types == ("Preprint",) and record.journal == "medRxiv"
    assert record.doi == "10.1101/2025.01.01.123" and record.authors == ("Smith J", "Doe A")
    assert record.abstract.startswith("Background")
    assert ("preprint_server", "medRxiv") in record.extra
    assert record.url == "https://europepmc.org/article/PPR/PPR123"


def test_article_keeps_pmid_pmcid_doi_and_journal() -> None:
    record = parse_result(
        result("31234567", "A trial", source="MED", pmid="31234567", pmcid="PMC999", doi="10.1/x")
    )
    assert (record.pmid, record.pmcid, record.doi) == ("31234567", "PMC999", "10.1/x")
    assert record.journal == "Fertility Journal" and record.volume == "12" and record.pages == "101-9"
    assert "Preprint" not in record.publication_types
