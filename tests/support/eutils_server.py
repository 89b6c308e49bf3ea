"""A local, fault-injecting stand-in for NCBI E-utilities (esearch + efetch for db=pubmed).

Real HTTP on 127.0.0.1 (random port) served from a thread, backed by an in-memory corpus of synthetic
PubMed articles. It behaves like PubMed where the client depends on it: at most 9,999 ids per esearch
and an `<ERROR>` for retstart > 9998, inclusive EDAT windows, WebEnv/query_key history, ErrorList /
WarningList, deleted records (searchable but absent from efetch). Faults (429, 5xx, dropped
connections, truncated bodies, a gzip header on a plain body, `<ERROR>`s (one echoing the request,
API key and all, as PubMed's sometimes do), history expiry, slow answers) are queued and applied to
the next matching requests; every request is logged with its monotonic arrival time.
`hostile=True` (`--hostile`) adds `pubmed_builder.hostile_articles()`: records whose title, abstract,
authors and journal start with spreadsheet-formula payloads, for formula-injection tests.

For tests and benchmarks only.
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, urlsplit

from tests.support.pubmed_builder import (
    SyntheticArticle,
    article_set_xml,
    article_xml,
    efetch_error_xml,
    esearch_error_xml,
    esearch_xml,
    hostile_articles,
    make_articles,
)

PUBMED_CAP = 9_999
RETSTART_ERROR = (
    "Search Backend failed: Exception:\n'retstart' cannot be larger than 9998. For PubMed, ESearch can "
    "only retrieve the first 9,999 records matching the query. To obtain more than 9,999 PubMed records, "
    "consider using EDirect that contains additional logic to batch PubMed search results automatically "
    "so that an arbitrary number can be retrieved. For details see https://www.ncbi.nlm.nih.gov/books/NBK25499/"
)
HISTORY_ERROR = "Unable to obtain query #{key}"
BACKEND_ERROR = "Search Backend failed: Database is not supported: pubmed"

FaultKind = Literal[
    "status",  # answer `status` (429 adds Retry-After when `retry_after` is set)
    "drop",  # read the request, close the socket without a response
    "truncate",  # 200, no Content-Length, half the body, close (client sees a short but "complete" body)
    "truncate_declared",  # 200 with the full Content-Length, half the body, close (a transport error)
    "esearch_error",  # 200 with an eSearchResult holding only <ERROR>message</ERROR>
    "expire_history",  # forget every WebEnv, then answer normally
    "slow",  # sleep `delay` seconds, then answer normally
    "bad_gzip",  # 200 with Content-Encoding: gzip but the plain (not gzipped) body
    "echo_error",  # 200 with an `<ERROR>`: `message`, then the request (URL, POST body, params) echoed
]


@dataclass(frozen=True)
class Fault:
    """One fault to apply to a request; `endpoint` None matches esearch and efetch."""

    kind: FaultKind
    endpoint: Literal["esearch", "efetch"] | None = None
    status: int = 500
    retry_after: float | None = None
    message: str = BACKEND_ERROR
    delay: float = 0.0


@dataclass(frozen=True)
class RequestLog:
    """One request as it arrived (api_key value replaced by "***", its presence kept)."""

    arrived: float  # time.monotonic() when the handler started
    endpoint: str
    method: str
    params: dict[str, str]
    has_api_key: bool
    has_tool: bool
    has_email: bool
    fault: str | None
    status: int = 200


@dataclass
class _History:
    queries: dict[str, list[str]] = field(default_factory=dict)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        self._handle(time.monotonic(), "GET")

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        self._handle(time.monotonic(), "POST")

    def _handle(self, arrived: float, method: str) -> None:
        app = self.server.app
        split = urlsplit(self.path)
        raw = parse_qs(split.query, keep_blank_values=True)
        form = ""
        if method == "POST":
            length = int(self.headers.get("Content-Length") or 0)
            form = self.rfile.read(length).decode()
            raw.update(parse_qs(form, keep_blank_values=True))
        params = {k: v[-1] for k, v in raw.items()}
        endpoint = split.path.rstrip("/").rsplit("/", 1)[-1].removesuffix(".fcgi")
        if endpoint == "_log":  # the request log, for a parent process (not an E-utility, not logged)
            self._send_json([asdict(r) for r in list(app.requests)])
            return
        fault = app.take_fault(endpoint)
        if fault is not None and fault.kind == "echo_error":  # the request as it came, key and all
            echo = f"{fault.message}: {method} {self.path} body: {form} params: {json.dumps(params)}"
            fault = replace(fault, message=echo)
        status, body = app.respond(endpoint, params, fault, arrived)
        logged = dict(params)
        if "api_key" in logged:
            logged["api_key"] = "***"
        app.log(
            RequestLog(
                arrived=arrived,
                endpoint=endpoint,
                method=method,
                params=logged,
                has_api_key=bool(params.get("api_key")),
                has_tool=bool(params.get("tool")),
                has_email=bool(params.get("email")),
                fault=fault.kind if fault else None,
                status=status,
            )
        )
        if fault is not None and fault.kind == "drop":
            self._close_now()
            return
        if fault is not None and fault.kind in ("truncate", "truncate_declared"):
            self.send_response(200)
            self.send_header("Content-Type", "text/xml; charset=UTF-8")
            if fault.kind == "truncate_declared":
                self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self._close_now()
            return
        self.send_response(status)
        content_type = "application/json" if status == 429 else "text/xml; charset=UTF-8"
        self.send_header("Content-Type", content_type)
        if fault is not None and fault.kind == "bad_gzip":
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        if fault is not None and fault.retry_after is not None:
            self.send_header("Retry-After", f"{fault.retry_after:g}")
        self.end_headers()
        self.wfile.write(body)

    def _send_json(self, value: object) -> None:
        body = json.dumps(value).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _close_now(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):  # the client may have gone already
            self.connection.shutdown(socket.SHUT_RDWR)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    app: EutilsServer


class EutilsServer:
    """The fake E-utilities service; use as a context manager, then point the client at `.url`."""

    def __init__(
        self,
        articles: Iterable[SyntheticArticle],
        *,
        deleted: Iterable[str] = (),
        terms: dict[str, Iterable[str]] | None = None,
        errors: Sequence[tuple[str, str]] = (),
        warnings: Sequence[tuple[str, str]] = (),
        enforce_rate: int | None = None,
        latency: float = 0.0,
        port: int = 0,
        hostile: bool = False,
    ) -> None:
        """`hostile` adds `pubmed_builder.hostile_articles()` (formula-injection payloads) to `articles`."""
        self._lock = threading.Lock()
        self._articles: dict[str, SyntheticArticle] = {}
        self._rendered: dict[str, str] = {}
        self._index: list[tuple[int, int]] = []  # (entrez date ordinal, pmid) sorted
        self.deleted: set[str] = set(deleted)
        self.terms = {k: set(v) for k, v in (terms or {}).items()}
        self.errors = list(errors)
        self.warnings = list(warnings)
        self.enforce_rate = enforce_rate
        self.latency = latency  # seconds every answer takes (NCBI needs ~0.3-2 s for 250 records)
        self.requests: list[RequestLog] = []
        self._faults: deque[Fault] = deque()
        self._history: dict[str, _History] = {}
        self._recent: deque[float] = deque()
        self.add_articles(articles)
        if hostile:
            self.add_articles(hostile_articles())
        self._httpd = _Server(("127.0.0.1", port), _Handler)
        self._httpd.app = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="eutils-server",
            daemon=True,
        )

    # -- lifecycle -------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """Base URL to give the client (ends with '/')."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/entrez/eutils/"

    def __enter__(self) -> EutilsServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    # -- corpus and faults -----------------------------------------------------------------------
    def add_articles(self, articles: Iterable[SyntheticArticle]) -> None:
        """Add (or replace) articles; they become searchable and fetchable at once."""
        with self._lock:
            for a in articles:
                if a.pmid in self._articles:
                    old = self._articles[a.pmid]
                    self._index.remove((old.entrez_date.toordinal(), int(old.pmid)))
                self._articles[a.pmid] = a
                self._rendered[a.pmid] = article_xml(a)
                bisect.insort(self._index, (a.entrez_date.toordinal(), int(a.pmid)))

    def revise(self, pmid: str) -> SyntheticArticle:
        """Bump one article's revision (new title, later DateRevised), as an MDAT update would."""
        with self._lock:
            new = self._articles[pmid].revised()
            self._articles[pmid] = new
            self._rendered[pmid] = article_xml(new)
            return new

    def add_fault(self, fault: Fault, times: int = 1) -> None:
        """Queue `fault` for the next `times` matching requests (faults apply in queue order)."""
        with self._lock:
            self._faults.extend([fault] * times)

    def expire_history(self) -> None:
        """Forget every WebEnv, as NCBI does after a few hours."""
        with self._lock:
            self._history.clear()

    def take_fault(self, endpoint: str) -> Fault | None:
        """Remove and return the first queued fault that matches `endpoint`."""
        with self._lock:
            for i, f in enumerate(self._faults):
                if f.endpoint is None or f.endpoint == endpoint:
                    del self._faults[i]
                    return f
            return None

    @property
    def pending_faults(self) -> int:
        """How many queued faults have not been applied yet."""
        with self._lock:
            return len(self._faults)

    def log(self, entry: RequestLog) -> None:
        """Record one request."""
        with self._lock:
            self.requests.append(entry)

    def arrivals(self, endpoint: str | None = None) -> list[float]:
        """Monotonic arrival times of the logged requests, optionally for one endpoint."""
        with self._lock:
            return [r.arrived for r in self.requests if endpoint is None or r.endpoint == endpoint]

    # -- responses -------------------------------------------------------------------------------
    def respond(
        self, endpoint: str, params: dict[str, str], fault: Fault | None, arrived: float
    ) -> tuple[int, bytes]:
        """Status and body for one request (faults of kind drop/truncate are sent by the handler)."""
        if self.latency:
            time.sleep(self.latency)
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay)
        if fault is not None and fault.kind == "expire_history":
            self.expire_history()
        if fault is not None and fault.kind == "status":
            return fault.status, self._status_body(fault.status, params)
        if self.enforce_rate is not None and self._over_rate(arrived):
            return 429, self._status_body(429, params)
        if fault is not None and fault.kind == "esearch_error" and endpoint == "esearch":
            return 200, esearch_error_xml(fault.message)
        if fault is not None and fault.kind == "echo_error":
            error_xml = esearch_error_xml if endpoint == "esearch" else efetch_error_xml
            return 200, error_xml(fault.message)
        if params.get("db", "pubmed") != "pubmed":
            return 200, esearch_error_xml(f"Invalid db name specified: {params.get('db')}")
        if endpoint == "esearch":
            return self._esearch(params)
        if endpoint == "efetch":
            return self._efetch(params)
        return 404, b"Unknown E-utility"

    def _status_body(self, status: int, params: dict[str, str]) -> bytes:
        if status == 429:  # NCBI's real 429 body echoes the api key: a client must never log bodies
            limit = "10" if params.get("api_key") else "3"
            return json.dumps(
                {"error": "API rate limit exceeded", "api-key": params.get("api_key", ""), "limit": limit}
            ).encode()
        return f"<html><body>{status} Server Error</body></html>".encode()

    def _over_rate(self, arrived: float) -> bool:
        with self._lock:
            while self._recent and self._recent[0] <= arrived - 1.0:
                self._recent.popleft()
            self._recent.append(arrived)
            assert self.enforce_rate is not None
            return len(self._recent) > self.enforce_rate

    def _match(self, params: dict[str, str]) -> list[str]:
        lo, hi = 0, date.max.toordinal()
        if params.get("mindate") and params.get("maxdate"):
            lo = _parse_date(params["mindate"], end=False).toordinal()
            hi = _parse_date(params["maxdate"], end=True).toordinal()
        datetype = params.get("datetype", "edat") if params.get("mindate") else "edat"
        with self._lock:
            if datetype == "mdat":  # revision date: rare in tests, so a plain scan
                found = sorted(
                    (a.date_revised.toordinal(), int(a.pmid))
                    for a in self._articles.values()
                    if lo <= a.date_revised.toordinal() <= hi
                )
            else:  # edat (pdat is approximated by the entrez date)
                i = bisect.bisect_left(self._index, (lo, -1))
                j = bisect.bisect_right(self._index, (hi, 1 << 62))
                found = self._index[i:j]
        subset = self.terms.get(params.get("term", ""))
        ids = [str(p) for _, p in reversed(found)]  # most recent first, as PubMed's default sort
        return ids if subset is None else [p for p in ids if p in subset]

    def _esearch(self, params: dict[str, str]) -> tuple[int, bytes]:
        term = params.get("term", "")
        if not term and not params.get("query_key"):
            return 200, esearch_error_xml("Empty term and query_key - nothing todo")
        retstart = int(params.get("retstart", "0"))
        retmax = min(int(params.get("retmax", "20")), PUBMED_CAP)
        if retstart > PUBMED_CAP - 1:
            return 200, esearch_error_xml(RETSTART_ERROR)
        ids = self._match(params)
        translation = f"{term}[All Fields]"
        if params.get("rettype") == "count":
            counted = f'<?xml version="1.0" ?>\n<eSearchResult><Count>{len(ids)}</Count></eSearchResult>\n'
            return 200, counted.encode()
        webenv = query_key = None
        if params.get("usehistory") == "y":
            with self._lock:
                webenv = params.get("WebEnv") or f"MCID_{uuid.uuid4().hex[:24]}"
                hist = self._history.setdefault(webenv, _History())
                query_key = str(len(hist.queries) + 1)
                hist.queries[query_key] = ids
        page = ids[retstart : retstart + retmax]
        errors = list(self.errors)
        warnings = list(self.warnings) + ([("OutputMessage", "No items found.")] if not ids else [])
        body = esearch_xml(
            count=len(ids),
            ids=page,
            retstart=retstart,
            webenv=webenv,
            query_key=query_key,
            translation=translation,
            errors=errors,
            warnings=warnings,
        )
        return 200, body

    def _efetch(self, params: dict[str, str]) -> tuple[int, bytes]:
        if params.get("id"):
            ids = [i.strip() for i in params["id"].split(",") if i.strip()]
        elif params.get("WebEnv") and params.get("query_key"):
            key = params["query_key"]
            with self._lock:
                hist = self._history.get(params["WebEnv"])
                stored = hist.queries.get(key) if hist else None
            if stored is None:
                return 200, efetch_error_xml(HISTORY_ERROR.format(key=key))
            retstart = int(params.get("retstart", "0"))
            ids = stored[retstart : retstart + int(params.get("retmax", "20"))]
        else:
            return 200, efetch_error_xml("Empty id list - nothing todo")
        with self._lock:
            parts = [self._rendered[i] for i in ids if i in self._rendered and i not in self.deleted]
        return 200, article_set_xml(parts)


def _parse_date(text: str, *, end: bool) -> date:
    """PubMed's mindate/maxdate: YYYY, YYYY/MM or YYYY/MM/DD; `end` picks the last day of a range."""
    parts = [int(p) for p in text.replace("-", "/").split("/")]
    if len(parts) == 3:
        return date(parts[0], parts[1], parts[2])
    if len(parts) == 2:
        if not end:
            return date(parts[0], parts[1], 1)
        nxt = date(parts[0] + parts[1] // 12, parts[1] % 12 + 1, 1)
        return date.fromordinal(nxt.toordinal() - 1)
    return date(parts[0], 12, 31) if end else date(parts[0], 1, 1)


def windows_over(arrivals: Sequence[float], limit: int, width: float = 1.0) -> list[tuple[float, int]]:
    """(start, count) of every `width`-second window [t, t+width) that holds more than `limit` arrivals."""
    times = sorted(arrivals)
    bad = []
    for i, t in enumerate(times):
        j = bisect.bisect_left(times, t + width)
        if j - i > limit:
            bad.append((t, j - i))
    return bad


def iter_requests(server: EutilsServer, endpoint: str) -> Iterator[RequestLog]:
    """The logged requests for one endpoint."""
    return (r for r in list(server.requests) if r.endpoint == endpoint)


@dataclass(frozen=True)
class RemoteServer:
    """A server running in another process (as NCBI does): its URL and its request log."""

    url: str

    def requests(self) -> list[RequestLog]:
        """The requests the server has logged so far."""
        import httpx  # a test dependency of the parent only

        rows = httpx.get(f"{self.url}_log", timeout=30).json()
        return [RequestLog(**row) for row in rows]


@contextlib.contextmanager
def serve_in_subprocess(
    records: int,
    *,
    deleted: int = 0,
    latency: float = 0.0,
    enforce_rate: int | None = None,
    hostile: bool = False,
) -> Iterator[RemoteServer]:
    """Run `python -m tests.support.eutils_server` with a synthetic corpus; stop it on exit."""
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(root / "src"), str(root)]))
    args = [sys.executable, "-m", "tests.support.eutils_server", "--records", str(records)]
    args += ["--deleted", str(deleted), "--latency", str(latency)]
    args += ["--enforce-rate", str(enforce_rate)] if enforce_rate is not None else []
    args += ["--hostile"] if hostile else []
    proc = subprocess.Popen(args, cwd=root, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if not url.startswith("http"):
            raise RuntimeError(f"eutils test server did not start (said {url!r})")
        yield RemoteServer(url)
    finally:
        if proc.stdin is not None:
            proc.stdin.close()  # the server exits when its stdin closes
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def deleted_ids(articles: Sequence[SyntheticArticle], count: int) -> set[str]:
    """`count` PMIDs spread evenly over `articles`, to mark as deleted."""
    if count <= 0:
        return set()
    step = max(1, len(articles) // count)
    return {a.pmid for a in articles[::step][:count]}


def main(argv: Sequence[str] | None = None) -> int:
    """Serve a synthetic corpus until stdin closes; print the base URL first."""
    ap = argparse.ArgumentParser(description="Local fake NCBI E-utilities server")
    ap.add_argument("--records", type=int, default=30_000)
    ap.add_argument("--deleted", type=int, default=0)
    ap.add_argument("--latency", type=float, default=0.0)
    ap.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free one)")
    ap.add_argument("--enforce-rate", type=int, default=None, help="answer 429 above this many per second")
    ap.add_argument("--hostile", action="store_true", help="add the formula-injection articles")
    args = ap.parse_args(argv)
    articles = make_articles(args.records)
    deleted = deleted_ids(articles, args.deleted)
    with EutilsServer(
        articles,
        deleted=deleted,
        latency=args.latency,
        enforce_rate=args.enforce_rate,
        hostile=args.hostile,
        port=args.port,
    ) as server:
        print(server.url, flush=True)
        sys.stdin.read()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
