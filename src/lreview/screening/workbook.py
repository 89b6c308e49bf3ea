"""Reviewer workbooks: values in → .xlsx bytes out (`write_workbook`), .xlsx bytes in → values out
(`read_workbook`).

The contract (sheet and column names, the hidden `lreview` meta sheet) is in `workbook_contract`, the
formatting and its safety rules in `workbook_write`, the tolerant reading in `workbook_read`. No store,
no config object, no files: the pipeline chooses the rows and writes the bytes.
"""

from __future__ import annotations

from lreview.screening.workbook_contract import (
    Instructions,
    PriorDecision,
    ReturnedRow,
    ReturnedWorkbook,
    WorkbookMeta,
    WorkbookRow,
    issued_checksum,
)
from lreview.screening.workbook_read import read_workbook
from lreview.screening.workbook_write import write_workbook

__all__ = [
    "Instructions",
    "PriorDecision",
    "ReturnedRow",
    "ReturnedWorkbook",
    "WorkbookMeta",
    "WorkbookRow",
    "issued_checksum",
    "read_workbook",
    "write_workbook",
]
