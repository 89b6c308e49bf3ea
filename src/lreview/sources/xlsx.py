"""XLSX workbooks (Rayyan, Covidence, hand-made reference lists) -> Records, via their first sheet.

An XLSX file is a ZIP of XML parts that openpyxl reads lazily: the workbook when it is opened, the
sheet's rows only as they are iterated. A damaged file can therefore fail at either moment, and with
any of the errors of the layers below (zipfile, zlib, the XML parsers, openpyxl's own checks, and
the KeyError/IndexError/ValueError/TypeError openpyxl lets through on parts it does not expect). All
of them become one `InputError` naming the file, and the sheet and row when the rows had started.
Entity declarations in any part are refused (openpyxl parses through defusedxml when it is
installed, and lreview depends on it), so an entity-expansion bomb costs nothing; a file whose parts
unpack to more than `MAX_UNPACKED` bytes (a zip bomb) is refused before any part is read (`refuse_bomb`:
the sizes its ZIP directory declares bound what zipfile will inflate).
Rows become Records exactly as CSV rows do (`tabular.records_from_rows`). Not for writing workbooks.
"""

from __future__ import annotations

import io
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any
from xml.etree.ElementTree import ParseError

from lxml import etree

from lreview.errors import InputError
from lreview.records import Record
from lreview.sources.tabular import records_from_rows

# What the layers under openpyxl raise on a damaged or hostile file (found by the fuzz tests in
# tests/sources/test_xlsx.py). Python errors that openpyxl lets through (KeyError for a missing part,
# IndexError/TypeError/ValueError for unexpected XML) are included: while openpyxl reads, they can
# only come from the file. DefusedXmlException and
# UnicodeDecodeError are ValueErrors; ParseError is ElementTree's (expat), etree.Error lxml's.
BROKEN_FILE: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    OSError,
    ParseError,
    etree.Error,
    LookupError,  # KeyError, IndexError, and an unknown encoding named in a part's XML declaration
    ValueError,
    TypeError,
    AttributeError,
    RuntimeError,  # NotImplementedError: a ZIP member compressed in a way zipfile cannot read
)


MAX_UNPACKED = 1 << 30  # 1 GiB of XML: far more than a 100,000-row export; a zip bomb is far more


def refuse_bomb(data: bytes, name: str) -> None:
    """InputError when the ZIP's parts declare more than `MAX_UNPACKED` bytes in all; nothing else is
    checked here (a damaged ZIP is for the reader to report)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except BROKEN_FILE:
        return
    if unpacked > MAX_UNPACKED:
        raise InputError(
            f"{name}: its parts unpack to {unpacked / 2**20:,.0f} MiB, more than the "
            f"{MAX_UNPACKED / 2**20:,.0f} MiB an XLSX workbook may (a zip bomb?); nothing read"
        )


def _openpyxl_errors() -> tuple[type[BaseException], ...]:
    from openpyxl.utils import exceptions  # imported here: only XLSX imports need openpyxl

    return (exceptions.InvalidFileException, exceptions.ReadOnlyWorkbookException)


def _what(exc: BaseException) -> str:
    """The library's message in one line, after its type (KeyError's bare repr says little alone)."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def parse_xlsx(data: bytes, name: str, *, source: str | None = None) -> list[Record]:
    """Every data row of the first worksheet of an XLSX workbook, in sheet order; one `InputError`
    naming the file (and sheet and row) whatever part of the file is damaged."""
    import openpyxl

    broken = BROKEN_FILE + _openpyxl_errors()
    refuse_bomb(data, name)
    with warnings.catch_warnings():  # openpyxl warns about styles and names it ignores: not our reader's
        warnings.simplefilter("ignore")
        try:
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except broken as exc:
            raise InputError(f"{name}: not a readable XLSX workbook ({_what(exc)})") from exc
        try:
            if not workbook.worksheets:
                raise InputError(f"{name}: the workbook has no worksheet")
            return records_from_rows(_rows(workbook.worksheets[0], name, broken), name, source)
        finally:
            workbook.close()


def _rows(sheet: Any, name: str, broken: tuple[type[BaseException], ...]) -> Iterator[tuple[int, Any]]:
    """(row number, cells) of `sheet`; a failure while openpyxl reads names the row it was reading."""
    title = getattr(sheet, "title", "?")
    number = 0
    try:
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):  # noqa: B007
            yield number, cells
    except broken as exc:
        raise InputError(
            f"{name}: sheet {title!r}, row {number + 1}: unreadable, the workbook is damaged ({_what(exc)})"
        ) from exc
