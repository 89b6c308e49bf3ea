"""Run bib-dedupe on one benchmark records.csv; runs inside its own venv (benchmarks/.venvs/bibdedupe).

Usage: python bibdedupe_runner.py records.csv prediction.csv
Writes `record_id,cluster_id` (one row per input record) and prints the wall time of prep+block+match.
Not imported by lreview: bib-dedupe pins pandas/numpy versions we do not want in the main venv.
"""

import csv
import sys
import time

import bib_dedupe.cluster
import pandas as pd
from bib_dedupe.bib_dedupe import block, match, prep


def main(records_path: str, output_path: str) -> None:
    with open(records_path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    frame = pd.DataFrame(
        {
            "ID": [r["record_id"] for r in rows],
            "ENTRYTYPE": ["article"] * len(rows),
            "title": [r["title"] for r in rows],
            "author": [r["authors"].replace("; ", " and ") for r in rows],
            "year": [r["year"] for r in rows],
            "journal": [r["journal"] for r in rows],
            "volume": [r["volume"] for r in rows],
            "number": [r["issue"] for r in rows],
            "pages": [r["pages"] for r in rows],
            "doi": [r["doi"] for r in rows],
            "abstract": [r["abstract"] for r in rows],
        }
    )
    start = time.perf_counter()
    prepped = prep(frame, verbosity_level=0, cpu=1)
    pairs = block(prepped, verbosity_level=0, cpu=1)
    matched = match(pairs, verbosity_level=0, cpu=1)
    duplicates = matched["duplicate_df"] if isinstance(matched, dict) else matched
    id_sets = bib_dedupe.cluster.get_connected_components(duplicates)
    elapsed = time.perf_counter() - start
    cluster_of = {}
    for members in id_sets:
        label = "b" + sorted(members)[0]
        for member in members:
            cluster_of[member] = label
    with open(output_path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["record_id", "cluster_id"])
        for r in rows:
            writer.writerow([r["record_id"], cluster_of.get(r["record_id"], "s" + r["record_id"])])
    print(f"{elapsed:.2f}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
