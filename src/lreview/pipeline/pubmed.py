"""PubMed harvest: one saved search into the store, incrementally (EDAT window, MDAT revisions)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from lreview import __version__
from lreview.config import ReviewConfig, Search
from lreview.errors import LreviewError
from lreview.pipeline.common import open_store
from lreview.sources.eutils import EutilsClient, EutilsSettings
from lreview.sources.http import scrub
from lreview.sources.pubmed_xml import parse_pubmed_xml
from lreview.store import RunInfo, Store, UpsertCounts

log = logging.getLogger("lreview.pipeline")
PUBMED = "PubMed"
LOCK_STALE_AFTER = timedelta(minutes=5)  # a holder on another host with no heartbeat this long is dead
UNFINISHED = "the process running it stopped before it finished"


@dataclass(frozen=True)
class HarvestSummary:
    """What one PubMed search run did."""

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


@contextmanager
def refresh_lock(config: ReviewConfig, store: Store | None = None) -> Iterator[None]:
    """Hold the review's refresh lock: a second refresh of the same review fails at once. Search runs
    still `running` when the lock is taken were left by a process that died: they are marked failed."""
    own = store is None
    store = store or open_store(config)
    try:
        with store.lock(f"refresh:{config.review_id}", stale_after=LOCK_STALE_AFTER):
            store.fail_unfinished_runs(config.review_id, UNFINISHED)
            yield
    finally:
        if own:
            store.close()


def unlock(config: ReviewConfig) -> str:
    """Release the review's refresh lock left by a process that cannot release it; one line saying what."""
    with open_store(config) as store:
        held = store.unlock(f"refresh:{config.review_id}")
    if held is None:
        return f"review {config.review_id}: no refresh lock was held"
    age = int((datetime.now(UTC) - held.heartbeat_at).total_seconds())
    return (
        f"released the refresh lock of review {config.review_id} ({held.who()}; last heartbeat {age} s ago)"
    )


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


def harvest(
    config: ReviewConfig,
    search: Search,
    store: Store,
    client: EutilsClient,
    today: date | None = None,
) -> HarvestSummary:
    """Run one PubMed search into the store: new records inserted, revised ones updated, by PMID."""
    today = today or date.today()
    last = store.last_successful_run(config.review_id, search.name)
    start, end = harvest_window(config, search, last, today)
    incremental = last is not None
    begun = time.monotonic()
    run_id = store.start_run(
        config.review_id,
        search.name,
        source=PUBMED,
        query=search.query,
        mindate=start,
        maxdate=end,
        tool_version=__version__,
    )
    try:
        outcome = client.search_pmids(search.query, mindate=start, maxdate=end)
        pmids = list(outcome.pmids)
        warnings = [f"{m.kind}: {m.text}" for m in (*outcome.errors, *outcome.warnings)]
        if incremental and start is not None:
            # Records entered earlier but revised in the window (MDAT) are fetched again and updated.
            revised = client.search_pmids(search.query, mindate=start, maxdate=end, datetype="mdat")
            seen = set(pmids)
            pmids.extend(p for p in revised.pmids if p not in seen)
        counts = UpsertCounts()
        fetched = missing = 0
        for batch in client.fetch(pmids, parse_pubmed_xml):
            counts = counts + store.store_records(config.review_id, PUBMED, batch.records, run_id=run_id)
            fetched += len(batch.records)
            if batch.missing:
                store.mark_missing(run_id, config.review_id, list(batch.missing))
                missing += len(batch.missing)
        store.finish_run(
            run_id,
            "succeeded",
            count_reported=outcome.count,
            n_fetched=fetched,
            n_new=counts.new,
            n_updated=counts.updated,
            n_missing=missing,
            query_translation=outcome.query_translation,
            warnings=warnings,
        )
    except BaseException as exc:
        store.finish_run(run_id, "failed", errors=[scrub(f"{type(exc).__name__}: {exc}")])
        raise
    return HarvestSummary(
        search=search.name,
        run_id=run_id,
        mindate=start.isoformat() if start else "",
        maxdate=end.isoformat(),
        count=outcome.count,
        fetched=fetched,
        new=counts.new,
        updated=counts.updated,
        unchanged=counts.unchanged,
        missing=missing,
        seconds=time.monotonic() - begun,
        query_translation=outcome.query_translation,
        warnings=tuple(warnings),
    )


def find_search(config: ReviewConfig, name: str) -> Search:
    for search in config.searches:
        if search.name == name:
            return search
    known = ", ".join(s.name for s in config.searches)
    raise LreviewError(f"{config.path}: no search named {name!r} (searches: {known})")


def harvest_search(config: ReviewConfig, name: str, today: date | None = None) -> HarvestSummary:
    """Open the store and run one named search (the idempotent unit a flow task retries)."""
    with pubmed_client(config) as client, open_store(config) as store:
        return harvest(config, find_search(config, name), store, client, today)


def pubmed_client(config: ReviewConfig) -> EutilsClient:
    """An E-utilities client from the environment (URL, email, api key) and the config's batch size."""
    settings = EutilsSettings.from_env(batch_size=config.pubmed.batch_size)
    if not settings.email:
        log.warning("NCBI_EMAIL is not set: NCBI asks every E-utilities user for a contact address")
    return EutilsClient(settings)
