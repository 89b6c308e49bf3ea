"""Store 30,000 synthetic PubMed Records in 250-record batches into SQLite and PostgreSQL; print records/s.

Three passes per backend: a first harvest (all new), the same harvest again (all unchanged), and a
harvest where every tenth record was revised (new raw version + canonical update).

    PYTHONPATH=src python benchmarks/store_speed.py [--n 30000] [--batch 250] [--postgres URL | --no-postgres]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from lreview.records import Link, Record
from lreview.store import Store

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def synthetic(pmid: int, revised: bool = False) -> Record:
    """A PubMed-sized record (~1.5 kB of abstract, authors, MeSH)."""
    return Record(
        source="PubMed",
        source_id=str(pmid),
        pmid=str(pmid),
        title=f"Low-dose naltrexone and chronic pelvic pain: cohort {pmid}",
        abstract=("BACKGROUND: Endometriosis affects one in ten women. METHODS: " + "Words " * 200).strip(),
        authors=tuple(f"Author{k} {chr(65 + k)}" for k in range(6)),
        year=2000 + pmid % 25,
        journal="Journal of Pain Research",
        journal_abbrev="J Pain Res",
        doi=f"10.2147/JPR.S{pmid}",
        language=("eng",),
        publication_types=("Journal Article",),
        mesh=("Endometriosis", "Naltrexone", "Pelvic Pain", "Humans", "Female"),
        links=(Link("CommentIn", str(pmid + 1)),),
        date_entered="2024-01-01",
        date_revised="2024-06-01" if revised else "2024-01-01",
    )


def harvest(store: Store, n: int, batch: int, revise_every: int = 0) -> float:
    """Store n records in batches; return records per second."""
    started = time.perf_counter()
    for start in range(1, n + 1, batch):
        records = [
            synthetic(p, revised=bool(revise_every) and p % revise_every == 0)
            for p in range(start, min(start + batch, n + 1))
        ]
        store.store_records("bench", "PubMed", records)
    return n / (time.perf_counter() - started)


def bench(label: str, url: str, n: int, batch: int) -> None:
    with Store.open(url) as store:
        for name, revise_every in (
            ("first harvest (all new)", 0),
            ("same again (unchanged)", 0),
            ("every 10th revised", 10),
        ):
            rate = harvest(store, n, batch, revise_every)
            print(f"{label:10} {name:26} {n} records, batch {batch}: {rate:8.0f} records/s", flush=True)
        assert store.count_records("bench") == n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=30_000)
    parser.add_argument("--batch", type=int, default=250)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="admin URL of a PostgreSQL server")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench("SQLite", f"sqlite:///{Path(tmp) / 'bench.sqlite'}", args.n, args.batch)
    if args.no_postgres:
        return
    admin = sa.create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    name = f"lreview_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        bench("PostgreSQL", args.postgres.rsplit("/", 1)[0] + f"/{name}", args.n, args.batch)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


if __name__ == "__main__":
    main()
