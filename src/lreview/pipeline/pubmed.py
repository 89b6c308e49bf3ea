"""Harvest: one saved search of any registered source into the store, incrementally.

The search's `database` names its source in `sources/registry.py` (PubMed: EDAT window, MDAT
revisions; ClinicalTrials.gov and Europe PMC: their own date fields). The run is logged `running`,
records are upserted by source id batch by batch (a revised record becomes a new raw version), and the
run is marked `succeeded` or `failed`, so a killed or failed run is resumed by the next.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from lreview import __version__
from lreview.config import ReviewConfig, Search
from lreview.errors import LreviewError
from lreview.pipeline.common import open_store
from lreview.sources.eutils import EutilsClient
from lreview.sources.harvest import HarvestSource
from lreview.sources.http import scrub
from lreview.sources.pubmed_source import PubMedSource
from lreview.sources.registry import eutils_client, lookup
from lreview.store import RunInfo, Store, UpsertCounts

log = logging.getLogger("lreview.pipeline")
PUBMED = "PubMed"
UNFINISHED = "the process running it stopped before it finished"


@dataclass(frozen=True)
class HarvestSummary:
    """What one search run did."""

    search: str
    run_id: int
    mindate: str
    maxdate: str
    count: int
    fetched: int
    new: int
    updated: int
    unchanged: int
    missing: int
    seconds: float
    query_translation: str = ""
    warnings: tuple[str, ...] = ()
    database: str = PUBMED  # the source searched

    def row(self) -> dict[str, Any]:
        return {
            "search": self.search,
            "window": f"{self.mindate or 'start'}..{self.maxdate}",
            "count": self.count,
            "fetched": self.fetched,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "missing": self.missing,
            "warnings": "; ".join(self.warnings) or "-",
            "seconds": f"{self.seconds:.1f}",
        }


def harvest_window(
    config: ReviewConfig, search: Search, last: RunInfo | None, today: date
) -> tuple[date | None, date]:
    """The EDAT window to ask for: everything first, then since the last success minus the overlap."""
    end = min(search.maxdate or today, today)
    start = search.mindate
    if last is not None and last.maxdate is not None:
        since = last.maxdate - timedelta(days=config.pubmed.overlap_days)
        start = max(start, since) if start else since
    return start, end


@contextmanager
def open_source(
    config: ReviewConfig, search: Search, client: EutilsClient | HarvestSource | None
) -> Iterator[HarvestSource]:
    """The search's source: `client` when it is that source (or a PubMed client for a PubMed search,
    left open), else one opened from the config and environment and closed afterwards."""
    if isinstance(client, EutilsClient):
        if search.database == PUBMED:
            yield PubMedSource(client, owned=False)
            return
    elif client is not None and client.name == search.database:
        yield client
        return
    try:
        source = lookup(search.database).open(config)
    except ValueError as exc:
        raise LreviewError(f"{config.path}: search {search.name!r}: {exc}") from None
    try:
        yield source
    finally:
        source.close()


def harvest(
    config: ReviewConfig,
    search: Search,
    store: Store,
    client: EutilsClient | HarvestSource | None = None,
    today: date | None = None,
) -> HarvestSummary:
    """Run one search into the store: new records inserted, revised ones updated, by source id."""
    today = today or date.today()
    last = store.last_successful_run(config.review_id, search.name)
    start, end = harvest_window(config, search, last, today)
    incremental = last is not None
    begun = time.monotonic()
    with open_source(config, search, client) as source:
        run_id = store.start_run(
            config.review_id,
            search.name,
            source=source.name,
            query=search.query,
            mindate=start,
            maxdate=end,
            tool_version=__version__,
        )
        try:
            found = source.search(search.query, start, end, incremental=incremental)
            counts = UpsertCounts()
            fetched = missing = 0
            for batch in found.batches:
                counts = counts + store.store_records(
                    config.review_id, source.name, batch.records, run_id=run_id
                )
                fetched += len(batch.records)
                if batch.missing:
                    store.mark_missing(run_id, config.review_id, list(batch.missing), source=source.name)
                    missing += len(batch.missing)
            store.finish_run(
                run_id,
                "succeeded",
                count_reported=found.count,
                n_fetched=fetched,
                n_new=counts.new,
                n_updated=counts.updated,
                n_missing=missing,
                query_translation=found.query_translation,
                warnings=list(found.warnings),
            )
        except BaseException as exc:
            store.finish_run(run_id, "failed", errors=[scrub(f"{type(exc).__name__}: {exc}")])
            raise
    return HarvestSummary(
        search=search.name,
        run_id=run_id,
        mindate=start.isoformat() if start else "",
        maxdate=end.isoformat(),
        count=found.count,
        fetched=fetched,
        new=counts.new,
        updated=counts.updated,
        unchanged=counts.unchanged,
        missing=missing,
        seconds=time.monotonic() - begun,
        query_translation=found.query_translation,
        warnings=tuple(found.warnings),
        database=source.name,
    )


def find_search(config: ReviewConfig, name: str) -> Search:
    for search in config.searches:
        if search.name == name:
            return search
    known = ", ".join(s.name for s in config.searches)
    raise LreviewError(f"{config.path}: no search named {name!r} (searches: {known})")


def harvest_search(config: ReviewConfig, name: str, today: date | None = None) -> HarvestSummary:
    """Open the store and run one named search (the idempotent unit a flow task retries)."""
    with open_store(config) as store:
        return harvest(config, find_search(config, name), store, None, today)


def pubmed_client(config: ReviewConfig) -> EutilsClient:
    """An E-utilities client from the environment (URL, email, api key) and the config's batch size."""
    return eutils_client(config)
