"""NCBI E-utilities for PubMed: every PMID of a search past the 9,999-id cap, then batched efetch.

`search_pmids` lists every PMID of a query however large: `windows.py` splits the entrez-date window
until each piece is under PubMed's cap, one level's esearches running at once. `fetch` downloads
records in POSTed batches on a few threads (`parallel.in_order`, results in order) so the caller
stores batch N while N+1 downloads, and asks once more for PMIDs PubMed left out. Every request goes
through `http.PoliteClient` (one rate limit per host: 3/s, or 10/s with an API key; retries with
backoff and jitter; errors scrubbed of the key). All requests are POSTs, so the key is in no URL.

Not an XML record parser (the caller passes `parse`, normally `pubmed_xml.parse_pubmed_xml`), nor a
store writer. Bio.Entrez is not used for HTTP because it retries 429/5xx without sleeping.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TypeVar

import httpx
from lxml import etree

from lreview.errors import EutilsError, InputError
from lreview.records import Record
from lreview.sources.eutils_xml import SearchMessage, SearchPage, check_efetch, parse_esearch
from lreview.sources.http import PoliteClient, Politeness
from lreview.sources.parallel import in_order
from lreview.sources.windows import Window, harvest_windows

DEFAULT_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
PUBMED_CAP = 9_999  # PubMed esearch lists at most this many ids and rejects retstart > 9998
EARLIEST = date(1781, 1, 1)  # earliest entrez date in PubMed

log = logging.getLogger("lreview.eutils")
T = TypeVar("T")


@dataclass(frozen=True)
class EutilsSettings:
    """How to reach E-utilities; `from_env()` fills base_url, email and api_key from the environment."""

    base_url: str = DEFAULT_URL
    tool: str = "lreview"
    email: str | None = None
    api_key: str | None = field(default=None, repr=False)
    timeout: float = 120.0
    max_retries: int = 6
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    batch_size: int = 250
    requests_per_second: float | None = None  # None: 10 with an api_key, else 3 (NCBI's limits)
    max_concurrent: int | None = None  # requests in flight at once; None: rate / 2 + 1, at most 8

    def __post_init__(self) -> None:
        if not 1 <= self.batch_size <= 500:
            raise ValueError(f"batch_size must be 1..500 (NCBI recommends 200-500), got {self.batch_size}")
        if self.max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {self.max_retries}")
        if not self.base_url.endswith("/"):
            object.__setattr__(self, "base_url", self.base_url + "/")

    @property
    def rate(self) -> float:
        """Requests per second this client may make."""
        if self.requests_per_second is not None:
            return self.requests_per_second
        return 10.0 if self.api_key else 3.0

    @property
    def concurrency(self) -> int:
        """Requests in flight at once: enough to use the rate when each answer takes ~0.5 s."""
        if self.max_concurrent is not None:
            return max(1, self.max_concurrent)
        return min(int(self.rate / 2) + 1, 8)

    @property
    def politeness(self) -> Politeness:
        """Rate, retries, backoff and timeout for the HTTP client."""
        return Politeness(self.rate, self.max_retries, self.backoff_base, self.backoff_max, self.timeout)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> EutilsSettings:
        """Settings from LREVIEW_EUTILS_URL, NCBI_EMAIL and NCBI_API_KEY, then `overrides`."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {
            "base_url": env.get("LREVIEW_EUTILS_URL") or DEFAULT_URL,
            "email": env.get("NCBI_EMAIL") or None,
            "api_key": env.get("NCBI_API_KEY") or None,
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class SearchOutcome:
    """Every PMID of a query over an entrez-date window, with what PubMed said about the query."""

    pmids: list[str]  # unique, in the order the slices returned them
    count: int  # PubMed's count for the whole window
    query_translation: str
    errors: tuple[SearchMessage, ...]
    warnings: tuple[SearchMessage, ...]  # NCBI's WarningList plus "HarvestMismatch" notes of ours
    slices: list[tuple[date, date, int]]  # (first day, last day, count), inclusive


@dataclass(frozen=True)
class FetchedBatch:
    """One efetch batch: what was asked, the records returned, and PMIDs PubMed did not return."""

    requested: tuple[str, ...]
    records: list[Record]
    missing: tuple[str, ...]  # deleted / withdrawn / unknown: reported once, not re-requested forever


def _day(d: date | str) -> str:
    return d.strftime("%Y/%m/%d") if isinstance(d, date) else d


def _pmid(record: Record) -> str:
    return record.pmid or record.source_id


class EutilsClient:
    """A synchronous, thread-safe PubMed E-utilities client sharing the process-wide rate budget."""

    def __init__(self, settings: EutilsSettings | None = None, *, http: httpx.Client | None = None) -> None:
        self.settings = s = settings if settings is not None else EutilsSettings.from_env()
        self._http = PoliteClient(
            "eutils",
            s.base_url,
            s.politeness,
            error=EutilsError,
            unparseable=(etree.XMLSyntaxError, InputError),
            body_format="XML",
            secrets=[s.api_key],
            user_agent=f"{s.tool} (python-httpx)",
            http=http,
        )

    @property
    def requests_made(self) -> int:
        """HTTP requests sent by this client, retries included."""
        return self._http.requests_made

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    def __enter__(self) -> EutilsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(
        self,
        endpoint: str,
        params: dict[str, str],
        accept: Callable[[bytes], T],
        cancel: threading.Event | None = None,
    ) -> T:
        """POST `params` (with tool, email, api_key) to `endpoint`; `accept` parses the 200 body."""
        s = self.settings
        data = dict(params, tool=s.tool)
        if s.email:
            data["email"] = s.email
        if s.api_key:
            data["api_key"] = s.api_key
        return self._http.call(endpoint, f"{s.base_url}{endpoint}.fcgi", accept, data=data, cancel=cancel)

    # -- esearch -----------------------------------------------------------------------------------
    def esearch(
        self,
        term: str,
        *,
        mindate: date | str | None = None,
        maxdate: date | str | None = None,
        datetype: str = "edat",
        retmax: int = 20,
        retstart: int = 0,
        usehistory: bool = True,
    ) -> SearchPage:
        """One PubMed esearch (dates are inclusive YYYY/MM/DD; both or neither must be given)."""
        if (mindate is None) != (maxdate is None):
            raise ValueError("esearch needs both mindate and maxdate, or neither")
        params = {"db": "pubmed", "term": term, "retmax": str(retmax), "retstart": str(retstart)}
        if usehistory:
            params["usehistory"] = "y"
        if mindate is not None and maxdate is not None:
            params.update(datetype=datetype, mindate=_day(mindate), maxdate=_day(maxdate))
        page = self._call("esearch", params, parse_esearch)
        if not (page.errors or page.warnings):
            return page

        def scrubbed(messages: tuple[SearchMessage, ...]) -> tuple[SearchMessage, ...]:
            return tuple(SearchMessage(m.kind, self._http.scrub(m.text)) for m in messages)

        return replace(page, errors=scrubbed(page.errors), warnings=scrubbed(page.warnings))

    def search_pmids(
        self,
        term: str,
        *,
        mindate: date | None = None,
        maxdate: date | None = None,
        datetype: str = "edat",
    ) -> SearchOutcome:
        """Every PMID matching `term` dated in [mindate, maxdate] (default: all to today).

        `datetype` "edat" (entrez date) windows a harvest; "mdat" finds records revised since the
        last run. Windows are split on the same date type.
        """
        lo, hi = mindate or EARLIEST, maxdate or date.today()
        if lo > hi:
            raise EutilsError(f"esearch: mindate {lo} is after maxdate {hi}")
        root = self.esearch(term, mindate=lo, maxdate=hi, datetype=datetype, retmax=0, usehistory=False)
        harvest = harvest_windows(
            lo, hi, root, lambda windows: self._ask_windows(term, datetype, windows), cap=PUBMED_CAP
        )
        count = root.count
        total = sum(c for _, _, c in harvest.slices)
        if total != count:  # PubMed's data moved while we sliced: ask once more for the whole window
            again = self.esearch(term, mindate=lo, maxdate=hi, datetype=datetype, retmax=0, usehistory=False)
            count = again.count
            if total != count:
                harvest.notes.append(f"whole window {lo}..{hi} counts {count} but its slices hold {total}")
        pmids = harvest.ids()
        if len(pmids) != total:
            harvest.notes.append(f"slices hold {total} records but {len(pmids)} unique PMIDs")
        for note in harvest.notes:
            log.warning("esearch: %s", note)
        return SearchOutcome(
            pmids=pmids,
            count=count,
            query_translation=root.query_translation,
            errors=root.errors,
            warnings=root.warnings + tuple(SearchMessage("HarvestMismatch", n) for n in harvest.notes),
            slices=harvest.slices,
        )

    def _ask_windows(self, term: str, datetype: str, windows: Sequence[Window]) -> list[SearchPage]:
        """One esearch per window (ids up to the cap), run concurrently within the rate budget."""

        def task(window: Window) -> Callable[[threading.Event], SearchPage]:
            lo, hi = window
            return lambda _: self.esearch(
                term, mindate=lo, maxdate=hi, datetype=datetype, retmax=PUBMED_CAP, usehistory=False
            )

        n = self.settings.concurrency
        return list(
            in_order([task(w) for w in windows], workers=n, prefetch=len(windows), name="eutils-search")
        )

    # -- efetch ------------------------------------------------------------------------------------
    def _efetch(
        self, ids: Sequence[str], parse: Callable[[bytes], Sequence[Record]], cancel: threading.Event
    ) -> list[Record]:
        def accept(body: bytes) -> list[Record]:
            check_efetch(body)
            return list(parse(body))

        params = {"db": "pubmed", "retmode": "xml", "id": ",".join(ids)}
        return self._call("efetch", params, accept, cancel)

    def _fetch_ids(
        self, requested: tuple[str, ...], parse: Callable[[bytes], Sequence[Record]], cancel: threading.Event
    ) -> FetchedBatch:
        """Fetch `requested` by id and reconcile: absent PMIDs are asked for once more, then reported."""
        records = self._efetch(requested, parse, cancel)
        wanted = set(requested)
        got = {_pmid(r) for r in records}
        missing = [p for p in requested if p not in got]
        if missing:
            log.debug("efetch: %d of %d PMIDs not returned; asking once more", len(missing), len(requested))
            again = self._efetch(missing, parse, cancel)
            records = records + [r for r in again if _pmid(r) in wanted and _pmid(r) not in got]
            got |= {_pmid(r) for r in again}
            missing = [p for p in missing if p not in got]
        return FetchedBatch(requested=requested, records=records, missing=tuple(missing))

    def fetch(
        self,
        pmids: Sequence[str],
        parse: Callable[[bytes], Sequence[Record]],
        *,
        prefetch: int = 4,
        workers: int | None = None,
    ) -> Iterator[FetchedBatch]:
        """Batches of parsed records for `pmids`, in order, downloaded ahead by background threads.

        Up to max(`prefetch`, 2 * `workers`) batches are downloaded and parsed ahead of the consumer
        by `workers` threads (default `settings.concurrency`), all drawing on the one rate budget:
        with several requests in flight, a slow answer or a long parse leaves no budget unused.
        """
        unique = list(dict.fromkeys(pmids))
        size = self.settings.batch_size
        batches = [tuple(unique[i : i + size]) for i in range(0, len(unique), size)]

        def task(requested: tuple[str, ...]) -> Callable[[threading.Event], FetchedBatch]:
            return lambda cancel: self._fetch_ids(requested, parse, cancel)

        n = workers if workers is not None else self.settings.concurrency
        return in_order([task(b) for b in batches], workers=n, prefetch=prefetch, name="eutils-fetch")
