"""A refresh with all three harvest sources against local fake servers (with faults on the way): one
study as a PubMed article, a ClinicalTrials.gov registration and a Europe PMC preprint."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from lreview import pipeline
from lreview.config import ReviewConfig, parse_config
from lreview.pipeline.duplicates import related_pairs
from lreview.pipeline.prisma import prisma
from lreview.sources.eutils import EutilsClient, EutilsSettings
from lreview.store import Store
from tests.support.ctgov_server import CtgovServer, many_studies, study
from tests.support.europepmc_server import EuropePmcServer, many_results, result
from tests.support.eutils_server import EutilsServer
from tests.support.json_server import Fault
from tests.support.pubmed_builder import SyntheticArticle, make_articles
from tests.support.screening_builders import current_workbooks, sheet_rows

TODAY = date(2026, 1, 10)
NCT = "NCT05000001"
TITLE = "Low-dose naltrexone for endometriosis-associated pelvic pain: a randomised placebo-controlled trial"
ABSTRACT = (
    f"Registered at ClinicalTrials.gov ({NCT}). Sixty women with endometriosis received LDN or placebo."
)


def prisma_rows(folder: Path) -> dict[str, str]:
    text = (folder / "PRISMA.csv").read_text(encoding="utf-8")
    return {row["data"]: row["n"] for row in csv.DictReader(io.StringIO(text)) if row["data"] != "NA"}


def make_config(tmp_path: Path, url: str) -> ReviewConfig:
    data = {
        "review": {
            "id": "src",
            "title": "LDN for endometriosis",
            "eligibility": "RCTs of LDN in endometriosis.",
            "exclusion_reasons": ["wrong population"],
            "reviewers": ["ann"],
            "output_dir": str(tmp_path / "out"),
            "database_url": url,
        },
        "searches": [
            {"name": "pubmed", "query": "naltrexone AND endometriosis"},
            {"name": "trials", "database": "ClinicalTrials.gov", "query": "query.intr=naltrexone"},
            {"name": "preprints", "database": "Europe PMC", "query": "naltrexone AND SRC:PPR"},
        ],
        "screening": {"mode": "single", "batch_size": 100},
    }
    return parse_config(data, tmp_path / "review.toml")


@pytest.fixture
def servers(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[EutilsServer, CtgovServer, EuropePmcServer]]:
    article = SyntheticArticle("39000001", date(2025, 6, 1), title=TITLE, abstract=ABSTRACT, trials=(NCT,))
    pubmed = [*make_articles(30, start=date(2025, 1, 1), end=date(2025, 12, 31)), article]
    registration = study(NCT, "LDN for endometriosis pelvic pain", updated="2025-05-01", pmids=["39000001"])
    preprint = result(
        "PPR900001", TITLE, abstract=ABSTRACT, doi="10.1101/2025.04.01.25000001", indexed="2025-04-02"
    )
    with (
        EutilsServer(pubmed) as eutils,
        CtgovServer([*many_studies(25), registration]) as ctgov,
        EuropePmcServer([*many_results(12), preprint]) as epmc,
    ):
        monkeypatch.setenv("LREVIEW_CTGOV_URL", ctgov.url)
        monkeypatch.setenv("LREVIEW_EUROPEPMC_URL", epmc.url)
        monkeypatch.setenv("LREVIEW_CTGOV_RATE", "100")
        monkeypatch.setenv("LREVIEW_EUROPEPMC_RATE", "100")
        yield eutils, ctgov, epmc


def eutils_client(server: EutilsServer) -> EutilsClient:
    return EutilsClient(EutilsSettings(base_url=server.url, requests_per_second=100, backoff_base=0.01))


def test_refresh_harvests_three_sources_links_one_study_and_flags_rows(
    tmp_path: Path, servers: tuple[EutilsServer, CtgovServer, EuropePmcServer]
) -> None:
    eutils, ctgov, epmc = servers
    ctgov.add_fault(Fault("status", 429, retry_after=0.05))
    ctgov.add_fault(Fault("truncate"))
    epmc.add_fault(Fault("status", 500))
    epmc.add_fault(Fault("drop"))
    config = make_config(tmp_path, f"sqlite:///{tmp_path / 'store.db'}")

    first = pipeline.refresh(config, today=TODAY, client=eutils_client(eutils))

    assert [(h.search, h.database, h.new) for h in first.harvests] == [
        ("pubmed", "PubMed", 31),
        ("trials", "ClinicalTrials.gov", 26),
        ("preprints", "Europe PMC", 13),
    ]
    assert [r.fault for r in ctgov.requests[:3]] == ["status", "truncate", None]
    with Store.open(config.database_url) as store:
        ids = {s.record.source_id: s.id for s in store.iter_records("src")}
        links = {(a, b): reason for a, b, reason in related_pairs(store, "src")}
    assert links[(ids[NCT], ids["39000001"])] == f"study {NCT}"
    assert links[(ids[NCT], ids["PPR:PPR900001"])] == f"study {NCT}"
    rows = {row["record_id"]: row for row in sheet_rows(current_workbooks(config)[("ann", "TA", "screen")])}
    trial = rows[ids[NCT]]
    assert "trial registration" in str(trial["flags"]) and "Status: RECRUITING" in str(trial["details"])
    assert "preprint" in str(rows[ids["PPR:PPR900001"]]["flags"])
    prisma(config)  # the register arm comes from the source registry
    counts = prisma_rows(config.output_dir / "prisma")
    assert (
        counts["database_results"] == "44"
        and counts["database_specific_results"] == "Europe PMC, 13; PubMed, 31"
    )
    assert (
        counts["register_results"] == "26" and counts["register_specific_results"] == "ClinicalTrials.gov, 26"
    )

    # 30 days later: the registry revises the trial, the preprint gets a second version and a new
    # preprint appears; only those are fetched
    ctgov.add([study(NCT, "LDN for endometriosis pelvic pain", updated="2026-02-01", status="COMPLETED")])
    revised_preprint = result(
        "PPR900001",
        TITLE,
        abstract=f"{ABSTRACT} Version 2 adds the 12-month follow-up.",
        doi="10.1101/2025.04.01.25000001",
        indexed="2025-04-02",
        revised="2026-02-04",
    )
    epmc.add([result("PPR900002", "LDN in adenomyosis: a pilot", indexed="2026-02-03"), revised_preprint])
    second = pipeline.refresh(config, today=TODAY + timedelta(days=30), client=eutils_client(eutils))
    assert [(h.database, h.new, h.updated) for h in second.harvests] == [
        ("PubMed", 0, 0),
        ("ClinicalTrials.gov", 0, 1),
        ("Europe PMC", 1, 1),
    ]
    assert [h.fetched for h in second.harvests[1:]] == [1, 2]
    with Store.open(config.database_url) as store:
        versions = store.raw_versions("src", "ClinicalTrials.gov", NCT)
        preprints = store.raw_versions("src", "Europe PMC", "PPR:PPR900001")
    assert [dict(v.extra)["status"] for v in versions] == ["RECRUITING", "COMPLETED"]
    assert [p.abstract.endswith("12-month follow-up.") for p in preprints] == [False, True]
