"""NCBI E-utilities client for PubMed: esearch with date slicing past the 9,999-id cap, batched efetch.

What it does: every request goes through one process-wide rate limiter (3/s, or 10/s with an API key),
is retried with capped exponential backoff and full jitter on 429 (honouring Retry-After), 5xx,
connection errors, timeouts, transient `<ERROR>`s, bodies that fail their Content-Encoding and
truncated or unparseable XML, and fails with an `EutilsError` that names the endpoint, the last
status and the attempts, never the API key.
`search_pmids` lists every PMID of a query however large, by splitting the entrez-date window until
each slice is under PubMed's 9,999-id cap; `fetch` downloads records in POSTed batches on a few
background threads (results in order) so the caller stores batch N while batch N+1 downloads;
`fetch_search` is the WebEnv/history route for result sets under the cap, re-running an expired search.

What it is not: an XML record parser (the caller passes `parse`, normally
`lreview.sources.pubmed_xml.parse_pubmed_xml`) nor a store writer. Bio.Entrez is not used for HTTP
because it retries 429/5xx without sleeping. All requests are POSTs, so the API key never appears
in a URL (and hence in httpx's own request logs).
"""

from __future__ import annotations

import itertools
import logging
import os
import queue
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from email.utils import parsedate_to_datetime
from typing import TypeVar

import httpx
from lxml import etree

from lreview.errors import EutilsError, InputError, LreviewError
from lreview.records import Record
from lreview.sources.http import scrub
from lreview.sources.ratelimit import shared_limiter

DEFAULT_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
PUBMED_CAP = 9_999  # PubMed esearch lists at most this many ids and rejects retstart > 9998
EARLIEST = date(1781, 1, 1)  # earliest entrez date in PubMed
_PERMANENT_ERRORS = ("cannot be larger than", "invalid db name", "empty term", "invalid query")
_HISTORY_ERRORS = ("unable to obtain query", "cannot retrieve history", "invalid webenv")
_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)

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
class SearchMessage:
    """One entry of an esearch ErrorList/WarningList, e.g. ("PhraseNotFound", "abcXYZ")."""

    kind: str
    text: str


@dataclass(frozen=True)
class SearchPage:
    """One parsed eSearchResult."""

    count: int
    ids: tuple[str, ...]
    retstart: int = 0
    webenv: str | None = None
    query_key: str | None = None
    query_translation: str = ""
    errors: tuple[SearchMessage, ...] = ()
    warnings: tuple[SearchMessage, ...] = ()


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


class _Retry(EutilsError):
    """A transient in-band failure (an `<ERROR>` NCBI sends now and then): retry the request."""


class _HistoryExpired(EutilsError):
    """The WebEnv is no longer known to NCBI: the search has to be run again."""


class _Cancelled(Exception):
    """The consumer of a background fetch went away."""


def _day(d: date | str) -> str:
    return d.strftime("%Y/%m/%d") if isinstance(d, date) else d


def _error_text(root: etree._Element) -> str | None:
    texts = [(e.text or "").strip() for e in root.findall("ERROR")]
    texts = [t for t in texts if t]  # eSpell sends an empty <ERROR/> that is not an error
    return "; ".join(texts) if texts else None


def parse_esearch(data: bytes) -> SearchPage:
    """Parse an eSearchResult; transient `<ERROR>`s raise `_Retry`, permanent ones `EutilsError`."""
    root = etree.fromstring(data, _XML)
    if root.tag != "eSearchResult":
        raise _Retry(f"expected eSearchResult, got <{root.tag}>")
    error = _error_text(root)
    if error is not None:
        if any(p in error.lower() for p in _PERMANENT_ERRORS):
            raise EutilsError(f"esearch: PubMed refused the search: {error}")
        raise _Retry(f"esearch <ERROR>: {error}")
    count_text = root.findtext("Count")
    if count_text is None:
        raise _Retry("esearch: eSearchResult without <Count>")

    def messages(tag: str) -> tuple[SearchMessage, ...]:
        el = root.find(tag)
        return () if el is None else tuple(SearchMessage(c.tag, (c.text or "").strip()) for c in el)

    ids = tuple((i.text or "").strip() for i in root.iterfind("IdList/Id"))
    numbers = (count_text.strip(), (root.findtext("RetStart") or "0").strip(), *ids)
    if not all(n.isascii() and n.isdigit() for n in numbers):
        raise _Retry("esearch: eSearchResult with a non-numeric Count, RetStart or Id")
    return SearchPage(
        count=int(count_text),
        ids=ids,
        retstart=int(root.findtext("RetStart") or 0),
        webenv=root.findtext("WebEnv"),
        query_key=root.findtext("QueryKey"),
        query_translation=root.findtext("QueryTranslation") or "",
        errors=messages("ErrorList"),
        warnings=messages("WarningList"),
    )


def _check_efetch(data: bytes) -> None:
    """Raise on an eFetchResult `<ERROR>` (expired history, or a transient failure)."""
    if b"<eFetchResult" not in data[:2048]:
        return
    root = etree.fromstring(data, _XML)
    error = _error_text(root) or "eFetchResult without records"
    if any(p in error.lower() for p in _HISTORY_ERRORS):
        raise _HistoryExpired(f"efetch: search history expired: {error}")
    raise _Retry(f"efetch <ERROR>: {error}")


def split_window(lo: date, hi: date, pieces: int) -> list[tuple[date, date]]:
    """[lo, hi] cut into `pieces` consecutive inclusive windows of (nearly) equal length."""
    first, days = lo.toordinal(), hi.toordinal() - lo.toordinal() + 1
    cuts = [first + days * i // pieces for i in range(pieces + 1)]
    return [(date.fromordinal(a), date.fromordinal(b - 1)) for a, b in zip(cuts, cuts[1:], strict=False)]


def _pmid(record: Record) -> str:
    return record.pmid or record.source_id


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


class EutilsClient:
    """A synchronous, thread-safe PubMed E-utilities client sharing the process-wide rate budget."""

    def __init__(self, settings: EutilsSettings | None = None, *, http: httpx.Client | None = None) -> None:
        self.settings = settings if settings is not None else EutilsSettings.from_env()
        self._http = http or httpx.Client(
            timeout=self.settings.timeout, headers={"User-Agent": f"{self.settings.tool} (python-httpx)"}
        )
        self._limiter = shared_limiter(self.settings.base_url, self.settings.rate)
        self._random = random.Random()
        self._count_lock = threading.Lock()
        self.requests_made = 0  # HTTP requests sent by this client, retries included

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    def __enter__(self) -> EutilsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the one place that talks HTTP -------------------------------------------------------------
    def _scrub(self, text: str) -> str:
        return scrub(text, [self.settings.api_key])

    def _call(
        self,
        endpoint: str,
        params: dict[str, str],
        accept: Callable[[bytes], T],
        cancel: threading.Event | None = None,
    ) -> T:
        """POST `params` to `endpoint`, retrying transient failures; `accept` parses the 200 body."""
        s = self.settings
        url = f"{s.base_url}{endpoint}.fcgi"
        data = dict(params, tool=s.tool)
        if s.email:
            data["email"] = s.email
        if s.api_key:
            data["api_key"] = s.api_key
        shown = {k: (v if len(v) <= 200 else f"{v[:200]}...({len(v)} chars)") for k, v in params.items()}
        attempts = s.max_retries + 1
        last = "no attempt made"
        for attempt in range(1, attempts + 1):
            if cancel is not None and cancel.is_set():
                raise _Cancelled
            self._limiter.acquire()
            if cancel is not None and cancel.is_set():
                raise _Cancelled
            with self._count_lock:
                self.requests_made += 1
            log.debug("%s attempt %d/%d %s", endpoint, attempt, attempts, self._scrub(str(shown)))
            hint: float | None = None
            refused: LreviewError | None = None
            try:
                response = self._http.post(url, data=data)
            # resets, timeouts, bodies shorter than Content-Length, a body that does not match its
            # Content-Encoding (gzip header, plain body: a truncated or mangled answer)
            except (httpx.TransportError, httpx.DecodingError) as exc:
                last = f"{type(exc).__name__}: {self._scrub(str(exc)) or 'connection failed'}"
            else:
                status = response.status_code
                if status == 200:
                    try:
                        return accept(response.content)
                    except _Retry as exc:
                        last = self._scrub(str(exc))
                    except (etree.XMLSyntaxError, InputError) as exc:  # truncated or garbled body
                        last = f"unparseable XML ({len(response.content)} bytes): {self._scrub(str(exc))}"
                    except LreviewError as exc:  # a permanent refusal, whose text may echo the request
                        refused = type(exc)(self._scrub(str(exc)))
                    if refused is not None:  # raised here, outside the handler: no unscrubbed context
                        raise refused
                elif status == 429 or status >= 500:
                    last = f"HTTP {status}"
                    hint = _retry_after(response.headers.get("Retry-After"))
                else:
                    raise EutilsError(self._scrub(f"{endpoint}: HTTP {status} from {url} (not retried)"))
            if attempt == attempts:
                break
            delay = self._backoff(attempt, hint)
            log.warning(
                "%s attempt %d/%d failed (%s); retrying in %.2fs", endpoint, attempt, attempts, last, delay
            )
            if cancel is not None:
                if cancel.wait(delay):
                    raise _Cancelled
            else:
                time.sleep(delay)
        raise EutilsError(
            self._scrub(f"{endpoint}: gave up after {attempts} attempts to {url}; last error: {last}")
        )

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        """Full-jitter exponential backoff, capped; a server's Retry-After wins when it is longer."""
        s = self.settings
        jitter = self._random.uniform(0.0, min(s.backoff_max, s.backoff_base * 2 ** (attempt - 1)))
        return max(jitter, min(retry_after, max(s.backoff_max, 1.0))) if retry_after is not None else jitter

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
            return tuple(SearchMessage(m.kind, self._scrub(m.text)) for m in messages)

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
        harvest = self._slices(term, lo, hi, root, datetype)
        count = root.count
        total = sum(c for _, _, c in harvest.slices)
        if total != count:  # PubMed's data moved while we sliced: ask once more for the whole window
            again = self.esearch(term, mindate=lo, maxdate=hi, datetype=datetype, retmax=0, usehistory=False)
            count = again.count
            if total != count:
                harvest.note(f"whole window {lo}..{hi} counts {count} but its slices hold {total}")
        pmids = harvest.pmids()
        if len(pmids) != total:
            harvest.note(f"slices hold {total} records but {len(pmids)} unique PMIDs")
        return SearchOutcome(
            pmids=pmids,
            count=count,
            query_translation=root.query_translation,
            errors=root.errors,
            warnings=root.warnings + tuple(harvest.notes),
            slices=harvest.slices,
        )

    def _slices(self, term: str, lo: date, hi: date, root: SearchPage, datetype: str) -> _Harvest:
        """Split [lo, hi] until every window is under the cap; collect each window's ids.

        Works level by level: the esearches of one level run concurrently (still within the rate
        budget), so a slow server answer does not leave the budget unused.
        """
        harvest = _Harvest()
        frontier: list[tuple[date, date, SearchPage, int]] = [(lo, hi, root, 0)]  # (.., id requests)
        with ThreadPoolExecutor(self.settings.concurrency, thread_name_prefix="eutils-search") as pool:
            while frontier:
                asks: list[tuple[date, date, int, int]] = []  # (lo, hi, retmax, id requests after it)
                for a, b, page, tries in frontier:
                    if page.count <= PUBMED_CAP:
                        if len(page.ids) == page.count or tries == 2:  # listed, or re-asked once
                            if len(page.ids) != page.count:
                                harvest.note(f"slice {a}..{b} counts {page.count} but lists {len(page.ids)}")
                            harvest.add(a, b, page)
                        else:
                            asks.append((a, b, PUBMED_CAP, tries + 1))
                        continue
                    if a == b:
                        raise EutilsError(
                            f"esearch: {page.count} records entered on {a} match this query, more than "
                            f"the {PUBMED_CAP} PubMed lists for one search; narrow the query for that day"
                        )
                    # Split into pieces expected to hold ~half a cap each and ask for their ids at
                    # once: most then need no second request, and the few levels run in parallel.
                    pieces = min(
                        b.toordinal() - a.toordinal() + 1, 32, max(2, -(-2 * page.count // PUBMED_CAP))
                    )
                    asks += [(x, y, PUBMED_CAP, 1) for x, y in split_window(a, b, pieces)]

                def ask(x: tuple[date, date, int, int]) -> SearchPage:
                    return self.esearch(
                        term, mindate=x[0], maxdate=x[1], datetype=datetype, retmax=x[2], usehistory=False
                    )

                pages = list(pool.map(ask, asks))
                frontier = [(a, b, page, t) for (a, b, _, t), page in zip(asks, pages, strict=True)]
        return harvest

    # -- efetch ------------------------------------------------------------------------------------
    def _efetch(
        self,
        params: dict[str, str],
        parse: Callable[[bytes], Sequence[Record]],
        cancel: threading.Event | None,
    ) -> list[Record]:
        def accept(body: bytes) -> list[Record]:
            _check_efetch(body)
            return list(parse(body))

        return self._call("efetch", {"db": "pubmed", "retmode": "xml", **params}, accept, cancel)

    def _fetch_ids(
        self,
        requested: tuple[str, ...],
        parse: Callable[[bytes], Sequence[Record]],
        cancel: threading.Event | None,
        first: list[Record] | None = None,
    ) -> FetchedBatch:
        """Fetch `requested` by id (unless `first` already holds the answer) and reconcile."""
        records = first if first is not None else self._efetch({"id": ",".join(requested)}, parse, cancel)
        wanted = set(requested)
        got = {_pmid(r) for r in records}
        missing = [p for p in requested if p not in got]
        if missing:  # ask once more for just those; whatever is still absent is reported as missing
            log.debug("efetch: %d of %d PMIDs not returned; asking once more", len(missing), len(requested))
            again = self._efetch({"id": ",".join(missing)}, parse, cancel)
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
        return _in_pool([task(b) for b in batches], workers=n, prefetch=prefetch)

    def fetch_search(
        self,
        term: str,
        parse: Callable[[bytes], Sequence[Record]],
        *,
        mindate: date | None = None,
        maxdate: date | None = None,
        prefetch: int = 4,
    ) -> Iterator[FetchedBatch]:
        """Run one esearch with history and efetch its result by WebEnv (at most 9,999 records).

        If NCBI forgets the WebEnv midway, the search is run again: the same id list resumes at the
        same position with the new WebEnv; a changed list is finished by fetching its remaining ids.
        """
        lo, hi = mindate or EARLIEST, maxdate or date.today()
        size = self.settings.batch_size

        def search() -> SearchPage:
            page = self.esearch(term, mindate=lo, maxdate=hi, retmax=PUBMED_CAP, usehistory=True)
            if page.count > PUBMED_CAP:
                raise EutilsError(
                    f"esearch: {page.count} records match; fetch_search handles at most {PUBMED_CAP}, "
                    "use search_pmids() then fetch()"
                )
            return page

        def produce(cancel: threading.Event) -> Iterator[FetchedBatch]:
            page = search()
            start, reruns = 0, 0
            while start < len(page.ids):
                requested = page.ids[start : start + size]
                history = {"WebEnv": page.webenv or "", "query_key": page.query_key or ""}
                window = {"retstart": str(start), "retmax": str(size)}
                try:
                    records = self._efetch(history | window, parse, cancel)
                except _HistoryExpired:
                    if reruns == 2:
                        raise
                    reruns += 1
                    log.info("efetch: WebEnv expired; running the search again")
                    new = search()
                    if new.ids != page.ids:  # the result moved: fetch what is left by id
                        done = set(page.ids[:start])
                        rest = [p for p in new.ids if p not in done]
                        for i in range(0, len(rest), size):
                            yield self._fetch_ids(tuple(rest[i : i + size]), parse, cancel)
                        return
                    page = new
                    continue
                yield self._fetch_ids(requested, parse, cancel, first=records)
                start += size

        return _in_background(produce, prefetch)


@dataclass
class _Harvest:
    """What `search_pmids` has collected so far."""

    found: list[tuple[date, date, SearchPage]] = field(default_factory=list)
    notes: list[SearchMessage] = field(default_factory=list)

    @property
    def slices(self) -> list[tuple[date, date, int]]:
        """(first day, last day, count) of each window, newest first."""
        return [(a, b, page.count) for a, b, page in sorted(self.found, key=lambda f: f[0], reverse=True)]

    def add(self, lo: date, hi: date, page: SearchPage) -> None:
        self.found.append((lo, hi, page))

    def pmids(self) -> list[str]:
        """Unique PMIDs, newest window first, each window in PubMed's order."""
        ordered = sorted(self.found, key=lambda f: f[0], reverse=True)
        return list(dict.fromkeys(pmid for _, _, page in ordered for pmid in page.ids))

    def note(self, text: str) -> None:
        log.warning("esearch: %s", text)
        self.notes.append(SearchMessage("HarvestMismatch", text))


_DONE = object()


def _in_pool(tasks: Sequence[Callable[[threading.Event], T]], *, workers: int, prefetch: int) -> Iterator[T]:
    """Run `tasks` on a thread pool, at most `prefetch` ahead of the consumer; yield results in order.

    A task's error is re-raised in the consumer. When the consumer stops early (break, exception,
    garbage collection), pending tasks are cancelled and the running ones told to stop.
    """

    def consume() -> Iterator[T]:
        cancel = threading.Event()
        pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="eutils-fetch")
        pending: deque[Future[T]] = deque()
        todo = iter(tasks)
        try:
            for t in itertools.islice(todo, max(prefetch, 2 * workers, 1)):
                pending.append(pool.submit(t, cancel))
            while pending:
                result = pending.popleft().result()
                for t in itertools.islice(todo, 1):
                    pending.append(pool.submit(t, cancel))
                yield result
        finally:
            cancel.set()
            pool.shutdown(wait=True, cancel_futures=True)

    return consume()


def _in_background(produce: Callable[[threading.Event], Iterator[T]], prefetch: int) -> Iterator[T]:
    """Run `produce` in a daemon thread feeding a bounded queue; re-raise its errors here.

    When the consumer stops early (break, exception, garbage collection), the producer is told to
    stop and joined, so no thread keeps downloading for nobody.
    """
    items: queue.Queue[object] = queue.Queue(maxsize=max(1, prefetch))
    cancel = threading.Event()

    def put(item: object) -> bool:
        while not cancel.is_set():
            try:
                items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for item in produce(cancel):
                if not put(item):
                    return
            put(_DONE)
        except _Cancelled:
            return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which re-raises it
            put(exc)

    def consume() -> Iterator[T]:
        thread = threading.Thread(target=run, name="eutils-fetch", daemon=True)
        thread.start()
        try:
            while True:
                item = items.get()
                if item is _DONE:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item  # type: ignore[misc]
        finally:
            cancel.set()
            thread.join(timeout=30)

    return consume()
