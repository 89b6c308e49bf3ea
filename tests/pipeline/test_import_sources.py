"""One database, one name: source names match ignoring case and keep the review's first spelling."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from lreview import pipeline
from lreview.config import ReviewConfig, parse_config
from lreview.errors import ConfigError
from lreview.records import Record
from lreview.store import Store
from tests.support.pubmed_builder import make_articles
from tests.support.review_builders import ris_for, write

ARTICLES = make_articles(9, start=date(2021, 1, 1), end=date(2023, 1, 1))


def config_for(tmp_path: Path, url: str, **imports: Any) -> ReviewConfig:
    data = {
        "review": {
            "id": "names",
            "title": "t",
            "eligibility": "e",
            "exclusion_reasons": ["a"],
            "reviewers": ["ann"],
            "output_dir": str(tmp_path / "out"),
            "database_url": url,
        },
        "searches": [{"name": "s", "query": "q"}],
        "imports": {"folders": [str(tmp_path / "Embase-drop")], **imports},
    }
    return parse_config(data, tmp_path / "review.toml")


def test_one_database_spelled_three_ways_is_counted_once_as_first_spelled(
    tmp_path: Path, store_url: str
) -> None:
    config = config_for(tmp_path, store_url)
    results = []
    for n, spelling in enumerate(["embase", "Embase", "EMBASE"]):
        export = write(tmp_path / f"e{n}.ris", ris_for(ARTICLES[3 * n : 3 * n + 3]))
        results += pipeline.import_files(config, [export], source=spelling).files
    assert [f.source for f in results] == ["embase", "embase", "embase"]
    with Store.open(config.database_url) as store:
        assert store.count_by_source("names") == {"embase": 9}
        summary = pipeline.deduplicate_store(config, store)
    assert summary.identified_by_source == {"embase": 9}


def test_an_import_named_pubmed_joins_the_harvested_pubmed_records(tmp_path: Path, store_url: str) -> None:
    config = config_for(tmp_path, store_url)
    with Store.open(config.database_url) as store:
        store.store_records("names", "PubMed", [Record(source="PubMed", source_id="1", pmid="1", title="x")])
    export = write(tmp_path / "pm.ris", ris_for(ARTICLES[:2]))
    (result,) = pipeline.import_files(config, [export], source="pubmed").files
    assert result.source == "PubMed"
    with Store.open(config.database_url) as store:
        assert store.count_by_source("names") == {"PubMed": 3}


def test_import_folders_match_the_config_and_the_store_ignoring_case(tmp_path: Path, store_url: str) -> None:
    config = config_for(tmp_path, store_url, source_by_folder={"embase-DROP": "EMBASE", "other": "embase"})
    assert config.imports.source_by_folder == {"embase-DROP": "EMBASE", "other": "EMBASE"}
    pipeline.import_files(config, [write(tmp_path / "a.ris", ris_for(ARTICLES[:2]))], source="Embase")
    write(tmp_path / "Embase-drop" / "b.ris", ris_for(ARTICLES[2:5]))
    with Store.open(config.database_url) as store:
        (dropped,) = pipeline.import_folders(config, store).files
        assert (dropped.source, dropped.status) == ("Embase", "imported")
        assert store.count_by_source("names") == {"Embase": 5}


def test_import_folder_names_that_differ_only_in_case_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"imports.source_by_folder: folder names must differ by more than"):
        config_for(tmp_path, "sqlite://", source_by_folder={"drop": "Embase", "DROP": "Scopus"})
