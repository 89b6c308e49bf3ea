"""The one way harvest sources run requests concurrently: a thread pool, results in order.

`in_order` runs tasks on a few threads, at most `prefetch` ahead of the consumer, and yields their
results in task order; so a caller stores batch N while batches N+1.. download, and a level of
search windows is asked at once, all within the host's rate limit (the limiter is shared).
Not an async framework: the HTTP client is synchronous and the work is I/O-bound and small.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def in_order(
    tasks: Sequence[Callable[[threading.Event], T]], *, workers: int, prefetch: int, name: str
) -> Iterator[T]:
    """Run `tasks` on a thread pool, at most max(`prefetch`, 2 * `workers`) ahead; yield results in order.

    Each task gets an event that is set when the consumer goes away. A task's error is re-raised in
    the consumer. When the consumer stops early (break, exception, garbage collection), pending tasks
    are cancelled and running ones told to stop; no thread outlives the iterator. Threads are named
    `name`-N.
    """

    def consume() -> Iterator[T]:
        cancel = threading.Event()
        pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix=name)
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
