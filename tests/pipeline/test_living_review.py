"""The living review end to end, offline against local PubMed, ClinicalTrials.gov and Europe PMC
servers (paging in small pages, with 429s, 5xx, dropped and truncated answers on the way), on SQLite
and PostgreSQL.

Day 0: refresh (one study appears three times: a PubMed article, its ClinicalTrials.gov registration
and its Europe PMC preprint) -> two reviewers screen their first workbooks (dual) -> ingest from the
inbox -> conflict settled by the arbiter -> the stopping rule's exclusions -> full-text decisions with
reasons -> `lreview prisma`: 4 reports of 2 studies. Day 30: new PubMed records, an Embase export
(with duplicates of screened records), a new and a revised registration and a new preprint -> refresh
finds only those -> `lreview prisma --new-version`. Every PRISMA number is asserted against what the
scenario did.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from lreview import pipeline
from lreview.cli import main
from lreview.config import load_config
from lreview.sources.eutils import EutilsClient, EutilsSettings
from lreview.store import Store
from tests.support.ctgov_server import CtgovServer, many_studies, study
from tests.support.europepmc_server import EuropePmcServer, many_results, result
from tests.support.eutils_server import EutilsServer
from tests.support.json_server import Fault
from tests.support.pubmed_builder import SyntheticArticle, make_articles
from tests.support.review_builders import ris_for, write
from tests.support.screening_builders import current_workbooks, fill, sheet_rows

TODAY = date(2026, 1, 10)
NCT = "NCT05000001"
TITLE = "Low-dose naltrexone for endometriosis-associated pelvic pain: a randomised placebo-controlled trial"
ABSTRACT = (
    f"Registered at ClinicalTrials.gov ({NCT}). Sixty women with endometriosis received LDN or placebo."
)

CONFIG = """
[review]
id = "living"
title = "Low-dose naltrexone for endometriosis"
question = "Does low-dose naltrexone reduce endometriosis-associated pain?"
eligibility = "Trials and cohorts of LDN in people with endometriosis."
exclusion_reasons = ["wrong population", "wrong intervention", "wrong design"]
reviewers = ["ann", "bob"]
output_dir = "{out}"
database_url = "{url}"

[[searches]]
name = "ldn"
query = "naltrexone AND endometriosis"

[[searches]]
name = "trials"
database = "ClinicalTrials.gov"
query = "query.intr = naltrexone; query.cond = endometriosis"

[[searches]]
name = "preprints"
database = "Europe PMC"
query = "(naltrexone OR LDN) AND endometriosis AND SRC:PPR"

[imports]
folders = ["{drop}"]
source_by_folder = {{ drop = "Embase" }}

[screening]
mode = "dual"
batch_size = 50
arbiter = "cat"
"""


def cli(*args: str) -> None:
    assert main([*args]) == 0


def ids_of(path: Path) -> list[int]:
    return [int(str(r["record_id"])) for r in sheet_rows(path)]


def prisma_rows(folder: Path) -> dict[str, str]:
    text = (folder / "PRISMA.csv").read_text(encoding="utf-8")
    return {row["data"]: row["n"] for row in csv.DictReader(io.StringIO(text)) if row["data"] != "NA"}


@pytest.mark.postgres
def test_a_living_review_from_day_0_to_day_30_reports_prisma_counts_that_add_up(
    tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LREVIEW_DATABASE_URL", raising=False)
    path = write(
        tmp_path / "living.toml", CONFIG.format(out=tmp_path / "out", url=store_url, drop=tmp_path / "drop")
    )
    config = load_config(path)
    trial = SyntheticArticle("39000001", date(2025, 6, 1), title=TITLE, abstract=ABSTRACT, trials=(NCT,))
    articles = [*make_articles(39, start=date(2024, 1, 1), end=date(2025, 6, 1)), trial]
    registration = study(NCT, "LDN for endometriosis pelvic pain", updated="2025-05-01", pmids=[trial.pmid])
    preprint = result("PPR900001", TITLE, abstract=ABSTRACT, doi="10.1101/2025.04.01.25000001")
    with (
        EutilsServer(articles) as server,
        CtgovServer([*many_studies(5), registration], empty_last_page=True) as ctgov,
        EuropePmcServer([*many_results(3), preprint]) as epmc,
    ):
        for name, url in (("CTGOV", ctgov.url), ("EUROPEPMC", epmc.url)):
            monkeypatch.setenv(f"LREVIEW_{name}_URL", url)
            monkeypatch.setenv(f"LREVIEW_{name}_RATE", "100")
            monkeypatch.setenv(f"LREVIEW_{name}_PAGE_SIZE", "3")  # paged: 6 studies, 4 preprints
        ctgov.add_fault(Fault("status", 429, retry_after=0.05))
        ctgov.add_fault(Fault("truncate"))
        epmc.add_fault(Fault("status", 503))
        epmc.add_fault(Fault("drop"))
        settings = EutilsSettings(base_url=server.url, requests_per_second=100)
        day0 = pipeline.refresh(config, today=TODAY, client=EutilsClient(settings))
        assert [(h.database, h.new) for h in day0.harvests] == [
            ("PubMed", 40),
            ("ClinicalTrials.gov", 6),
            ("Europe PMC", 4),
        ]
        assert [r.fault for r in ctgov.requests[:2]] == ["status", "truncate"]
        assert [r.fault for r in epmc.requests[:2]] == ["status", "drop"]
        # paging by 3: two full pages of studies and an empty last one; 3 + 1 preprints, then the
        # cursor repeats (as Europe PMC's does at the end)
        assert [r.params.get("pageToken", "") for r in ctgov.requests if r.fault is None] == ["", "t3", "t6"]
        assert [r.params["cursorMark"] for r in epmc.requests if r.fault is None] == ["*", "c3"]
        with Store.open(config.database_url) as store:
            by_source_id = {s.record.source_id: s.id for s in store.iter_records(config.review_id)}
        study_ids = {by_source_id[trial.pmid], by_source_id[NCT], by_source_id["PPR:PPR900001"]}

        # Day 0: ann and bob screen 20 rows of their (identical, blinded) workbooks: the study's three
        # records and three more in, 14 out; bob excludes one of the three (a conflict the arbiter settles)
        books = current_workbooks(config)
        ann, bob = books[("ann", "TA", "screen")], books[("bob", "TA", "screen")]
        ids = ids_of(ann)
        assert sorted(ids) == sorted(ids_of(bob)) and len(ids) == 50
        others = [rid for rid in ids if rid not in study_ids]
        x, y, z = others[:3]
        a = {rid: ("include", "") for rid in (*study_ids, x, y, z)}
        a |= {rid: ("exclude", "") for rid in others[3:17]}
        b = {**a, z: ("exclude", "wrong design")}
        inbox = config.output_dir / "screening" / "inbox"
        fill(ann, inbox / "ann.xlsx", a)
        fill(bob, inbox / "bob.xlsx", b)
        cli("ingest", "--inbox", "--config", str(path))
        cat = current_workbooks(config)[("cat", "TA", "conflicts")]
        assert ids_of(cat) == [z]
        cli("ingest", str(fill(cat, tmp_path / "cat.xlsx", {z: ("include", "")})), "--config", str(path))
        cli("stop", "--force", "--config", str(path))  # the 30 nobody screened: excluded by automation

        # full text: both read the six reports; one excluded with a reason, one not retrieved, and the
        # article, its registration and its preprint (one study) and z (another) included
        books = current_workbooks(config)
        ft = {x: ("exclude", "wrong population"), y: ("not retrieved", "")}
        ft |= {rid: ("include", "") for rid in (*study_ids, z)}
        for who in ("ann", "bob"):
            book = books[(who, "FT", "screen")]
            assert sorted(ids_of(book)) == sorted(ft)
            cli("ingest", str(fill(book, tmp_path / f"ft-{who}.xlsx", ft)), "--config", str(path))
        cli("prisma", "--config", str(path))
        folder = config.output_dir / "prisma"
        day0_rows = prisma_rows(folder)
        assert (day0_rows["database_results"], day0_rows["database_specific_results"]) == (
            "44",
            "Europe PMC, 4; PubMed, 40",
        )
        assert (day0_rows["register_results"], day0_rows["register_specific_results"]) == (
            "6",
            "ClinicalTrials.gov, 6",
        )
        assert (day0_rows["duplicates"], day0_rows["excluded_automatic"], day0_rows["excluded_other"]) == (
            "0",
            "30",
            "0",
        )
        assert (day0_rows["records_screened"], day0_rows["records_excluded"]) == ("20", "14")
        assert (day0_rows["dbr_sought_reports"], day0_rows["dbr_notretrieved_reports"]) == ("6", "1")
        assert (day0_rows["dbr_assessed"], day0_rows["dbr_excluded"]) == ("5", "wrong population, 1")
        assert (day0_rows["new_studies"], day0_rows["new_reports"]) == ("2", "4")

        # Day 30: six new PubMed records; an Embase export re-finding two screened records and a new one;
        # the registry revises the trial (completed) and adds a registration; a new preprint
        with Store.open(config.database_url) as store:
            found = store.get_records(config.review_id, [z, others[10]])
        by_pmid = {x.pmid: x for x in articles}
        new = make_articles(
            6, first_pmid=90_000_000, start=TODAY + timedelta(days=20), end=TODAY + timedelta(days=28)
        )
        server.add_articles(new)
        old = [by_pmid[found[z].record.pmid or ""], by_pmid[found[others[10]].record.pmid or ""]]
        write(tmp_path / "drop" / "embase-day30.ris", ris_for([*old, new[0]]))
        revised = study(NCT, "LDN for endometriosis pelvic pain", updated="2026-02-01", status="COMPLETED")
        ctgov.add([revised, study("NCT05000002", "LDN for adenomyosis pain", updated="2026-02-02")])
        epmc.add([result("PPR900002", "LDN in adenomyosis: a pilot", indexed="2026-02-03")])
        ctgov.add_fault(Fault("status", 500))
        epmc.add_fault(Fault("status", 429, retry_after=0.05))
        day30 = pipeline.refresh(config, today=TODAY + timedelta(days=30), client=EutilsClient(settings))
    assert [(h.database, h.new, h.updated) for h in day30.harvests] == [
        ("PubMed", 6, 0),
        ("ClinicalTrials.gov", 1, 1),
        ("Europe PMC", 1, 0),
    ]
    assert [f.records for f in day30.imports] == [3]
    assert day30.dedup is not None and day30.dedup.duplicates_removed == 3
    assert day30.ranking is not None and day30.ranking.trained  # the trained model ranks the new ones

    cli("prisma", "--new-version", "--config", str(path))
    rows = prisma_rows(folder)
    assert rows["previous_studies"] == "2" and rows["previous_reports"] == "4"
    assert (rows["database_results"], rows["database_specific_results"]) == (
        "10",
        "Embase, 3; Europe PMC, 1; PubMed, 6",
    )
    assert (rows["register_results"], rows["register_specific_results"]) == ("1", "ClinicalTrials.gov, 1")
    assert (rows["duplicates"], rows["excluded_automatic"], rows["records_screened"]) == ("3", "0", "0")
    assert (rows["new_studies"], rows["total_studies"], rows["total_reports"]) == ("0", "2", "4")
    summary = json.loads((folder / "prisma.json").read_text(encoding="utf-8"))
    assert json.dumps(summary).count('"lreview_version"') == 1 and "as_of" in summary
    svg = (folder / "prisma.svg").read_text(encoding="utf-8")
    numbers = {
        n for value in rows.values() for n in value.replace(";", ",").split(",") if n.strip().isdigit()
    }
    assert numbers and all(f"n = {n.strip()}" in svg or f"(n = {n.strip()})" in svg for n in numbers)
    assert (folder / "prisma.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
