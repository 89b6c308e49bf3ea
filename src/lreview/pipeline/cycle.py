"""One refresh of a review, under the review's lock: harvest every search, import dropped export files,
ingest returned screening files from the inbox, deduplicate, re-rank and issue the next workbooks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from lreview.config import ReviewConfig
from lreview.pipeline.common import open_store, table
from lreview.pipeline.duplicates import DedupStepSummary, deduplicate_store
from lreview.pipeline.imports import FileResult, import_folders
from lreview.pipeline.ingest import InboxResult, ingest_inbox
from lreview.pipeline.pubmed import HarvestSummary, find_search, harvest, pubmed_client, refresh_lock
from lreview.pipeline.ranking import RankStepSummary, rank_store
from lreview.sources.eutils import EutilsClient


@dataclass(frozen=True)
class RefreshSummary:
    """What one refresh of a review did, one row per search."""

    review_id: str
    harvests: tuple[HarvestSummary, ...] = ()
    imports: tuple[FileResult, ...] = ()
    dedup: DedupStepSummary | None = None
    ranking: RankStepSummary | None = None
    returned: tuple[InboxResult, ...] = ()  # workbooks and CSVs found in the screening inbox

    @property
    def problems(self) -> tuple[str, ...]:
        """Files that could not be imported (nothing was taken from them)."""
        files = tuple(f"{f.path}: {f.message}" for f in self.imports if f.status == "failed")
        return files + tuple(f"{r.path}: {r.error}" for r in self.returned if r.error)

    def rows(self) -> list[dict[str, Any]]:
        return [h.row() for h in self.harvests]

    def format(self) -> str:
        lines = [f"refresh of review {self.review_id}", table(self.rows())]
        for h in self.harvests:
            if h.query_translation:
                lines.append(f"{h.search}: PubMed searched {h.query_translation}")
        if self.imports:
            lines += ["imported files:", table([f.row() for f in self.imports])]
        if self.returned:
            lines += ["returned screening files:", *(r.format() for r in self.returned)]
        if self.dedup is not None:
            lines.append(self.dedup.format())
        if self.ranking is not None:
            lines.append(self.ranking.format())
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


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
        harvests = tuple(harvest(config, find_search(config, n), store, client, today) for n in names)
        imported = import_folders(config, store)
        returned = tuple(ingest_inbox(config))
        stored = list(store.iter_records(config.review_id))  # read once for dedup and ranking
        dedup = deduplicate_store(config, store, stored)
        ranked = rank_store(config, store, records=stored) if stored else None
    return RefreshSummary(config.review_id, harvests, imported.files, dedup, ranked, returned)
