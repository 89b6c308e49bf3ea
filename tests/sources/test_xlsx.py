"""XLSX imports: rows to records, and every way a workbook can be damaged ends in one InputError."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lreview.errors import InputError
from lreview.sources.loader import load_bytes
from lreview.sources.xlsx import parse_xlsx
from tests.support.xlsx_builder import (
    BILLION_LAUGHS,
    SHEET,
    STRINGS,
    declare_unpacked_size,
    with_entity,
    workbook_parts,
    xlsx,
)

GOOD = xlsx()
PARTS = workbook_parts()


def test_xlsx_first_sheet_rows_become_records(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Title", "Publication Year", "PubMed ID", "Notes"])
    sheet.append(["First", 2019, 31234567, "kept"])
    sheet.append([None, None, None, None])
    sheet.append(["Second", 2020.0, None, None])
    path = tmp_path / "refs.xlsx"
    workbook.save(path)
    records = parse_xlsx(path.read_bytes(), "refs.xlsx")
    assert [(r.title, r.year, r.pmid) for r in records] == [
        ("First", 2019, "31234567"),
        ("Second", 2020, None),
    ]
    assert records[0].extra == (("Notes", "kept"),)


def test_shared_string_workbook_as_excel_writes_it() -> None:
    records = parse_xlsx(GOOD, "refs.xlsx")
    assert [(r.title, r.authors, r.year, r.doi) for r in records][:2] == [
        ("Low-dose naltrexone for endometriosis", ("Smith, J", "Doe, A"), 2021, "10.1000/ldn.1"),
        ("Naltrexone in Crohn disease", ("Roe, R",), 2019, "10.1000/ldn.2"),
    ]


def test_xlsx_broken_file_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"^refs\.xlsx: not a readable XLSX workbook"):
        parse_xlsx(b"PK\x03\x04 not really a zip", "refs.xlsx")


def _with(name: str, data: bytes) -> bytes:
    return xlsx({**PARTS, name: data})


def test_sheet_cut_inside_a_row_names_the_sheet_and_that_row() -> None:
    sheet = PARTS[SHEET]
    cut = sheet.index(b'<row r="3">') + 20
    with pytest.raises(
        InputError, match=r"^refs\.xlsx: sheet 'Refs', row 3: unreadable, the workbook is damaged"
    ):
        parse_xlsx(_with(SHEET, sheet[:cut]), "refs.xlsx")


@pytest.mark.parametrize("cut", range(0, len(PARTS[SHEET]) - 1, 17))
def test_sheet_xml_truncated_anywhere_is_one_input_error_naming_the_file(cut: int) -> None:
    with pytest.raises(InputError, match=r"^refs\.xlsx: "):
        parse_xlsx(_with(SHEET, PARTS[SHEET][:cut]), "refs.xlsx")


@pytest.mark.parametrize("part", sorted(PARTS))
def test_a_missing_or_truncated_part_is_one_input_error(part: str) -> None:
    without = {name: data for name, data in PARTS.items() if name != part}
    for damaged in (xlsx(without), _with(part, PARTS[part][: len(PARTS[part]) // 2])):
        with contextlib.suppress(InputError):  # a workbook may do without some parts
            parse_xlsx(damaged, "refs.xlsx")


def test_a_cell_that_is_not_what_its_type_says_names_its_row() -> None:
    sheet = PARTS[SHEET].replace(b'<c r="C3"><v>2019</v>', b'<c r="C3" t="n"><v>nineteen</v>', 1)
    with pytest.raises(InputError, match=r"^refs\.xlsx: sheet 'Refs', row 3: "):
        parse_xlsx(_with(SHEET, sheet), "refs.xlsx")


@pytest.mark.timeout(120)  # a guard against a hang, not a speed test: refusing takes milliseconds
@pytest.mark.parametrize("part", sorted(PARTS))
def test_entity_bomb_in_any_part_is_never_expanded(part: str) -> None:
    records = []
    with contextlib.suppress(InputError):
        records = parse_xlsx(_with(part, with_entity(PARTS[part], BILLION_LAUGHS, "lol9")), "refs.xlsx")
    assert "lollol" not in repr(records)


@pytest.mark.parametrize("part", [SHEET, STRINGS])
def test_an_entity_declaration_in_the_sheet_or_its_strings_is_refused(part: str) -> None:
    """A small entity no amplification limit would catch: refused all the same (defusedxml)."""
    with pytest.raises(InputError, match=r"^refs\.xlsx: "):
        parse_xlsx(_with(part, with_entity(PARTS[part], '<!ENTITY who "Smith">', "who")), "refs.xlsx")


@given(flips=st.lists(st.tuples(st.integers(0, len(GOOD) - 1), st.integers(0, 255)), min_size=1, max_size=6))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_random_byte_flips_in_the_file_raise_only_input_error(flips: list[tuple[int, int]]) -> None:
    data = bytearray(GOOD)
    for position, value in flips:
        data[position] = value
    with contextlib.suppress(InputError):
        load_bytes(bytes(data), "refs.xlsx")


@given(
    part=st.sampled_from(sorted(PARTS)),
    flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=6),
)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_random_byte_flips_in_one_xml_part_raise_only_input_error(
    part: str, flips: list[tuple[int, int]]
) -> None:
    data = bytearray(PARTS[part])
    for position, value in flips:
        data[position % len(data)] = value
    with contextlib.suppress(InputError):
        parse_xlsx(_with(part, bytes(data)), "refs.xlsx")


@pytest.mark.parametrize(
    ("offset", "value"), [(8, 1), (10, 99)], ids=["encrypted", "unknown-compression-method"]
)
def test_a_member_zipfile_cannot_read_is_an_input_error(offset: int, value: int) -> None:
    data = bytearray(GOOD)
    entry = data.index(b"PK\x01\x02")  # the central directory's first entry ...
    while data[entry + 46 : entry + 46 + len(SHEET)] != SHEET.encode():  # ... up to the sheet's
        entry = data.index(b"PK\x01\x02", entry + 4)
    data[entry + offset] = value  # its general-purpose flags (bit 0: encrypted) or compression method
    with pytest.raises(InputError, match=r"^refs\.xlsx: "):
        parse_xlsx(bytes(data), "refs.xlsx")


def test_a_zip_bomb_is_refused_before_any_part_is_inflated() -> None:
    bomb = declare_unpacked_size(GOOD, SHEET, 0xFFFF_FFF0)  # the directory says 4 GiB of sheet XML
    refused = r"^refs\.xlsx: its parts unpack to 4,096 MiB, more than the 1,024 MiB"
    with pytest.raises(InputError, match=refused):
        parse_xlsx(bomb, "refs.xlsx")
    assert len(parse_xlsx(declare_unpacked_size(GOOD, SHEET, 1 << 20), "refs.xlsx")) == 3  # 1 MiB: read
