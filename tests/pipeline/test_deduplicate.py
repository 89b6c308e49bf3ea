"""A refresh deduplicates PubMed records against imported exports and keeps per-source counts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from lreview import pipeline
from lreview.sources.eutils import EutilsClient, EutilsSettings
from lreview.store import Store
from tests.pipeline.test_import_ingest import make_config, write
from tests.support.eutils_server import EutilsServer
from tests.support.pubmed_builder import SyntheticArticle, make_articles


def ris_for(articles: list[SyntheticArticle], *, doi_prefix: str = "https://doi.org/") -> str:
    """The same publications as an Embase-style RIS export (title case changed, DOI as a URL)."""
    out = []
    for a in articles:
        out.append(
            "\n".join(
                [
                    "TY  - JOUR",
                    f"TI  - {a.title.upper()}",
                    *(f"AU  - {au.last}, {au.initials}" for au in a.authors),
                    f"PY  - {a.year}",
                    f"T2  - {a.journal}",
                    f"VL  - {a.volume}",
                    f"IS  - {a.issue}",
                    f"SP  - {a.pages}",
                    f"DO  - {doi_prefix}{a.doi}",
                    "ER  -",
                ]
            )
        )
    return "\n\n".join(out) + "\n"


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
