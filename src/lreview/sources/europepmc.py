"""Europe PMC REST as a harvest source: `/search`, JSON, `resultType=core`, `cursorMark` paging.

For preprints (`SRC:PPR`) and what PubMed lacks; the query is Europe PMC's own syntax
(`(naltrexone OR LDN) AND endometriosis AND SRC:PPR`). The date window is ANDed to it as
`UPDATE_DATE:[start TO end]` (indexed or updated in Europe PMC, so an incremental run gets new and
revised records alike, as ClinicalTrials.gov's last-update window does). Pages of up to 1000 results are read
from cursorMark `*` until the page is empty or nextCursorMark repeats. Requests go through
`http.PoliteClient`: Europe PMC publishes no hard limit; lreview asks at most 10 requests per second
per process (`LREVIEW_EUROPEPMC_RATE` changes it); retries on 429 (Retry-After), 5xx, dropped
connections and truncated JSON.

Not for: the JSON -> Record mapping (`europepmc_json.py`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

import httpx

from lreview.errors import HarvestError
from lreview.records import Record
from lreview.sources.europepmc_json import SOURCE, parse_result, parse_search_page, read_search_page
from lreview.sources.harvest import Arm, SourceBatch, SourceSearch
from lreview.sources.http import ApiSettings, PoliteClient

DEFAULT_URL = "https://www.ebi.ac.uk/europepmc/webservices/rest/"
URL_ENV = "LREVIEW_EUROPEPMC_URL"
RATE_ENV = "LREVIEW_EUROPEPMC_RATE"
PAGE_ENV = "LREVIEW_EUROPEPMC_PAGE_SIZE"
DEFAULT_RATE = 10.0  # requests per second: no published hard limit
FIRST_CURSOR = "*"


def windowed_query(query: str, start: date | None, end: date) -> str:
    """`(query) AND UPDATE_DATE:[start TO end]` (from 1900 when there is no start)."""
    if not query.strip():
        raise HarvestError(f"{SOURCE}: query: empty")
    lo = start.isoformat() if start else "1900-01-01"
    return f"({query.strip()}) AND UPDATE_DATE:[{lo} TO {end.isoformat()}]"


@dataclass(frozen=True)
class EuropePmcSettings(ApiSettings):
    """How to reach the API: LREVIEW_EUROPEPMC_URL, LREVIEW_EUROPEPMC_RATE and
    LREVIEW_EUROPEPMC_PAGE_SIZE override the defaults (`http.ApiSettings.from_env`)."""

    url_env: ClassVar[str] = URL_ENV
    rate_env: ClassVar[str] = RATE_ENV
    page_env: ClassVar[str] = PAGE_ENV

    base_url: str = DEFAULT_URL
    rate: float = DEFAULT_RATE


class EuropePmcSource:
    """Europe PMC (preprints and what PubMed lacks), a PRISMA database."""

    name = SOURCE
    arm: Arm = "database"

    def __init__(
        self, settings: EuropePmcSettings | None = None, *, http: httpx.Client | None = None
    ) -> None:
        self.settings = s = settings or EuropePmcSettings.from_env()
        self._http = PoliteClient(
            "europepmc", s.base_url, s.politeness, error=HarvestError, unparseable=(ValueError,), http=http
        )

    @property
    def requests_made(self) -> int:
        return self._http.requests_made

    def search(self, query: str, start: date | None, end: date, *, incremental: bool) -> SourceSearch:
        """Every result of `query` indexed or updated in [start, end] (new and revised), page by page."""
        params = {
            "query": windowed_query(query, start, end),
            "format": "json",
            "resultType": "core",
            "pageSize": str(self.settings.page_size),
        }
        first, cursor, count = self._page(1, {**params, "cursorMark": FIRST_CURSOR})
        return SourceSearch(count, self._pages(params, first, cursor), params["query"])

    def _pages(self, params: dict[str, str], results: list[Any], cursor: str | None) -> Iterator[SourceBatch]:
        """Page after page until a page is empty or the cursor repeats (Europe PMC's last page gives
        its own cursor back); the next page downloads while this one is parsed and stored."""
        seen = {FIRST_CURSOR}
        number = 1
        with ThreadPoolExecutor(1, thread_name_prefix="europepmc-page") as pool:
            while results:
                ahead: Future[tuple[list[Any], str | None, int]] | None = None
                if cursor and cursor not in seen:
                    seen.add(cursor)
                    ahead = pool.submit(self._page, number + 1, {**params, "cursorMark": cursor})
                yield SourceBatch([parse_result(r) for r in results])
                if ahead is None:
                    return
                results, cursor, _ = ahead.result()
                number += 1

    def _page(self, number: int, params: dict[str, str]) -> tuple[list[Any], str | None, int]:
        def accept(body: bytes) -> tuple[list[Any], str | None, int]:
            try:
                return read_search_page(body)
            except ValueError as exc:
                raise ValueError(f"response is not JSON (truncated?): {exc}") from None

        url = f"{self.settings.base_url}search"
        return self._http.call(f"{SOURCE}: page {number}", url, accept, params=params)

    def parse(self, body: bytes) -> Sequence[Record]:
        return parse_search_page(body)[0]

    def close(self) -> None:
        self._http.close()
