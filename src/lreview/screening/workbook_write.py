"""Format one reviewer workbook as .xlsx bytes: sheets `Screen`, `Instructions`, hidden `lists` and `lreview`.

Safety (record text comes from bibliographic databases and is not trusted):
- every text cell is a string cell (`data_type` "s"), never a formula, whatever it starts with;
- record text (title, abstract, authors, ..., prior reviewers' reasons) also gets a visible `'` when it
  starts with `=`, `+`, `-`, `@`, TAB or CR (`neutralise`), so the sheet stays safe when someone
  saves it as CSV and opens that. The cells a reviewer fills in are written blank, and the review
  team's own text (instructions, the drop-down lists, the hidden `lreview` values) is written as plain
  strings without the prefix, so that an eligibility list `- adults` reads as typed;
- characters XML 1.0 forbids are removed, and text beyond Excel's 32,767 characters per cell is cut
  with a visible `… [cut by lreview: N characters]` marker;
- hyperlinks only for well-formed PMIDs, DOIs, PMCIDs and http(s) URLs (cell hyperlinks, not formulas).
Layout: the reviewer's columns first (yellow, frozen), then, in conflicts workbooks, each prior
reviewer's decision and reason (blue), then the record; wrapped title and abstract with rows tall
enough to read them; landscape pages, fit to width, header repeated. Not for: choosing rows or
writing files (the pipeline does that).
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from copy import copy
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from lreview.decisions import FULL_TEXT, STAGE_DECISIONS
from lreview.screening.workbook_contract import (
    CONFLICTS_KIND,
    INSTRUCTIONS,
    LISTS,
    META,
    RECORD_COLUMNS,
    REVIEWER_COLUMNS,
    SCREEN,
    Instructions,
    WorkbookMeta,
    WorkbookRow,
    prior_headers,
)
from lreview.screening.workbook_text import config_text, highlighted, highlighter, links, record_text

FONT = "Calibri"  # openpyxl's default body font: a font without a name prints in a serif face
TEXT = "s"  # openpyxl's data_type for a string cell
LINE_POINTS = 14.5  # one line of 11-point text (Excel 15, LibreOffice 13)
MAX_ROW_POINTS = 409.0  # Excel's maximum row height
WIDTHS = {
    "record_id": 9, "decision": 11, "reason": 18, "notes": 22, "flags": 11, "title": 40, "abstract": 90,
    "authors": 28, "journal": 22, "year": 6, "pmid": 10, "doi": 22, "pmcid": 12, "rank": 6,
    "publication_types": 18, "keywords": 30, "sources": 12, "details": 30,
}  # fmt: skip
CHARACTERS_PER_WIDTH = 1.2  # proportional 11-point text fits about this many characters per width unit
PRIOR_WIDTHS = (11, 18)
UNWRAPPED = {"record_id", "decision", "rank", "pmid", "doi", "pmcid", "year"}
WHAT_TO_DO = (
    f"In sheet {SCREEN}, fill in the yellow columns: decision ({{words}}), a reason when you exclude, notes "
    "if you like. Leave a row blank if you have not screened it yet: a partly screened workbook can be "
    "returned, and its blank rows stay yours. Sorting, filtering and resizing are fine; do not change "
    "record_id."
)
ARBITER = "Conflicts: {who} disagreed on these records. You decide as arbiter: your decision is final."
YELLOW, DARK_YELLOW, BLUE, DARK_BLUE, GREY = "FFF2CC", "FFD966", "DDEBF7", "9DC3E6", "D9D9D9"


def write_workbook(
    meta: WorkbookMeta,
    rows: Sequence[WorkbookRow],
    instructions: Instructions,
    *,
    highlight: Sequence[str] = (),
) -> bytes:
    """The workbook for `meta.reviewer` holding `rows`, as .xlsx bytes."""
    book = Workbook()
    screen = book.active
    screen.title = SCREEN
    priors = (
        [] if meta.kind != CONFLICTS_KIND else list(dict.fromkeys(p.reviewer for r in rows for p in r.prior))
    )
    write_screen(screen, rows, priors, highlight)
    add_dropdowns(screen, meta, instructions, max(len(rows) + 1, 2))
    write_instructions(book.create_sheet(INSTRUCTIONS), meta, instructions, priors)
    lists = book.create_sheet(LISTS)
    for column, values in ((1, STAGE_DECISIONS[meta.stage]), (2, instructions.reasons)):
        for number, value in enumerate(values, start=1):
            lists.cell(number, column, config_text(value)).data_type = TEXT
    info = book.create_sheet(META)
    for number, (key, value) in enumerate(vars(meta).items(), start=1):
        info.cell(number, 1, key).data_type = TEXT
        info.cell(number, 2, config_text(str(value))).data_type = TEXT
    lists.sheet_state = info.sheet_state = "hidden"
    book.active = 0
    book.properties.creator = "lreview"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def styles(sheet: Any) -> dict[str, Any]:
    """Cell styles by name, registered once in the workbook; copied onto cells (`cell._style`), which
    is much faster than setting font, fill and alignment on every one of 200,000 cells."""
    top, wrap = Alignment(vertical="top"), Alignment(vertical="top", wrap_text=True)
    top_left = Alignment(vertical="top", horizontal="left")  # record_id beside decision, not against it
    bold = Font(name=FONT, size=11, bold=True)
    specs: dict[str, tuple[Font | None, str | None, Alignment]] = {
        "head yours": (bold, DARK_YELLOW, wrap), "head prior": (bold, DARK_BLUE, wrap),
        "head record": (bold, GREY, wrap), "yours": (None, YELLOW, top_left),
        "yours wrap": (None, YELLOW, wrap), "prior": (None, BLUE, wrap), "top": (None, None, top),
        "wrap": (None, None, wrap),
        "link": (Font(name=FONT, size=11, color="0563C1", underline="single"), None, top),
        "flags": (Font(name=FONT, size=11, color="C00000", bold=True), None, wrap),
    }  # fmt: skip
    out = {}
    for name, (font, fill, alignment) in specs.items():
        template = Cell(sheet)  # never placed in the sheet
        if font is not None:
            template.font = font
        if fill is not None:
            template.fill = PatternFill("solid", fgColor=fill)
        template.alignment = alignment
        out[name] = template._style
    return out


def text_cell(cell: Any, value: Any) -> None:
    """Put text (or rich text) in `cell` as a string cell, never a formula."""
    cell.value = value
    cell.data_type = TEXT


def write_screen(
    sheet: Any, rows: Sequence[WorkbookRow], priors: list[str], highlight: Sequence[str]
) -> None:
    """The `Screen` sheet: header, one row per record, frozen panes, filter, page setup."""
    style = styles(sheet)
    pattern = highlighter(highlight)
    mine, first_record = len(REVIEWER_COLUMNS), len(REVIEWER_COLUMNS) + 2 * len(priors) + 1
    headers = [*REVIEWER_COLUMNS, *(h for name in priors for h in prior_headers(name)), *RECORD_COLUMNS]
    for column, header in enumerate(headers, start=1):
        cell = sheet.cell(1, column)
        text_cell(cell, config_text(header))
        kind = "yours" if column <= mine else "prior" if column < first_record else "record"
        cell._style = copy(style[f"head {kind}"])
        width = WIDTHS.get(header) or PRIOR_WIDTHS[(column - mine - 1) % 2]
        sheet.column_dimensions[get_column_letter(column)].width = width
    for number, row in enumerate(rows, start=2):
        for column, name in enumerate(REVIEWER_COLUMNS, start=1):
            cell = sheet.cell(number, column, row.record_id if column == 1 else None)
            cell._style = copy(style["yours" if name in UNWRAPPED else "yours wrap"])
        by_reviewer = {p.reviewer: p for p in row.prior}
        for offset, name in enumerate(priors):
            prior = by_reviewer.get(name)
            decision, reason = ("", "") if prior is None else (prior.decision, prior.reason)
            if prior is not None and prior.notes:
                reason = f"{reason}\nnotes: {prior.notes}".strip()
            for step, text in enumerate((decision, reason)):
                cell = sheet.cell(number, mine + 2 * offset + step + 1)
                if text:
                    text_cell(cell, record_text(text))
                cell._style = copy(style["prior"])
        values = record_values(row)
        hyperlinks = links(row)
        for column, name in enumerate(RECORD_COLUMNS, start=first_record):
            value = values[name]
            if value is None or value == "":
                continue
            cell = sheet.cell(number, column)
            if isinstance(value, str):
                text = record_text(value)
                text_cell(cell, highlighted(text, pattern) if name in ("title", "abstract") else text)
            else:
                cell.value = value
            if name in hyperlinks:
                cell.hyperlink = hyperlinks[name]
            kind = "link" if name in hyperlinks else name if name == "flags" else "top"
            cell._style = copy(style[kind if name in UNWRAPPED or kind != "top" else "wrap"])
        sheet.row_dimensions[number].height = row_points(values)
    sheet.freeze_panes = sheet.cell(2, mine + 1).coordinate
    last = max(len(rows) + 1, 2)
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{last}"
    sheet.print_title_rows = "1:1"  # on paper: the reviewer's columns, flags, title and abstract
    sheet.print_area = f"A1:{get_column_letter(first_record + RECORD_COLUMNS.index('abstract'))}{last}"
    sheet.print_options.gridLines = True
    landscape_fit_to_width(sheet)


def record_values(row: WorkbookRow) -> dict[str, Any]:
    """The record columns of one row (text not yet made safe)."""
    details = [f"{label}: {text}" for label, text in row.extra] + ([row.link] if row.link else [])
    return {
        "rank": row.rank, "pmid": row.pmid, "doi": row.doi, "pmcid": row.pmcid, "title": row.title,
        "abstract": row.abstract, "authors": "; ".join(row.authors), "journal": row.journal,
        "year": row.year, "publication_types": "; ".join(row.publication_types),
        "keywords": "; ".join(row.keywords), "sources": "; ".join(row.sources),
        "flags": "; ".join(row.flags), "details": "\n".join(details),
    }  # fmt: skip


def lines_needed(text: str, width: float) -> int:
    """How many lines `text` wraps to in a column `width` characters wide."""
    return sum(max(1, math.ceil(len(part) / width)) for part in text.split("\n"))


def row_points(values: dict[str, Any]) -> float:
    """A row height that shows the wrapped title and abstract whole (up to Excel's maximum)."""
    lines = max(
        (
            lines_needed(values[c], WIDTHS[c] * CHARACTERS_PER_WIDTH)
            for c in ("title", "abstract", "authors", "details")
            if values[c]
        ),
        default=1,
    )
    return min(MAX_ROW_POINTS, lines * LINE_POINTS + 3)


def landscape_fit_to_width(sheet: Any) -> None:
    """Print on landscape A4 pages, as wide as the sheet, as many pages down as it takes."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def add_dropdowns(sheet: Any, meta: WorkbookMeta, instructions: Instructions, last: int) -> None:
    """Drop-downs on `decision` (the stage's words) and `reason` (the exclusion reasons), listed on the
    hidden `lists` sheet: a range has no length limit, unlike a literal list (255 characters)."""
    words = STAGE_DECISIONS[meta.stage]
    decision = DataValidation(
        type="list", formula1=f"{LISTS}!$A$1:$A${len(words)}", allow_blank=True, showErrorMessage=True,
        errorTitle="decision", error=f"Choose one of: {', '.join(words)} (or leave it blank).",
    )  # fmt: skip
    decision.add(f"B2:B{last}")
    sheet.add_data_validation(decision)
    if instructions.reasons:
        reason = DataValidation(
            type="list", formula1=f"{LISTS}!$B$1:$B${len(instructions.reasons)}", allow_blank=True,
            showErrorMessage=True, errorStyle="warning", errorTitle="reason",
            error="Not one of this review's exclusion reasons (see Instructions).",
        )  # fmt: skip
        reason.add(f"C2:C{last}")
        sheet.add_data_validation(reason)


def write_instructions(sheet: Any, meta: WorkbookMeta, text: Instructions, priors: list[str]) -> None:
    """The `Instructions` sheet: the review, what to do, the reasons, how to return it, the estimate."""
    words = "/".join(STAGE_DECISIONS[meta.stage])
    stage = "full-text" if meta.stage == FULL_TEXT else "title and abstract"
    lines: list[tuple[str, str]] = [
        ("title", text.title),
        ("", f"Batch {meta.batch}: {stage} screening for {meta.reviewer}."),
    ]
    if meta.kind == CONFLICTS_KIND:
        who = ", ".join(priors) or "the reviewers"
        lines.append(("bold", ARBITER.format(who=who)))
    lines += [
        ("", ""), ("heading", "What to do"),
        ("", WHAT_TO_DO.format(words=words)),
        ("", ""), ("heading", "Review question"), ("", text.question),
        ("", ""), ("heading", "Eligibility"), ("", text.eligibility),
        ("", ""), ("heading", "Exclusion reasons"), *(("", f"• {reason}") for reason in text.reasons),
        ("", ""), ("heading", "How to return this workbook"), ("", text.how_to_return),
        ("", ""), ("heading", "Stopping estimate"), *(("", line) for line in text.estimate),
    ]  # fmt: skip
    fonts = {
        "title": Font(name=FONT, bold=True, size=14),
        "heading": Font(name=FONT, bold=True, size=12),
        "bold": Font(name=FONT, bold=True, size=11),
    }
    sheet.column_dimensions["A"].width = 110
    for number, (kind, line) in enumerate(lines, start=1):
        cell = sheet.cell(number, 1)
        if line:
            text_cell(cell, config_text(line))
        cell.alignment = Alignment(vertical="top", wrap_text=True)
        if kind in fonts:
            cell.font = fonts[kind]
        sheet.row_dimensions[number].height = (
            lines_needed(line, 120) * (LINE_POINTS + 3 * (kind == "title")) + 3
        )
    landscape_fit_to_width(sheet)
