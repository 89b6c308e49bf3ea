"""ClinicalTrials.gov API v2 source against the local fake server: paging, edge cases, faults."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from lreview.errors import HarvestError
from lreview.sources.ctgov import CtgovSettings, CtgovSource, query_parameters
from tests.support.ctgov_server import CtgovServer, many_studies
from tests.support.json_server import Fault

END = date(2026, 1, 10)


def source_for(server: CtgovServer, page_size: int = 10, retries: int = 4) -> CtgovSource:
    settings = CtgovSettings(
        base_url=server.url,
        rate=200,
        page_size=page_size,
        max_retries=retries,
        backoff_base=0.01,
        backoff_max=0.05,
    )
    return CtgovSource(settings)


def harvest_ids(source: CtgovSource, start: date | None = None) -> tuple[list[str], int, list[str]]:
    found = source.search(
        "query.intr = naltrexone; query.cond = endometriosis", start, END, incremental=False
    )
    ids = [r.source_id for batch in found.batches for r in batch.records]
    return ids, found.count, list(found.warnings)


@pytest.fixture
def server() -> Iterator[CtgovServer]:
    with CtgovServer(many_studies(25)) as running:
        yield running


def test_pages_by_token_until_there_is_none(server: CtgovServer) -> None:
    ids, count, warnings = harvest_ids(source_for(server))
    assert len(ids) == len(set(ids)) == count == 25
    assert warnings == []
    assert [r.params.get("pageToken") for r in server.requests] == [None, "t10", "t20"]
    first = server.requests[0].params
    assert first["query.intr"] == "naltrexone" and first["query.cond"] == "endometriosis"
    assert first["pageSize"] == "10" and first["countTotal"] == "true"


def test_empty_last_page_ends_the_paging() -> None:
    with CtgovServer(many_studies(20), empty_last_page=True) as server:
        ids, count, _ = harvest_ids(source_for(server))
    assert len(ids) == count == 20
    assert len(server.requests) == 3  # two full pages, then the empty one


def test_repeated_token_stops_with_a_warning_not_a_loop() -> None:
    with CtgovServer(many_studies(40), repeat_token_after=2) as server:
        ids, count, warnings = harvest_ids(source_for(server))
    assert len(ids) == 20 and count == 40
    assert warnings == ["page 3: nextPageToken repeated; paging stopped"]


def test_incremental_window_asks_for_last_update_dates(server: CtgovServer) -> None:
    ids, count, _ = harvest_ids(source_for(server), start=date(2025, 12, 1))
    assert count == len(ids) == 2  # studies 11 and 23 were last updated in December
    assert (
        server.requests[0].params["filter.advanced"] == "AREA[LastUpdatePostDate]RANGE[2025-12-01,2026-01-10]"
    )


def test_own_advanced_filter_is_anded_with_the_window() -> None:
    params = query_parameters("query.cond=endometriosis; filter.advanced=AREA[Phase]PHASE2")
    assert params == {"query.cond": "endometriosis", "filter.advanced": "AREA[Phase]PHASE2"}
    with CtgovServer(many_studies(3)) as server:
        src = source_for(server)
        list(src.search("filter.advanced=AREA[Phase]PHASE2", None, END, incremental=False).batches)
    assert server.requests[0].params["filter.advanced"] == (
        "(AREA[Phase]PHASE2) AND AREA[LastUpdatePostDate]RANGE[MIN,2026-01-10]"
    )


def test_plain_text_query_is_query_term_and_unknown_keys_are_refused() -> None:
    assert query_parameters("naltrexone AND pain") == {"query.term": "naltrexone AND pain"}
    with pytest.raises(HarvestError, match=r"ClinicalTrials.gov: query: unknown parameter 'query.drug'"):
        query_parameters("query.drug = naltrexone")


@pytest.mark.parametrize(
    "fault",
    [
        Fault("status", 429, retry_after=0.05),
        Fault("status", 500),
        Fault("drop"),
        Fault("truncate"),
        Fault("not_json"),
    ],
)
def test_transient_faults_are_retried(server: CtgovServer, fault: Fault) -> None:
    server.add_fault(fault, times=2)
    ids, _, _ = harvest_ids(source_for(server))
    assert len(ids) == 25
    assert [r.fault for r in server.requests[:2]] == [fault.kind, fault.kind]


def test_truncated_json_every_time_is_one_line_error_naming_the_page(server: CtgovServer) -> None:
    src = source_for(server, retries=2)
    found = src.search("query.cond=endometriosis", None, END, incremental=False)
    server.add_fault(Fault("truncate"), times=3)  # page 1 is in; page 2 downloads as page 1 is read
    batches = iter(found.batches)
    next(batches)
    with pytest.raises(HarvestError) as caught:
        next(batches)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("ClinicalTrials.gov: page 2: gave up after 3 attempts")
    assert "response is not JSON (truncated?)" in message


def test_client_error_is_not_retried(server: CtgovServer) -> None:
    server.add_fault(Fault("status", 404))
    with pytest.raises(HarvestError, match=r"^ClinicalTrials.gov: page 1: HTTP 404 from .*\(not retried\)$"):
        source_for(server).search("query.cond=x", None, END, incremental=False)
    assert len(server.requests) == 1
