"""Builders for screening tests: a dual-screening review with imported records, and a reviewer who
fills in an emitted workbook with openpyxl the way people do (re-sorting, filtering, deleting rows)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import openpyxl

from lreview import pipeline
from lreview.config import ReviewConfig, parse_config
from lreview.store import Store
from tests.support.review_builders import RANKING_ARTICLES, ris_for, write

REASONS = ["wrong population", "wrong design", "wrong outcome"]


def screening_config(tmp_path: Path, url: str, **screening: Any) -> ReviewConfig:
    """Review `scr`: reviewers ann and bob, arbiter cat, dual screening unless told otherwise."""
    data = {
        "review": {
            "id": "scr",
            "title": "Low-dose naltrexone for endometriosis",
            "question": "Does LDN reduce endometriosis pain?",
            "eligibility": "RCTs and cohorts of LDN in people with endometriosis.",
            "exclusion_reasons": REASONS,
            "reviewers": ["ann", "bob"],
            "output_dir": str(tmp_path / "out"),
            "database_url": url,
        },
        "searches": [{"name": "s", "query": "naltrexone"}],
        "screening": {"mode": "dual", "batch_size": 10, "arbiter": "cat", **screening},
    }
    return parse_config(data, tmp_path / "review.toml")


def imported_review(tmp_path: Path, url: str, **screening: Any) -> ReviewConfig:
    """The screening review holding the 60 synthetic ranking articles, deduplicated."""
    config = screening_config(tmp_path, url, **screening)
    pipeline.import_files(
        config, [write(tmp_path / "pubmed.ris", ris_for(RANKING_ARTICLES))], source="PubMed"
    )
    with Store.open(config.database_url) as store:
        pipeline.deduplicate_store(config, store)
    return config


def current_workbooks(config: ReviewConfig) -> dict[tuple[str, str, str], Path]:
    """(reviewer, stage tag, kind) -> the current workbook file in <output_dir>/screening/."""
    out = {}
    for path in sorted((config.output_dir / "screening").glob("*.xlsx")):
        _, rest = path.stem.split(f"{config.review_id}-", 1)
        tag, kind, *who, _round = rest.split("-")
        out[("-".join(who), tag, kind)] = path
    return out


def sheet_rows(path: Path) -> list[dict[str, Any]]:
    """The Screen sheet of a workbook as header -> value dicts."""
    book = openpyxl.load_workbook(path)
    sheet = book["Screen"]
    header = [str(c.value).strip().lower() for c in sheet[1]]
    return [dict(zip(header, (c.value for c in row), strict=False)) for row in sheet.iter_rows(min_row=2)]


def meta(path: Path) -> dict[str, str]:
    """The hidden lreview sheet's key/value rows."""
    sheet = openpyxl.load_workbook(path)["lreview"]
    return {str(a.value): str(b.value) for a, b in sheet.iter_rows(max_col=2) if a.value is not None}


def fill(
    path: Path,
    out: Path,
    answers: Mapping[int, tuple[str, str] | tuple[str, str, str]],
    *,
    resort: bool = True,
    delete: tuple[int, ...] = (),
    extra_rows: tuple[tuple[Any, ...], ...] = (),
    meta_changes: Mapping[str, str] | None = None,
) -> Path:
    """Fill a workbook as a reviewer does: decision, reason (and notes) for some records; rows sorted
    by title descending, an auto-filter, an extra sheet, some rows deleted. Saved as `out`."""
    book = openpyxl.load_workbook(path)
    sheet = book["Screen"]
    header = {str(c.value).strip().lower(): i for i, c in enumerate(sheet[1])}
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    rows = [r for r in rows if r[header["record_id"]] not in delete]
    if resort:
        rows.sort(key=lambda r: str(r[header["title"]]), reverse=True)
    sheet.delete_rows(2, sheet.max_row)
    for r in rows:
        answer = answers.get(int(r[header["record_id"]]))
        if answer is not None:
            r[header["decision"]], r[header["reason"]] = answer[0], answer[1]
            if len(answer) > 2:
                r[header["notes"]] = answer[2]  # type: ignore[misc]
        sheet.append(r)
    for extra in extra_rows:
        sheet.append(list(extra))
    sheet.auto_filter.ref = f"A1:{openpyxl.utils.get_column_letter(sheet.max_column)}{sheet.max_row}"
    book.create_sheet("my notes")["A1"] = "reviewer's own sheet"
    if meta_changes:
        info = book["lreview"]
        for a, b in info.iter_rows(max_col=2):
            if a.value in meta_changes:
                b.value = meta_changes[str(a.value)]
    buffer = io.BytesIO()
    book.save(buffer)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(buffer.getvalue())
    return out
