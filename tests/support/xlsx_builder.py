"""A minimal XLSX written part by part, as Excel writes it (shared strings, one sheet), so tests can
damage any one part: truncate the sheet XML, declare entities, drop a part, flip bytes."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape

SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
WORKBOOK = "xl/workbook.xml"
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"

ROWS: tuple[tuple[str | int, ...], ...] = (
    ("Title", "Authors", "Year", "DOI"),
    ("Low-dose naltrexone for endometriosis", "Smith, J; Doe, A", 2021, "10.1000/ldn.1"),
    ("Naltrexone in Crohn disease", "Roe, R", 2019, "10.1000/ldn.2"),
    ("Opioid antagonists and pelvic pain", "Poe, E", 2020, "10.1000/ldn.3"),
)


def _column(index: int) -> str:
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[index]


def workbook_parts(rows: Sequence[Sequence[str | int]] = ROWS, sheet_name: str = "Refs") -> dict[str, bytes]:
    """The parts of a one-sheet workbook whose text cells are shared strings, numbers inline."""
    strings: list[str] = []
    sheet_rows = []
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{_column(c)}{r}"
            if isinstance(value, int):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                strings.append(value)
                cells.append(f'<c r="{ref}" t="s"><v>{len(strings) - 1}</v></c>')
        sheet_rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    width = max(len(row) for row in rows)
    parts = {
        "[Content_Types].xml": f'{head}<Types xmlns="{_PKG}/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{WORKBOOK}" ContentType="{_TYPE}.sheet.main+xml"/>'
        f'<Override PartName="/{SHEET}" ContentType="{_TYPE}.worksheet+xml"/>'
        f'<Override PartName="/{STRINGS}" ContentType="{_TYPE}.sharedStrings+xml"/></Types>',
        "_rels/.rels": f'{head}<Relationships xmlns="{_PKG}/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="{WORKBOOK}"/></Relationships>',
        WORKBOOK: f'{head}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
        f'<sheet name="{escape(sheet_name)}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'{head}<Relationships xmlns="{_PKG}/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        SHEET: f'{head}<worksheet xmlns="{_MAIN}"><dimension ref="A1:{_column(width - 1)}{len(rows)}"/>'
        f"<sheetData>{''.join(sheet_rows)}</sheetData></worksheet>",
        STRINGS: f'{head}<sst xmlns="{_MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">'
        + "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
        + "</sst>",
    }
    return {name: text.encode("utf-8") for name, text in parts.items()}


def xlsx(parts: Mapping[str, bytes] | None = None) -> bytes:
    """The workbook zipped (the default parts when none are given)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in (parts if parts is not None else workbook_parts()).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def with_entity(part: bytes, declarations: str, entity: str) -> bytes:
    """`part` with an internal DTD holding `declarations` and a reference to `entity` in its first
    shared string, or else as the first text of its root element."""
    head, _, body = part.partition(b"?>\n")
    root = body[1 : body.index(b" ")].decode()
    reference = f"&{entity};".encode()
    if b"<t>" in body:
        body = body.replace(b"<t>", b"<t>" + reference, 1)
    else:
        start = body.index(b">") + 1
        body = body[:start] + reference + body[start:]
    return head + b"?>\n" + f"<!DOCTYPE {root} [{declarations}]>".encode() + body


BILLION_LAUGHS = '<!ENTITY lol "lol">' + "".join(
    f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
)


def declare_unpacked_size(data: bytes, part: str, size: int) -> bytes:
    """`data` with the ZIP directory declaring `part` to unpack to `size` bytes (as a zip bomb's does),
    without writing them."""
    out = bytearray(data)
    entry = out.index(b"PK\x01\x02")  # the central directory's entries: name at +46, size at +24
    while out[entry + 46 : entry + 46 + len(part)] != part.encode():
        entry = out.index(b"PK\x01\x02", entry + 4)
    out[entry + 24 : entry + 28] = size.to_bytes(4, "little")
    return bytes(out)
