"""A workbook filled in and saved again by LibreOffice Calc reads back with the same decisions.

Needs `soffice` (Debian: libreoffice-calc-nogui, installed by .ci/run). Without it the test skips
with a message, except under CI, where a missing LibreOffice is a failure.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from lreview.screening.workbook import read_workbook, write_workbook
from tests.support.libreoffice import convert, soffice
from tests.support.workbooks import HIGHLIGHT, Reviewer, hostile_rows, make_instructions, make_meta, make_rows

pytestmark = pytest.mark.slow


def test_libreoffice_saved_workbook_reads_back_the_same_decisions(tmp_path: Path) -> None:
    binary = soffice()
    rows = make_rows(40) + [replace(r, record_id=1000 + r.record_id) for r in hostile_rows()]
    data = write_workbook(make_meta(rows), rows, make_instructions(), highlight=HIGHLIGHT)
    reviewer = Reviewer(data)
    typed = {1: "Include", 2: (" exclude ", "wrong design", "small n"), 3: "MAYBE", 1001: "in", 1002: "out"}
    typed |= {k: "include" if k % 2 else ("Exclude", "wrong population") for k in range(10, 30)}
    reviewer.decide(typed)
    reviewer.sort_rows("year")
    source = tmp_path / "alice.xlsx"
    source.write_bytes(reviewer.save())
    expected = read_workbook(source.read_bytes(), "alice.xlsx")

    converted = convert(binary, source, tmp_path / "out")
    back = read_workbook(converted.read_bytes(), converted.name)

    assert back.meta == expected.meta == make_meta(rows)
    assert back.rows == expected.rows
    assert sum(r.decision is not None for r in back.rows) == len(typed)
    with zipfile.ZipFile(io.BytesIO(converted.read_bytes())) as archive:
        sheets = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/s")]
    assert sheets and not any("<f>" in xml or "<f " in xml for xml in sheets)  # hostile text stayed text
