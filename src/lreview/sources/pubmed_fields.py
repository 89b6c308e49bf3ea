"""Where each Record field lives in PubMed XML, and how one record element becomes a `Record`.

For: one parsed `<PubmedArticle>` / `<PubmedBookArticle>` element (lxml) -> `Record`; pure, no I/O.
Not for: reading documents, streaming or safety (see `pubmed_xml.py`, which calls this).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from lreview.records import Link, Record

_YEAR = re.compile(r"\d{4}")
_PUBMED_URL = "https://pubmed.ncbi.nlm.nih.gov/{}/"

# (publication type, CommentsCorrections RefType): either one sets the flag.
_RETRACTED = ("Retracted Publication", "RetractionIn")
_RETRACTION_NOTICE = ("Retraction of Publication", "RetractionOf")
_ERRATUM = ("Published Erratum", "ErratumFor")


def record_from_element(elem: etree._Element) -> Record:
    """The Record of one `<PubmedArticle>` or `<PubmedBookArticle>`; ValueError if it has no PMID."""
    if elem.tag == "PubmedArticle":
        return _article_record(elem)
    if elem.tag == "PubmedBookArticle":
        return _book_record(elem)
    raise ValueError(f"<{elem.tag}> is not a PubMed record element")


# Where each field lives: a path from the record element (child steps, optionally ending in one
# [@attr='value'] test) -- tables rather than branching code, so a new DTD version is a one-line
# change. All paths of a table are compiled into one tree and read in a single walk over the record
# that never enters the parts no field needs (ReferenceList, affiliations, grants...). Measured on
# the shared recordings: ~40 us a record, against ~60 us for one compiled XPath per field and more
# for one find() per field (see benchmarks/parse_speed.py).

_ARTICLE_PATHS = {
    "pmid": "MedlineCitation/PMID",
    "title": "MedlineCitation/Article/ArticleTitle",
    "vernacular_title": "MedlineCitation/Article/VernacularTitle",
    "abstract": "MedlineCitation/Article/Abstract/AbstractText",
    "author_lists": "MedlineCitation/Article/AuthorList",
    "journal": "MedlineCitation/Article/Journal/Title",
    "iso_abbreviation": "MedlineCitation/Article/Journal/ISOAbbreviation",
    "medline_ta": "MedlineCitation/MedlineJournalInfo/MedlineTA",
    "volume": "MedlineCitation/Article/Journal/JournalIssue/Volume",
    "issue": "MedlineCitation/Article/Journal/JournalIssue/Issue",
    "medline_pgn": "MedlineCitation/Article/Pagination/MedlinePgn",
    "start_page": "MedlineCitation/Article/Pagination/StartPage",
    "end_page": "MedlineCitation/Article/Pagination/EndPage",
    "year": "MedlineCitation/Article/Journal/JournalIssue/PubDate/Year",
    "medline_date": "MedlineCitation/Article/Journal/JournalIssue/PubDate/MedlineDate",
    "article_date_year": "MedlineCitation/Article/ArticleDate/Year",
    "doi": "PubmedData/ArticleIdList/ArticleId[@IdType='doi']",  # never ReferenceList's ids
    "elocation_doi": "MedlineCitation/Article/ELocationID[@EIdType='doi']",
    "pmcid": "PubmedData/ArticleIdList/ArticleId[@IdType='pmc']",
    "issn": "MedlineCitation/Article/Journal/ISSN",
    "issn_linking": "MedlineCitation/MedlineJournalInfo/ISSNLinking",
    "language": "MedlineCitation/Article/Language",
    "publication_types": "MedlineCitation/Article/PublicationTypeList/PublicationType",
    "mesh": "MedlineCitation/MeshHeadingList/MeshHeading/DescriptorName",
    "keywords": "MedlineCitation/KeywordList/Keyword",
    "links": "MedlineCitation/CommentsCorrectionsList/CommentsCorrections",
    "date_entered": "PubmedData/History/PubMedPubDate[@PubStatus='entrez']",
    "date_revised": "MedlineCitation/DateRevised",
    # trial registrations and other databank accessions ("NCT01234567", "ISRCTN..."), any databank
    "accessions": "MedlineCitation/Article/DataBankList/DataBank/AccessionNumberList/AccessionNumber",
}
_BOOK_PATHS = {
    "pmid": "BookDocument/PMID",
    "title": "BookDocument/ArticleTitle",
    "book_title": "BookDocument/Book/BookTitle",
    "vernacular_title": "BookDocument/VernacularTitle",
    "abstract": "BookDocument/Abstract/AbstractText",
    "author_lists": "BookDocument/AuthorList",
    "book_author_lists": "BookDocument/Book/AuthorList",
    "medline_pgn": "BookDocument/Pagination/MedlinePgn",
    "start_page": "BookDocument/Pagination/StartPage",
    "end_page": "BookDocument/Pagination/EndPage",
    "year": "BookDocument/Book/PubDate/Year",
    "medline_date": "BookDocument/Book/PubDate/MedlineDate",
    "contribution_year": "BookDocument/ContributionDate/Year",
    "doi": "BookDocument/ArticleIdList/ArticleId[@IdType='doi']",
    "book_data_doi": "PubmedBookData/ArticleIdList/ArticleId[@IdType='doi']",
    "elocation_doi": "BookDocument/ELocationID[@EIdType='doi']",
    "book_elocation_doi": "BookDocument/Book/ELocationID[@EIdType='doi']",
    "pmcid": "PubmedBookData/ArticleIdList/ArticleId[@IdType='pmc']",
    "isbn": "BookDocument/Book/Isbn",
    "publisher": "BookDocument/Book/Publisher/PublisherName",
    "bookaccession": "BookDocument/ArticleIdList/ArticleId[@IdType='bookaccession']",
    "language": "BookDocument/Language",
    "publication_types": "BookDocument/PublicationType",
    "keywords": "BookDocument/KeywordList/Keyword",
    "links": "BookDocument/CommentsCorrectionsList/CommentsCorrections",
    "date_entered": "PubmedBookData/History/PubMedPubDate[@PubStatus='entrez']",
    "date_revised": "BookDocument/DateRevised",
}

_NCT = re.compile(r"NCT\d{8}")  # a ClinicalTrials.gov accession (DataBankName "ClinicalTrials.gov")
_STEP = re.compile(r"(\w+)(?:\[@(\w+)='([^']*)'\])?")


@dataclass(slots=True)
class _Step:
    """One tag in the compiled path tree: the fields that collect it, and the steps below it."""

    fields: list[str] = field(default_factory=list)
    attribute: str = ""  # the attribute tested by [@attribute='value'] paths ending here
    fields_by_value: dict[str, list[str]] = field(default_factory=dict)
    children: dict[str, _Step] = field(default_factory=dict)


def _compile(paths: dict[str, str]) -> dict[str, _Step]:
    tree: dict[str, _Step] = {}
    for name, path in paths.items():
        level, steps = tree, path.split("/")
        for depth, text in enumerate(steps):
            match = _STEP.fullmatch(text)
            last = depth == len(steps) - 1
            if match is None or (match[2] and not last):
                raise ValueError(f"unsupported path step {text!r} in {path!r}")
            tag, attribute, value = match.groups()
            step = level.setdefault(tag, _Step())
            if last and attribute:
                if step.attribute not in ("", attribute):
                    raise ValueError(f"{path!r}: <{tag}> is already tested on @{step.attribute}")
                step.attribute = attribute
                step.fields_by_value.setdefault(value, []).append(name)
            elif last:
                step.fields.append(name)
            level = step.children
    return tree


_TREES = {"PubmedArticle": _compile(_ARTICLE_PATHS), "PubmedBookArticle": _compile(_BOOK_PATHS)}


def _collect(elem: etree._Element, level: dict[str, _Step], found: defaultdict[str, list[Any]]) -> None:
    for child in elem:
        step = level.get(child.tag)  # comments, PIs and entities have a non-str tag: no match
        if step is None:
            continue
        for name in step.fields:
            found[name].append(child)
        if step.attribute:  # one attribute read per element, however many fields test it
            for name in step.fields_by_value.get(child.get(step.attribute) or "", ()):
                found[name].append(child)
        if step.children:
            _collect(child, step.children, found)


class _Fields:
    """The table fields of one record element, read in one walk."""

    __slots__ = ("_found",)

    def __init__(self, elem: etree._Element) -> None:
        self._found: defaultdict[str, list[etree._Element]] = defaultdict(list)
        _collect(elem, _TREES[elem.tag], self._found)

    def text(self, key: str) -> str:
        """The text of the first element at the field's path, or ""."""
        elems = self._found.get(key)
        return element_text(elems[0]) if elems else ""

    def texts(self, key: str) -> tuple[str, ...]:
        """The non-empty texts of every element at the field's path."""
        return tuple(text for text in map(element_text, self._found.get(key, ())) if text)

    def nodes(self, key: str) -> list[etree._Element]:
        return self._found.get(key) or []


def _pmid(fields: _Fields) -> str:
    pmid = fields.text("pmid")
    if not pmid:
        raise ValueError("no PMID")
    return pmid


def _article_record(elem: etree._Element) -> Record:
    fields = _Fields(elem)
    pmid = _pmid(fields)
    publication_types = fields.texts("publication_types")
    links = _links(fields.nodes("links"))
    return Record(
        source="PubMed",
        source_id=pmid,
        title=fields.text("title") or fields.text("vernacular_title"),
        abstract=_abstract(fields.nodes("abstract")),
        authors=_authors(fields.nodes("author_lists")),
        year=_year(fields, "year", "medline_date", "article_date_year"),
        journal=fields.text("journal"),
        journal_abbrev=fields.text("iso_abbreviation") or fields.text("medline_ta"),
        volume=fields.text("volume"),
        issue=fields.text("issue"),
        pages=_pages(fields),
        pmid=pmid,
        doi=fields.text("doi") or _valid_text(fields.nodes("elocation_doi")) or None,
        pmcid=fields.text("pmcid") or None,
        issn=fields.text("issn") or fields.text("issn_linking"),
        language=fields.texts("language"),
        publication_types=publication_types,
        mesh=fields.texts("mesh"),
        keywords=fields.texts("keywords"),
        links=links,
        is_retracted=_flag(_RETRACTED, publication_types, links),
        is_retraction_notice=_flag(_RETRACTION_NOTICE, publication_types, links),
        is_erratum=_flag(_ERRATUM, publication_types, links),
        date_entered=_date(fields.nodes("date_entered")),
        date_revised=_date(fields.nodes("date_revised")),
        url=_PUBMED_URL.format(pmid),
        extra=tuple(("trial_registration", a) for a in fields.texts("accessions") if _NCT.fullmatch(a)),
    )


def _book_record(elem: etree._Element) -> Record:
    """A Bookshelf record: a chapter (ArticleTitle, the book as `journal`) or a whole book."""
    fields = _Fields(elem)
    pmid = _pmid(fields)
    publication_types = fields.texts("publication_types")
    links = _links(fields.nodes("links"))
    chapter_title, book_title = fields.text("title"), fields.text("book_title")
    extra = ((key, fields.text(key)) for key in ("isbn", "publisher", "bookaccession"))
    return Record(
        source="PubMed",
        source_id=pmid,
        title=chapter_title or book_title or fields.text("vernacular_title"),
        abstract=_abstract(fields.nodes("abstract")),
        authors=_authors(fields.nodes("author_lists")) or _authors(fields.nodes("book_author_lists")),
        year=_year(fields, "year", "medline_date", "contribution_year"),
        journal=book_title if chapter_title else "",
        pages=_pages(fields),
        pmid=pmid,
        doi=fields.text("doi")
        or fields.text("book_data_doi")
        or _valid_text(fields.nodes("elocation_doi") + fields.nodes("book_elocation_doi"))
        or None,
        pmcid=fields.text("pmcid") or None,
        language=fields.texts("language"),
        publication_types=publication_types,
        keywords=fields.texts("keywords"),
        links=links,
        is_retracted=_flag(_RETRACTED, publication_types, links),
        is_retraction_notice=_flag(_RETRACTION_NOTICE, publication_types, links),
        is_erratum=_flag(_ERRATUM, publication_types, links),
        date_entered=_date(fields.nodes("date_entered")),
        date_revised=_date(fields.nodes("date_revised")),
        url=_PUBMED_URL.format(pmid),
        extra=tuple((key, value) for key, value in extra if value),
    )


# --- field helpers: plain functions over the elements the path tables select.


def element_text(elem: etree._Element) -> str:
    """All text inside `elem` (inline markup and MathML flattened), whitespace runs collapsed."""
    raw: str
    if len(elem):
        raw = etree.tostring(elem, method="text", encoding=str, with_tail=False)
    else:
        raw = elem.text
        if not raw:
            return ""
    if raw.isascii() and "\n" not in raw and "\t" not in raw and "\r" not in raw and "  " not in raw:
        return raw.strip(" ")  # fast path, same result: XML text cannot hold other ASCII whitespace
    return " ".join(raw.split())


def _abstract(sections: list[etree._Element]) -> str:
    """AbstractText parts joined by newlines; structured sections as "LABEL: text"."""
    parts = []
    for section in sections:
        text = element_text(section)
        label = " ".join((section.get("Label") or "").split())
        if label:
            parts.append(f"{label}: {text}" if text else f"{label}:")
        elif text:
            parts.append(text)
    return "\n".join(parts)


def _authors(author_lists: list[etree._Element]) -> tuple[str, ...]:
    """ "LastName Initials" per valid author of the first list of authors (not editors); groups as named."""
    lists = [a for a in author_lists if a.get("Type", "authors") == "authors"]
    names = []
    for author in lists[0].iterchildren("Author") if lists else ():
        if author.get("ValidYN") == "N":
            continue  # NLM keeps corrected-away author entries, flagged invalid
        last = initials = ""
        # One pass over the first children (the DTD puts the name first: LastName, ForeName?,
        # Initials?, Suffix? | CollectiveName; then Identifier*, AffiliationInfo*).
        for part in author:
            tag = part.tag
            if tag == "LastName":
                last = element_text(part)
            elif tag == "Initials":
                initials = element_text(part)
                break
            elif tag == "CollectiveName":
                last = element_text(part)
                break
            elif tag != "ForeName":
                break
        if last:
            names.append(f"{last} {initials}" if initials else last)
    return tuple(names)


def _valid_text(elems: list[etree._Element]) -> str:
    """The text of the first element not flagged ValidYN="N" (e.g. an ELocationID)."""
    for elem in elems:
        if elem.get("ValidYN") != "N":
            text = element_text(elem)
            if text:
                return text
    return ""


def _year(fields: _Fields, *keys: str) -> int | None:
    """The first 4-digit run of the first field having one ("1998 Dec-1999 Jan" -> 1998)."""
    for key in keys:
        match = _YEAR.search(fields.text(key))
        if match:
            return int(match.group())
    return None


def _date(dates: list[etree._Element]) -> str:
    """YYYY-MM-DD from the first date element's Year/Month/Day, or "" when not all numeric."""
    year = month = day = ""
    for part in dates[0] if dates else ():
        tag = part.tag
        if tag == "Year":
            year = element_text(part)
        elif tag == "Month":
            month = element_text(part)
        elif tag == "Day":
            day = element_text(part)
            break  # the DTD puts Year, Month, Day first; Hour and Minute are not needed
    if not (year.isdigit() and month.isdigit() and day.isdigit()):
        return ""
    return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"


def _pages(fields: _Fields) -> str:
    """MedlinePgn, else StartPage-EndPage."""
    pages = fields.text("medline_pgn")
    if pages:
        return pages
    start, end = fields.text("start_page"), fields.text("end_page")
    return f"{start}-{end}" if start and end else start or end


def _links(elems: list[etree._Element]) -> tuple[Link, ...]:
    """CommentsCorrections links, without "Cites" (a reference list, often hundreds long)."""
    links = []
    for link in elems:
        kind = link.get("RefType", "")
        if not kind or kind == "Cites":
            continue
        pmid = ref = ""
        for part in link:
            if part.tag == "PMID":
                pmid = element_text(part)
            elif part.tag == "RefSource":
                ref = element_text(part)
        links.append(Link(kind=kind, pmid=pmid or None, ref=ref))
    return tuple(links)


def _flag(rule: tuple[str, str], publication_types: tuple[str, ...], links: tuple[Link, ...]) -> bool:
    publication_type, ref_type = rule
    return publication_type in publication_types or any(link.kind == ref_type for link in links)
