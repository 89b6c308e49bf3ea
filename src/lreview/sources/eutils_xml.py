"""What E-utilities answers mean: eSearchResult parsing and the `<ERROR>`s of esearch and efetch.

Pure functions over response bodies. An `<ERROR>` PubMed sends now and then (a busy backend) raises
`EutilsRetry`, which the HTTP client retries; one that will not change on retrying (an invalid
query, retstart past the cap) raises `EutilsError`. Messages keep PubMed's text: the client scrubs
them, since PubMed's errors can echo the request. Not a record parser (`pubmed_xml.py` is).
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from lreview.errors import EutilsError
from lreview.sources.http import Transient

_PERMANENT_ERRORS = ("cannot be larger than", "invalid db name", "empty term", "invalid query")
_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


class EutilsRetry(Transient, EutilsError):
    """A transient in-band failure (an `<ERROR>` NCBI sends now and then): retry the request."""


@dataclass(frozen=True)
class SearchMessage:
    """One entry of an esearch ErrorList/WarningList, e.g. ("PhraseNotFound", "abcXYZ")."""

    kind: str
    text: str


@dataclass(frozen=True)
class SearchPage:
    """One parsed eSearchResult."""

    count: int
    ids: tuple[str, ...]
    retstart: int = 0
    webenv: str | None = None
    query_key: str | None = None
    query_translation: str = ""
    errors: tuple[SearchMessage, ...] = ()
    warnings: tuple[SearchMessage, ...] = ()


def _error_text(root: etree._Element) -> str | None:
    texts = [(e.text or "").strip() for e in root.findall("ERROR")]
    texts = [t for t in texts if t]  # eSpell sends an empty <ERROR/> that is not an error
    return "; ".join(texts) if texts else None


def parse_esearch(data: bytes) -> SearchPage:
    """Parse an eSearchResult; transient `<ERROR>`s raise `EutilsRetry`, permanent ones `EutilsError`."""
    root = etree.fromstring(data, _XML)
    if root.tag != "eSearchResult":
        raise EutilsRetry(f"expected eSearchResult, got <{root.tag}>")
    error = _error_text(root)
    if error is not None:
        if any(p in error.lower() for p in _PERMANENT_ERRORS):
            raise EutilsError(f"esearch: PubMed refused the search: {error}")
        raise EutilsRetry(f"esearch <ERROR>: {error}")
    count_text = root.findtext("Count")
    if count_text is None:
        raise EutilsRetry("esearch: eSearchResult without <Count>")

    def messages(tag: str) -> tuple[SearchMessage, ...]:
        el = root.find(tag)
        return () if el is None else tuple(SearchMessage(c.tag, (c.text or "").strip()) for c in el)

    ids = tuple((i.text or "").strip() for i in root.iterfind("IdList/Id"))
    numbers = (count_text.strip(), (root.findtext("RetStart") or "0").strip(), *ids)
    if not all(n.isascii() and n.isdigit() for n in numbers):
        raise EutilsRetry("esearch: eSearchResult with a non-numeric Count, RetStart or Id")
    return SearchPage(
        count=int(count_text),
        ids=ids,
        retstart=int(root.findtext("RetStart") or 0),
        webenv=root.findtext("WebEnv"),
        query_key=root.findtext("QueryKey"),
        query_translation=root.findtext("QueryTranslation") or "",
        errors=messages("ErrorList"),
        warnings=messages("WarningList"),
    )


def check_efetch(data: bytes) -> None:
    """Raise `EutilsRetry` on an eFetchResult `<ERROR>` (efetch answers errors with a 200)."""
    if b"<eFetchResult" not in data[:2048]:
        return
    root = etree.fromstring(data, _XML)
    raise EutilsRetry(f"efetch <ERROR>: {_error_text(root) or 'eFetchResult without records'}")
