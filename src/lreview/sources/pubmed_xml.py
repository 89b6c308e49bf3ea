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
import zlib
from collections.abc import Iterator
from typing import Protocol

from lxml import etree

from lreview.errors import InputError
from lreview.records import Record
from lreview.sources.pubmed_fields import element_text, record_from_element

_RECORD_TAGS = ("PubmedArticle", "PubmedBookArticle")
_ROOT_TAGS = frozenset({*_RECORD_TAGS, "PubmedArticleSet", "PubmedBookArticleSet", "eFetchResult"})


class PubmedXmlError(InputError):
    """Malformed or truncated PubMed XML; the message names the file (or "response") and line."""


class EfetchErrorResponse(PubmedXmlError):
    """NCBI answered with an `<ERROR>` element instead of records; the message carries its text."""


class BinarySource(Protocol):
    """Anything with a binary `read(size)`: an open file, a `gzip.GzipFile`, an HTTP stream."""

    def read(self, size: int, /) -> bytes: ...


def parse_pubmed_xml(data: bytes, name: str = "response") -> list[Record]:
    """Parse one efetch response / PubMed XML document held in memory; all records or an error."""
    return list(iter_pubmed_xml(data, name=name))


def iter_pubmed_xml(
    source: bytes | BinarySource | str | os.PathLike[str], name: str | None = None
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


def _iter_stream(stream: BinarySource, name: str) -> Iterator[Record]:
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
                message = element_text(elem)
                if message:
                    raise EfetchErrorResponse(f"{name}: line {elem.sourceline}: NCBI error: {message}")
            else:
                if count == 0:
                    _check_document(elem, name)
                count += 1
                yield _record(elem, name, count)
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


def _record(elem: etree._Element, name: str, position: int) -> Record:
    try:
        return record_from_element(elem)
    except ValueError as exc:
        raise PubmedXmlError(f"{name}: record {position} (line {elem.sourceline}): {exc}") from exc
