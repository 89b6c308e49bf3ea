"""`lreview status`: what a review's store holds, where every publication stands, and how well the
reviewers agree (also written to `<output_dir>/screening/agreement.csv`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lreview.config import ReviewConfig
from lreview.pipeline.common import open_store, table
from lreview.pipeline.screening import agreement_table, review_states


@dataclass(frozen=True)
class StatusReport:
    """What the review's store holds."""

    review_id: str
    database: str
    by_source: dict[str, int]
    runs: list[dict[str, Any]]
    decisions: int
    lifecycle: dict[str, int]
    agreement: list[dict[str, object]]

    def format(self) -> str:
        sources = [{"source": s, "records": n} for s, n in sorted(self.by_source.items())]
        states = [{"state": s, "records": n} for s, n in self.lifecycle.items()]
        lines = [
            f"review {self.review_id} in {self.database}",
            table(sources),
            f"decisions logged: {self.decisions}",
            "lifecycle (every record in exactly one state):",
            table(states),
        ]
        if self.agreement:
            lines += [
                "reviewer agreement (percent, Cohen's kappa with 95 % CI, Gwet's AC1):",
                table(self.agreement),
            ]
        return "\n".join([*lines, "search runs:", table(self.runs)])


def status(config: ReviewConfig) -> StatusReport:
    """Counts per source and lifecycle state, agreement, the last search runs, the decision log size."""
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
        states = review_states(config, store)
        return StatusReport(
            config.review_id,
            store.url,
            store.count_by_source(config.review_id),
            runs,
            len(store.decisions(config.review_id)),
            {state.value: n for state, n in states.counts().items()},
            agreement_table(config, store, states),
        )
