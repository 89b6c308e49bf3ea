"""A local, fault-injecting JSON API server: the shared part of the ClinicalTrials.gov and Europe PMC fakes.

Real HTTP on 127.0.0.1 (random port) from a thread. A subclass answers `page(params)` with a JSON
value; this class queues faults (a status such as 429 with Retry-After or 500, a dropped connection,
a truncated body), enforces a rate limit when asked (429 past `enforce_rate` requests in any second)
and logs every request with its monotonic arrival time. For tests and benchmarks only.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

FaultKind = Literal["status", "drop", "truncate", "not_json"]


@dataclass(frozen=True)
class Fault:
    """One fault for the next request: a `status` (with Retry-After), `drop`, `truncate` (half the
    body, no Content-Length) or `not_json` (an HTML error page with status 200)."""

    kind: FaultKind
    status: int = 500
    retry_after: float | None = None


@dataclass(frozen=True)
class Request:
    """One request as it arrived."""

    arrived: float
    path: str
    params: dict[str, str]
    fault: str | None
    status: int


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        arrived = time.monotonic()
        app = self.server.app
        split = urlsplit(self.path)
        params = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        fault = app.take_fault()
        status, body = app.respond(split.path, params, fault, arrived)
        app.log(Request(arrived, split.path, params, fault.kind if fault else None, status))
        if fault is not None and fault.kind == "drop":
            self._close_now()
            return
        if fault is not None and fault.kind == "truncate":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self._close_now()
            return
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if status == 200 else "text/html")
        self.send_header("Content-Length", str(len(body)))
        if fault is not None and fault.retry_after is not None:
            self.send_header("Retry-After", f"{fault.retry_after:g}")
        self.end_headers()
        self.wfile.write(body)

    def _close_now(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    app: JsonServer


class JsonServer:
    """Base of the fakes: a subclass sets `prefix` (the URL path the client is given) and `page`."""

    prefix = "/"

    def __init__(self, *, enforce_rate: float | None = None, latency: float = 0.0) -> None:
        self._lock = threading.Lock()
        self._faults: deque[Fault] = deque()
        self._recent: deque[float] = deque()
        self.enforce_rate = enforce_rate
        self.latency = latency
        self.requests: list[Request] = []
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.app = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}{self.prefix}"

    def __enter__(self) -> JsonServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def add_fault(self, fault: Fault, times: int = 1) -> None:
        with self._lock:
            self._faults.extend([fault] * times)

    def take_fault(self) -> Fault | None:
        with self._lock:
            return self._faults.popleft() if self._faults else None

    def log(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def arrivals(self) -> list[float]:
        with self._lock:
            return [r.arrived for r in self.requests]

    def respond(
        self, path: str, params: dict[str, str], fault: Fault | None, arrived: float
    ) -> tuple[int, bytes]:
        if self.latency:
            time.sleep(self.latency)
        if fault is not None and fault.kind == "status":
            return fault.status, f"<html><body>{fault.status}</body></html>".encode()
        if fault is not None and fault.kind == "not_json":
            return 200, b"<html><body>Service temporarily unavailable</body></html>"
        if self.enforce_rate is not None and self._over_rate(arrived):
            return 429, b"<html><body>429 Too Many Requests</body></html>"
        if not path.startswith(self.prefix):
            return 404, b"not found"
        try:
            value = self.page(path[len(self.prefix) :], params)
        except LookupError as exc:
            return 400, json.dumps({"message": str(exc)}).encode()
        return 200, value if isinstance(value, bytes) else json.dumps(value).encode()

    def page(self, endpoint: str, params: dict[str, str]) -> Any:
        """The JSON value (or its encoded bytes) answering `endpoint` with `params`."""
        raise NotImplementedError

    def _over_rate(self, arrived: float) -> bool:
        with self._lock:
            while self._recent and self._recent[0] <= arrived - 1.0:
                self._recent.popleft()
            self._recent.append(arrived)
            assert self.enforce_rate is not None
            return len(self._recent) > self.enforce_rate


def serve_until_stdin_closes(server: JsonServer) -> int:
    """Run `server` in this process: print its URL, serve until stdin closes (for benchmarks)."""
    import sys

    with server:
        print(server.url, flush=True)
        sys.stdin.read()
    return 0
