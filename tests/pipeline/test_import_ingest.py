"""Importing export files and ingesting reviewer decisions through the pipeline, into a real store."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from lreview import pipeline
from lreview.cli import main
from lreview.config import ReviewConfig
from lreview.errors import InputError
from lreview.sources.eutils import EutilsClient, EutilsSettings
from lreview.store import Store
from tests.support.eutils_server import EutilsServer
from tests.support.pubmed_builder import make_articles
from tests.support.review_builders import make_config, write
from tests.support.screening_builders import current_workbooks, sheet_rows
from tests.support.xlsx_builder import SHEET, workbook_parts, xlsx

RIS = """TY  - JOUR
TI  - Low-dose naltrexone for endometriosis pain: a pilot study
AU  - Smith, Jane
PY  - 2021
T2  - Journal of Pelvic Pain
DO  - 10.1000/ldn.2021.1
ER  -

TY  - JOUR
TI  - Naltrexone in Crohn disease
AU  - Doe, John
PY  - 2019
ER  -
"""


def test_import_stores_records_with_their_database_once_per_file(tmp_path: Path, store_url: str) -> None:
    config = make_config(tmp_path, store_url)
    export = write(tmp_path / "embase.ris", RIS)
    first = pipeline.import_files(config, [export], source="Embase")
    again = pipeline.import_files(config, [export], source="Embase")
    assert [(f.records, f.new, f.status) for f in first.files] == [(2, 2, "imported")]
    assert [f.status for f in again.files] == ["already imported"]
    with Store.open(config.database_url) as store:
        assert store.count_by_source("imp") == {"Embase": 2}


def test_a_later_export_with_the_same_file_name_does_not_overwrite_records(tmp_path: Path) -> None:
    config = make_config(tmp_path, f"sqlite:///{tmp_path / 's.sqlite'}")
    pipeline.import_files(config, [write(tmp_path / "a" / "scopus.ris", RIS)], source="Scopus")
    later = RIS.replace("Naltrexone in Crohn disease", "Naltrexone in multiple sclerosis")
    pipeline.import_files(config, [write(tmp_path / "b" / "scopus.ris", later)], source="Scopus")
    with Store.open(config.database_url) as store:
        titles = sorted(r.record.title for r in store.iter_records("imp"))
    assert len(titles) == 4 and "Naltrexone in Crohn disease" in titles


def test_one_malformed_file_imports_nothing_from_any_file(tmp_path: Path) -> None:
    config = make_config(tmp_path, f"sqlite:///{tmp_path / 's.sqlite'}")
    good = write(tmp_path / "good.ris", RIS)
    bad = write(tmp_path / "bad.ris", RIS.rsplit("ER  -", 1)[0])
    with pytest.raises(InputError, match="bad.ris"):
        pipeline.import_files(config, [good, bad])
    with Store.open(config.database_url) as store:
        assert store.count_records("imp") == 0


def test_import_folder_picks_up_new_files_and_reports_bad_ones(tmp_path: Path) -> None:
    config = make_config(tmp_path, f"sqlite:///{tmp_path / 's.sqlite'}")
    write(tmp_path / "drop" / "one.ris", RIS)
    write(tmp_path / "drop" / "broken.ris", "TY  - JOUR\nTI  - never ends\n")
    with Store.open(config.database_url) as store:
        first = pipeline.import_folders(config, store)
        second = pipeline.import_folders(config, store)
    assert sorted((Path(f.path).name, f.status) for f in first.files) == [
        ("broken.ris", "failed"),
        ("one.ris", "imported"),
    ]
    assert "broken.ris" in first.failed[0].message
    assert [f.status for f in second.files if Path(f.path).name == "one.ris"] == ["already imported"]


def _corrupt_xlsx() -> bytes:
    """A workbook whose sheet XML is cut inside row 3: it opens, and fails only as its rows are read."""
    parts = workbook_parts()
    sheet = parts[SHEET]
    return xlsx({**parts, SHEET: sheet[: sheet.index(b'<row r="3">') + 20]})


def test_refresh_with_a_corrupt_workbook_in_the_folder_imports_the_good_files_and_reports_it(
    tmp_path: Path,
) -> None:
    articles = make_articles(5, start=date(2024, 1, 1), end=date(2024, 6, 1))
    config = make_config(tmp_path, f"sqlite:///{tmp_path / 's.sqlite'}")
    write(tmp_path / "drop" / "embase.ris", RIS)
    (tmp_path / "drop" / "covidence.xlsx").write_bytes(_corrupt_xlsx())
    (tmp_path / "drop" / "good.xlsx").write_bytes(xlsx())
    with EutilsServer(articles) as server:
        client = EutilsClient(EutilsSettings(base_url=server.url, requests_per_second=100))
        summary = pipeline.refresh(config, today=date(2026, 1, 1), client=client)
    assert sorted((Path(f.path).name, f.status, f.records) for f in summary.imports) == [
        ("covidence.xlsx", "failed", 0),
        ("embase.ris", "imported", 2),
        ("good.xlsx", "imported", 3),
    ]
    (problem,) = summary.problems
    assert re.match(r"^\S*covidence\.xlsx: covidence\.xlsx: sheet '\w+', row 3: unreadable", problem)
    with Store.open(config.database_url) as store:
        assert store.count_records("imp") == 5 + 2 + 3


def test_cli_import_of_a_corrupt_workbook_is_one_line_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write(
        tmp_path / "review.toml",
        f"""[review]
id = "imp"
title = "t"
eligibility = "e"
exclusion_reasons = ["wrong population"]
reviewers = ["ann"]
output_dir = "{tmp_path / "out"}"

[[searches]]
name = "s"
query = "q"
""",
    )
    bad = tmp_path / "BAD.xlsx"
    bad.write_bytes(_corrupt_xlsx())
    assert main(["import", str(bad), "--config", str(config)]) == 2
    err = capsys.readouterr().err.strip()
    assert re.match(r"^lreview: error: BAD\.xlsx: sheet '\w+', row 3: unreadable", err) and "\n" not in err


HOSTILE_RIS = (
    "TY  - JOUR\nTI  - Low-dose\x00 naltrexone\x01 for pain\nAU  - Sm\x07ith, Jane\n"
    "AB  - Background\x1b[31m: red\x00.\tTabbed\nPY  - 2021\nN1  - note\x08\nER  - \n\n"
    "TY  - JOUR\nTI  - A clean record\nER  - \n"
)


def test_control_characters_are_stripped_identically_on_every_backend_and_reported(
    tmp_path: Path, store_url: str
) -> None:
    config = make_config(tmp_path, store_url)
    summary = pipeline.import_files(config, [write(tmp_path / "hostile.ris", HOSTILE_RIS)], source="Embase")
    assert [(f.status, f.message) for f in summary.files] == [
        ("imported", "6 control characters removed from 1 record")
    ]
    assert "imported: 6 control characters removed from 1 record" in summary.format()
    with Store.open(config.database_url) as store:
        stored = sorted((r.record for r in store.iter_records("imp")), key=lambda r: r.title)
    assert [(r.title, r.authors, r.abstract, r.extra) for r in stored] == [
        ("A clean record", (), "", ()),
        ("Low-dose naltrexone for pain", ("Smith, Jane",), "Background[31m: red.\tTabbed", (("N1", "note"),)),
    ]
    pipeline.rank(config)
    books = current_workbooks(config).values()
    cells = [v for book in books for row in sheet_rows(book) for v in row.values()]
    text = " ".join(str(v) for v in cells if v is not None)
    assert "Low-dose naltrexone for pain" in text
    assert not any(ord(c) < 32 and c not in "\t\n\r" for c in text)


def record_ids(config: ReviewConfig) -> list[int]:
    with Store.open(config.database_url) as store:
        return [r.id for r in store.iter_records(config.review_id)]


def test_ingest_appends_decisions_once_even_when_the_file_is_ingested_twice(
    tmp_path: Path, store_url: str
) -> None:
    config = make_config(tmp_path, store_url)
    pipeline.import_files(config, [write(tmp_path / "x.ris", RIS)], source="Embase")
    a, b = record_ids(config)
    csv_path = write(
        tmp_path / "decisions.csv",
        f"record_id,decision,reviewer,reason\n{a},include,ann,\n{b},Excluded,bob,wrong design\n",
    )
    first = pipeline.ingest_decisions(config, csv_path)
    second = pipeline.ingest_decisions(config, csv_path)
    assert (first.appended, second.appended) == (2, 0)
    with Store.open(config.database_url) as store:
        log = store.decisions("imp")
    assert [(d.record_id, d.decision, d.reviewer, d.reason) for d in log] == [
        (a, "include", "ann", ""),
        (b, "exclude", "bob", "wrong design"),
    ]


@pytest.mark.parametrize(
    ("row", "needle"),
    [
        ("{a},inclde,ann", "row 3: decision 'inclde' is not include/exclude/maybe"),
        ("{a},include,zed", "row 3: reviewer 'zed' is not in review.reviewers"),
        ("999999,include,ann", "row 3: record_id 999999 is not a record of review imp"),
        ("abc,include,ann", "row 3: record_id 'abc' is not a record number"),
    ],
)
def test_bad_decision_row_is_named_and_nothing_is_logged(tmp_path: Path, row: str, needle: str) -> None:
    config = make_config(tmp_path, f"sqlite:///{tmp_path / 's.sqlite'}")
    pipeline.import_files(config, [write(tmp_path / "x.ris", RIS)], source="Embase")
    a, b = record_ids(config)
    csv_path = write(tmp_path / "d.csv", f"record_id,decision,reviewer\n{b},exclude,bob\n{row.format(a=a)}\n")
    with pytest.raises(InputError) as info:
        pipeline.ingest_decisions(config, csv_path)
    assert str(info.value) == f"{csv_path}: {needle}" or needle in str(info.value)
    with Store.open(config.database_url) as store:
        assert store.decisions("imp") == []


def test_cli_prints_one_line_error_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write(tmp_path / "bad.toml", '[review]\nid = "x"\n')
    assert main(["status", "--config", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("lreview: error: ") and "\n" not in err and "bad.toml" in err


def test_decisions_file_that_is_not_utf8_is_named_and_nothing_is_logged(tmp_path: Path) -> None:
    config = make_config(tmp_path, f"sqlite:///{tmp_path / 's.sqlite'}")
    pipeline.import_files(config, [write(tmp_path / "x.ris", RIS)], source="Embase")
    a, _ = record_ids(config)
    bad = tmp_path / "latin1.csv"
    bad.write_bytes(f"record_id,decision,reviewer,reason\n{a},exclude,ann,r\xe9sum\xe9\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"latin1.csv: not UTF-8 text"):
        pipeline.ingest_decisions(config, bad)
