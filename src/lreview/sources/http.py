"""The polite HTTP client every harvest source uses: one rate limit per host, retries, scrubbing.

What it does: `PoliteClient.call` sends one request (a form POST, or a GET with query parameters),
after taking a slot from the process-wide rate limiter of the host, and retries it with capped
exponential backoff and full jitter on 429 (honouring Retry-After), 5xx, dropped connections,
timeouts, bodies shorter than declared or failing their Content-Encoding, bodies the caller's
`accept` cannot parse, and in-band errors `accept` marks `Transient`. A 4xx other than 429, or a
permanent error `accept` raises, ends it at once. Every message made from a request or response
(exceptions, log lines, and for the callers: stored run errors, search warnings) goes through
`scrub`: servers echo requests, API key and all, in their error texts, and those texts end up on
stderr, in the store and in Prefect's database.

What it is not: a parser of any one service's answers (the caller's `accept` is), nor a place for
a service's parameters (the E-utilities ones are in `eutils.py`).
"""

from __future__ import annotations

import logging
import os
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import ClassVar, Self, TypeVar
from urllib.parse import quote, quote_plus

import httpx

from lreview.errors import ConfigError, LreviewError
from lreview.sources.ratelimit import shared_limiter

T = TypeVar("T")
SECRET_ENV = ("NCBI_API_KEY",)  # environment variables whose values never appear in a message
MASK = "***"
# api_key=VALUE in a query string or form body (also URL-encoded: api_key%3DVALUE), "api-key": "VALUE"
# in JSON, 'api_key': 'VALUE' in a Python repr. The value runs to the next separator.
_KEY_VALUE = re.compile(
    r"""(api(?:[_-]|%5F)?key["']?\s*(?:=|:|%3D)\s*["']?)[^&\s"'<>,;{}()\[\]]+""", re.IGNORECASE
)
_UNLOGGED = frozenset({"api_key", "tool", "email"})  # request fields the debug log leaves out


def scrub(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` without any api_key value, nor `secrets` or NCBI_API_KEY's value (plain or URL-encoded)."""
    text = _KEY_VALUE.sub(lambda m: m.group(1) + MASK, text)
    known = {s for s in (*secrets, *(os.environ.get(name) for name in SECRET_ENV)) if s}
    for secret in sorted(known, key=len, reverse=True):
        for form in dict.fromkeys((secret, quote(secret, safe=""), quote_plus(secret))):
            text = text.replace(form, MASK)
    return text


class Transient(Exception):  # noqa: N818 - a kind of answer, not an error name
    """Raised by an `accept` function for an in-band failure worth retrying (e.g. a backend `<ERROR>`)."""


class Cancelled(Exception):  # noqa: N818
    """The consumer of a background download went away: stop without retrying."""


@dataclass(frozen=True)
class Politeness:
    """How a client treats one host: its request rate, retries with their backoff, and the timeout."""

    rate: float  # requests per second, shared by every client of the host in this process
    max_retries: int = 6
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    timeout: float = 120.0


MAX_PAGE = 1000  # the most results per page ClinicalTrials.gov and Europe PMC serve


@dataclass(frozen=True)
class ApiSettings:
    """How to reach a paged JSON search API. A subclass names its environment variables (`url_env`,
    `rate_env`, `page_env`: base URL, requests per second, results per page) and its defaults;
    `from_env` reads them, keyword overrides win."""

    url_env: ClassVar[str]
    rate_env: ClassVar[str]
    page_env: ClassVar[str]

    base_url: str
    rate: float
    page_size: int = MAX_PAGE
    max_retries: int = 6
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    timeout: float = 120.0

    def __post_init__(self) -> None:
        if not 1 <= self.page_size <= MAX_PAGE:
            raise ValueError(f"page_size must be 1..{MAX_PAGE}, got {self.page_size}")
        if not self.rate > 0:
            raise ValueError(f"rate must be > 0 requests per second, got {self.rate}")
        if not self.base_url.endswith("/"):
            object.__setattr__(self, "base_url", self.base_url + "/")

    @property
    def politeness(self) -> Politeness:
        return Politeness(self.rate, self.max_retries, self.backoff_base, self.backoff_max, self.timeout)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Self:
        """Settings from the environment; an unusable value is a one-line error naming its variable."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        if env.get(cls.url_env):
            values["base_url"] = env[cls.url_env]
        for name, field, read in ((cls.rate_env, "rate", _rate), (cls.page_env, "page_size", _page_size)):
            if env.get(name):
                values[field] = read(name, env[name])
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]


def _rate(name: str, value: str) -> float:
    try:
        rate = float(value)
    except ValueError:
        rate = 0.0
    if not rate > 0:
        raise ConfigError(f"environment: {name}={value!r} is not a number of requests per second > 0")
    return rate


def _page_size(name: str, value: str) -> int:
    try:
        size = int(value)
    except ValueError:
        size = 0
    if not 1 <= size <= MAX_PAGE:
        raise ConfigError(f"environment: {name}={value!r} is not a whole number 1..{MAX_PAGE}")
    return size


def retry_after(value: str | None) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date); None if absent or bad."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


class PoliteClient:
    """A synchronous, thread-safe HTTP client for one host: rate-limited, retrying, scrubbing."""

    def __init__(
        self,
        name: str,
        host_url: str,
        policy: Politeness,
        *,
        error: type[LreviewError],
        unparseable: tuple[type[Exception], ...] = (ValueError,),
        body_format: str = "JSON",
        secrets: Iterable[str | None] = (),
        user_agent: str = "lreview (python-httpx)",
        http: httpx.Client | None = None,
    ) -> None:
        self.name = name
        self.policy = policy
        self._error = error  # what a failure is raised as, e.g. EutilsError
        self._unparseable = unparseable  # what `accept` raises on a truncated or garbled body
        self._format = body_format  # what the answers are, for messages: "XML", "JSON"
        self._secrets = tuple(secrets)
        self._http = http or httpx.Client(timeout=policy.timeout, headers={"User-Agent": user_agent})
        self._limiter = shared_limiter(host_url, policy.rate)
        self._random = random.Random()
        self._count_lock = threading.Lock()
        self._log = logging.getLogger(f"lreview.{name}")
        self.requests_made = 0  # HTTP requests sent, retries included

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    def scrub(self, text: str) -> str:
        """`text` without this client's secrets (see `scrub`)."""
        return scrub(text, self._secrets)

    def call(
        self,
        label: str,
        url: str,
        accept: Callable[[bytes], T],
        *,
        data: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        cancel: threading.Event | None = None,
    ) -> T:
        """POST the form `data` (or GET with `params`) to `url`, retrying transient failures.

        `accept` turns a 200 body into the result; it raises `Transient` to have the request retried,
        one of `unparseable` for a body it cannot read (retried too), an `LreviewError` to stop.
        """
        attempts = self.policy.max_retries + 1
        fields = data if data is not None else params or {}
        shown = {k: (v if len(v) <= 200 else f"{v[:200]}...({len(v)} chars)") for k, v in fields.items()}
        shown_text = self.scrub(str({k: v for k, v in shown.items() if k not in _UNLOGGED}))
        last = "no attempt made"
        for attempt in range(1, attempts + 1):
            self._take_slot(cancel)
            self._log.debug("%s attempt %d/%d %s", label, attempt, attempts, shown_text)
            hint: float | None = None
            refused: LreviewError | None = None
            try:
                if data is not None:
                    response = self._http.post(url, data=dict(data))
                else:
                    response = self._http.get(url, params=dict(params or {}))
            # resets, timeouts, bodies shorter than Content-Length, a body that does not match its
            # Content-Encoding (gzip header, plain body: a truncated or mangled answer)
            except (httpx.TransportError, httpx.DecodingError) as exc:
                last = f"{type(exc).__name__}: {self.scrub(str(exc)) or 'connection failed'}"
            else:
                status = response.status_code
                if status == 200:
                    try:
                        return accept(response.content)
                    except Transient as exc:
                        last = self.scrub(str(exc))
                    except self._unparseable as exc:  # truncated or garbled body
                        size = len(response.content)
                        last = f"unparseable {self._format} ({size} bytes): {self.scrub(str(exc))}"
                    except LreviewError as exc:  # a permanent refusal, whose text may echo the request
                        refused = type(exc)(self.scrub(str(exc)))
                    if refused is not None:  # raised here, outside the handler: no unscrubbed context
                        raise refused
                elif status == 429 or status >= 500:
                    last = f"HTTP {status}"
                    hint = retry_after(response.headers.get("Retry-After"))
                else:
                    raise self._error(self.scrub(f"{label}: HTTP {status} from {url} (not retried)"))
            if attempt == attempts:
                break
            delay = self.backoff(attempt, hint)
            self._log.warning(
                "%s attempt %d/%d failed (%s); retrying in %.2fs", label, attempt, attempts, last, delay
            )
            if cancel is not None:
                if cancel.wait(delay):
                    raise Cancelled
            else:
                time.sleep(delay)
        raise self._error(
            self.scrub(f"{label}: gave up after {attempts} attempts to {url}; last error: {last}")
        )

    def _take_slot(self, cancel: threading.Event | None) -> None:
        """Wait for the host's rate limit; count the request (unless cancelled meanwhile)."""
        if cancel is not None and cancel.is_set():
            raise Cancelled
        self._limiter.acquire()
        if cancel is not None and cancel.is_set():
            raise Cancelled
        with self._count_lock:
            self.requests_made += 1

    def backoff(self, attempt: int, retry_after: float | None) -> float:
        """Full-jitter exponential backoff, capped; a server's Retry-After wins when it is longer."""
        p = self.policy
        jitter = self._random.uniform(0.0, min(p.backoff_max, p.backoff_base * 2 ** (attempt - 1)))
        return max(jitter, min(retry_after, max(p.backoff_max, 1.0))) if retry_after is not None else jitter
