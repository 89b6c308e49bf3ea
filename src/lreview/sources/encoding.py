"""Turn an export file's bytes into text, and tell which export format that text is in.

Exports arrive as UTF-8 with or without a BOM, UTF-16 (with a BOM, or without one from some Windows
tools), or a legacy single-byte code page. `decode` returns text with LF line ends only;
`detect_format` sniffs the format from the content first and the file name only as a tie-breaker.
This module does not parse records.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from lreview.errors import InputError

RIS = "ris"
MEDLINE = "medline"
WOS = "wos"
ENDNOTE_XML = "endnote-xml"
PUBMED_XML = "pubmed-xml"
CSV = "csv"
XLSX = "xlsx"
OVID = "ovid-tagged"
PROQUEST = "proquest-text"

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _bomless_utf16(data: bytes) -> str | None:
    """'utf-16-le' / 'utf-16-be' when NULs sit in every other byte (ASCII text in UTF-16), else None."""
    sample = data[:4096]
    if len(sample) < 4 or len(sample) % 2:
        sample = sample[: len(sample) - len(sample) % 2]
    if len(sample) < 4:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_nuls > 0.4 * half and even_nuls < 0.05 * half:
        return "utf-16-le"
    if even_nuls > 0.4 * half and odd_nuls < 0.05 * half:
        return "utf-16-be"
    return None


def decode(data: bytes, path: Path | str) -> str:
    """The text of an export file: BOM-aware UTF-8/UTF-16, else cp1252/latin-1; LF line ends only."""
    text: str | None = None
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"{path}: not valid {codec} after its byte-order mark: {exc.reason}"
                ) from exc
            break
    if text is None:
        utf16 = _bomless_utf16(data)
        if utf16 is not None:
            try:
                text = data.decode(utf16)
            except UnicodeDecodeError as exc:
                raise InputError(f"{path}: looks like {utf16} but does not decode: {exc.reason}") from exc
    if text is None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            # Legacy exports (older EndNote, Ovid, Windows CSV): cp1252 is a superset of latin-1 for
            # printable text; latin-1 takes the five bytes cp1252 leaves undefined.
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                text = data.decode("latin-1")
    text = text.lstrip("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n")


_RIS_TY = re.compile(r"^TY {1,2}-", re.MULTILINE)
_MEDLINE_PMID = re.compile(r"^PMID- ", re.MULTILINE)
_WOS_HEAD = re.compile(r"^(FN |VR |PT [A-Z]\b)", re.MULTILINE)
_OVID_MARKER = re.compile(r"^<\d+\. ?>\s*$", re.MULTILINE)
_PROQUEST = re.compile(r"(Report Information from ProQuest|^Document \d+ of \d+\s*$)", re.MULTILINE)


def _head_text(data: bytes) -> str:
    """The first few KiB as text, good enough for sniffing (never raises)."""
    head = data[:65536]
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return head.decode(codec, errors="ignore").lstrip("\ufeff")
    utf16 = _bomless_utf16(head)
    if utf16 is not None:
        return head.decode(utf16, errors="ignore")
    return head.decode("utf-8", errors="ignore")


def detect_format(data: bytes, name: str) -> str:
    """The export format of `data` ("ris", "medline", "wos", "endnote-xml", "pubmed-xml", "csv", ...)."""
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise InputError(f"{name}: empty file")
    if data.startswith(b"PK\x03\x04"):
        if name.lower().endswith((".xlsx", ".xlsm")) or b"xl/" in data[:4096]:
            return XLSX
        raise InputError(f"{name}: a ZIP archive, not an export file (unzip it first)")
    text = _head_text(data).replace("\r\n", "\n").replace("\r", "\n")
    stripped = text.lstrip()
    if stripped.startswith("<"):
        if "<PubmedArticleSet" in text or "<PubmedArticle" in text or "<PubmedBookArticle" in text:
            return PUBMED_XML
        if re.search(r"<xml>\s*<records>|<records>\s*<record>", text):
            return ENDNOTE_XML
    candidates = {
        RIS: _RIS_TY.search(text),
        MEDLINE: _MEDLINE_PMID.search(text),
        WOS: _WOS_HEAD.search(text),
        OVID: _OVID_MARKER.search(text),
        PROQUEST: _PROQUEST.search(text),
    }
    found = [(m.start(), fmt) for fmt, m in candidates.items() if m is not None]
    if found:
        return min(found)[1]  # the signature that comes first wins (a RIS note may quote "PMID- ")
    lower = name.lower()
    if lower.endswith((".csv", ".tsv", ".tab", ".txt")) and _looks_tabular(text):
        return CSV
    if lower.endswith((".csv", ".tsv")):
        return CSV
    raise InputError(
        f"{name}: unknown export format (expected RIS, PubMed/MEDLINE, Web of Science, EndNote XML, "
        "PubMed XML, CSV/TSV or XLSX)"
    )


def _looks_tabular(text: str) -> bool:
    """True when the header line holds a comma, tab or semicolon."""
    lines = [line for line in text.split("\n")[:5] if line.strip()]
    return bool(lines) and any(sep in lines[0] for sep in (",", "\t", ";"))
