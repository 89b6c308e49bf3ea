"""Reviewer workbooks: the written contract, a reviewer's edits read back exactly, errors, safety."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import replace

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.cell import Cell
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.worksheet.worksheet import Worksheet

from lreview.decisions import FULL_TEXT, STAGE_DECISIONS
from lreview.errors import InputError
from lreview.screening.workbook import (
    ReturnedRow,
    WorkbookRow,
    issued_checksum,
    read_workbook,
    write_workbook,
)
from lreview.screening.workbook_text import CELL_LIMIT, record_text
from tests.support.workbooks import (
    HIGHLIGHT,
    REASONS,
    Reviewer,
    hostile_rows,
    make_instructions,
    make_meta,
    make_rows,
)
from tests.support.xlsx_builder import declare_unpacked_size

NAME = "alice-batch3.xlsx"
TRIGGERS = tuple("=+-@\t\r")


def written(n: int = 12, **meta: object) -> tuple[list[WorkbookRow], bytes]:
    rows = make_rows(n)
    return rows, write_workbook(make_meta(rows, **meta), rows, make_instructions(), highlight=HIGHLIGHT)


def sheet_xml(data: bytes) -> dict[str, str]:
    """Every worksheet part of an .xlsx file, as text."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {n: archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/")}


def load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data), rich_text=True)


def at(sheet: Worksheet, header: str, row: int = 2) -> Cell:
    """The cell of `row` under the header `header`."""
    return next(sheet.cell(row, c.column) for c in sheet[1] if c.value == header)


# --- the contract as written ------------------------------------------------------------------------


def test_sheets_are_screen_first_instructions_then_hidden_lists_and_meta() -> None:
    _, data = written()
    book = load(data)
    assert book.sheetnames == ["Screen", "Instructions", "lists", "lreview"]
    assert [book[n].sheet_state for n in book.sheetnames] == ["visible", "visible", "hidden", "hidden"]
    assert book.active.title == "Screen"


def test_screen_header_has_reviewer_columns_then_the_record() -> None:
    _, data = written()
    header = [c.value for c in load(data)["Screen"][1]]
    assert header == [
        "record_id", "decision", "reason", "notes", "flags", "title", "abstract", "authors", "journal",
        "year", "pmid", "doi", "pmcid", "rank", "publication_types", "keywords", "sources", "details",
    ]  # fmt: skip


def test_meta_sheet_holds_key_value_rows() -> None:
    rows, data = written()
    meta = {r[0]: r[1] for r in load(data)["lreview"].iter_rows(values_only=True)}
    assert meta == {
        "review": "ldn-endometriosis", "stage": "title_abstract", "kind": "screen", "batch": "3",
        "reviewer": "alice", "issued": issued_checksum(r.record_id for r in rows),
    }  # fmt: skip


def test_issued_checksum_ignores_order_and_differs_for_other_ids() -> None:
    assert issued_checksum([3, 1, 2]) == issued_checksum([1, 2, 3])
    assert re.fullmatch(r"[0-9a-f]{16}", issued_checksum([1, 2, 3]))
    assert issued_checksum([1, 2, 3]) != issued_checksum([1, 2, 4])
    assert issued_checksum([12, 3]) != issued_checksum([1, 23])


def test_rows_show_the_record_with_links_to_pubmed_doi_and_pmc() -> None:
    row = replace(make_rows(1)[0], pmid="31415926", doi="10.1093/humrep/dez<1>", pmcid="PMC7654321")
    row = replace(row, link="https://clinicaltrials.gov/study/NCT01234567", extra=(("status", "recruiting"),))
    data = write_workbook(make_meta([row]), [row], make_instructions())
    sheet = Reviewer(data)
    cells = {
        h: sheet.sheet.cell(2, sheet.column(h)) for h in ("record_id", "pmid", "doi", "pmcid", "details")
    }
    assert cells["record_id"].value == row.record_id
    assert (cells["pmid"].value, cells["pmid"].hyperlink.target) == (
        "31415926", "https://pubmed.ncbi.nlm.nih.gov/31415926/"
    )  # fmt: skip
    assert cells["doi"].hyperlink.target == "https://doi.org/10.1093/humrep/dez%3C1%3E"
    assert cells["pmcid"].hyperlink.target == "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC7654321/"
    assert cells["details"].hyperlink.target == "https://clinicaltrials.gov/study/NCT01234567"
    assert cells["details"].value == "status: recruiting\nhttps://clinicaltrials.gov/study/NCT01234567"
    assert "<f>" not in "".join(sheet_xml(data).values())


def test_identifiers_that_are_not_what_they_claim_get_no_link() -> None:
    row = replace(
        make_rows(1)[0], pmid="=cmd", doi="javascript:alert(1)", pmcid="x", link="file:///etc/passwd"
    )
    sheet = Reviewer(write_workbook(make_meta([row]), [row], make_instructions()))
    for header in ("pmid", "doi", "pmcid", "details"):
        assert sheet.sheet.cell(2, sheet.column(header)).hyperlink is None


def test_dropdowns_list_the_stage_words_and_every_reason_from_the_hidden_sheet() -> None:
    reasons = tuple(f"exclusion reason number {k} with a long explanation" for k in range(12))
    assert len(",".join(reasons)) > 255  # too long for a literal list
    rows = make_rows(20)
    book = load(write_workbook(make_meta(rows), rows, make_instructions(reasons)))
    validations = {str(dv.sqref): dv for dv in book["Screen"].data_validations.dataValidation}
    assert set(validations) == {"B2:B21", "C2:C21"}
    decision, reason = validations["B2:B21"], validations["C2:C21"]
    assert (decision.type, decision.formula1, reason.formula1) == (
        "list",
        "lists!$A$1:$A$3",
        "lists!$B$1:$B$12",
    )
    lists = book["lists"]
    assert tuple(lists.cell(k, 1).value for k in range(1, 4)) == STAGE_DECISIONS["title_abstract"]
    assert tuple(lists.cell(k, 2).value for k in range(1, 13)) == reasons


def test_full_text_workbook_offers_the_full_text_words() -> None:
    rows = make_rows(3)
    book = load(write_workbook(make_meta(rows, stage=FULL_TEXT), rows, make_instructions()))
    assert [book["lists"].cell(k, 1).value for k in (1, 2, 3)] == ["include", "exclude", "not_retrieved"]
    assert "include/exclude/not_retrieved" in " ".join(str(c.value) for c in book["Instructions"]["A"])


def test_layout_freezes_header_and_reviewer_columns_filters_and_marks_them() -> None:
    rows, data = written(5)
    sheet = load(data)["Screen"]
    assert sheet.freeze_panes == "E2"
    assert sheet.auto_filter.ref == "A1:R6"
    assert all(sheet.cell(1, c).font.b for c in range(1, 19))
    yours, record = sheet["B1"].fill.fgColor.rgb, at(sheet, "title", 1).fill.fgColor.rgb
    assert yours != record and sheet["B2"].fill.fgColor.rgb not in (record, "00000000")
    abstract = at(sheet, "abstract")
    assert abstract.alignment.wrap_text and sheet.column_dimensions[abstract.column_letter].width >= 80
    assert 30 <= sheet.row_dimensions[2].height <= 409
    assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == "$1:$1"
    assert sheet.print_area == "'Screen'!$A$1:$G$6"  # the reviewer's columns, flags, title and abstract


def test_instructions_give_question_eligibility_reasons_return_and_estimate() -> None:
    _, data = written()
    text = "\n".join(str(c.value) for c in load(data)["Instructions"]["A"] if c.value)
    instructions = make_instructions()
    for part in (instructions.title, instructions.question, instructions.eligibility,
                 instructions.how_to_return, *instructions.estimate, *REASONS):  # fmt: skip
        assert part in text
    assert "arbiter" not in text


def test_conflicts_workbook_shows_each_reviewers_decision_and_says_the_arbiter_is_final() -> None:
    rows = make_rows(4, conflicts=("alice", "bob"))
    data = write_workbook(make_meta(rows, kind="conflicts", reviewer="carol"), rows, make_instructions())
    book = load(data)
    header = [c.value for c in book["Screen"][1]][:9]
    assert header == ["record_id", "decision", "reason", "notes",
                      "alice decision", "alice reason", "bob decision", "bob reason", "flags"]  # fmt: skip
    assert [c.value for c in book["Screen"][2]][4:8] == [
        "include",
        None,
        "exclude",
        "wrong population\nnotes: adults?",
    ]
    text = " ".join(str(c.value) for c in book["Instructions"]["A"])
    assert "alice, bob disagreed" in text and "your decision is final" in text
    back = read_workbook(data, NAME)
    assert back.meta.kind == "conflicts" and [r.decision for r in back.rows] == [None] * 4


# --- reading back what reviewers did -------------------------------------------------------------------


def test_untouched_workbook_reads_back_its_meta_and_every_row_blank() -> None:
    rows, data = written()
    back = read_workbook(data, NAME)
    assert back.meta == make_meta(rows)
    assert [r.record_id for r in back.rows] == [r.record_id for r in rows]
    assert back.rows[0] == ReturnedRow(1, None, "", "", "Screen!B2", "Screen!C2")


def test_typed_decisions_read_back_whatever_case_and_spaces() -> None:
    _, data = written(8)
    reviewer = Reviewer(data)
    typed = {1: "include", 2: " Exclude ", 3: ("EXCLUDE", "  wrong design ", "n=12 only"), 4: "Maybe",
             5: "in", 6: "  out", 7: "In clude"}  # fmt: skip
    reviewer.decide({k: v for k, v in typed.items() if k != 7})
    back = {r.record_id: r for r in read_workbook(reviewer.save(), NAME).rows}
    assert {k: r.decision for k, r in back.items()} == {
        1: "include", 2: "exclude", 3: "exclude", 4: "maybe", 5: "include", 6: "exclude", 7: None, 8: None,
    }  # fmt: skip
    assert (back[3].reason, back[3].notes, back[3].cell, back[3].reason_cell) == (
        "wrong design", "n=12 only", "Screen!B4", "Screen!C4"
    )  # fmt: skip


def test_resorted_filtered_moved_columns_added_sheet_and_deleted_row_read_back_exactly() -> None:
    rows, data = written(30)
    reviewer = Reviewer(data)
    decided = {
        r.record_id: ("include",) if r.record_id % 3 else ("Exclude", "wrong design") for r in rows[:20]
    }
    reviewer.decide(decided)
    reviewer.sort_rows("year")
    reviewer.hide_and_filter()
    reviewer.move_column("decision", reviewer.sheet.max_column + 1)  # to the far right
    reviewer.move_column("notes", 1)
    reviewer.book.create_sheet("my notes", 0).append(["record_id", "decision"])
    reviewer.book.create_sheet("my notes", 0)["A2"] = 999
    reviewer.delete_record(5)
    edited = reviewer.save()
    back = read_workbook(edited, NAME)
    expected = {k: v[0].strip().lower() for k, v in decided.items() if k != 5}
    assert {r.record_id: r.decision for r in back.rows if r.decision} == expected
    assert {r.record_id for r in back.rows} == {r.record_id for r in rows} - {5}
    sheet = load(edited)["Screen"]
    for row in back.rows:  # every row names the cells its decision and reason came from
        typed = (*decided.get(row.record_id, ()), None, None)
        assert (sheet[row.cell.split("!")[1]].value, sheet[row.reason_cell.split("!")[1]].value) == typed[:2]
        assert row.cell.startswith(
            f"Screen!{reviewer.sheet.cell(1, reviewer.column('decision')).column_letter}"
        )


def test_rows_without_record_id_and_decision_are_skipped_and_duplicates_keep_both_cells() -> None:
    _, data = written(3)
    reviewer = Reviewer(data)
    reviewer.decide({1: "include", 2: "exclude"})
    reviewer.sheet.append([None, None, None, "a stray note"])
    reviewer.sheet.append([1, "exclude", "wrong design"])  # the same record again, decided otherwise
    back = read_workbook(reviewer.save(), NAME)
    assert [(r.record_id, r.decision, r.cell) for r in back.rows] == [
        (1, "include", "Screen!B2"), (2, "exclude", "Screen!B3"), (3, None, "Screen!B4"),
        (1, "exclude", "Screen!B6"),
    ]  # fmt: skip


def test_headers_are_matched_whatever_their_case_and_spacing() -> None:
    _, data = written(2)
    reviewer = Reviewer(data)
    reviewer.decide({2: "maybe"})
    reviewer.sheet["B1"], reviewer.sheet["A1"] = "  Decision ", "Record_ID"
    assert [r.decision for r in read_workbook(reviewer.save(), NAME).rows] == [None, "maybe"]


def test_full_text_reads_not_retrieved_in_any_spelling() -> None:
    rows = make_rows(3)
    reviewer = Reviewer(write_workbook(make_meta(rows, stage=FULL_TEXT), rows, make_instructions()))
    reviewer.decide({1: "Not retrieved", 2: "not_retrieved", 3: ("exclude", "wrong outcome")})
    back = read_workbook(reviewer.save(), NAME)
    assert [(r.decision, r.reason) for r in back.rows] == [
        ("not_retrieved", ""), ("not_retrieved", ""), ("exclude", "wrong outcome")
    ]  # fmt: skip


# --- errors: one line naming file, sheet, cell and value ----------------------------------------------


def _edited(change: str) -> bytes:
    rows = make_rows(3)
    stage = FULL_TEXT if change == "maybe at full text" else "title_abstract"
    reviewer = Reviewer(write_workbook(make_meta(rows, stage=stage), rows, make_instructions()))
    sheet = reviewer.sheet
    if change == "typo":
        reviewer.decide({2: "inclde"})
    elif change == "maybe at full text":
        reviewer.decide({3: "maybe"})
    elif change == "record id text":
        sheet["A3"] = "abc"
    elif change == "record id fraction":
        sheet["A3"] = 2.5
    elif change == "decision without record":
        sheet["A4"], sheet["B4"] = None, "include"
    elif change == "no decision column":
        sheet["B1"] = "verdict"
    elif change == "two decision columns":
        sheet["S1"] = "decision"
    elif change == "no meta sheet":
        del reviewer.book["lreview"]
    elif change == "no screen sheet":
        sheet.title = "Sheet1"
    elif change == "bad stage":
        reviewer.book["lreview"]["B2"] = "abstracts"
    elif change == "bad batch":
        reviewer.book["lreview"]["B4"] = "three"
    elif change == "no reviewer":
        reviewer.book["lreview"]["B5"] = None
    return reviewer.save()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("typo", "Screen!B3: 'inclde' is not include/exclude/maybe"),
        ("maybe at full text", "Screen!B4: 'maybe' is not include/exclude/not_retrieved"),
        ("record id text", "Screen!A3: record_id 'abc' is not a record number"),
        ("record id fraction", "Screen!A3: record_id '2.5' is not a record number"),
        ("decision without record", "Screen!A4: no record_id for decision 'include'"),
        ("no decision column", "sheet 'Screen' has no column 'decision'"),
        ("two decision columns", "sheet 'Screen' has column 'decision' twice (B1, S1)"),
        ("no meta sheet", "not an lreview workbook (no sheet 'lreview')"),
        ("no screen sheet", "no sheet 'Screen'"),
        ("bad stage", "lreview!B2: stage 'abstracts' is not one of title_abstract/full_text"),
        ("bad batch", "lreview!B4: batch 'three' is not a batch number"),
        ("no reviewer", "sheet 'lreview' has no value for 'reviewer'"),
    ],
)
def test_each_error_is_one_line_naming_file_cell_and_value(change: str, message: str) -> None:
    with pytest.raises(InputError) as error:
        read_workbook(_edited(change), NAME)
    assert str(error.value) == f"{NAME}: {message}"


@pytest.mark.parametrize(
    "data",
    [b"", b"record_id,decision\n1,include\n", b"PK\x03\x04 truncated zip", b"PK\x05\x06" + bytes(18)],
    ids=["empty", "csv", "broken zip", "empty zip"],
)
def test_a_file_that_is_not_xlsx_is_one_line_error(data: bytes) -> None:
    with pytest.raises(InputError, match=rf"^{re.escape(NAME)}: not a readable \.xlsx workbook \(") as error:
        read_workbook(data, NAME)
    assert "\n" not in str(error.value)


def test_a_returned_zip_bomb_is_refused_in_one_line() -> None:
    rows = make_rows(3)
    data = write_workbook(make_meta(rows, stage="title_abstract"), rows, make_instructions())
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = next(n for n in archive.namelist() if n.startswith("xl/worksheets/"))
    with pytest.raises(InputError, match=rf"^{re.escape(NAME)}: its parts unpack to 3,072 MiB"):
        read_workbook(declare_unpacked_size(data, sheet, 3 << 30), NAME)


# --- safety and text -------------------------------------------------------------------------------


def test_hostile_text_is_written_as_neutralised_strings_and_never_a_formula() -> None:
    rows = hostile_rows()
    rows.append(replace(rows[0], record_id=99, title="\t=1+1 tab", abstract="\r=2+2 cr", journal="@SUM(1)"))
    rows.append(replace(rows[0], record_id=100, title="-2+3", abstract="+1+1 cmd|' /C calc'!A0"))
    highlight = ("hyperlink", "sum")
    data = write_workbook(make_meta(rows), rows, make_instructions(), highlight=highlight)
    assert not any("<f>" in xml or "<f " in xml for xml in sheet_xml(data).values())
    sheet = load(data)["Screen"]
    texts = []
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str | CellRichText):
                assert cell.data_type == "s", cell.coordinate
                texts.append(str(cell.value))
    assert texts and not [t for t in texts if t.startswith(TRIGGERS)]  # safe when saved as CSV
    titles = [str(at(sheet, "title", n).value) for n in range(2, len(rows) + 2)]
    assert '\'=HYPERLINK("http://evil","x") title 0' in titles and "'\t=1+1 tab" in titles
    assert "'-2+3" in titles


def test_hostile_instructions_and_meta_values_stay_strings() -> None:
    rows = make_rows(2)
    instructions = replace(make_instructions(), title="=cmd|' /C calc'!A0", question="@SUM(1)")
    data = write_workbook(make_meta(rows, reviewer="=evil()"), rows, instructions)
    assert not any("<f>" in xml for xml in sheet_xml(data).values())
    assert read_workbook(data, NAME).meta.reviewer == "=evil()"


def test_characters_illegal_in_xml_are_removed() -> None:
    row = replace(make_rows(1)[0], title="a\x00b\x07c\x1bd\ufffee \ud800f", abstract="ok\x0b")
    sheet = load(write_workbook(make_meta([row]), [row], make_instructions()))["Screen"]
    assert (str(at(sheet, "title").value), str(at(sheet, "abstract").value)) == ("abcde f", "ok")


def test_text_beyond_the_cell_limit_is_cut_with_a_visible_marker() -> None:
    row = replace(make_rows(1)[0], abstract="x" * 40_000, authors=("A",) * 20_000)
    sheet = load(write_workbook(make_meta([row]), [row], make_instructions()))["Screen"]
    abstract, authors = str(at(sheet, "abstract").value), str(at(sheet, "authors").value)
    assert len(abstract) == CELL_LIMIT and len(authors) <= CELL_LIMIT
    cut = 40_000 - abstract.index("…")
    assert abstract.endswith(f"… [cut by lreview: {cut} characters]") and abstract.startswith("x" * 32_000)
    assert authors.endswith("characters]")


def test_highlight_terms_are_bold_colour_in_title_and_abstract_after_a_round_trip() -> None:
    row = replace(
        make_rows(1)[0],
        title="Low-dose Naltrexone in endometriosis: naltrexoneX is not a match",
        abstract="BACKGROUND: Pelvic\npain and ENDOMETRIOMA.\nMETHODS: none.",
    )
    data = write_workbook(make_meta([row]), [row], make_instructions(), highlight=HIGHLIGHT)
    again = Reviewer(Reviewer(data).save()).sheet  # saved and loaded twice
    for cell, expected in (
        (at(again, "title"), ["Naltrexone", "endometriosis"]),
        (at(again, "abstract"), ["Pelvic\npain", "ENDOMETRIOMA"]),
    ):
        assert isinstance(cell.value, CellRichText)
        blocks = [b for b in cell.value if isinstance(b, TextBlock)]
        assert [b.text for b in blocks] == expected
        assert all(b.font.b and b.font.color.rgb.endswith("C00000") for b in blocks)
    assert str(at(again, "title").value) == row.title
    assert isinstance(at(again, "journal").value, str)  # journal: never highlighted


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=300), st.text(max_size=300))
def test_any_text_round_trips_as_its_safe_form(title: str, abstract: str) -> None:
    row = replace(make_rows(1)[0], title=title, abstract=abstract)
    sheet = load(write_workbook(make_meta([row]), [row], make_instructions(), highlight=HIGHLIGHT))["Screen"]
    for cell, text in ((at(sheet, "title"), title), (at(sheet, "abstract"), abstract)):
        assert (str(cell.value) if cell.value is not None else "") == record_text(text)


def test_a_screen_workbook_never_shows_another_reviewers_decision() -> None:
    rows = make_rows(3, conflicts=("bob", "carol"))  # rows that carry prior decisions by mistake
    data = write_workbook(make_meta(rows), rows, make_instructions())
    header = [c.value for c in load(data)["Screen"][1]]
    assert not [h for h in header if "bob" in h or "carol" in h]
    assert not re.search("bob|carol|adults\\?", "".join(sheet_xml(data).values()))
