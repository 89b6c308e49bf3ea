"""dedupe: obvious duplicates merge; every never-merge guard holds; canonical choice; human decisions."""

from __future__ import annotations

from lreview.dedup import DedupOptions, dedupe, pair_key
from lreview.records import Record

from .builders import article, embase_copy, other_article


def same_cluster(records: list[Record], options: DedupOptions | None = None) -> bool:
    result = dedupe(records, options)
    return result.cluster_of[0] == result.cluster_of[1]


def test_pubmed_and_embase_copies_of_one_article_are_merged() -> None:
    assert same_cluster([article(), embase_copy()])


def test_copy_without_doi_is_merged_on_fields() -> None:
    assert same_cluster([article(doi=None, pmid=None, source_id="a"), embase_copy(doi=None)])


def test_unrelated_articles_stay_apart() -> None:
    result = dedupe([article(), other_article(), embase_copy()])
    assert result.cluster_of[0] == result.cluster_of[2] != result.cluster_of[1]
    assert len(result.clusters) == 2


def test_erratum_is_never_merged_with_its_article() -> None:
    erratum = embase_copy(title="Erratum: Intestinal lipoprotein overproduction in insulin-resistant states")
    assert not same_cluster([article(), erratum])
    flagged = embase_copy(is_erratum=True, doi=None, pages="400")
    assert not same_cluster([article(doi=None, pmid=None), flagged])


def test_correction_to_title_is_not_merged() -> None:
    correction = embase_copy(
        title="Correction to: Intestinal lipoprotein overproduction in insulin-resistant states"
    )
    assert not same_cluster([article(), correction])


def test_retraction_notice_is_not_merged_with_the_retracted_article() -> None:
    notice = embase_copy(
        title="Retraction notice to: Intestinal lipoprotein overproduction in insulin-resistant states",
        doi=None,
        is_retraction_notice=True,
    )
    assert not same_cluster([article(is_retracted=True), notice])


def test_comment_and_reply_are_not_merged_with_the_article() -> None:
    for prefix in ("Comment on: ", "Reply to: ", "Response to: ", "Re: "):
        comment = embase_copy(
            title=prefix + "Intestinal lipoprotein overproduction in insulin-resistant states"
        )
        assert not same_cluster([article(), comment]), prefix


def test_part_one_and_part_two_are_not_merged() -> None:
    first = article(
        title="Lipoprotein metabolism in insulin resistance. Part I: the intestine", doi=None, pmid=None
    )
    second = embase_copy(
        title="Lipoprotein metabolism in insulin resistance. Part II: the intestine", doi=None
    )
    assert not same_cluster([first, second])
    roman = embase_copy(title="Lipoprotein metabolism in insulin resistance. Part 1: the intestine", doi=None)
    assert same_cluster([first, roman])


def test_sibling_trials_whose_titles_differ_in_one_word_are_not_merged() -> None:
    def registration(population: str, response: str) -> Record:
        title = (
            f"Open label controlled trial of eculizumab in {population} patients "
            f"with plasma therapy-{response} aHUS"
        )
        return Record(
            source="CENTRAL",
            source_id=f"{population}-{response}",
            title=title,
            abstract=f"{title}. This study is ongoing, but not recruiting participants.",
            authors=("Alexion Pharmaceuticals, Inc",),
            year=2011,
        )

    trials = [registration(p, r) for p in ("adult", "adolescent") for r in ("sensitive", "resistant")]
    assert len(set(dedupe(trials).cluster_of)) == 4
    misspelt = embase_copy(
        title="Intestinal lipoprotein overproduction in insulin-resistent states", doi=None
    )
    assert same_cluster([article(doi=None), misspelt])


def test_same_title_with_different_dois_is_not_merged() -> None:
    abstract = embase_copy(doi="10.1016/j.atherosclerosis.2008.05.001", pages="S12", volume="199")
    assert not same_cluster([article(), abstract])


def test_different_pmids_are_never_merged() -> None:
    assert not same_cluster([article(), article(pmid="99999999", source_id="99999999")])


def test_chain_through_a_record_without_doi_does_not_join_two_dois() -> None:
    bridge = embase_copy(doi=None)
    companion = embase_copy(source_id="other", doi="10.1097/MOL.0000000000000001", pages="")
    result = dedupe([article(pmid=None), bridge, companion])
    assert result.cluster_of[0] != result.cluster_of[2]


def test_preprint_is_related_not_merged_by_default() -> None:
    preprint = embase_copy(
        source="medRxiv", journal="medRxiv", doi="10.1101/2020.01.01.123456", volume="", pages=""
    )
    result = dedupe([article(), preprint])
    assert result.cluster_of[0] != result.cluster_of[1]
    assert [(r.a, r.b) for r in result.related] == [(0, 1)]


def test_conference_abstract_with_other_pages_is_related_not_merged() -> None:
    abstract = embase_copy(
        doi=None,
        journal="Current opinion in lipidology. Conference: EAS Congress",
        year=2007,
        volume="",
        pages="",
    )
    result = dedupe([article(doi=None), abstract])
    assert result.cluster_of[0] != result.cluster_of[1]
    merged = dedupe([article(doi=None), abstract], DedupOptions(related="merge"))
    assert merged.cluster_of[0] == merged.cluster_of[1]


def test_canonical_is_the_pubmed_record_with_abstract_and_doi() -> None:
    records = [embase_copy(), article(), embase_copy(source="Scopus", source_id="s1", abstract="")]
    cluster = dedupe(records).clusters[0]
    assert cluster.members == (0, 1, 2)
    assert cluster.canonical == 1
    assert cluster.record.source == "PubMed"


def test_merged_record_fills_gaps_from_other_members() -> None:
    pubmed = article(abstract="", doi=None)
    scopus = embase_copy(source="Scopus", keywords=("lipoproteins",))
    cluster = dedupe([pubmed, scopus]).clusters[0]
    assert cluster.canonical == 1  # the record with abstract and DOI wins over PubMed without them
    assert cluster.record.pmid == "18451323"
    assert cluster.record.keywords == ("lipoproteins",)


def test_similar_records_with_conflicting_pages_go_to_the_possible_list() -> None:
    typo = embase_copy(doi=None, pages="231-8", abstract="")
    result = dedupe([article(doi=None), typo])
    assert result.cluster_of[0] != result.cluster_of[1]
    assert [(p.a, p.b) for p in result.possible] == [(0, 1)]
    assert "first page differ" in result.possible[0].reasons


def test_human_decisions_override_both_ways() -> None:
    typo = embase_copy(doi=None, pages="231-8", abstract="")
    records = [article(doi=None), typo]
    confirmed = DedupOptions(decisions={pair_key(records[0], records[1]): True})
    assert same_cluster(records, confirmed)
    assert dedupe(records, confirmed).possible == []
    records = [article(), embase_copy()]
    rejected = DedupOptions(decisions={pair_key(records[0], records[1]): False})
    assert not same_cluster(records, rejected)


def test_empty_input_gives_empty_result() -> None:
    result = dedupe([])
    assert result.cluster_of == [] and result.clusters == []


def test_two_databases_correction_titles_are_one_erratum_and_not_the_article() -> None:
    wos = embase_copy(
        title="Intestinal lipoprotein overproduction in insulin-resistant states (vol 19, pg 221, 2008)"
    )
    embase = embase_copy(
        source="Embase",
        source_id="L2",
        title="Intestinal lipoprotein overproduction in insulin-resistant states "
        "(Current Opinion in Lipidology (2008) 19 (221-228))",
    )
    records = [wos, embase, article(doi=None)]
    result = dedupe(records)
    assert result.cluster_of[0] == result.cluster_of[1] != result.cluster_of[2]


def test_identical_title_abstract_authors_and_volume_outweigh_a_page_typo() -> None:
    typo = embase_copy(doi=None, pages="231-8")
    assert same_cluster([article(doi=None), typo])


# ---- a shared identifier alone does not merge different titles (supplement DOIs, copied PMIDs) ----

SUPPLEMENT_DOI = "http://dx.doi.org/10.1007/s00125-010-1872-z"  # Diabetologia 53 Suppl 1, every abstract


def supplement_abstract(title: str, abstract: str, authors: tuple[str, ...], source_id: str) -> Record:
    """A conference abstract as Embase lists it: the supplement's DOI, no page of its own."""
    return Record(
        source="Embase", source_id=source_id, title=title, abstract=abstract, authors=authors, year=2010,
        journal="Diabetologia", volume="53", issue="SUPPL. 1", doi=SUPPLEMENT_DOI,
        publication_types=("Conference Abstract",),
    )  # fmt: skip


def possible_reasons(records: list[Record]) -> list[tuple[int, int, tuple[str, ...]]]:
    result = dedupe(records)
    assert result.cluster_of[0] != result.cluster_of[1]
    return [(p.a, p.b, p.reasons) for p in result.possible]


def test_two_abstracts_of_one_group_sharing_a_supplement_doi_go_to_a_human() -> None:
    er_stress = supplement_abstract(
        "Liraglutide reduces endoplasmic reticulum stress in human endothelial cells in hyperglycaemia",
        "Background: The endoplasmic reticulum (ER) is a key organelle where membrane and secreted proteins "
        "fold. We studied whether liraglutide reduces ER stress markers (GRP78, CHOP) in HUVECs.",
        ("Schisano B", "Tripathi G", "Harte AL", "Ceriello A"), "L70000001",
    )  # fmt: skip
    oxidative = supplement_abstract(
        "Liraglutide reduces oxidative stress in human endothelial cells exposed to oscillating glucose",
        "Background and aims: Glucose swings generate more oxidative stress than constant hyperglycaemia. "
        "We measured nitrotyrosine and 8-OHdG in HUVECs with and without GLP-1 analogue treatment.",
        ("Schisano B", "Piconi L", "McTernan PG", "Ceriello A"), "L70000002",
    )  # fmt: skip
    assert possible_reasons([er_stress, oxidative]) == [(0, 1, ("same DOI, different titles",))]


def test_sibling_abstracts_whose_titles_differ_in_one_word_share_a_doi_but_not_a_cluster() -> None:
    def abstract(population: str, n: int, change: str, source_id: str) -> Record:
        return supplement_abstract(
            f"Efficacy and safety of liraglutide in {population} with type 2 diabetes: 26-week results",
            f"Aims: to assess liraglutide in {population} with type 2 diabetes inadequately controlled on "
            f"metformin. Methods: randomised, double-blind, placebo-controlled, 26 weeks, {n} patients. "
            f"Results: HbA1c changed by {change} with liraglutide.",
            ("Klein DJ", "Battelino T", "Danne T"), source_id,
        )  # fmt: skip

    adults, adolescents = abstract("adults", 412, "-1.1%", "L1"), abstract("adolescents", 134, "-0.6%", "L2")
    reasons = possible_reasons([adults, adolescents])
    assert reasons == [(0, 1, ("same DOI, different titles",))]


def test_a_pmid_copied_onto_another_article_does_not_merge_it() -> None:
    wrong = other_article(
        source="Zotero", source_id="ABCD1234", pmid="18451323", doi=None,
        title="Hepatic and intestinal lipoprotein production in type 2 diabetes: new insights",
        authors=("Adeli K", "Lewis GF"), year=2008,
    )  # fmt: skip
    assert possible_reasons([article(), wrong]) == [(0, 1, ("same PMID, different titles",))]


def test_a_shared_identifier_with_corroborating_fields_still_merges_unlike_titles() -> None:
    translated = embase_copy(
        pmid="18451323", doi=None,
        title="Surproduction intestinale de lipoprotéines dans les états d'insulinorésistance",
    )  # fmt: skip
    assert same_cluster([article(), translated])  # same PMID, same abstract: one article
    case_record = embase_copy(
        abstract="", title="Case records of the Massachusetts General Hospital. Intestinal lipoprotein "
        "overproduction in insulin-resistant states",
    )  # fmt: skip
    assert same_cluster([article(abstract=""), case_record])  # same DOI, year, volume, pages, authors
