"""Benchmark: harvest 30,000 PubMed records from the local E-utilities server at NCBI's real rates.

Runs `search_pmids` (date slicing past the 9,999 cap) and `fetch` (pipelined batched efetch) over
every record, once at 3 requests/s (no API key) and once at 10/s (a fake key), and prints how close
the wall time comes to the minimum the rate limit alone requires (target ratio <= 1.3).

    python benchmarks/eutils_30k.py [--records 30000] [--deleted 12] [--latency 0.5] [--only 3|10]
                                    [--server subprocess|thread]

The server runs in another process by default, as NCBI does: a server thread in this process would
compete with the parser for the GIL and blur both the wall time and its own arrival times.

`harvest()` takes a `consume(batch)` callback so the store can be wired in later.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from lreview.records import Record  # noqa: E402
from lreview.sources.eutils import EutilsClient, EutilsSettings, FetchedBatch  # noqa: E402
from tests.support.eutils_server import (  # noqa: E402
    EutilsServer,
    deleted_ids,
    serve_in_subprocess,
    windows_over,
)
from tests.support.pubmed_builder import make_articles, parse_minimal  # noqa: E402


def pick_parser() -> tuple[str, Callable[[bytes], Sequence[Record]]]:
    """The project's PubMed XML parser when it exists, else the tests' minimal lxml parser."""
    try:
        from lreview.sources.pubmed_xml import parse_pubmed_xml
    except ImportError:
        return "tests.support.pubmed_builder.parse_minimal", parse_minimal
    return "lreview.sources.pubmed_xml.parse_pubmed_xml", parse_pubmed_xml


@dataclass
class Harvest:
    """What one harvest did."""

    requests: int
    count: int
    retrieved: int
    unique: int
    missing: int
    slices: int
    seconds: float


def harvest(
    client: EutilsClient,
    term: str,
    parse: Callable[[bytes], Sequence[Record]],
    consume: Callable[[FetchedBatch], None],
    *,
    mindate: date | None = None,
    maxdate: date | None = None,
) -> Harvest:
    """Search every PMID of `term`, fetch them all, hand each batch to `consume`."""
    start = time.monotonic()
    outcome = client.search_pmids(term, mindate=mindate, maxdate=maxdate)
    retrieved: list[str] = []
    missing = 0
    for batch in client.fetch(outcome.pmids, parse):
        consume(batch)
        retrieved += [r.pmid or r.source_id for r in batch.records]
        missing += len(batch.missing)
    return Harvest(
        requests=client.requests_made,
        count=outcome.count,
        retrieved=len(retrieved),
        unique=len(set(retrieved)),
        missing=missing,
        slices=len(outcome.slices),
        seconds=time.monotonic() - start,
    )


@contextlib.contextmanager
def local_server(
    mode: str, records: int, deleted: int, latency: float
) -> Iterator[tuple[str, Callable[[], list[float]]]]:
    """(base URL, arrival times) of a server in another process (like NCBI) or in a thread of this one."""
    if mode == "subprocess":
        with serve_in_subprocess(records, deleted=deleted, latency=latency) as remote:
            yield remote.url, lambda: [r.arrived for r in remote.requests()]
        return
    articles = make_articles(records)
    with EutilsServer(articles, deleted=deleted_ids(articles, deleted), latency=latency) as server:
        yield server.url, server.arrivals


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print one line per rate; exit 1 if a target is missed."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=30_000)
    ap.add_argument("--deleted", type=int, default=12, help="records esearch lists but efetch lacks")
    ap.add_argument("--latency", type=float, default=0.0, help="seconds the server takes per answer")
    ap.add_argument("--server", choices=["subprocess", "thread"], default="subprocess")
    ap.add_argument("--only", choices=["3", "10"], help="run one rate only")
    args = ap.parse_args(argv)

    parser_name, parse = pick_parser()
    runs = [("3/s, no api key", None), ("10/s, fake api key", "fake-benchmark-key")]
    if args.only:
        runs = [r for r in runs if r[0].startswith(args.only + "/")]
    print(
        f"eutils_30k: {args.records} records ({args.deleted} deleted), server in a {args.server}, "
        f"latency {args.latency:g} s, parser {parser_name}"
    )
    failed = False
    for label, key in runs:
        with local_server(args.server, args.records, args.deleted, args.latency) as (url, arrivals):
            settings = EutilsSettings(base_url=url, api_key=key, email="bench@example.org")
            with EutilsClient(settings) as client:
                h = harvest(client, "naltrexone", parse, consume=lambda batch: None)
            seen = arrivals()
        limit = int(settings.rate)
        busiest = max((n for _, n in windows_over(seen, 0)), default=0)
        floor = h.requests / settings.rate
        ratio = h.seconds / floor
        failed |= ratio > 1.3 or busiest > limit or h.unique + h.missing != h.count
        print(
            f"[{label}] requests {h.requests} (server saw {len(seen)}), "
            f"rate-limit minimum {floor:.1f} s, wall {h.seconds:.1f} s, ratio {ratio:.2f} (target <= 1.3); "
            f"count {h.count}, slices {h.slices}, retrieved {h.retrieved}, unique {h.unique}, "
            f"missing {h.missing}; busiest 1-s window {busiest} requests (limit {limit})"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
