"""A process-wide, thread-safe request-rate limiter: one budget per (host, rate) for the whole process.

NCBI counts requests per IP (or per API key) per second. Every client, thread or task in one process
that talks to the same host therefore has to draw from one budget: `shared_limiter(url, rate)` returns
the same `RateLimiter` for the same host and rate. The limiter spaces request *starts* at least
`1/rate` seconds apart (plus a 5% margin), and then checks a sliding window of the starts actually
made: a thread that was held up (GIL, scheduling) after its slot cannot bunch up with the next ones,
so no window of 1 s (plus a 20 ms margin for network jitter) ever holds more than `rate` starts.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from urllib.parse import urlsplit

# Starts are spaced 5% wider than 1/rate: the server counts arrivals, which jitter by a few ms.
SAFETY_FACTOR = 1.05
WINDOW = 1.02  # seconds: at most floor(rate) (at least 1) starts in any window this long


class RateLimiter:
    """Spaces calls to `acquire()` at least `SAFETY_FACTOR / rate` seconds apart (monotonic clock)."""

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError(f"rate must be positive, got {rate}")
        self.rate = rate
        self.interval = SAFETY_FACTOR / rate
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next = float("-inf")
        self._starts: deque[float] = deque(maxlen=max(1, math.floor(rate)))

    def acquire(self) -> float:
        """Block until this caller may start a request; returns the monotonic time it may start."""
        with self._lock:  # reserve a slot under the lock, sleep outside it so others can queue behind
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self.interval
        if slot > now:
            self._sleep(slot - now)
        while True:  # the sliding-window check on the starts actually made
            with self._lock:
                now = self._clock()
                full = len(self._starts) == self._starts.maxlen
                if not full or now >= self._starts[0] + WINDOW:
                    self._starts.append(now)
                    return now
                wait = self._starts[0] + WINDOW - now
            self._sleep(wait)


_registry: dict[tuple[str, float], RateLimiter] = {}
_registry_lock = threading.Lock()


def shared_limiter(url: str, rate: float) -> RateLimiter:
    """The one limiter of this process for `url`'s host at `rate` requests per second."""
    key = (urlsplit(url).netloc.lower(), float(rate))
    with _registry_lock:
        limiter = _registry.get(key)
        if limiter is None:
            limiter = _registry[key] = RateLimiter(rate)
        return limiter
