"""Issue and ingest a 10,000-row screening workbook through the pipeline; print the seconds each took.

A review of N synthetic records (single screening, `batch_size` N) is stored, deduplicated and ranked
(cold start); then `emit_workbooks` issues the reviewer's N-row workbook (timed: choosing the rows,
reading the records, formatting the .xlsx and writing it), the workbook is filled in with openpyxl as
a reviewer would (not timed), and `ingest_decisions` reads it back, checks every row and logs the
decisions (timed). Targets (issue 13): write ≤ 10 s, ingest ≤ 5 s for 10,000 rows.

    .venv/bin/python benchmarks/screening_roundtrip_speed.py [--n 10000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from pathlib import Path

import openpyxl

from benchmarks.store_speed import synthetic
from lreview import pipeline
from lreview.config import parse_config
from lreview.store import Store


def run(n: int, url: str | None, folder: Path) -> dict[str, float]:
    data = {
        "review": {
            "id": "bench",
            "title": "t",
            "eligibility": "e",
            "exclusion_reasons": ["wrong population"],
            "reviewers": ["ann"],
            "output_dir": str(folder / "out"),
            "database_url": url or f"sqlite:///{folder / 'bench.sqlite'}",
        },
        "searches": [{"name": "s", "query": "naltrexone"}],
        "screening": {"mode": "single", "batch_size": n},
    }
    config = parse_config(data, folder / "bench.toml")
    with Store.open(config.database_url) as store:
        for start in range(1, n + 1, 1000):
            store.store_records(
                "bench", "PubMed", [synthetic(p) for p in range(start, min(start + 1000, n + 1))]
            )
        pipeline.deduplicate_store(config, store)
        pipeline.rank_store(config, store, emit_batch=False)
        started = time.perf_counter()
        emitted = pipeline.emit_workbooks(config, store)
        write = time.perf_counter() - started
    [book] = [w.path for w in emitted.workbooks if w.path is not None and w.items]
    workbook = openpyxl.load_workbook(book)
    sheet = workbook["Screen"]
    header = {str(c.value): i + 1 for i, c in enumerate(sheet[1])}
    for row in range(2, sheet.max_row + 1):
        sheet.cell(row, header["decision"], "include" if row % 20 == 0 else "exclude")
    filled = folder / "filled.xlsx"
    buffer = io.BytesIO()
    workbook.save(buffer)
    filled.write_bytes(buffer.getvalue())
    started = time.perf_counter()
    summary = pipeline.ingest_decisions(config, filled)
    ingest = time.perf_counter() - started
    assert summary.appended == n, summary
    return {"write": write, "ingest": ingest, "rows": float(n), "bytes": float(book.stat().st_size)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--postgres", help="a PostgreSQL URL to use instead of an SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = run(args.n, args.postgres, Path(tmp))
    backend = "PostgreSQL" if args.postgres else "SQLite"
    print(
        f"{backend}: {int(result['rows'])}-row workbook ({result['bytes'] / 1e6:.1f} MB) "
        f"issued in {result['write']:.2f} s, filled workbook ingested in {result['ingest']:.2f} s"
    )


if __name__ == "__main__":
    main()
