"""The steps a flow runs, each one call: harvest, import, ingest, refresh.

Each step opens the review's store, does one idempotent piece of work and returns a small summary value
that the CLI prints and the Prefect flows publish. Steps never hold records of the whole store in memory.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from lreview import __version__
from lreview.config import ReviewConfig, Search
from lreview.errors import LreviewError
from lreview.sources.eutils import EutilsClient, EutilsSettings
from lreview.sources.pubmed_xml import parse_pubmed_xml
from lreview.store import Store, UpsertCounts

PUBMED = "PubMed"
LOCK_STALE_AFTER = timedelta(hours=6)


def _table(rows: Sequence[dict[str, Any]]) -> str:
    if not rows:
        return "(nothing)"
    headers = list(rows[0])
    cells = [[str(row[h]) for h in headers] for row in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    body = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join([line, "  ".join("-" * w for w in widths), *body])


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


@dataclass(frozen=True)
class RefreshSummary:
    """What one refresh of a review did, one row per search."""

    review_id: str
    harvests: tuple[HarvestSummary, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def rows(self) -> list[dict[str, Any]]:
        return [h.row() for h in self.harvests]

    def format(self) -> str:
        lines = [f"refresh of review {self.review_id}", _table(self.rows()), *self.notes]
        for h in self.harvests:
            if h.query_translation:
                lines.append(f"{h.search}: PubMed searched {h.query_translation}")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def open_store(config: ReviewConfig) -> Store:
    """The review's store, created or upgraded as needed (SQLite folders are created)."""
    return Store.open(config.database_url)


@contextmanager
def refresh_lock(config: ReviewConfig, store: Store | None = None) -> Iterator[None]:
    """Hold the review's refresh lock: a second refresh of the same review fails at once."""
    own = store is None
    store = store or open_store(config)
    try:
        with store.lock(f"refresh:{config.review_id}", stale_after=LOCK_STALE_AFTER):
            yield
    finally:
        if own:
            store.close()


def harvest_window(config: ReviewConfig, search: Search, store: Store, today: date) -> tuple[date | None, date]:
    """The EDAT window to ask for: everything first, then since the last success minus the overlap."""
    end = min(search.maxdate or today, today)
    last = store.last_successful_run(config.review_id, search.name)
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
    start, end = harvest_window(config, search, store, today)
    incremental = store.last_successful_run(config.review_id, search.name) is not None
    begun = time.monotonic()
    run_id = store.start_run(
        config.review_id, search.name, source=PUBMED, query=search.query,
        mindate=start, maxdate=end, tool_version=__version__,
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
            run_id, "succeeded", count_reported=outcome.count, n_fetched=fetched, n_new=counts.new,
            n_updated=counts.updated, n_missing=missing, query_translation=outcome.query_translation,
            warnings=warnings,
        )
    except BaseException as exc:
        store.finish_run(run_id, "failed", errors=[f"{type(exc).__name__}: {exc}"])
        raise
    return HarvestSummary(
        search=search.name, run_id=run_id, mindate=start.isoformat() if start else "",
        maxdate=end.isoformat(), count=outcome.count, fetched=fetched, new=counts.new,
        updated=counts.updated, unchanged=counts.unchanged, missing=missing,
        seconds=time.monotonic() - begun, query_translation=outcome.query_translation,
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
    return EutilsClient(EutilsSettings.from_env(batch_size=config.pubmed.batch_size))


def refresh(
    config: ReviewConfig,
    searches: Sequence[str] | None = None,
    today: date | None = None,
    client: EutilsClient | None = None,
) -> RefreshSummary:
    """Harvest every (or the named) PubMed search of the review, holding the review's refresh lock."""
    names = list(searches) if searches else [s.name for s in config.searches]
    for name in names:
        find_search(config, name)
    client = client or pubmed_client(config)
    with client, open_store(config) as store, refresh_lock(config, store):
        store.fail_unfinished_runs(config.review_id, "the process running it stopped before it finished")
        harvests = tuple(harvest(config, find_search(config, n), store, client, today) for n in names)
    return RefreshSummary(config.review_id, harvests)


def output_path(config: ReviewConfig, name: str) -> Path:
    path = config.output_dir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
