"""The living review end to end, offline against the local E-utilities server, on SQLite and PostgreSQL.

Day 0: refresh -> two reviewers screen their first workbooks (dual) -> ingest from the inbox ->
conflict settled by the arbiter -> the stopping rule's exclusions -> full-text decisions with reasons
-> `lreview prisma`. Day 30: new PubMed records and an Embase export (with duplicates of screened
records) -> refresh finds only the new ones -> `lreview prisma --new-version`. Every PRISMA number is
asserted against what the scenario did.
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
from tests.support.eutils_server import EutilsServer
from tests.support.pubmed_builder import make_articles
from tests.support.review_builders import ris_for, write
from tests.support.screening_builders import current_workbooks, fill, sheet_rows

TODAY = date(2026, 1, 10)

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
    articles = make_articles(40, start=date(2024, 1, 1), end=date(2025, 6, 1))
    with EutilsServer(articles) as server:
        settings = EutilsSettings(base_url=server.url, requests_per_second=100)
        day0 = pipeline.refresh(config, today=TODAY, client=EutilsClient(settings))
        assert day0.harvests[0].new == 40

        # Day 0: ann and bob screen the top 20 of their (identical, blinded) workbooks
        books = current_workbooks(config)
        ann, bob = books[("ann", "TA", "screen")], books[("bob", "TA", "screen")]
        ids = ids_of(ann)
        assert sorted(ids) == sorted(ids_of(bob)) and len(ids) == 40
        a = {rid: ("include", "") for rid in ids[:4]} | {rid: ("exclude", "") for rid in ids[4:20]}
        b = {**a, ids[3]: ("exclude", "wrong design")}
        inbox = config.output_dir / "screening" / "inbox"
        fill(ann, inbox / "ann.xlsx", a)
        fill(bob, inbox / "bob.xlsx", b)
        cli("ingest", "--inbox", "--config", str(path))
        cat = current_workbooks(config)[("cat", "TA", "conflicts")]
        assert ids_of(cat) == [ids[3]]
        cli("ingest", str(fill(cat, tmp_path / "cat.xlsx", {ids[3]: ("include", "")})), "--config", str(path))
        cli("stop", "--force", "--config", str(path))  # the 20 nobody screened: excluded by automation

        # full text: both read the four reports; one excluded with a reason, one not retrieved
        books = current_workbooks(config)
        ft = {ids[0]: ("exclude", "wrong population"), ids[1]: ("not retrieved", "")}
        ft |= {ids[2]: ("include", ""), ids[3]: ("include", "")}
        for who in ("ann", "bob"):
            book = books[(who, "FT", "screen")]
            assert sorted(ids_of(book)) == sorted(ids[:4])
            cli("ingest", str(fill(book, tmp_path / f"ft-{who}.xlsx", ft)), "--config", str(path))
        cli("prisma", "--config", str(path))
        folder = config.output_dir / "prisma"
        day0_rows = prisma_rows(folder)
        assert (
            day0_rows["database_results"] == "40" and day0_rows["database_specific_results"] == "PubMed, 40"
        )
        assert (day0_rows["duplicates"], day0_rows["excluded_automatic"], day0_rows["excluded_other"]) == (
            "0",
            "20",
            "0",
        )
        assert (day0_rows["records_screened"], day0_rows["records_excluded"]) == ("20", "16")
        assert (day0_rows["dbr_sought_reports"], day0_rows["dbr_notretrieved_reports"]) == ("4", "1")
        assert (day0_rows["dbr_assessed"], day0_rows["dbr_excluded"]) == ("3", "wrong population, 1")
        assert (day0_rows["new_studies"], day0_rows["new_reports"]) == ("2", "2")

        # Day 30: six new PubMed records, and an Embase export re-finding two screened records and a new one
        with Store.open(config.database_url) as store:
            found = store.get_records(config.review_id, [ids[2], ids[10]])
        by_pmid = {x.pmid: x for x in articles}
        new = make_articles(
            6, first_pmid=90_000_000, start=TODAY + timedelta(days=20), end=TODAY + timedelta(days=28)
        )
        server.add_articles(new)
        old = [by_pmid[found[ids[2]].record.pmid or ""], by_pmid[found[ids[10]].record.pmid or ""]]
        write(tmp_path / "drop" / "embase-day30.ris", ris_for([*old, new[0]]))
        day30 = pipeline.refresh(config, today=TODAY + timedelta(days=30), client=EutilsClient(settings))
    assert day30.harvests[0].new == 6 and [f.records for f in day30.imports] == [3]
    assert day30.dedup is not None and day30.dedup.duplicates_removed == 3
    assert day30.ranking is not None and day30.ranking.trained  # the trained model ranks the new ones

    cli("prisma", "--new-version", "--config", str(path))
    rows = prisma_rows(folder)
    assert rows["previous_studies"] == "2" and rows["previous_reports"] == "2"
    assert rows["database_results"] == "9" and rows["database_specific_results"] == "Embase, 3; PubMed, 6"
    assert (rows["duplicates"], rows["excluded_automatic"], rows["records_screened"]) == ("3", "0", "0")
    assert (rows["new_studies"], rows["total_studies"], rows["total_reports"]) == ("0", "2", "2")
    summary = json.loads((folder / "prisma.json").read_text(encoding="utf-8"))
    assert json.dumps(summary).count('"lreview_version"') == 1 and "as_of" in summary
    svg = (folder / "prisma.svg").read_text(encoding="utf-8")
    numbers = {
        n for value in rows.values() for n in value.replace(";", ",").split(",") if n.strip().isdigit()
    }
    assert numbers and all(f"n = {n.strip()}" in svg or f"(n = {n.strip()})" in svg for n in numbers)
    assert (folder / "prisma.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
