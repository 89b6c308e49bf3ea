"""Builders shared by the pipeline, flow and CLI tests: a review config, files on disk, RIS exports of
synthetic PubMed articles, a review with imported records, and reviewer decision files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from lreview import pipeline
from lreview.config import ReviewConfig, parse_config
from lreview.store import Store
from tests.support.pubmed_builder import SyntheticArticle, make_articles

RANKING_ARTICLES = make_articles(60, start=date(2020, 1, 1), end=date(2024, 1, 1))

PREPRINT_AND_ARTICLE = """TY  - JOUR
TI  - Low-dose naltrexone for endometriosis-associated pelvic pain: a pilot randomised trial
AU  - Smith, Jane
AU  - Jones, Alan
PY  - 2023
T2  - medRxiv
DO  - 10.1101/2023.01.02.23284112
ER  -

TY  - JOUR
TI  - Low-dose naltrexone for endometriosis-associated pelvic pain: a pilot randomised trial
AU  - Smith, Jane
AU  - Jones, Alan
PY  - 2024
T2  - Human Reproduction
VL  - 39
SP  - 101
EP  - 109
DO  - 10.1093/humrep/deae001
ER  -
"""


def make_config(tmp_path: Path, url: str) -> ReviewConfig:
    """Review `imp` with two reviewers, its store at `url` and an import folder `drop/`."""
    data = {
        "review": {
            "id": "imp",
            "title": "t",
            "eligibility": "e",
            "exclusion_reasons": ["wrong population", "wrong design"],
            "reviewers": ["ann", "bob"],
            "output_dir": str(tmp_path / "out"),
            "database_url": url,
        },
        "searches": [{"name": "s", "query": "q"}],
        "imports": {"folders": [str(tmp_path / "drop")]},
    }
    return parse_config(data, tmp_path / "review.toml")


def write(path: Path, text: str) -> Path:
    """Write `text` (UTF-8) to `path`, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


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


def imported(tmp_path: Path) -> ReviewConfig:
    """A review on an SQLite file holding `RANKING_ARTICLES` (imported as PubMed), deduplicated."""
    config = make_config(tmp_path, f"sqlite:///{tmp_path / 's.sqlite'}")
    pipeline.import_files(
        config, [write(tmp_path / "pubmed.ris", ris_for(RANKING_ARTICLES))], source="PubMed"
    )
    with Store.open(config.database_url) as store:
        pipeline.deduplicate_store(config, store)
    return config


def ranked(config: ReviewConfig) -> list[dict[str, str]]:
    """The review's latest ranking, best first: record_id, title and rank of each unscreened publication."""
    with Store.open(config.database_url) as store:
        ranking = store.latest_ranking(config.review_id)
        assert ranking is not None
        found = store.get_records(config.review_id, [e.record_id for e in ranking.entries])
    return [{"record_id": str(e.record_id), "title": found[e.record_id].record.title, "rank": str(e.rank)}
            for e in ranking.entries]  # fmt: skip


def rank_rows(config: ReviewConfig) -> list[dict[str, str]]:
    """Re-rank the review, then its ranking as `ranked` gives it."""
    pipeline.rank(config)
    return ranked(config)


def decide(tmp_path: Path, config: ReviewConfig, rows: list[tuple[str, str]], name: str) -> Path:
    """A decisions CSV by reviewer `ann`: one (record_id, decision) per row."""
    body = "".join(f"{rid},{decision},ann\n" for rid, decision in rows)
    return write(tmp_path / name, "record_id,decision,reviewer\n" + body)
