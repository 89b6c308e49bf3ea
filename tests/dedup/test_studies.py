"""Registrations are never merged with articles; reports are linked to their study's registration."""

from __future__ import annotations

from lreview.dedup import dedupe
from lreview.dedup.studies import cited_trials, study_links
from lreview.records import Record

TITLE = "Low-dose naltrexone for endometriosis-associated pelvic pain: a randomised trial"
ABSTRACT = (
    "We randomised 60 women with endometriosis to low-dose naltrexone or placebo for twelve weeks. " * 2
)


def registration(nct: str = "NCT01234567", **extra: str) -> Record:
    return Record(
        "ClinicalTrials.gov",
        nct,
        title=TITLE,
        abstract=f"SUMMARY: {ABSTRACT}",
        year=2024,
        publication_types=("Clinical Trial Registration",),
        extra=tuple(extra.items()),
    )


def article(pmid: str = "38000001", abstract: str = ABSTRACT, **extra: str) -> Record:
    return Record(
        "PubMed",
        pmid,
        title=TITLE,
        abstract=abstract,
        authors=("Smith J", "Doe A"),
        year=2024,
        journal="Fertility Journal",
        pmid=pmid,
        publication_types=("Journal Article", "Randomized Controlled Trial"),
        extra=tuple(extra.items()),
    )


def test_registration_is_never_merged_with_the_article_of_the_same_title_and_abstract() -> None:
    result = dedupe([registration(), article()])
    assert len(result.clusters) == 2
    assert result.possible == []


def test_article_naming_the_nct_id_in_its_databank_is_linked_to_the_registration() -> None:
    result = dedupe([registration(), article(trial_registration="NCT01234567")])
    assert [(p.a, p.b, p.reason) for p in result.related] == [(0, 1, "study NCT01234567")]


def test_nct_id_in_the_abstract_links_too_and_preprint_and_article_both_link() -> None:
    preprint = Record(
        "Europe PMC",
        "PPR:PPR1",
        title="LDN for endometriosis pain (preprint)",
        abstract="Registered as nct01234567. " + ABSTRACT,
        publication_types=("Preprint",),
    )
    links = study_links([article(abstract="Trial registration: NCT01234567."), preprint, registration()])
    assert [(p.a, p.b) for p in links] == [(2, 0), (2, 1)]


def test_registration_reference_pmid_links_the_article() -> None:
    links = study_links([registration(reference_pmid="38000001"), article()])
    assert [(p.a, p.b, p.reason) for p in links] == [(0, 1, "study NCT01234567")]


def test_no_registration_no_links_and_other_ids_are_ignored() -> None:
    assert study_links([article(trial_registration="NCT01234567")]) == []
    assert cited_trials(article(abstract="ISRCTN12345678 and NCT123 (too short)")) == set()


def test_two_registrations_stay_apart() -> None:
    assert len(dedupe([registration("NCT01234567"), registration("NCT07654321")]).clusters) == 2
