"""Europe PMC REST search JSON (`resultType=core`) -> `Record` (pure).

The source id is `<source>:<id>` (`PPR:PPR123456`, `MED:31234567`: Europe PMC's ids are unique only
within its source). PMID, PMCID and DOI are kept in their slots, so dedup links a preprint to its
PubMed record and to its published version; a preprint (source PPR or pub type "preprint") gets the
publication type "Preprint" and its server (bioRxiv, medRxiv, Research Square, ...) as the journal
when Europe PMC names none. `extra` keeps europepmc_source, first_publication_date and
commentCorrection links (e.g. `Preprint in MED:38000000`).

Not for: paging or HTTP (`europepmc.py`).
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from lreview.errors import InputError
from lreview.records import Record
from lreview.sources.json_fields import get as _get
from lreview.sources.json_fields import listed as _list
from lreview.sources.json_fields import text as _text

SOURCE = "Europe PMC"
PREPRINT = "Preprint"
ARTICLE_URL = "https://europepmc.org/article/"
_BLOCK_TAG = re.compile(r"</?(?:h\d|p|br|div|li|ul|ol|sec|title)\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def _plain(text: str) -> str:
    """Europe PMC titles and abstracts carry HTML (`<i>`, `<sup>`, `<h4>`): plain text, one space."""
    return " ".join(html.unescape(_TAG.sub("", _BLOCK_TAG.sub(" ", text))).split())


def _author(author: Any) -> str:
    last, initials = _text(author, "lastName"), _text(author, "initials")
    if last:
        return f"{last} {initials}".strip()
    return _text(author, "fullName") or _text(author, "collectiveName")


def parse_result(result: Any) -> Record:
    """One `resultList.result` item as a Record; InputError if it has no id or source."""
    ident, src = _text(result, "id"), _text(result, "source")
    if not ident or not src:
        raise InputError(f"{SOURCE}: a result without id or source")
    types = [str(t) for t in _list(result, "pubTypeList", "pubType")]
    preprint = src == "PPR" or any(t.casefold() == "preprint" for t in types)
    if preprint and PREPRINT not in types:
        types = [t for t in types if t.casefold() != "preprint"] + [PREPRINT]
    journal = _get(result, "journalInfo") or {}
    server = _text(result, "bookOrReportDetails", "publisher")
    year = _text(result, "pubYear") or _text(journal, "yearOfPublication")
    extra = [("europepmc_source", src)]
    if _text(result, "firstPublicationDate"):
        extra.append(("first_publication_date", _text(result, "firstPublicationDate")))
    for link in _list(result, "commentCorrectionList", "commentCorrection"):
        kind, target = _text(link, "type"), f"{_text(link, 'source')}:{_text(link, 'id')}"
        if kind and target != ":":
            extra.append(("link", f"{kind} {target}"))
    if server:
        extra.append(("preprint_server" if preprint else "publisher", server))
    return Record(
        source=SOURCE,
        source_id=f"{src}:{ident}",
        title=_plain(_text(result, "title")).rstrip("."),
        abstract=_plain(_text(result, "abstractText")),
        authors=tuple(a for a in (_author(x) for x in _list(result, "authorList", "author")) if a),
        year=int(year) if year.isdigit() else None,
        journal=_text(journal, "journal", "title") or (server if preprint else ""),
        journal_abbrev=_text(journal, "journal", "isoabbreviation")
        or _text(journal, "journal", "medlineAbbreviation"),
        volume=_text(journal, "volume"),
        issue=_text(journal, "issue"),
        pages=_text(result, "pageInfo"),
        pmid=_text(result, "pmid") or None,
        doi=_text(result, "doi") or None,
        pmcid=_text(result, "pmcid") or None,
        issn=_text(journal, "journal", "issn") or _text(journal, "journal", "essn"),
        language=tuple(x for x in (_text(result, "language"),) if x),
        publication_types=tuple(types),
        mesh=tuple(_text(m, "descriptorName") for m in _list(result, "meshHeadingList", "meshHeading")),
        keywords=tuple(str(k) for k in _list(result, "keywordList", "keyword")),
        date_entered=_text(result, "firstIndexDate"),
        date_revised=_text(result, "dateOfRevision"),
        url=f"{ARTICLE_URL}{src}/{ident}",
        extra=tuple(extra),
    )


def read_search_page(body: bytes) -> tuple[list[Any], str | None, int]:
    """One page of `/search` unparsed: its result objects, `nextCursorMark` and `hitCount`. A body that
    is not a search answer raises ValueError (retried as truncated)."""
    data = json.loads(body)
    if not isinstance(data, dict) or "hitCount" not in data:
        raise ValueError("not a search answer (no hitCount)")
    cursor = data.get("nextCursorMark")
    return _list(data, "resultList", "result"), (str(cursor) if cursor else None), int(data["hitCount"])


def parse_search_page(body: bytes) -> tuple[list[Record], str | None, int]:
    """One page of `/search` as Records, with its next cursor and hit count (`read_search_page`)."""
    results, cursor, count = read_search_page(body)
    return [parse_result(r) for r in results], cursor, count
