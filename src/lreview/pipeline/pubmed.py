"""PubMed harvest: one saved search into the store, incrementally (EDAT window, MDAT revisions)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date, timedelta
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
