"""Helpers every pipeline step shares: the review's store and plain-text tables for summaries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lreview.config import ReviewConfig
from lreview.store import Store


def table(rows: Sequence[dict[str, Any]]) -> str:
    if not rows:
        return "(nothing)"
    headers = list(rows[0])
    cells = [[str(row[h]) for h in headers] for row in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    body = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join([line, "  ".join("-" * w for w in widths), *body])


def open_store(config: ReviewConfig) -> Store:
    """The review's store, created or upgraded as needed (SQLite folders are created)."""
    return Store.open(config.database_url)
