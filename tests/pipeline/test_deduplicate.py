"""A refresh deduplicates PubMed records against imported exports and keeps per-source counts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from lreview import pipeline
from lreview.sources.eutils import EutilsClient, EutilsSettings
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
