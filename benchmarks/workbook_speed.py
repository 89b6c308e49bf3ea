"""How long writing and reading a reviewer workbook takes (target: 10,000 rows written <= 10 s, read <= 5 s).

Generates N realistic rows at run time (tests/support/workbooks.py: structured abstracts of 1,000-2,500
characters, authors, MeSH, links, three highlight terms), then `write_workbook` them, fills in a
decision on every row with openpyxl as a reviewer would (not timed), and `read_workbook` the result.
CPU time is printed beside wall time because the machine may be shared.

    python benchmarks/workbook_speed.py [--rows 10000] [--repeat 3] [--no-highlight]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from lreview.screening.workbook import read_workbook, write_workbook  # noqa: E402
from tests.support.workbooks import (  # noqa: E402
    HIGHLIGHT,
    Reviewer,
    make_instructions,
    make_meta,
    make_rows,
)

T = TypeVar("T")


def timed(action: Callable[[], T]) -> tuple[T, float, float]:
    """The result of `action`, its wall time and its CPU time in seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-highlight", action="store_true")
    args = parser.parse_args()
    rows = make_rows(args.rows)
    meta, instructions = make_meta(rows), make_instructions()
    highlight = () if args.no_highlight else HIGHLIGHT
    words = ("include", "Exclude ", "MAYBE")
    print(f"{args.rows:,} rows, highlight {list(highlight)}")
    for attempt in range(1, args.repeat + 1):
        data, wall, cpu = timed(lambda: write_workbook(meta, rows, instructions, highlight=highlight))
        print(f"  write {attempt}: {wall:5.1f} s wall, {cpu:5.1f} s CPU, {len(data) / 1e6:.1f} MB")
        reviewer = Reviewer(data)
        reviewer.sheet.cell(1, 1)  # columns are where lreview wrote them: fill by position for speed
        decision, reason = reviewer.column("decision"), reviewer.column("reason")
        for number in range(2, args.rows + 2):
            word = words[number % 3]
            reviewer.sheet.cell(number, decision, word)
            if word.strip().lower() == "exclude":
                reviewer.sheet.cell(number, reason, "wrong design")
        filled = reviewer.save()
        back, wall, cpu = timed(lambda: read_workbook(filled, "filled.xlsx"))  # noqa: B023
        decided = sum(row.decision is not None for row in back.rows)
        print(f"  read  {attempt}: {wall:5.1f} s wall, {cpu:5.1f} s CPU, {decided:,} decisions")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores (wall time includes waiting)")


if __name__ == "__main__":
    main()
