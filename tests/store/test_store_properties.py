"""Property: any sequence of harvests leaves one canonical row per id, showing its latest content,
and one raw row per distinct content (SQLite only: a PostgreSQL database per example is too slow)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_builders import pubmed_record

from lreview.records import Record
from lreview.store import Store

# a harvest: (pmid, revision) pairs; revision picks one of three contents of that record
harvests = st.lists(
    st.lists(st.tuples(st.integers(1, 12), st.integers(0, 2)), max_size=15), min_size=1, max_size=5
)


def version(pmid: int, revision: int) -> Record:
    return pubmed_record(pmid, date_revised=f"2024-0{revision + 1}-01", title=f"Title {pmid}.{revision}")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(harvests)
def test_canonical_view_is_latest_content_and_raw_rows_are_distinct_contents(
    runs: list[list[tuple[int, int]]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp, Store.open(f"sqlite:///{Path(tmp) / 's.sqlite'}") as store:
        latest: dict[int, int] = {}
        contents: dict[int, list[int]] = {}
        for run in runs:
            counts = store.store_records("ldn", "PubMed", [version(p, r) for p, r in run])
            batch_latest = dict(run)
            assert counts.new == len(set(batch_latest) - set(latest))
            for pmid, revision in batch_latest.items():
                if revision not in contents.setdefault(pmid, []):
                    contents[pmid].append(revision)
            latest.update(batch_latest)
        stored = {int(s.record.source_id): s.record for s in store.iter_records("ldn", batch_size=4)}
        assert stored == {pmid: version(pmid, revision) for pmid, revision in latest.items()}
        for pmid, revisions in contents.items():
            assert store.raw_versions("ldn", "PubMed", str(pmid)) == [version(pmid, r) for r in revisions]
