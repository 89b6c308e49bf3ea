"""`load_file`: one export file -> its Records, whatever database wrote it; all or nothing.

Sniffs the format from the bytes (`encoding.detect_format`), decodes the text, and hands it to the
one importer for that format. Every importer either returns every record of the file, in file order,
or raises one `InputError` naming the file and where it went wrong. No I/O beyond reading the file.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from lreview.errors import InputError
from lreview.records import Record
from lreview.sources import encoding
from lreview.sources.endnote_xml import parse_endnote_xml
from lreview.sources.medline import parse_medline
from lreview.sources.ovid import parse_ovid
from lreview.sources.proquest import parse_proquest
from lreview.sources.ris import parse_ris
from lreview.sources.tabular import parse_csv, parse_xlsx
from lreview.sources.wos import parse_wos


def load_file(path: Path, *, source: str | None = None) -> list[Record]:
    """Every record of the export at `path`, in file order; `source` overrides the database name."""
    path = Path(path)
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{name}: cannot read: {exc.strerror or exc}") from exc
    return load_bytes(data, name, source=source)


def load_bytes(data: bytes, name: str, *, source: str | None = None) -> list[Record]:
    """Every record of an export given as bytes; `name` is used in messages and fallback ids."""
    fmt = encoding.detect_format(data, name)
    if fmt == encoding.PUBMED_XML:
        try:
            from lreview.sources.pubmed_xml import parse_pubmed_xml
        except ImportError as exc:
            raise InputError(f"{name}: PubMed XML import is not available in this build") from exc
        records = list(parse_pubmed_xml(data, name))
        if not records:
            raise InputError(f"{name}: no PubmedArticle records")
        return [dataclasses.replace(r, source=source) for r in records] if source else records
    if fmt == encoding.ENDNOTE_XML:
        return parse_endnote_xml(data, name, source=source)
    if fmt == encoding.XLSX:
        return parse_xlsx(data, name, source=source)
    text = encoding.decode(data, name)
    if fmt == encoding.RIS:
        return parse_ris(text, name, source=source)
    if fmt == encoding.MEDLINE:
        return parse_medline(text, name, source=source)
    if fmt == encoding.WOS:
        return parse_wos(text, name, source=source)
    if fmt == encoding.OVID:
        return parse_ovid(text, name, source=source)
    if fmt == encoding.PROQUEST:
        return parse_proquest(text, name, source=source)
    if fmt == encoding.CSV:
        return parse_csv(text, name, source=source)
    raise InputError(f"{name}: unsupported format: {fmt}")
