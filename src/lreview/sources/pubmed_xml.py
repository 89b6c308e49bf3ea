"""Streaming parser for PubMed XML (efetch responses, baseline/update files) into `Record`s.

For: `PubmedArticleSet` / `PubmedBookArticleSet` documents, a bare `PubmedArticle` or
`PubmedBookArticle`, plain or gzip-compressed, of any size (constant memory: each record's
element is cleared once read). Not for: other E-utilities responses (esearch, esummary, ...)
or the MEDLINE text format (see `medline.py`).

Safety: the parser never loads a DTD, never touches the network, never expands entities and
refuses documents that declare their own entities (billion laughs, external entities); the
standard NLM `<!DOCTYPE ...>` line of real files is accepted and ignored.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import zlib
from collections.abc import Iterator
from typing import BinaryIO, Protocol

from lxml import etree

from lreview.errors import InputError
from lreview.records import Link, Record

_RECORD_TAGS = ("PubmedArticle", "PubmedBookArticle")
_ROOT_TAGS = frozenset({*_RECORD_TAGS, "PubmedArticleSet", "PubmedBookArticleSet", "eFetchResult"})
_YEAR = re.compile(r"\d{4}")
_PUBMED_URL = "https://pubmed.ncbi.nlm.nih.gov/{}/"

# (flag, publication type, CommentsCorrections RefType) that sets it.
_RETRACTED = ("Retracted Publication", "RetractionIn")
_RETRACTION_NOTICE = ("Retraction of Publication", "RetractionOf")
_ERRATUM = ("Published Erratum", "ErratumFor")


class PubmedXmlError(InputError):
    """Malformed or truncated PubMed XML; the message names the file (or "response") and line."""


class EfetchErrorResponse(PubmedXmlError):
    """NCBI answered with an `<ERROR>` element instead of records; the message carries its text."""


def parse_pubmed_xml(data: bytes, name: str = "response") -> list[Record]:
    """Parse one efetch response / PubMed XML document held in memory; all records or an error."""
    return list(iter_pubmed_xml(data, name=name))


def iter_pubmed_xml(
    source: bytes | BinaryIO | str | os.PathLike[str], name: str | None = None
) -> Iterator[Record]:
    """Yield the records of a PubMed XML document (bytes, binary file or path, `.gz` allowed).

    Records are yielded as they are read, so a truncated document raises `PubmedXmlError`
    only after the records before the cut; callers wanting all-or-nothing use `parse_pubmed_xml`.
    """
    if isinstance(source, bytes):
        yield from _iter_stream(io.BytesIO(source), name or "response")
    elif isinstance(source, str | os.PathLike):
        path = os.fspath(source)
        label = name or path
        try:
            raw = open(path, "rb")  # noqa: SIM115 (closed by the `with` below)
        except OSError as exc:
            raise InputError(f"{label}: cannot read: {exc.strerror or exc}") from exc
        with raw:
            yield from _iter_stream(gzip.GzipFile(fileobj=raw) if path.endswith(".gz") else raw, label)
    else:
        yield from _iter_stream(source, name or str(getattr(source, "name", "response")))


class _Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


def _iter_stream(stream: _Readable, name: str) -> Iterator[Record]:
    """The iterparse loop: one `end` event per record (or ERROR) element, cleared after use."""
    events = etree.iterparse(
        stream,
        events=("end",),
        tag=(*_RECORD_TAGS, "ERROR"),
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    count = 0
    try:
        for _, elem in events:
            if elem.tag == "ERROR":
                message = _text(elem)
                if message:
                    raise EfetchErrorResponse(f"{name}: line {elem.sourceline}: NCBI error: {message}")
            else:
                if count == 0:
                    _check_document(elem, name)
                count += 1
                yield record_from_element(elem, name, count)
            _release(elem)
        if events.root is not None:
            _check_document(events.root, name)
    except etree.XMLSyntaxError as exc:
        raise PubmedXmlError(f"{name}: line {exc.lineno}: malformed or truncated XML: {exc.msg}") from exc
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise PubmedXmlError(f"{name}: corrupt or truncated gzip stream: {exc}") from exc


def _check_document(elem: etree._Element, name: str) -> None:
    """Refuse documents that are not PubMed XML or that declare entities of their own."""
    tree = elem.getroottree()
    root = tree.getroot()
    if root.tag not in _ROOT_TAGS:
        raise PubmedXmlError(
            f"{name}: line {root.sourceline}: root element <{root.tag}> is not a PubMed efetch result"
        )
    dtd = tree.docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise PubmedXmlError(f"{name}: line 1: entity declarations are not allowed in PubMed XML")


def _release(elem: etree._Element) -> None:
    """Free a processed record and the already-processed siblings before it (constant memory)."""
    elem.clear(keep_tail=True)
    parent = elem.getparent()
    if parent is not None:
        while elem.getprevious() is not None:
            del parent[0]


def record_from_element(elem: etree._Element, name: str = "response", position: int = 1) -> Record:
    """Build a Record from one `<PubmedArticle>` or `<PubmedBookArticle>` element."""
    if elem.tag == "PubmedArticle":
        citation = elem.find("MedlineCitation")
        if citation is not None:
            return _article_record(elem, citation, name, position)
    elif elem.tag == "PubmedBookArticle":
        document = elem.find("BookDocument")
        if document is not None:
            return _book_record(elem, document, name, position)
    raise PubmedXmlError(
        f"{name}: record {position} (line {elem.sourceline}): <{elem.tag}> without its citation element"
    )


def _article_record(elem: etree._Element, citation: etree._Element, name: str, position: int) -> Record:
    pmid = _pmid(citation, elem, name, position)
    article = _child(citation, "Article")
    journal = _child(article, "Journal")
    issue = _child(journal, "JournalIssue")
    pubmed_data = _child(elem, "PubmedData")
    ids = _article_ids(pubmed_data.find("ArticleIdList"))
    publication_types = _texts(article, "PublicationTypeList/PublicationType")
    links = _links(citation)
    return Record(
        source="PubMed",
        source_id=pmid,
        title=_text(article.find("ArticleTitle")) or _text(article.find("VernacularTitle")),
        abstract=_abstract(article),
        authors=_authors(article),
        year=_year(issue.find("PubDate")) or _year(article.find("ArticleDate")),
        journal=_text(journal.find("Title")),
        journal_abbrev=_text(journal.find("ISOAbbreviation"))
        or _text(citation.find("MedlineJournalInfo/MedlineTA")),
        volume=_text(issue.find("Volume")),
        issue=_text(issue.find("Issue")),
        pages=_pages(article),
        pmid=pmid,
        doi=ids.get("doi") or _elocation_doi(article),
        pmcid=ids.get("pmc"),
        issn=_text(journal.find("ISSN")) or _text(citation.find("MedlineJournalInfo/ISSNLinking")),
        language=_texts(article, "Language"),
        publication_types=publication_types,
        mesh=_texts(citation, "MeshHeadingList/MeshHeading/DescriptorName"),
        keywords=_texts(citation, "KeywordList/Keyword"),
        links=links,
        is_retracted=_flag(_RETRACTED, publication_types, links),
        is_retraction_notice=_flag(_RETRACTION_NOTICE, publication_types, links),
        is_erratum=_flag(_ERRATUM, publication_types, links),
        date_entered=_date(pubmed_data.find("History/PubMedPubDate[@PubStatus='entrez']")),
        date_revised=_date(citation.find("DateRevised")),
        url=_PUBMED_URL.format(pmid),
    )


def _book_record(elem: etree._Element, document: etree._Element, name: str, position: int) -> Record:
    pmid = _pmid(document, elem, name, position)
    book = _child(document, "Book")
    ids = _article_ids(document.find("ArticleIdList"))
    ids.update(_article_ids(elem.find("PubmedBookData/ArticleIdList")))
    chapter_title = _text(document.find("ArticleTitle"))
    book_title = _text(book.find("BookTitle"))
    publication_types = _texts(document, "PublicationType")
    links = _links(document)
    extra = [
        (key, value)
        for key, value in (
            ("isbn", _text(book.find("Isbn"))),
            ("publisher", _text(book.find("Publisher/PublisherName"))),
            ("bookaccession", ids.get("bookaccession", "")),
        )
        if value
    ]
    return Record(
        source="PubMed",
        source_id=pmid,
        title=chapter_title or book_title or _text(document.find("VernacularTitle")),
        abstract=_abstract(document),
        authors=_authors(document) or _authors(book),
        year=_year(book.find("PubDate")) or _year(document.find("ContributionDate")),
        journal=book_title if chapter_title else "",
        pages=_pages(document),
        pmid=pmid,
        doi=ids.get("doi") or _elocation_doi(document) or _elocation_doi(book),
        pmcid=ids.get("pmc"),
        language=_texts(document, "Language"),
        publication_types=publication_types,
        keywords=_texts(document, "KeywordList/Keyword"),
        links=links,
        is_retracted=_flag(_RETRACTED, publication_types, links),
        is_retraction_notice=_flag(_RETRACTION_NOTICE, publication_types, links),
        is_erratum=_flag(_ERRATUM, publication_types, links),
        date_entered=_date(elem.find("PubmedBookData/History/PubMedPubDate[@PubStatus='entrez']")),
        date_revised=_date(document.find("DateRevised")),
        url=_PUBMED_URL.format(pmid),
        extra=tuple(extra),
    )


# --- field helpers: each takes an element (possibly a stand-in for a missing one) and returns a value.

_EMPTY = etree.Element("missing")  # stand-in for an absent optional container; never modified


def _child(parent: etree._Element, path: str) -> etree._Element:
    found = parent.find(path)
    return _EMPTY if found is None else found


def _text(elem: etree._Element | None) -> str:
    """All text inside `elem` (inline markup and MathML flattened), whitespace collapsed."""
    if elem is None:
        return ""
    return " ".join("".join(elem.itertext()).split())


def _texts(parent: etree._Element, path: str) -> tuple[str, ...]:
    return tuple(text for text in (_text(e) for e in parent.iterfind(path)) if text)


def _pmid(holder: etree._Element, elem: etree._Element, name: str, position: int) -> str:
    pmid = _text(holder.find("PMID"))
    if not pmid:
        raise PubmedXmlError(f"{name}: record {position} (line {elem.sourceline}): no PMID")
    return pmid


def _abstract(holder: etree._Element) -> str:
    """AbstractText parts joined by newlines; structured sections as "LABEL: text"."""
    parts = []
    for section in holder.iterfind("Abstract/AbstractText"):
        text = _text(section)
        label = " ".join((section.get("Label") or "").split())
        if label:
            parts.append(f"{label}: {text}" if text else f"{label}:")
        elif text:
            parts.append(text)
    return "\n".join(parts)


def _authors(holder: etree._Element) -> tuple[str, ...]:
    """ "LastName Initials" per valid author of the first AuthorList of authors; groups as named."""
    for author_list in holder.iterfind("AuthorList"):
        if author_list.get("Type", "authors") != "authors":
            continue  # a book's editors are not its authors
        names = []
        for author in author_list.iterfind("Author"):
            if author.get("ValidYN") == "N":
                continue  # NLM keeps corrected-away author entries, flagged invalid
            last = _text(author.find("LastName"))
            if last:
                initials = _text(author.find("Initials"))
                names.append(f"{last} {initials}" if initials else last)
            else:
                collective = _text(author.find("CollectiveName"))
                if collective:
                    names.append(collective)
        return tuple(names)
    return ()


def _year(date: etree._Element | None) -> int | None:
    """Year of a PubDate-like element: <Year>, else the first 4-digit run of <MedlineDate>."""
    if date is None:
        return None
    for text in (_text(date.find("Year")), _text(date.find("MedlineDate"))):
        match = _YEAR.search(text)
        if match:
            return int(match.group())
    return None


def _date(date: etree._Element | None) -> str:
    """YYYY-MM-DD from <Year>/<Month>/<Day> children, or "" when any part is not numeric."""
    if date is None:
        return ""
    year, month, day = (_text(date.find(part)) for part in ("Year", "Month", "Day"))
    if not (year.isdigit() and month.isdigit() and day.isdigit()):
        return ""
    return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"


def _pages(holder: etree._Element) -> str:
    pagination = _child(holder, "Pagination")
    pages = _text(pagination.find("MedlinePgn"))
    if pages:
        return pages
    start, end = _text(pagination.find("StartPage")), _text(pagination.find("EndPage"))
    return f"{start}-{end}" if start and end else start or end


def _article_ids(id_list: etree._Element | None) -> dict[str, str]:
    """IdType -> value of an ArticleIdList (first of each type); never a ReferenceList's."""
    ids: dict[str, str] = {}
    if id_list is not None:
        for article_id in id_list.iterfind("ArticleId"):
            value = _text(article_id)
            if value:
                ids.setdefault(article_id.get("IdType", ""), value)
    return ids


def _elocation_doi(holder: etree._Element) -> str | None:
    for location in holder.iterfind("ELocationID[@EIdType='doi']"):
        value = _text(location)
        if value and location.get("ValidYN") != "N":
            return value
    return None


def _links(holder: etree._Element) -> tuple[Link, ...]:
    """CommentsCorrections links, without "Cites" (a reference list, often hundreds long)."""
    links = []
    for link in holder.iterfind("CommentsCorrectionsList/CommentsCorrections"):
        kind = link.get("RefType", "")
        if kind and kind != "Cites":
            pmid = _text(link.find("PMID")) or None
            links.append(Link(kind=kind, pmid=pmid, ref=_text(link.find("RefSource"))))
    return tuple(links)


def _flag(rule: tuple[str, str], publication_types: tuple[str, ...], links: tuple[Link, ...]) -> bool:
    publication_type, ref_type = rule
    return publication_type in publication_types or any(link.kind == ref_type for link in links)
