"""Builders for realistic NCBI responses: PubmedArticle XML (efetch) and eSearchResult XML (esearch).

Used by the local E-utilities test server and by parser tests. Everything is rendered with plain
string templates (escaped with `xml.sax.saxutils`) because the server pre-renders tens of thousands
of articles and must stay fast; the shapes follow NCBI's pubmed_250101.dtd and esearch.dtd.
Not for production code: nothing under `src/` imports this.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from xml.sax.saxutils import escape

from lxml import etree

from lreview.errors import InputError
from lreview.records import Record

PUBMED_DOCTYPE = (
    '<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">'
)
ESEARCH_DOCTYPE = (
    '<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD esearch 20060628//EN" '
    '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">'
)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Author:
    """One PubMed author: LastName, ForeName, Initials."""

    last: str
    fore: str
    initials: str


@dataclass(frozen=True)
class SyntheticArticle:
    """The fields of one synthetic PubMed record; `revision` > 0 simulates later MDAT updates."""

    pmid: str
    entrez_date: date
    title: str = "A synthetic article."
    abstract: str = ""
    authors: tuple[Author, ...] = ()
    journal: str = "Journal of Synthetic Results"
    journal_abbrev: str = "J Synth Res"
    issn: str = "1234-5678"
    volume: str = "1"
    issue: str = "1"
    pages: str = "1-10"
    pub_year: int | None = None
    language: str = "eng"
    publication_types: tuple[str, ...] = ("Journal Article",)
    doi: str | None = None
    mesh: tuple[str, ...] = ()
    revision: int = 0
    extra_history: tuple[tuple[str, date], ...] = field(default=())
    trials: tuple[str, ...] = ()  # ClinicalTrials.gov accessions in a DataBankList ("NCT01234567")

    @property
    def year(self) -> int:
        """Publication year (defaults to the entrez year)."""
        return self.pub_year if self.pub_year is not None else self.entrez_date.year

    @property
    def date_revised(self) -> date:
        """DateRevised: moves forward 30 days with each revision."""
        return self.entrez_date + timedelta(days=60 + 30 * self.revision)

    def revised(self) -> SyntheticArticle:
        """The same article after one more MEDLINE revision (title changes, DateRevised moves)."""
        base = self.title.split(" [rev ", 1)[0]
        return replace(self, revision=self.revision + 1, title=f"{base} [rev {self.revision + 1}]")


def _date_xml(tag: str, d: date, attrs: str = "") -> str:
    return f"<{tag}{attrs}><Year>{d.year}</Year><Month>{d.month:02d}</Month><Day>{d.day:02d}</Day></{tag}>"


def _history_date(status: str, d: date) -> str:
    return (
        f'<PubMedPubDate PubStatus="{status}"><Year>{d.year}</Year><Month>{d.month}</Month>'
        f"<Day>{d.day}</Day><Hour>0</Hour><Minute>0</Minute></PubMedPubDate>"
    )


def _text(value: str) -> str:
    """Escaped XML text; a CR becomes `&#13;`, since a literal one would be read back as LF."""
    return escape(value, _CR) if "\r" in value else escape(value)


_CR = {"\r": "&#13;"}


def article_xml(a: SyntheticArticle) -> str:
    """One `<PubmedArticle>` element as NCBI efetch (retmode=xml) renders it."""
    t = _text
    authors = "".join(
        f'<Author ValidYN="Y"><LastName>{t(x.last)}</LastName><ForeName>{t(x.fore)}</ForeName>'
        f"<Initials>{t(x.initials)}</Initials></Author>"
        for x in a.authors
    )
    author_list = f'<AuthorList CompleteYN="Y">{authors}</AuthorList>' if a.authors else ""
    abstract = f"<Abstract><AbstractText>{t(a.abstract)}</AbstractText></Abstract>" if a.abstract else ""
    start, _, end = a.pages.partition("-")
    pagination = (
        f"<Pagination><StartPage>{t(start)}</StartPage><EndPage>{t(end)}</EndPage>"
        f"<MedlinePgn>{t(a.pages)}</MedlinePgn></Pagination>"
    )
    eloc = f'<ELocationID EIdType="doi" ValidYN="Y">{t(a.doi)}</ELocationID>' if a.doi else ""
    ptypes = "".join(f'<PublicationType UI="D016428">{t(p)}</PublicationType>' for p in a.publication_types)
    mesh = "".join(
        f'<MeshHeading><DescriptorName UI="D{i:06d}" MajorTopicYN="N">{t(m)}</DescriptorName></MeshHeading>'
        for i, m in enumerate(a.mesh, start=1)
    )
    mesh_list = f"<MeshHeadingList>{mesh}</MeshHeadingList>" if a.mesh else ""
    numbers = "".join(f"<AccessionNumber>{t(n)}</AccessionNumber>" for n in a.trials)
    databanks = (
        f'<DataBankList CompleteYN="Y"><DataBank><DataBankName>ClinicalTrials.gov</DataBankName>'
        f"<AccessionNumberList>{numbers}</AccessionNumberList></DataBank></DataBankList>"
        if a.trials
        else ""
    )
    ed = a.entrez_date
    pub_date = f"<PubDate><Year>{a.year}</Year><Month>{MONTHS[ed.month - 1]}</Month></PubDate>"
    history = "".join(_history_date(s, d) for s, d in a.extra_history)
    history += _history_date("pubmed", ed) + _history_date("medline", ed) + _history_date("entrez", ed)
    doi_id = f'<ArticleId IdType="doi">{t(a.doi)}</ArticleId>' if a.doi else ""
    return (
        f'<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM" IndexingMethod="Automated">'
        f'<PMID Version="1">{a.pmid}</PMID>'
        f"{_date_xml('DateCompleted', ed + timedelta(days=30))}{_date_xml('DateRevised', a.date_revised)}"
        f'<Article PubModel="Print-Electronic"><Journal><ISSN IssnType="Electronic">{t(a.issn)}</ISSN>'
        f'<JournalIssue CitedMedium="Internet"><Volume>{t(a.volume)}</Volume><Issue>{t(a.issue)}</Issue>'
        f"{pub_date}</JournalIssue><Title>{t(a.journal)}</Title>"
        f"<ISOAbbreviation>{t(a.journal_abbrev)}</ISOAbbreviation></Journal>"
        f"<ArticleTitle>{t(a.title)}</ArticleTitle>{pagination}{eloc}{abstract}{author_list}"
        f"<Language>{t(a.language)}</Language>{databanks}<PublicationTypeList>{ptypes}</PublicationTypeList>"
        f"</Article><MedlineJournalInfo><Country>England</Country><MedlineTA>{t(a.journal_abbrev)}</MedlineTA>"
        f"<NlmUniqueID>101000000</NlmUniqueID><ISSNLinking>{t(a.issn)}</ISSNLinking></MedlineJournalInfo>"
        f"<CitationSubset>IM</CitationSubset>{mesh_list}</MedlineCitation>"
        f"<PubmedData><History>{history}</History><PublicationStatus>ppublish</PublicationStatus>"
        f'<ArticleIdList><ArticleId IdType="pubmed">{a.pmid}</ArticleId>{doi_id}</ArticleIdList>'
        f"</PubmedData></PubmedArticle>"
    )


def article_set_xml(articles: Iterable[str]) -> bytes:
    """A complete efetch response body around pre-rendered `<PubmedArticle>` strings."""
    body = "\n".join(articles)
    return (
        f'<?xml version="1.0" ?>\n{PUBMED_DOCTYPE}\n<PubmedArticleSet>\n{body}\n</PubmedArticleSet>\n'
    ).encode()


def esearch_xml(
    *,
    count: int,
    ids: Sequence[str],
    retstart: int = 0,
    webenv: str | None = None,
    query_key: str | None = None,
    translation: str = "",
    errors: Sequence[tuple[str, str]] = (),
    warnings: Sequence[tuple[str, str]] = (),
) -> bytes:
    """An eSearchResult as PubMed returns it (`errors`/`warnings` are (element, text) pairs)."""
    history = ""
    if webenv is not None and query_key is not None:
        history = f"<QueryKey>{query_key}</QueryKey><WebEnv>{escape(webenv)}</WebEnv>"
    id_list = "<IdList>\n" + "".join(f"<Id>{i}</Id>\n" for i in ids) + "</IdList>" if ids else "<IdList/>"
    err = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in errors)
    warn = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in warnings)
    return (
        f'<?xml version="1.0" encoding="UTF-8" ?>\n{ESEARCH_DOCTYPE}\n'
        f"<eSearchResult><Count>{count}</Count><RetMax>{len(ids)}</RetMax><RetStart>{retstart}</RetStart>"
        f"{history}{id_list}<TranslationSet/><QueryTranslation>{escape(translation)}</QueryTranslation>"
        f"{f'<ErrorList>{err}</ErrorList>' if err else ''}"
        f"{f'<WarningList>{warn}</WarningList>' if warn else ''}</eSearchResult>\n"
    ).encode()


def esearch_error_xml(message: str) -> bytes:
    """An eSearchResult holding only a top-level `<ERROR>` (what PubMed sends when the backend fails)."""
    return (
        f'<?xml version="1.0" encoding="UTF-8" ?>\n{ESEARCH_DOCTYPE}\n'
        f"<eSearchResult><ERROR>{escape(message)}</ERROR></eSearchResult>\n"
    ).encode()


def efetch_error_xml(message: str) -> bytes:
    """An eFetchResult holding a top-level `<ERROR>` (e.g. an expired WebEnv)."""
    return (
        f'<?xml version="1.0" encoding="UTF-8" ?>\n<eFetchResult>\n\t<ERROR>{escape(message)}</ERROR>\n'
        f"</eFetchResult>\n"
    ).encode()


_WORDS = tuple(
    [
        "naltrexone",
        "low",
        "dose",
        "endometriosis",
        "pain",
        "randomised",
        "trial",
        "cohort",
        "women",
        "pelvic",
        "chronic",
        "inflammation",
        "opioid",
        "antagonist",
        "outcome",
        "quality",
        "life",
        "placebo",
        "controlled",
        "study",
        "analysis",
        "systematic",
        "review",
    ]
)
_SURNAMES = ("Smith", "García", "Müller", "Nguyen", "O'Brien", "Kowalski", "Tanaka", "Silva", "Okafor")


def make_articles(
    n: int,
    *,
    first_pmid: int = 10_000_000,
    start: date = date(1995, 1, 1),
    end: date = date(2025, 12, 31),
    seed: int = 0,
) -> list[SyntheticArticle]:
    """`n` synthetic articles with distinct PMIDs and entrez dates spread evenly from `start` to `end`."""
    rng = random.Random(seed)
    span = (end - start).days
    out: list[SyntheticArticle] = []
    for i in range(n):
        edat = start + timedelta(days=(i * span) // max(n - 1, 1))
        words = rng.sample(_WORDS, 6)
        surname = _SURNAMES[i % len(_SURNAMES)]
        out.append(
            SyntheticArticle(
                pmid=str(first_pmid + i),
                entrez_date=edat,
                title=f"{' '.join(words).capitalize()} & <results> {i}.",
                abstract=" ".join(rng.choices(_WORDS, k=60)) + ".",
                authors=(Author(surname, "Ana María", "AM"), Author("Lee", "J", "J")),
                doi=f"10.1000/synth.{first_pmid + i}",
                mesh=("Humans", "Female", rng.choice(("Endometriosis", "Naltrexone", "Pain"))),
                volume=str(1 + i % 40),
                issue=str(1 + i % 12),
                pages=f"{1 + i % 900}-{10 + i % 900}",
            )
        )
    return out


# Cell payloads a spreadsheet runs as formulas (OWASP "CSV injection"): each starts with =, +, -, @,
# TAB or CR. PubMed's parser collapses whitespace, so TAB and CR lead only in the raw XML; the text
# after them is itself a formula, so the parsed field is hostile too.
HOSTILE_PAYLOADS = (
    '=HYPERLINK("http://evil","x")',
    "+1+1 cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1+cmd|' /C calc'!A0",
    '\r=HYPERLINK("http://evil","cr")',
)
# Legal in XML 1.0 but awkward in a file for people: C1 controls (NEL, CSI), a right-to-left override,
# a line separator and a byte-order mark. Characters illegal in XML 1.0 (U+0001, U+FFFE) cannot be
# sent at all: lxml, like PubMed's XML, rejects them even as character references.
AWKWARD_TITLE = "Awkward \u0085NEL \u009b[31m CSI \u202eRLO\u202c \u2028LS \ufeffBOM title."


def hostile_articles(
    *, first_pmid: int = 66_600_000, entrez_date: date = date(2024, 6, 1)
) -> list[SyntheticArticle]:
    """One article per `HOSTILE_PAYLOADS` entry (title, abstract, authors, journal all start with it),
    then one whose title is `AWKWARD_TITLE`; consecutive PMIDs from `first_pmid`, all on `entrez_date`."""
    out = [
        SyntheticArticle(
            pmid=str(first_pmid + i),
            entrez_date=entrez_date,
            title=f"{payload} title {i}",
            abstract=f"{payload} abstract {i}.",
            authors=(Author(payload, "Eve", "E"), Author(f"{payload}{i}", payload, "X")),
            journal=f"{payload} journal",
            journal_abbrev=f"{payload} J",
            doi=f"10.1000/hostile.{first_pmid + i}",
        )
        for i, payload in enumerate(HOSTILE_PAYLOADS)
    ]
    n = len(out)
    out.append(
        SyntheticArticle(
            pmid=str(first_pmid + n), entrez_date=entrez_date, title=AWKWARD_TITLE, abstract="x."
        )
    )
    return out


def parse_minimal(data: bytes) -> list[Record]:
    """A tiny PubmedArticleSet parser for tests: PMID, title, entrez date; raises on broken XML.

    Raises `lxml.etree.XMLSyntaxError` on truncated XML and `InputError` on a wrong root, as the
    real parser (`lreview.sources.pubmed_xml`) does.
    """
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
    if root.tag != "PubmedArticleSet":
        raise InputError(f"efetch response: expected PubmedArticleSet, got <{root.tag}>")
    out = []
    for art in root.iterfind("PubmedArticle"):
        pmid = art.findtext("MedlineCitation/PMID") or ""
        entrez = art.find("PubmedData/History/PubMedPubDate[@PubStatus='entrez']")
        edat = ""
        if entrez is not None:
            y, m, d = (int(entrez.findtext(k) or 0) for k in ("Year", "Month", "Day"))
            edat = f"{y:04d}-{m:02d}-{d:02d}"
        out.append(
            Record(
                source="PubMed",
                source_id=pmid,
                pmid=pmid,
                title=art.findtext("MedlineCitation/Article/ArticleTitle") or "",
                date_entered=edat,
            )
        )
    return out
