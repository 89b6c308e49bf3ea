"""`lreview status`: what a review's store holds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lreview.config import ReviewConfig
from lreview.pipeline.common import open_store, table


@dataclass(frozen=True)
class StatusReport:
    """What the review's store holds."""

    review_id: str
    database: str
    by_source: dict[str, int]
    runs: list[dict[str, Any]]
    decisions: int

    def format(self) -> str:
        sources = [{"source": s, "records": n} for s, n in sorted(self.by_source.items())]
        return "\n".join(
            [
                f"review {self.review_id} in {self.database}",
                table(sources),
                f"decisions logged: {self.decisions}",
                "search runs:",
                table(self.runs),
            ]
        )


def status(config: ReviewConfig) -> StatusReport:
    """Counts per source, the last search runs and the size of the decision log."""
    with open_store(config) as store:
        runs = [
            {
                "run": r.id,
                "search": r.search_name,
                "status": r.status,
                "window": f"{r.mindate or 'start'}..{r.maxdate}",
                "count": r.count_reported,
                "new": r.n_new,
                "updated": r.n_updated,
                "started": f"{r.started_at:%Y-%m-%d %H:%M}",
            }
            for r in store.runs(config.review_id)[-10:]
        ]
        return StatusReport(
            config.review_id,
            store.url,
            store.count_by_source(config.review_id),
            runs,
            len(store.decisions(config.review_id)),
        )
