"""Read a returned reviewer workbook (.xlsx bytes) into validated values: its meta and its decisions.

Columns are found by their header in row 1 of sheet `Screen` (case and spaces ignored), never by
position, so re-sorted, filtered, resized, hidden or moved columns and added sheets are fine; a
deleted row is simply absent. Decision words are read with `parse_decision_word` for the workbook's
stage. Errors are one line naming the file, sheet, cell and value. Not for: checking the decisions
against the store, the batch or the config (the screening rules do that with the cells given here).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from lreview.decisions import STAGE_DECISIONS, STAGES, parse_decision_word
from lreview.errors import InputError
from lreview.screening.workbook_contract import (
    DECISION,
    KINDS,
    META,
    META_KEYS,
    NOTES,
    REASON,
    RECORD_ID,
    REVIEWER_COLUMNS,
    SCREEN,
    ReturnedRow,
    ReturnedWorkbook,
    WorkbookMeta,
    header_key,
)
from lreview.sources.xlsx import refuse_bomb


def read_workbook(data: bytes, name: str) -> ReturnedWorkbook:
    """The meta and the rows of a returned workbook; `name` (the file's name) prefixes every error."""
    refuse_bomb(data, name)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise InputError(f"{name}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})") from exc
    except Exception as exc:  # openpyxl also lets XML parser errors through
        raise InputError(f"{name}: not a readable .xlsx workbook ({type(exc).__name__})") from exc
    try:
        if META not in book.sheetnames:
            raise InputError(f"{name}: not an lreview workbook (no sheet '{META}')")
        if SCREEN not in book.sheetnames:
            raise InputError(f"{name}: no sheet '{SCREEN}'")
        meta = read_meta(book[META], name)
        return ReturnedWorkbook(meta=meta, rows=tuple(read_rows(book[SCREEN], meta.stage, name)))
    finally:
        book.close()


def read_meta(sheet: Any, name: str) -> WorkbookMeta:
    """The key/value rows of the hidden `lreview` sheet, checked."""
    sheet.reset_dimensions()  # other tools write wrong <dimension> tags; read to the end instead
    found: dict[str, tuple[str, str]] = {}
    for number, row in enumerate(sheet.iter_rows(max_col=2, values_only=True), start=1):
        key = header_key(row[0] if row else None)
        if key in META_KEYS and key not in found:
            value = row[1] if len(row) > 1 else None
            found[key] = (text_of(value), f"{META}!B{number}")
    for key in META_KEYS:
        if not found.get(key, ("", ""))[0]:
            raise InputError(f"{name}: sheet '{META}' has no value for '{key}'")
    stage, stage_cell = found["stage"]
    if stage not in STAGES:
        raise InputError(f"{name}: {stage_cell}: stage {stage!r} is not one of {'/'.join(STAGES)}")
    kind, kind_cell = found["kind"]
    if kind not in KINDS:
        raise InputError(f"{name}: {kind_cell}: kind {kind!r} is not one of {'/'.join(KINDS)}")
    batch, batch_cell = found["batch"]
    if not batch.isdigit():
        raise InputError(f"{name}: {batch_cell}: batch {batch!r} is not a batch number")
    return WorkbookMeta(
        review=found["review"][0], stage=stage, kind=kind, batch=int(batch),
        reviewer=found["reviewer"][0], issued=found["issued"][0],
    )  # fmt: skip


def text_of(value: object) -> str:
    """A cell's value as stripped text (numbers without a trailing `.0`); "" for an empty cell."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def find_columns(header: tuple[Any, ...], name: str) -> dict[str, int]:
    """The 0-based position of each reviewer column in the header row."""
    positions: dict[str, int] = {}
    for index, value in enumerate(header):
        key = header_key(value)
        if key in REVIEWER_COLUMNS:
            if key in positions:
                first, second = get_column_letter(positions[key] + 1), get_column_letter(index + 1)
                raise InputError(f"{name}: sheet '{SCREEN}' has column '{key}' twice ({first}1, {second}1)")
            positions[key] = index
    for key in REVIEWER_COLUMNS:
        if key not in positions:
            raise InputError(f"{name}: sheet '{SCREEN}' has no column '{key}'")
    return positions


def record_id_of(value: object, where: str, name: str) -> int:
    """A record_id cell as an int (numbers, or text of digits), else an InputError naming the cell."""
    if isinstance(value, bool):
        raise InputError(f"{name}: {where}: record_id {value!r} is not a record number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = text_of(value)
    if text.isascii() and text.isdigit():
        return int(text)
    raise InputError(f"{name}: {where}: record_id {text!r} is not a record number")


def read_rows(sheet: Any, stage: str, name: str) -> Iterator[ReturnedRow]:
    """The rows below the header that name a record or hold a decision, in sheet order."""
    sheet.reset_dimensions()
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise InputError(f"{name}: sheet '{SCREEN}' is empty (no header row)")
    at = find_columns(header, name)
    letter = {key: get_column_letter(index + 1) for key, index in at.items()}
    words = "/".join(STAGE_DECISIONS[stage])
    width = max(at.values()) + 1
    for number, row in enumerate(rows, start=2):
        if len(row) < width:
            row = (*row, *([None] * (width - len(row))))
        record, decision = row[at[RECORD_ID]], text_of(row[at[DECISION]])
        decision_cell = f"{SCREEN}!{letter[DECISION]}{number}"
        if text_of(record) == "":
            if decision:
                raise InputError(
                    f"{name}: {SCREEN}!{letter[RECORD_ID]}{number}: no record_id for decision {decision!r}"
                )
            continue
        record_id = record_id_of(record, f"{SCREEN}!{letter[RECORD_ID]}{number}", name)
        word = parse_decision_word(decision, stage) if decision else None
        if decision and word is None:
            raise InputError(f"{name}: {decision_cell}: {decision!r} is not {words}")
        yield ReturnedRow(
            record_id=record_id, decision=word, reason=text_of(row[at[REASON]]),
            notes=text_of(row[at[NOTES]]), cell=decision_cell,
            reason_cell=f"{SCREEN}!{letter[REASON]}{number}",
        )  # fmt: skip
