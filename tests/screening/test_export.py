"""Exports read back by the tools that will read them: rispy and lreview's own RIS importer for the
RIS, pandas for the CSVs; hostile text (formula payloads, forged RIS lines, odd Unicode) included."""

from __future__ import annotations

import dataclasses
import io
from datetime import UTC, datetime, timedelta, timezone

import pandas as pd
import pytest
import rispy
from hypothesis import example, given
from hypothesis import strategies as st

from lreview.cells import TRIGGERS, neutralise, strip_neutraliser
from lreview.decisions import EXCLUDE, FULL_TEXT, INCLUDE, TITLE_ABSTRACT, Decision
from lreview.records import Record
from lreview.screening.export import (
    INCLUDED_COLUMNS,
    IncludedStudy,
    decision_columns,
    decisions_csv,
    included_csv,
    included_ris,
    reference_type,
)
from lreview.sources.ris import parse_ris
from tests.support.pubmed_builder import AWKWARD_TITLE, HOSTILE_PAYLOADS

PUBMED = Record(
    source="PubMed",
    source_id="31234567",
    title="Low-dose naltrexone for endometriosis pain: a randomised trial",
    abstract="BACKGROUND: Pain is common.\nMETHODS: We randomised 120 women.\nRESULTS: Less pain.",
    authors=("Smith J", "Doe A", "Nguyen T"),
    year=2019,
    journal="Journal of Pain Research",
    journal_abbrev="J Pain Res",
    volume="12",
    issue="4",
    pages="123-9",
    pmid="31234567",
    doi="10.1000/jpr.2019.123",
    publication_types=("Journal Article", "Randomized Controlled Trial"),
    mesh=("Endometriosis", "Naltrexone"),
    keywords=("LDN",),
)
EMBASE = Record(
    source="Embase",
    source_id="L2001234567",
    title="Naltrexone at low dose in chronic pelvic pain",
    authors=("Rossi M",),
    year=2021,
    journal="Pain Medicine",
    pages="e101",
    doi="10.1093/pm/pnab001",
    publication_types=("Congress",),
)


def study(record: Record, record_id: int = 7, **changes: object) -> IncludedStudy:
    values: dict[str, object] = {
        "record": record,
        "record_id": record_id,
        "stage": FULL_TEXT,
        "decision": INCLUDE,
        "reasons": ("population matches",),
        "notes": ("check dose arm", "contact author"),
        "reviewers": ("ana", "ben"),
    }
    return IncludedStudy(**(values | changes))  # type: ignore[arg-type]


def hostile_record(i: int, payload: str) -> Record:
    return Record(
        source="PubMed",
        source_id=str(66_600_000 + i),
        pmid=str(66_600_000 + i),
        title=f"{payload} title {i}",
        abstract=f"{payload} abstract {i}.",
        authors=(f"{payload} Eve", f"{payload}{i} X"),
        journal=f"{payload} journal",
        doi=f"10.1000/hostile.{i}",
    )


HOSTILE = [hostile_record(i, payload) for i, payload in enumerate(HOSTILE_PAYLOADS)]


def test_ris_reads_back_through_rispy_with_every_field_and_one_n1_per_fact() -> None:
    [entry] = rispy.loads(included_ris([study(PUBMED)]))
    assert entry == {
        "type_of_reference": "JOUR",
        "title": PUBMED.title,
        "authors": list(PUBMED.authors),
        "year": "2019",
        "secondary_title": "Journal of Pain Research",
        "alternate_title1": "J Pain Res",
        "volume": "12",
        "number": "4",
        "start_page": "123",
        "end_page": "9",
        "doi": "10.1000/jpr.2019.123",
        "accession_number": "31234567",
        "abstract": "BACKGROUND: Pain is common. METHODS: We randomised 120 women. RESULTS: Less pain.",
        "keywords": ["LDN", "Endometriosis", "Naltrexone"],
        "urls": ["https://pubmed.ncbi.nlm.nih.gov/31234567/", "https://doi.org/10.1000/jpr.2019.123"],
        "notes": [
            "lreview decision: include",
            "lreview stage: full_text",
            "lreview reason: population matches",
            "lreview note: check dose arm",
            "lreview note: contact author",
            "lreview reviewers: ana, ben",
            "lreview record: 7",
        ],
        "name_of_database": "PubMed",
        "database_provider": "lreview",
    }


def test_ris_imports_with_lreviews_own_importer() -> None:
    text = included_ris([study(PUBMED, 1), study(EMBASE, 2, stage=TITLE_ABSTRACT, notes=())])
    pubmed, embase = parse_ris(text, "included.ris")
    for back, original in ((pubmed, PUBMED), (embase, EMBASE)):
        for name in ("source", "title", "authors", "year", "journal", "volume", "issue", "pages", "doi"):
            assert getattr(back, name) == getattr(original, name), name
    assert pubmed.pmid == "31234567" and pubmed.journal_abbrev == "J Pain Res"
    assert pubmed.abstract == " ".join(PUBMED.abstract.split())
    assert pubmed.keywords == ("LDN", "Endometriosis", "Naltrexone")
    assert pubmed.url == "https://pubmed.ncbi.nlm.nih.gov/31234567/"
    assert embase.source_id == "L2001234567" and embase.url == "https://doi.org/10.1093/pm/pnab001"
    assert "Conference Proceeding" in embase.publication_types  # written as TY CONF
    notes = [value for tag, value in pubmed.extra if tag == "N1"]
    assert "lreview decision: include" in notes and "lreview record: 1" in notes


def test_reference_type_follows_publication_types_and_defaults_to_journal_article() -> None:
    assert reference_type(EMBASE) == "CONF"
    assert reference_type(Record("x", "1", publication_types=("Review", "Book Chapter"))) == "CHAP"
    assert reference_type(PUBMED) == "JOUR"
    assert reference_type(Record("x", "1")) == "JOUR"


def test_empty_fields_are_left_out_rather_than_written_blank() -> None:
    text = included_ris([study(Record("Scopus", "2-s2.0-1", title="Only a title"), reasons=(), notes=())])
    tags = [line[:2] for line in text.splitlines() if line.strip()]
    assert tags == ["TY", "TI", "AN", "N1", "N1", "N1", "N1", "DB", "DP", "ER"]


def test_no_text_can_end_a_ris_record_early_or_forge_another() -> None:
    forged = "Real title\nER  - \n\nTY  - BOOK\nTI  - Forged record\r\nAU  - Mallory"
    records = [
        Record("PubMed", "1", pmid="1", title=forged, abstract="Line one\u2028ER  - \x85TY  - JOUR"),
        Record("PubMed", "2", pmid="2", title=AWKWARD_TITLE, abstract="nul\x00 and \x1c separators"),
        *HOSTILE,
    ]
    text = included_ris([study(r, i, notes=(forged,)) for i, r in enumerate(records)])
    back = parse_ris(text, "included.ris")
    assert len(back) == len(rispy.loads(text)) == len(records)
    assert [r.pmid for r in back] == [r.pmid for r in records]
    assert back[0].title == "Real title ER - TY - BOOK TI - Forged record AU - Mallory"
    assert back[0].authors == ()
    assert back[1].title == " ".join(AWKWARD_TITLE.split())
    assert back[1].abstract == "nul and separators"
    for hostile, original in zip(back[2:], HOSTILE, strict=True):
        assert hostile.title == " ".join(original.title.split())  # RIS is not a spreadsheet: no prefix


def test_included_csv_reads_back_as_written_with_formula_text_neutralised() -> None:
    studies = [
        study(PUBMED, 1),
        study(EMBASE, 2, reasons=(), reviewers=("ana",)),
        *(
            study(r, 10 + i, reasons=(f"{HOSTILE_PAYLOADS[i]} reason",), notes=("'quoted note",))
            for i, r in enumerate(HOSTILE)
        ),
    ]
    text = included_csv(studies)
    assert text.splitlines()[0] == ",".join(INCLUDED_COLUMNS)
    back = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert len(back) == len(studies)
    for row, s in zip(back.to_dict("records"), studies, strict=True):
        expected = {
            "record_id": str(s.record_id),
            "pmid": s.record.pmid or "",
            "doi": s.record.doi or "",
            "title": s.record.title,
            "authors": "; ".join(s.record.authors),
            "year": "" if s.record.year is None else str(s.record.year),
            "journal": s.record.journal,
            "stage": s.stage,
            "decision": s.decision,
            "reasons": "; ".join(s.reasons),
            "notes": "; ".join(s.notes),
            "reviewers": "; ".join(s.reviewers),
        }
        assert {k: strip_neutraliser(v) for k, v in row.items()} == expected
        assert row == {k: neutralise(v) for k, v in expected.items()}
    first_hostile = back.iloc[2]
    assert first_hostile["title"] == "'" + HOSTILE[0].title
    assert first_hostile["notes"] == "''quoted note"  # cells' escape of a leading quote
    assert back.iloc[0]["title"] == PUBMED.title  # plain text is left alone (its "-" is not leading)


TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)


@given(title=TEXT, reasons=st.lists(TEXT.filter(lambda t: "; " not in t), max_size=3))
@example(title="\r", reasons=["a\rb", "\x00"]).via("a lone CR split the row before CRLF line ends")
def test_included_csv_round_trips_any_text(title: str, reasons: list[str]) -> None:
    # Found by this test: with "\n" line ends the csv module left a lone CR unquoted, and every
    # reader (pandas, Excel) split the row there; rows now end in CRLF, so CR and LF are quoted.
    text = included_csv([study(Record("PubMed", "1", title=title), reasons=tuple(reasons))])
    [row] = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False).to_dict("records")
    assert strip_neutraliser(row["title"]) == title
    assert row["title"].startswith("'") == (title[:1] in TRIGGERS | {"'"})
    assert strip_neutraliser(row["reasons"]) == "; ".join(reasons)


def decision(**changes: object) -> Decision:
    values: dict[str, object] = {
        "record_id": 1,
        "stage": TITLE_ABSTRACT,
        "decision": EXCLUDE,
        "reviewer": "ana",
        "reason": "wrong population",
        "batch_id": 3,
        "source_file": "screening/ana-batch-3.xlsx",
        "source_hash": "ab" * 32,
        "row_key": "Screen!17",
        "created_at": datetime(2025, 3, 1, 9, 30, 5, 123456),
        "id": 11,
    }
    return Decision(**(values | changes))  # type: ignore[arg-type]


def test_decision_log_has_every_decision_field_with_title_after_record_id() -> None:
    columns = decision_columns()
    assert columns[:12] == (
        "id", "created_at", "record_id", "title", "stage", "decision", "reason", "reviewer",
        "batch_id", "source_file", "source_hash", "row_key",
    )  # fmt: skip
    assert set(columns) == {f.name for f in dataclasses.fields(Decision)} | {"title"}
    assert len(columns) == len(set(columns))


def test_decision_log_reads_back_with_utc_times_blanks_and_neutralised_text() -> None:
    paris = timezone(timedelta(hours=1))
    decisions = [
        decision(),
        decision(
            record_id=2, id=12, decision=INCLUDE, reason="", batch_id=None, source_file=None,
            source_hash=None, row_key=None, created_at=datetime(2025, 3, 1, 10, 0, tzinfo=paris),
        ),
        decision(record_id=3, id=13, reason=HOSTILE_PAYLOADS[0], reviewer="@ben", created_at=None),
    ]  # fmt: skip
    titles = {1: HOSTILE[1].title, 2: "Plain title"}
    text = decisions_csv(decisions, titles)
    back = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False).to_dict("records")
    assert list(back[0]) == list(decision_columns())
    assert back[0]["created_at"] == "2025-03-01T09:30:05Z"  # naive times are the store's UTC
    assert back[1]["created_at"] == "2025-03-01T09:00:00Z"
    assert back[2]["created_at"] == ""
    assert back[0]["title"] == "'" + HOSTILE[1].title and back[1]["title"] == "Plain title"
    assert back[2]["title"] == ""  # no title known for record 3
    assert back[1]["batch_id"] == back[1]["source_file"] == back[1]["row_key"] == ""
    assert back[2]["reason"] == "'" + HOSTILE_PAYLOADS[0] and back[2]["reviewer"] == "'@ben"
    for row, d in zip(back, decisions, strict=True):
        for field in dataclasses.fields(Decision):
            value = getattr(d, field.name)
            if isinstance(value, str):
                assert strip_neutraliser(row[field.name]) == value
            elif isinstance(value, int):
                assert row[field.name] == str(value)


def test_empty_exports_are_just_the_header() -> None:
    assert included_csv([]) == ",".join(INCLUDED_COLUMNS) + "\r\n"
    assert decisions_csv([], {}) == ",".join(decision_columns()) + "\r\n"
    assert included_ris([]) == ""


@pytest.mark.parametrize("moment", [datetime(2025, 1, 2, 3, 4, 5), datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)])
def test_naive_and_utc_times_export_the_same(moment: datetime) -> None:
    text = decisions_csv([decision(created_at=moment)], {})
    assert ",2025-01-02T03:04:05Z," in text
