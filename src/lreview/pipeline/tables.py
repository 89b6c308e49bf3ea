"""CSV tables lreview writes for people (screening batches, possible duplicates, clusters, orders).

Every text cell goes through `lreview.cells.neutralise`, so a title such as `=HYPERLINK(...)` is shown
by Excel or LibreOffice as text instead of being run; numbers stay numbers. A reader of such a file
gets the text back with `lreview.cells.strip_neutraliser` (`cell`). Not for: CSV inputs from
databases (`lreview.sources.tabular`) or machine formats lreview never writes.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from lreview.cells import neutralise, strip_neutraliser


def _safe(value: object) -> object:
    return neutralise(value) if isinstance(value, str) else value


def write_csv(path: Path, frame: pd.DataFrame, *, float_format: str | None = None) -> None:
    """Write `frame` (header, no index, CRLF rows, UTF-8) with every text cell neutralised."""
    safe = frame.copy()
    for name in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[name]):
            safe[name] = safe[name].map(_safe)
    path.parent.mkdir(parents=True, exist_ok=True)
    safe.to_csv(path, index=False, lineterminator="\r\n", encoding="utf-8", float_format=float_format)


def cell(value: str | None) -> str:
    """A cell read back from a table lreview wrote: without the neutraliser, outer spaces stripped."""
    return strip_neutraliser((value or "").strip()).strip()
