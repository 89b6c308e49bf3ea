"""Builders for reviewer workbooks: realistic rows, meta and instructions, and a reviewer's edits.

`make_rows` invents PubMed-like records (structured abstracts of 1,000-2,500 characters, 1-12
authors, MeSH, DOIs, some PMCIDs, flags and registry details) from a seed; `Reviewer` opens a
written workbook with openpyxl and changes it the way people do (types decisions in any case,
re-sorts, filters, hides and moves columns, adds sheets, deletes rows) and saves it again.
Used by the workbook tests and benchmarks/workbook_speed.py; nothing under `src/` imports this.
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter

from lreview.decisions import TITLE_ABSTRACT
from lreview.records import Record
from lreview.screening.workbook import (
    Instructions,
    PriorDecision,
    WorkbookMeta,
    WorkbookRow,
    issued_checksum,
)
from lreview.sources.pubmed_xml import parse_pubmed_xml
from tests.support.pubmed_builder import article_set_xml, article_xml, hostile_articles

HIGHLIGHT = ("naltrexone", "endometrio*", "pelvic pain")
REASONS = ("wrong population", "wrong intervention", "wrong comparator", "wrong outcome", "wrong design")

_SUBJECTS = ("low-dose naltrexone", "naltrexone", "opioid antagonists", "gabapentin", "amitriptyline",
             "dienogest", "GnRH analogues", "acupuncture", "placebo", "physiotherapy")  # fmt: skip
_CONDITIONS = ("endometriosis", "chronic pelvic pain", "fibromyalgia", "dysmenorrhoea", "adenomyosis",
               "irritable bowel syndrome", "vulvodynia", "interstitial cystitis")  # fmt: skip
_DESIGNS = ("a randomised controlled trial", "a prospective cohort study", "a case series",
            "a systematic review and meta-analysis", "a pilot study", "a cross-sectional survey")  # fmt: skip
_SENTENCES = (
    "Pain was assessed with a 0-10 numeric rating scale at baseline, 4, 8 and 12 weeks.",
    "Participants were women aged 18 to 45 years with surgically confirmed disease.",
    "The primary outcome was the change in mean daily pain score from baseline.",
    "Secondary outcomes included quality of life (EHP-30), analgesic use and adverse events.",
    "Adverse events were mild and transient; vivid dreams and headache were most common.",
    "Outcome assessors and participants were blinded to allocation.",
    "Data were analysed by intention to treat with mixed-effects models.",
    "Loss to follow-up was 12% and similar between groups.",
    "Serum cytokines (IL-6, TNF-alpha) were measured in a subset of participants.",
    "The intervention was well tolerated and adherence exceeded 85%.",
)
_SURNAMES = ("Smith", "García", "Müller", "Nguyen", "O'Brien", "Kowalski", "Rossi", "Tanaka", "Okafor",
             "Johansson", "Dubois", "Patel", "Silva", "Kim", "Andersen", "Ødegård")  # fmt: skip
_JOURNALS = ("Fertility and Sterility", "Human Reproduction", "Journal of Pain Research", "Pain Medicine",
             "BJOG", "The Clinical Journal of Pain", "Reproductive Sciences", "Trials")  # fmt: skip
_MESH = ("Endometriosis", "Naltrexone", "Pelvic Pain", "Humans", "Female", "Adult", "Pain Measurement",
         "Narcotic Antagonists", "Quality of Life", "Treatment Outcome", "Chronic Pain")  # fmt: skip
_TYPES = ("Journal Article", "Randomized Controlled Trial", "Review", "Observational Study", "Letter")
_FLAGS = ("retracted", "erratum", "possible duplicate", "related record")


def _abstract(rng: random.Random, subject: str, condition: str) -> str:
    parts = [
        f"BACKGROUND: {condition.capitalize()} is a common cause of disability; {subject} may reduce "
        f"pain through glial modulation.",
        f"METHODS: We conducted {rng.choice(_DESIGNS)} of {subject} in {condition}. "
        + " ".join(rng.sample(_SENTENCES, rng.randint(2, 5))),
        f"RESULTS: Of {rng.randint(20, 400)} participants, {rng.randint(50, 95)}% completed follow-up. "
        + " ".join(rng.sample(_SENTENCES, rng.randint(2, 5))),
        f"CONCLUSIONS: {subject.capitalize()} {'reduced' if rng.random() < 0.5 else 'did not reduce'} "
        f"pain in {condition}. Larger trials are needed.",
    ]
    return "\n".join(parts)  # PubMed's structured abstracts: one labelled section a line


def make_rows(
    n: int, *, seed: int = 1, first_id: int = 1, conflicts: Sequence[str] = ()
) -> list[WorkbookRow]:
    """`n` realistic rows with record ids from `first_id`; with reviewer names in `conflicts`, each
    row also carries those reviewers' (differing) prior decisions."""
    rng = random.Random(seed)
    rows = []
    for k in range(n):
        record_id = first_id + k
        subject, condition = rng.choice(_SUBJECTS), rng.choice(_CONDITIONS)
        pmid = str(30_000_000 + record_id)
        prior: tuple[PriorDecision, ...] = ()
        if conflicts:
            said = zip(conflicts, ("include", "exclude", "maybe"), ("", "adults?", ""), strict=False)
            prior = tuple(
                PriorDecision(name, word, "wrong population" if word == "exclude" else "", note)
                for name, word, note in said
            )
        rows.append(
            WorkbookRow(
                record_id=record_id,
                rank=k + 1,
                title=f"{subject.capitalize()} for {condition}: {rng.choice(_DESIGNS)}",
                abstract=_abstract(rng, subject, condition),
                authors=tuple(
                    f"{rng.choice(_SURNAMES)} {chr(65 + rng.randrange(26))}"
                    for _ in range(rng.randint(1, 12))
                ),
                journal=rng.choice(_JOURNALS),
                year=rng.randint(1995, 2025),
                pmid=pmid,
                doi=f"10.1000/jpr.{record_id}" if rng.random() < 0.9 else None,
                pmcid=f"PMC{9_000_000 + record_id}" if rng.random() < 0.3 else None,
                publication_types=tuple(rng.sample(_TYPES, rng.randint(1, 2))),
                keywords=tuple(rng.sample(_MESH, rng.randint(3, 8))),
                sources=("PubMed",) if rng.random() < 0.7 else ("PubMed", "Embase"),
                flags=(rng.choice(_FLAGS),) if rng.random() < 0.05 else (),
                prior=prior,
                extra=(("registry", "NCT0123 · recruiting · phase 2"),) if rng.random() < 0.05 else (),
                link="https://clinicaltrials.gov/study/NCT0123" if rng.random() < 0.05 else None,
            )
        )
    return rows


def make_meta(rows: Iterable[WorkbookRow], **changes: Any) -> WorkbookMeta:
    """Meta for a title/abstract `screen` workbook of batch 3 for alice, issuing `rows`."""
    values: dict[str, Any] = {
        "review": "ldn-endometriosis", "stage": TITLE_ABSTRACT, "kind": "screen", "batch": 3,
        "reviewer": "alice", "issued": issued_checksum(row.record_id for row in rows),
    }  # fmt: skip
    values.update(changes)
    return WorkbookMeta(**values)


def make_instructions(reasons: Sequence[str] = REASONS) -> Instructions:
    """The LDN review's instructions text."""
    return Instructions(
        title="Low-dose naltrexone for endometriosis-associated pain",
        question="In women with endometriosis, does low-dose naltrexone reduce pain compared with placebo "
        "or usual care?",
        eligibility="- Population: women with endometriosis or chronic pelvic pain\n"
        "- Intervention: naltrexone at 1-5 mg a day\n- Design: any primary study with a comparator",
        reasons=tuple(reasons),
        how_to_return="Save the file and put it in outputs/ldn/screening/inbox/, or run "
        "lreview ingest FILE --config config/ldn-endometriosis.toml",
        estimate=("312 of 4,729 screened; 41 included so far.", "Estimated 3 (95% CI 0-9) relevant left."),
    )


class Reviewer:
    """A workbook opened in openpyxl (normal mode) and edited as a reviewer would."""

    def __init__(self, data: bytes) -> None:
        self.book = openpyxl.load_workbook(io.BytesIO(data), rich_text=True)
        self.sheet = self.book["Screen"]

    def column(self, header: str) -> int:
        """The 1-based column whose header is `header` (exactly as lreview wrote it)."""
        for cell in self.sheet[1]:
            if cell.value == header:
                return int(cell.column)
        raise KeyError(header)

    def row_of(self, record_id: int) -> int:
        """The sheet row that holds `record_id`."""
        column = self.column("record_id")
        for number in range(2, self.sheet.max_row + 1):
            if self.sheet.cell(number, column).value == record_id:
                return number
        raise KeyError(record_id)

    def decide(self, decisions: Mapping[int, str | tuple[str, str] | tuple[str, str, str]]) -> None:
        """Type a decision (and a reason, and notes) for each record id, as the text given."""
        for record_id, typed in decisions.items():
            values = (typed,) if isinstance(typed, str) else typed
            number = self.row_of(record_id)
            for header, value in zip(("decision", "reason", "notes"), values, strict=False):
                self.sheet.cell(number, self.column(header), value)

    def sort_rows(self, key: str = "year", reverse: bool = True) -> None:
        """Re-sort the data rows by a column (values move row by row, as a spreadsheet sort does)."""
        width = self.sheet.max_column
        rows = [[c.value for c in r] for r in self.sheet.iter_rows(min_row=2, max_col=width)]
        at = self.column(key) - 1
        rows.sort(key=lambda r: (r[at] is None, str(r[at])), reverse=reverse)
        for number, values in enumerate(rows, start=2):
            for column, value in enumerate(values, start=1):
                self.sheet.cell(number, column).value = value

    def move_column(self, header: str, to: int) -> None:
        """Move a column to position `to` (1-based), shifting the others right."""
        source = self.column(header)
        self.sheet.insert_cols(to)
        if source >= to:
            source += 1
        for number in range(1, self.sheet.max_row + 1):
            self.sheet.cell(number, to).value = self.sheet.cell(number, source).value
        self.sheet.delete_cols(source)

    def hide_and_filter(self) -> None:
        """Hide the abstract column and filter to one year (rows hidden, not removed)."""
        self.sheet.column_dimensions[get_column_letter(self.column("abstract"))].hidden = True
        self.sheet.auto_filter.add_filter_column(self.column("year") - 1, ["2020"])
        for number in range(2, self.sheet.max_row + 1, 2):
            self.sheet.row_dimensions[number].hidden = True

    def delete_record(self, record_id: int) -> None:
        """Delete the whole row of `record_id`."""
        self.sheet.delete_rows(self.row_of(record_id))

    def save(self) -> bytes:
        out = io.BytesIO()
        self.book.save(out)
        return out.getvalue()


def row_from_record(record: Record, record_id: int, rank: int | None = None) -> WorkbookRow:
    """A parsed `Record` as a workbook row (what the pipeline shows of a publication)."""
    flags = tuple(
        flag for flag, on in (("retracted", record.is_retracted), ("erratum", record.is_erratum)) if on
    )
    return WorkbookRow(
        record_id=record_id, rank=rank, title=record.title, abstract=record.abstract, authors=record.authors,
        journal=record.journal, year=record.year, pmid=record.pmid, doi=record.doi, pmcid=record.pmcid,
        publication_types=record.publication_types, keywords=(*record.mesh, *record.keywords),
        sources=(record.source,), flags=flags,
    )  # fmt: skip


def hostile_rows() -> list[WorkbookRow]:
    """The local E-utilities server's hostile articles (formula payloads leading every text field),
    parsed by lreview's PubMed parser, as workbook rows with record ids from 1."""
    xml = article_set_xml(article_xml(article) for article in hostile_articles())
    return [row_from_record(record, k) for k, record in enumerate(parse_pubmed_xml(xml, "hostile"), start=1)]
