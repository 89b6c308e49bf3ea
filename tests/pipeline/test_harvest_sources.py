"""Harvest of ClinicalTrials.gov and Europe PMC searches into a real store through the source registry."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from lreview.config import ReviewConfig, parse_config
from lreview.errors import HarvestError, LreviewError
from lreview.pipeline import harvest
from lreview.sources.ctgov import CtgovSettings, CtgovSource
from lreview.sources.europepmc import EuropePmcSettings, EuropePmcSource
from lreview.sources.registry import arm_of, lookup
from lreview.store import Store
from tests.support.ctgov_server import CtgovServer, many_studies, study
from tests.support.europepmc_server import EuropePmcServer, many_results
from tests.support.json_server import Fault

TODAY = date(2026, 1, 10)
CTGOV_QUERY = "query.intr = naltrexone; query.cond = endometriosis OR autoimmune"


def make_config(tmp_path: Path, url: str, *searches: dict[str, Any]) -> ReviewConfig:
    data = {
        "review": {
            "id": "r",
            "title": "t",
            "eligibility": "e",
            "exclusion_reasons": ["x"],
            "reviewers": ["a"],
            "output_dir": str(tmp_path / "out"),
            "database_url": url,
        },
        "searches": list(searches),
    }
    return parse_config(data, tmp_path / "review.toml")


def ctgov(server: CtgovServer, retries: int = 3) -> CtgovSource:
    return CtgovSource(
        CtgovSettings(base_url=server.url, rate=200, page_size=10, max_retries=retries, backoff_base=0.01)
    )


def test_registry_knows_each_source_and_its_prisma_arm() -> None:
    assert lookup("clinicaltrials.gov").name == "ClinicalTrials.gov"
    assert [arm_of(n) for n in ("PubMed", "ClinicalTrials.gov", "Europe PMC", "Embase", "WHO ICTRP")] == [
        "database",
        "register",
        "database",
        "database",
        "register",
    ]
    with pytest.raises(ValueError, match="unknown harvest source 'Scopus'"):
        lookup("Scopus")


def test_registrations_are_stored_by_nct_id_and_a_revision_is_a_new_raw_version(
    tmp_path: Path, store_url: str
) -> None:
    config = make_config(
        tmp_path, store_url, {"name": "trials", "database": "ClinicalTrials.gov", "query": CTGOV_QUERY}
    )
    search = config.searches[0]
    with CtgovServer(many_studies(25)) as server, Store.open(store_url) as store:
        first = harvest(config, search, store, ctgov(server), TODAY)
        assert (first.count, first.fetched, first.new) == (25, 25, 25)
        server.add(
            [study("NCT90000003", "Trial number 3 of naltrexone", updated="2026-01-09", status="COMPLETED")]
        )
        second = harvest(config, search, store, ctgov(server), date(2026, 1, 12))
        assert (second.fetched, second.new, second.updated) == (1, 0, 1)
        versions = store.raw_versions("r", "ClinicalTrials.gov", "NCT90000003")
        assert [dict(v.extra)["status"] for v in versions] == ["RECRUITING", "COMPLETED"]
        assert store.run(second.run_id).source == "ClinicalTrials.gov"


def test_failed_page_marks_the_run_failed_and_a_rerun_resumes_without_duplicates(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    config = make_config(
        tmp_path, url, {"name": "trials", "database": "ClinicalTrials.gov", "query": CTGOV_QUERY}
    )
    search = config.searches[0]
    with CtgovServer(many_studies(25)) as server, Store.open(url) as store:
        with pytest.raises(HarvestError, match=r"^ClinicalTrials.gov: page 2: gave up after 2 attempts"):
            harvest(config, search, store, _FailingSecondPage(server), TODAY)
        failed = store.run(1)
        assert failed.status == "failed" and "page 2" in failed.errors[0]
        assert store.last_successful_run("r", "trials") is None
        assert store.count_records("r") == 10  # the first page was stored before the failure
        again = harvest(config, search, store, ctgov(server), TODAY)
        assert (again.fetched, again.new, again.unchanged) == (25, 15, 10)
        assert store.count_records("r") == 25


class _FailingSecondPage(CtgovSource):
    """A CT.gov source whose second page is truncated on every attempt (faults queued on demand)."""

    def __init__(self, server: CtgovServer) -> None:
        super().__init__(
            CtgovSettings(base_url=server.url, rate=200, page_size=10, max_retries=1, backoff_base=0.01)
        )
        self._server = server

    def _page(self, number: int, params: dict[str, str]) -> Any:
        if number == 2:
            self._server.add_fault(Fault("truncate"), times=2)
        return super()._page(number, params)


def test_preprints_are_stored_with_source_europe_pmc(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    query = "(naltrexone OR LDN) AND (endometriosis OR pelvic pain) AND SRC:PPR"
    config = make_config(tmp_path, url, {"name": "preprints", "database": "Europe PMC", "query": query})
    with EuropePmcServer(many_results(12)) as server, Store.open(url) as store:
        source = EuropePmcSource(EuropePmcSettings(base_url=server.url, rate=200, page_size=5))
        summary = harvest(config, config.searches[0], store, source, TODAY)
        assert (summary.count, summary.new) == (12, 12)
        records = [s.record for s in store.iter_records("r")]
    assert {r.source for r in records} == {"Europe PMC"}
    assert all("Preprint" in r.publication_types for r in records)


def test_search_of_a_source_lreview_does_not_know_is_a_config_error(tmp_path: Path) -> None:
    known = r"searches\[0\]\.database: Input should be .PubMed., .ClinicalTrials.gov. or .Europe PMC."
    with pytest.raises(LreviewError, match=known):
        make_config(tmp_path, "sqlite://", {"name": "s", "database": "Scopus", "query": "x"})


def test_study_of_registration_preprint_and_article_is_linked_and_shown_in_workbook_rows(
    tmp_path: Path,
) -> None:
    from lreview.decisions import TITLE_ABSTRACT
    from lreview.pipeline.duplicates import deduplicate_store, related_pairs
    from lreview.pipeline.screening import review_states, workbook_rows
    from lreview.records import Record
    from tests.support.europepmc_server import result

    url = f"sqlite:///{tmp_path / 'store.db'}"
    config = make_config(
        tmp_path,
        url,
        {"name": "trials", "database": "ClinicalTrials.gov", "query": CTGOV_QUERY},
        {"name": "preprints", "database": "Europe PMC", "query": "naltrexone AND SRC:PPR"},
    )
    title = "Low-dose naltrexone for endometriosis-associated pelvic pain"
    abstract = "Registered at ClinicalTrials.gov (NCT01234567). We randomised 60 women to LDN or placebo."
    article = Record(
        "PubMed", "38000001", title=title, abstract=abstract, pmid="38000001", year=2025,
        extra=(("trial_registration", "NCT01234567"),),
    )  # fmt: skip
    with (
        CtgovServer([study("NCT01234567", title)]) as trials,
        EuropePmcServer([result("PPR1", title, abstract=abstract)]) as preprints,
        Store.open(url) as store,
    ):
        harvest(config, config.searches[0], store, ctgov(trials), TODAY)
        epmc = EuropePmcSource(EuropePmcSettings(base_url=preprints.url, rate=200))
        harvest(config, config.searches[1], store, epmc, TODAY)
        store.store_records("r", "PubMed", [article])
        summary = deduplicate_store(config, store)
        ids = {s.record.source_id: s.id for s in store.iter_records("r")}
        assert summary.publications == 3  # one study, three reports: none merged, all related
        links = {(a, b): reason for a, b, reason in related_pairs(store, "r")}
        registration = ids["NCT01234567"]
        assert links[(registration, ids["38000001"])] == "study NCT01234567"
        assert links[(registration, ids["PPR:PPR1"])] == "study NCT01234567"
        pubs = review_states(config, store).publications
        rows = {r.record_id: r for r in workbook_rows(store, config, pubs, TITLE_ABSTRACT, "screen", {})}
    trial_row = rows[registration]
    assert trial_row.flags == ("trial registration",)
    assert trial_row.link == "https://clinicaltrials.gov/study/NCT01234567"
    assert ("Status", "RECRUITING") in trial_row.extra and ("Phase", "PHASE2") in trial_row.extra
    assert "preprint" in rows[ids["PPR:PPR1"]].flags
