"""`load_file`: one export file -> its Records, whatever database wrote it; all or nothing.

Sniffs the format from the bytes (`encoding.detect_format`), decodes the text, and hands it to the
one importer for that format. Every importer either returns every record of the file, in file order,
or raises one `InputError` naming the file and where it went wrong. Every record then passes through
`clean.clean_records` (control characters out, counted) here, the one way out of the file importers.
No I/O beyond reading the file.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from lreview.errors import InputError
from lreview.records import Record
from lreview.sources import encoding
from lreview.sources.clean import Cleaned, clean_records
from lreview.sources.endnote_xml import parse_endnote_xml
from lreview.sources.medline import parse_medline
from lreview.sources.ovid import parse_ovid
from lreview.sources.proquest import parse_proquest
from lreview.sources.pubmed_xml import parse_pubmed_xml
from lreview.sources.ris import parse_ris
from lreview.sources.tabular import parse_csv
from lreview.sources.wos import parse_wos
from lreview.sources.xlsx import parse_xlsx


def load_file(path: Path, *, source: str | None = None) -> list[Record]:
    """Every record of the export at `path`, in file order; `source` overrides the database name."""
    path = Path(path)
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{name}: cannot read: {exc.strerror or exc}") from exc
    return load_bytes(data, name, source=source)


# Importers of decoded text, by format; binary formats (XLSX, EndNote XML, PubMed XML) take bytes.
_TEXT_PARSERS: dict[str, Callable[..., list[Record]]] = {
    encoding.RIS: parse_ris,
    encoding.MEDLINE: parse_medline,
    encoding.WOS: parse_wos,
    encoding.OVID: parse_ovid,
    encoding.PROQUEST: parse_proquest,
    encoding.CSV: parse_csv,
}


def load_bytes(data: bytes, name: str, *, source: str | None = None) -> list[Record]:
    """Every record of an export given as bytes; `name` is used in messages and fallback ids."""
    return load_export(data, name, source=source).records


def load_export(data: bytes, name: str, *, source: str | None = None) -> Cleaned:
    """`load_bytes` with what cleaning removed: the records and their control-character counts."""
    return clean_records(_parse(data, name, source))


def _parse(data: bytes, name: str, source: str | None) -> list[Record]:
    fmt = encoding.detect_format(data, name)
    if fmt == encoding.PUBMED_XML:
        records = list(parse_pubmed_xml(data, name))
        if not records:
            raise InputError(f"{name}: no PubmedArticle records")
        return [dataclasses.replace(r, source=source) for r in records] if source else records
    if fmt == encoding.ENDNOTE_XML:
        return parse_endnote_xml(data, name, source=source)
    if fmt == encoding.XLSX:
        return parse_xlsx(data, name, source=source)
    parser = _TEXT_PARSERS.get(fmt)
    if parser is None:
        raise InputError(f"{name}: unsupported format: {fmt}")
    return parser(encoding.decode(data, name), name, source=source)
