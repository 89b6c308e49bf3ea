"""Files written for people: no cell a spreadsheet would run as a formula, and what lreview reads back
from them (record ids, decisions, reviewers, verdicts) is exactly what was written or typed."""

from __future__ import annotations

import csv
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd

from lreview import pipeline
from lreview.cells import neutralise
from lreview.config import ReviewConfig
from lreview.pipeline.tables import write_csv
from lreview.records import Record
from lreview.sources.eutils import EutilsClient, EutilsSettings
from lreview.store import Store
from tests.support.eutils_server import EutilsServer
from tests.support.pubmed_builder import HOSTILE_PAYLOADS, make_articles
from tests.support.review_builders import make_config, write
from tests.support.screening_builders import current_workbooks, fill, meta, sheet_rows

FORMULA_STARTS = tuple("=+-@\t\r")


def hostile_ris() -> str:
    """An RIS export whose titles, abstracts, authors and journals start with formula payloads."""
    records = []
    for i, payload in enumerate(HOSTILE_PAYLOADS):
        records.append(
            "\n".join(
                [
                    "TY  - JOUR",
                    f"TI  - {payload} naltrexone title {i}",
                    f"AB  - {payload} abstract {i}.",
                    f"AU  - {payload}, Eve",
                    f"AU  - Smith, J{i}",
                    "PY  - 2024",
                    f"T2  - {payload} journal",
                    f"SP  - {payload}{i}",
                    f"DO  - 10.1000/hostile.{i}",
                    "ER  - ",
                ]
            )  # fmt: skip
        )
    return "\n\n".join(records) + "\n"


def reviewer_config(tmp_path: Path) -> ReviewConfig:
    """Review `imp` whose first reviewer is a handle a spreadsheet would read as a formula."""
    config = make_config(tmp_path, f"sqlite:///{tmp_path / 's.sqlite'}")
    return config.model_copy(
        update={"review": config.review.model_copy(update={"reviewers": ["@eve", "bob"]})}
    )


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def write_rows(path: Path, rows: list[dict[str, str]]) -> Path:
    """Save rows back as a spreadsheet program would (cells unchanged)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def assert_no_formula_cell(rows: list[dict[str, str]]) -> None:
    starts = sorted({(column, value[:1]) for row in rows for column, value in row.items()
                     if value.startswith(FORMULA_STARTS)})  # fmt: skip
    assert starts == []


def stored_records(config: ReviewConfig) -> dict[int, Record]:
    with Store.open(config.database_url) as store:
        return {s.id: s.record for s in store.iter_records(config.review_id)}


def workbook_rows(config: ReviewConfig) -> dict[Path, list[dict[str, object]]]:
    """Every current workbook's Screen rows, after checking that no cell of any sheet is a formula."""
    out = {}
    for path in current_workbooks(config).values():
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name), name
        book = openpyxl.load_workbook(path)
        assert all(c.data_type != "f" for sheet in book for row in sheet.iter_rows() for c in row)
        out[path] = sheet_rows(path)
    return out


def test_hostile_ris_reaches_the_workbooks_as_text_and_their_decisions_read_back(tmp_path: Path) -> None:
    config = reviewer_config(tmp_path)
    pipeline.import_files(config, [write(tmp_path / "hostile.ris", hostile_ris())], source="Embase")
    pipeline.rank(config)
    books = workbook_rows(config)
    records = stored_records(config)
    rows = [r for rows in books.values() for r in rows]
    assert len(rows) == len(HOSTILE_PAYLOADS)
    for row in rows:
        record = records[int(str(row["record_id"]))]
        assert row["title"] == neutralise(record.title) != record.title
        assert row["journal"] == neutralise(record.journal)
    # @eve fills her workbook in and returns it: lreview reads back "@eve" and the words typed
    path = current_workbooks(config)[("eve", "TA", "screen")]
    assert meta(path)["reviewer"] == "@eve"
    ids = [int(str(r["record_id"])) for r in books[path]]
    answers = {rid: ("include", "") if n == 0 else ("exclude", "wrong design") for n, rid in enumerate(ids)}
    summary = pipeline.ingest_decisions(config, fill(path, tmp_path / "filled.xlsx", answers))
    assert summary.appended == len(ids)
    with Store.open(config.database_url) as store:
        logged = store.decisions(config.review_id)
    assert {d.reviewer for d in logged} == {"@eve"}
    assert sorted((d.record_id, d.decision, d.reason) for d in logged) == sorted(
        (rid, *answers[rid]) for rid in ids
    )


def possible_pairs_of_hostile_records(tmp_path: Path, config: ReviewConfig) -> Path:
    with Store.open(config.database_url) as store:
        ids = sorted(r.id for r in store.iter_records(config.review_id))
        store.add_duplicate_pairs(config.review_id, [(ids[0], ids[1], 0.8), (ids[2], ids[3], 0.7)])
    exported = tmp_path / "pairs.csv"
    assert pipeline.export_possible_duplicates(config, exported) == 2
    return exported


def test_hostile_ris_reaches_the_possible_duplicates_csv_as_text_and_verdicts_read_back(
    tmp_path: Path,
) -> None:
    config = reviewer_config(tmp_path)
    pipeline.import_files(config, [write(tmp_path / "hostile.ris", hostile_ris())], source="=Embase")
    rows = rows_of(possible_pairs_of_hostile_records(tmp_path, config))
    assert_no_formula_cell(rows)
    records = stored_records(config)
    for row in rows:
        for side in "ab":
            record = records[int(row[f"record_{side}"])]
            assert row[f"title_{side}"] == neutralise(record.title)
            assert row[f"pages_{side}"] == neutralise(record.pages)
            assert row[f"source_{side}"] == "'=Embase"
    rows[0] |= {"verdict": "same", "decided_by": "@eve"}
    rows[1] |= {"verdict": "different", "decided_by": "bob"}
    decided, summary = pipeline.decide_possible_duplicates(config, write_rows(tmp_path / "v.csv", rows))
    assert decided == 2 and summary.possible_pending == 0
    with Store.open(config.database_url) as store:
        verdicts = {(p.status, p.decided_by) for p in store.duplicate_pairs(config.review_id)}
    assert verdicts == {("confirmed", "@eve"), ("rejected", "bob")}


def test_hostile_pubmed_records_reach_workbooks_and_duplicates_csv_as_text(tmp_path: Path) -> None:
    config = reviewer_config(tmp_path)
    articles = make_articles(20, start=date(2024, 1, 1), end=date(2024, 6, 1))
    with EutilsServer(articles, hostile=True) as server:
        client = EutilsClient(EutilsSettings(base_url=server.url, requests_per_second=100))
        summary = pipeline.refresh(config, today=date(2026, 1, 1), client=client)
    assert summary.ranking is not None and summary.ranking.workbooks is not None
    rows = [r for rows in workbook_rows(config).values() for r in rows]
    hostile = [r for r in rows if str(r["title"]).startswith("'")]
    assert len(hostile) == len(HOSTILE_PAYLOADS) and len(rows) == len(articles) + len(HOSTILE_PAYLOADS) + 1
    records = stored_records(config)
    for row in hostile:
        record = records[int(str(row["record_id"]))]
        for column in ("title", "abstract", "journal"):
            assert str(row[column]).startswith("'") and getattr(record, column)[:1] in FORMULA_STARTS
    with Store.open(config.database_url) as store:
        ids = [int(r["record_id"]) for r in hostile]
        store.add_duplicate_pairs(config.review_id, [(ids[0], ids[1], 0.9), (ids[2], ids[3], 0.5)])
    exported = tmp_path / "pairs.csv"
    assert pipeline.export_possible_duplicates(config, exported) == 2
    assert_no_formula_cell(rows_of(exported))


def test_numbers_stay_numbers_and_text_that_looks_like_a_number_is_left_alone(tmp_path: Path) -> None:
    frame = pd.DataFrame({"id": [1, 2], "score": [-0.25, 1.5], "year": [2020, ""], "text": ["-1", "=1"]})
    write_csv(tmp_path / "t.csv", frame, float_format="%.3f")
    assert (tmp_path / "t.csv").read_bytes() == b"id,score,year,text\r\n1,-0.250,2020,'-1\r\n2,1.500,,'=1\r\n"
