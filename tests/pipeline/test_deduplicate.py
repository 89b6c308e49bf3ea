"""A refresh deduplicates PubMed records against imported exports and keeps per-source counts."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from lreview import pipeline
from lreview.config import ReviewConfig
from lreview.pipeline.duplicates import dedup_index_path, related_pairs
from lreview.sources.eutils import EutilsClient, EutilsSettings
from lreview.sources.loader import load_file
from lreview.store import Store
from tests.support.eutils_server import EutilsServer
from tests.support.pubmed_builder import make_articles
from tests.support.review_builders import PREPRINT_AND_ARTICLE, make_config, ris_for, write


def test_refresh_clusters_duplicates_across_sources_and_counts_each_source(tmp_path: Path) -> None:
    articles = make_articles(50, start=date(2024, 1, 1), end=date(2025, 6, 1))
    distinct = make_articles(1, first_pmid=77_000_000, seed=9)[0]
    export = write(tmp_path / "drop" / "embase.ris", ris_for([articles[3], articles[10], distinct]))
    config = make_config(tmp_path, f"sqlite:///{tmp_path / 's.sqlite'}")
    with EutilsServer(articles) as server:
        client = EutilsClient(EutilsSettings(base_url=server.url, requests_per_second=100))
        pipeline.import_files(config, [export], source="Embase")
        summary = pipeline.refresh(config, today=date(2026, 1, 1), client=client)
    dedup = summary.dedup
    assert dedup is not None
    assert dedup.identified_by_source == {"PubMed": 50, "Embase": 3}
    assert (dedup.records, dedup.publications, dedup.duplicates_removed) == (53, 51, 2)
    with Store.open(config.database_url) as store:
        clusters = [c for c in store.latest_clusters("imp") if len(c) > 1]
        by_id = store.get_records("imp", [rid for c in clusters for rid in c])
    pairs = sorted(sorted(by_id[rid].record.source for rid in c) for c in clusters)
    assert pairs == [["Embase", "PubMed"], ["Embase", "PubMed"]]
    # the canonical (first) member of each cluster is the PubMed record
    assert all(by_id[c[0]].record.source == "PubMed" for c in clusters)


def test_human_verdicts_on_possible_duplicates_are_applied_and_persist(tmp_path: Path) -> None:
    from lreview.errors import InputError

    articles = make_articles(4, start=date(2024, 1, 1), end=date(2024, 6, 1))
    config = make_config(tmp_path, f"sqlite:///{tmp_path / 's.sqlite'}")
    pipeline.import_files(config, [write(tmp_path / "a.ris", ris_for(articles))], source="Embase")
    with Store.open(config.database_url) as store:
        a, b, c, _ = [r.id for r in store.iter_records("imp")]
        store.add_duplicate_pairs("imp", [(a, b, 0.7), (a, c, 0.6)])
    exported = tmp_path / "pairs.csv"
    assert pipeline.export_possible_duplicates(config, exported) == 2
    text = exported.read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("record_a,record_b,score,verdict,decided_by")
    bad = write(tmp_path / "bad.csv", text.replace(f"{a},{b},0.700,,", f"{a},{b},0.700,maybe,ann"))
    with pytest.raises(InputError, match=r"bad.csv: row 2: verdict 'maybe' is not same/different"):
        pipeline.decide_possible_duplicates(config, bad)
    decided = text.replace(f"{a},{b},0.700,,", f"{a},{b},0.700,same,ann").replace(
        f"{a},{c},0.600,,", f"{a},{c},0.600,different,bob"
    )
    count, summary = pipeline.decide_possible_duplicates(config, write(tmp_path / "ok.csv", decided))
    assert count == 2 and summary.publications == 3  # a and b merged on the human's word
    again = pipeline.deduplicate(config)  # a later refresh keeps the verdicts
    assert again.publications == 3 and again.possible_pending == 0
    with Store.open(config.database_url) as store:
        merged = [m for m in store.latest_clusters("imp") if len(m) > 1]
    assert sorted(merged[0]) == sorted([a, b])


@pytest.mark.parametrize(("related", "publications"), [("related", 2), ("merge", 1)])
def test_config_chooses_whether_a_preprint_is_merged_with_its_article(
    tmp_path: Path, related: str, publications: int
) -> None:
    config = make_config(tmp_path, f"sqlite:///{tmp_path / 's.sqlite'}")
    config = config.model_copy(update={"dedup": config.dedup.model_copy(update={"related": related})})
    pipeline.import_files(config, [write(tmp_path / "both.ris", PREPRINT_AND_ARTICLE)], source="Embase")
    with Store.open(config.database_url) as store:
        summary = pipeline.deduplicate_store(config, store)
    assert (summary.records, summary.publications) == (2, publications)


# ---- incremental runs: the stored clusters are always those of a full run ---------------------------


def _full_again(config: ReviewConfig, store: Store) -> tuple[list[list[int]], int]:
    """Re-cluster everything (the index deleted) and return its clusters and new possible pairs;
    check that its related pairs are the incremental run's."""
    related = related_pairs(store, config.review_id)
    dedup_index_path(config).unlink()
    summary = pipeline.deduplicate_store(config, store)
    assert summary.mode == "full (no index of the previous run)"
    assert related_pairs(store, config.review_id) == related
    return store.latest_clusters(config.review_id), summary.new_possible


def test_each_refresh_clusters_only_new_records_and_stores_the_full_runs_clusters(
    tmp_path: Path, store_url: str
) -> None:
    config = make_config(tmp_path, store_url)
    articles = make_articles(90, start=date(2024, 1, 1), end=date(2025, 6, 1))
    weeks = [
        ris_for(articles[:40]),
        ris_for(articles[40:70]) + ris_for(articles[5:12], doi_prefix="doi:"),  # copies of old ones
        ris_for(articles[70:]) + ris_for(articles[60:66], doi_prefix=""),
    ]
    with Store.open(store_url) as store:
        for week, text in enumerate(weeks):
            pipeline.import_files(config, [write(tmp_path / f"week{week}.ris", text)], source=f"db{week}")
            summary = pipeline.deduplicate_store(config, store)
            assert summary.mode.startswith("full" if week == 0 else "incremental")
        incremental = store.latest_clusters(config.review_id)
        full, new_possible = _full_again(config, store)
    assert incremental == full  # the same clusters, canonical records and numbering
    assert new_possible == 0  # and the incremental runs queued every possible pair the full run finds
    assert (len(full), sum(len(c) for c in full)) == (90, 90 + 7 + 6)


def test_a_real_set_added_in_two_parts_clusters_as_one_full_run(
    shared_data: Path, store_url: str, tmp_path: Path
) -> None:
    folder = shared_data / "dedup" / "normalized" / "neuroimaging"
    if not folder.is_dir():
        pytest.skip(f"{folder} not found")
    records = load_file(folder / "records.csv")
    config = make_config(tmp_path, store_url)
    cut = len(records) * 4 // 5
    with Store.open(store_url) as store:
        store.store_records("imp", "records", records[:cut])
        pipeline.deduplicate_store(config, store)
        store.store_records("imp", "records", records[cut:])
        summary = pipeline.deduplicate_store(config, store)
        assert summary.mode.startswith("incremental")
        incremental = store.latest_clusters("imp")
        full, new_possible = _full_again(config, store)
    assert incremental == full
    assert new_possible == 0


def test_a_revised_record_whose_keys_changed_makes_a_full_run_and_a_verdict_an_incremental_one(
    tmp_path: Path,
) -> None:
    config = make_config(tmp_path, f"sqlite:///{tmp_path / 's.sqlite'}")
    articles = make_articles(6, start=date(2024, 1, 1), end=date(2024, 6, 1))
    pipeline.import_files(config, [write(tmp_path / "a.ris", ris_for(articles))], source="Embase")
    with Store.open(config.database_url) as store:
        pipeline.deduplicate_store(config, store)
        first = next(iter(store.iter_records("imp")))
        store.store_records("imp", "Embase", [replace(first.record, title="An entirely new title")])
        summary = pipeline.deduplicate_store(config, store)
        assert summary.mode == f"full (record {first.id} was revised and its deduplication keys changed)"
        second = list(store.iter_records("imp"))[1]
        store.store_records("imp", "Embase", [replace(second.record, keywords=("naltrexone",))])
        assert pipeline.deduplicate_store(config, store).mode.startswith("incremental")
        a, b = (r.id for r in list(store.iter_records("imp"))[2:4])
        store.add_duplicate_pairs("imp", [(a, b, 0.8)])
        store.decide_duplicate_pair("imp", a, b, "confirmed", "ann")
        summary = pipeline.deduplicate_store(config, store)
        assert summary.mode == "incremental (2 records re-clustered)"
        assert sorted([a, b]) in [sorted(c) for c in store.latest_clusters("imp")]
