"""ClinicalTrials.gov API v2 as a harvest source: `/api/v2/studies`, JSON, `pageToken` paging.

A config query is the API's own parameters, `;`-separated: `query.intr = naltrexone; query.cond =
endometriosis OR autoimmune` (Essie syntax in each value); text without a `key =` is `query.term`.
The date window goes into `filter.advanced` as `AREA[LastUpdatePostDate]RANGE[start,end]` (ANDed
with the query's own `filter.advanced`), so an incremental run gets new and revised registrations.
Pages of up to 1000 studies are read until there is no `nextPageToken`; an empty page or a token
seen before ends the paging (a warning, not a loop). Requests go through `http.PoliteClient`: the API
publishes no rate limit and no key, and lreview asks at most 5 requests per second per process
(`LREVIEW_CTGOV_RATE` changes it); retries on 429 (Retry-After), 5xx, dropped connections and
truncated JSON.

Not for: the JSON -> Record mapping (`ctgov_json.py`).
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
from lreview.sources.ctgov_json import SOURCE, parse_studies_page, parse_study, read_studies_page
from lreview.sources.harvest import Arm, SourceBatch, SourceSearch
from lreview.sources.http import ApiSettings, PoliteClient

DEFAULT_URL = "https://clinicaltrials.gov/api/v2/"
URL_ENV = "LREVIEW_CTGOV_URL"
RATE_ENV = "LREVIEW_CTGOV_RATE"
PAGE_ENV = "LREVIEW_CTGOV_PAGE_SIZE"
DEFAULT_RATE = 5.0  # requests per second: no published limit; polite for a service without keys
PARAMETERS = frozenset(
    {
        "query.cond", "query.term", "query.intr", "query.titles", "query.outc", "query.spons",
        "query.lead", "query.id", "query.locn", "query.patient", "filter.overallStatus",
        "filter.advanced", "filter.ids", "filter.geo",
    }
)  # fmt: skip


def query_parameters(query: str) -> dict[str, str]:
    """A config query as API parameters; HarvestError naming an unknown `key =` or a repeated one."""
    params: dict[str, str] = {}
    for part in (p.strip() for p in query.split(";")):
        if not part:
            continue
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep or " " in key or "." not in key:  # plain text: the API's "other terms"
            key, value = "query.term", part
        if key not in PARAMETERS:
            raise HarvestError(
                f"{SOURCE}: query: unknown parameter {key!r} (known: {', '.join(sorted(PARAMETERS))})"
            )
        if key in params:
            raise HarvestError(f"{SOURCE}: query: {key} given twice")
        params[key] = " ".join(value.split())
    if not any(k.startswith("query.") or k.startswith("filter.") for k in params):
        raise HarvestError(f"{SOURCE}: query: empty")
    return params


def date_filter(start: date | None, end: date) -> str:
    """`AREA[LastUpdatePostDate]RANGE[start,end]` (MIN when there is no start)."""
    return f"AREA[LastUpdatePostDate]RANGE[{start.isoformat() if start else 'MIN'},{end.isoformat()}]"


@dataclass(frozen=True)
class CtgovSettings(ApiSettings):
    """How to reach the API: LREVIEW_CTGOV_URL, LREVIEW_CTGOV_RATE and LREVIEW_CTGOV_PAGE_SIZE override
    the defaults (`http.ApiSettings.from_env`)."""

    url_env: ClassVar[str] = URL_ENV
    rate_env: ClassVar[str] = RATE_ENV
    page_env: ClassVar[str] = PAGE_ENV

    base_url: str = DEFAULT_URL
    rate: float = DEFAULT_RATE


class CtgovSource:
    """ClinicalTrials.gov registrations, a PRISMA register."""

    name = SOURCE
    arm: Arm = "register"

    def __init__(self, settings: CtgovSettings | None = None, *, http: httpx.Client | None = None) -> None:
        self.settings = s = settings or CtgovSettings.from_env()
        self._http = PoliteClient(
            "ctgov", s.base_url, s.politeness, error=HarvestError, unparseable=(ValueError,), http=http
        )

    @property
    def requests_made(self) -> int:
        return self._http.requests_made

    def search(self, query: str, start: date | None, end: date, *, incremental: bool) -> SourceSearch:
        """Every registration matching `query` last updated in [start, end] (new and revised alike)."""
        params = query_parameters(query)
        window = date_filter(start, end)
        own = params.get("filter.advanced")
        params["filter.advanced"] = f"({own}) AND {window}" if own else window
        params.update(format="json", pageSize=str(self.settings.page_size), countTotal="true")
        first, token, total = self._page(1, params)
        warnings: list[str] = []
        translation = "; ".join(f"{k}={v}" for k, v in params.items() if k.startswith(("query.", "filter.")))
        count = total if total is not None else len(first)
        return SourceSearch(count, self._pages(params, first, token, warnings), translation, warnings)

    def _pages(
        self, params: dict[str, str], studies: list[Any], token: str | None, warnings: list[str]
    ) -> Iterator[SourceBatch]:
        """Page after page; the next page downloads while this one is parsed and stored."""
        seen: set[str] = set()
        number = 1
        with ThreadPoolExecutor(1, thread_name_prefix="ctgov-page") as pool:
            while studies:
                ahead: Future[tuple[list[Any], str | None, int | None]] | None = None
                if token and token in seen:
                    warnings.append(f"page {number + 1}: nextPageToken repeated; paging stopped")
                elif token:
                    seen.add(token)
                    ahead = pool.submit(self._page, number + 1, {**params, "pageToken": token})
                yield SourceBatch([parse_study(study) for study in studies])
                if ahead is None:
                    return
                studies, token, _ = ahead.result()
                number += 1

    def _page(self, number: int, params: dict[str, str]) -> tuple[list[Any], str | None, int | None]:
        if number > 1:
            params = {k: v for k, v in params.items() if k != "countTotal"}

        def accept(body: bytes) -> tuple[list[Any], str | None, int | None]:
            try:
                return read_studies_page(body)
            except ValueError as exc:
                raise ValueError(f"response is not JSON (truncated?): {exc}") from None

        url = f"{self.settings.base_url}studies"
        return self._http.call(f"{SOURCE}: page {number}", url, accept, params=params)

    def parse(self, body: bytes) -> Sequence[Record]:
        return parse_studies_page(body)[0]

    def close(self) -> None:
        self._http.close()
