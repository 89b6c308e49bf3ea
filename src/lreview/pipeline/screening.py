"""Screening steps over the store: the review's lifecycle states, and each reviewer's current workbook.

`review_states` is the one place the pipeline derives states (from the latest clusters and the whole
decision log, through `lreview.screening.states`). `emit_workbooks` runs after every refresh, rank
and ingest: it assigns publications (`screening.assign`), stores a batch for every reviewer whose
items changed, writes that reviewer's workbook under `<output_dir>/screening/` and moves the workbook
it replaces to `screening/archive/`. Returned files are read in `pipeline/ingest.py`.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lreview.config import ReviewConfig
from lreview.decisions import FULL_TEXT, STAGES, TITLE_ABSTRACT
from lreview.pipeline.common import table
from lreview.screening.agreement import agreement, agreement_csv, agreement_rows
from lreview.screening.assign import assign, conflicts, status_at
from lreview.screening.details import details, flags
from lreview.screening.pairs import CATEGORIES, decision_pairs
from lreview.screening.states import Publication, ReviewStates, derive_states
from lreview.screening.workbook import (
    Instructions,
    PriorDecision,
    WorkbookMeta,
    WorkbookRow,
    issued_checksum,
    write_workbook,
)
from lreview.store import BatchInfo, Store
from lreview.store.base import gc_paused

SCREEN, CONFLICTS = "screen", "conflicts"
STAGE_TAG = {TITLE_ABSTRACT: "TA", FULL_TEXT: "FT"}


def screening_dir(config: ReviewConfig) -> Path:
    """Where the current workbooks are; `archive/` and `inbox/` are inside it."""
    return config.output_dir / "screening"


def review_states(
    config: ReviewConfig, store: Store, groups: Sequence[Sequence[int]] | None = None
) -> ReviewStates:
    """Every publication's lifecycle state, from the latest clusters and the whole decision log.

    `groups`: the publications (member ids, canonical first) when the caller has just read them, as
    a rank has; the decision log is always read here, so a decision logged since counts.
    """
    if groups is None:
        clusters = store.latest_clusters(config.review_id)
        clustered = {rid for members in clusters for rid in members}
        ids = store.record_ids(config.review_id)
        groups = [*clusters, *([rid] for rid in ids if rid not in clustered)]
    return derive_states(groups, store.decisions(config.review_id), needed_by_stage(config))


def needed_by_stage(config: ReviewConfig) -> dict[str, int]:
    """How many reviewers each stage needs (1 single, 2 dual), as `derive_states` takes it."""
    return {stage: config.screening.needed(stage) for stage in STAGES}


@dataclass(frozen=True)
class IssuedWorkbook:
    """One reviewer's current workbook after an emit: new, unchanged, or withdrawn (nothing to do)."""

    reviewer: str
    stage: str
    kind: str
    items: int
    batch_id: int | None
    path: Path | None
    status: str  # "new" | "unchanged" | "withdrawn"

    def row(self) -> dict[str, object]:
        return {
            "reviewer": self.reviewer,
            "stage": self.stage,
            "kind": self.kind,
            "records": self.items,
            "batch": self.batch_id or "",
            "status": self.status,
            "workbook": self.path.name if self.path else "",
        }


@dataclass(frozen=True)
class EmitSummary:
    """The review's current workbooks after one emit."""

    review_id: str
    workbooks: tuple[IssuedWorkbook, ...]

    def format(self) -> str:
        shown = [w.row() for w in self.workbooks if w.status != "withdrawn" or w.path]
        return "screening workbooks:\n" + table(shown) if shown else "screening workbooks: nothing to screen"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "reviewer"


def _prefix(config: ReviewConfig, reviewer: str, stage: str, kind: str) -> str:
    return f"{config.review_id}-{STAGE_TAG[stage]}-{kind}-{_slug(reviewer)}-"


def workbook_rows(
    store: Store,
    config: ReviewConfig,
    pubs: Sequence[Publication],
    stage: str,
    kind: str,
    rank: dict[int, int],
) -> list[WorkbookRow]:
    """The rows of a workbook for `pubs`: the canonical record's fields, every member's source."""
    members = [rid for p in pubs for rid in p.members]
    stored = store.get_records(config.review_id, members)
    pending = {
        rid
        for pair in store.duplicate_pairs(config.review_id, "pending")
        for rid in (pair.record_a, pair.record_b)
    }
    rows = []
    for p in pubs:
        r = stored[p.record_id].record
        found = [stored[m].record for m in p.members if m in stored]
        status = status_at(p, stage)
        prior: tuple[PriorDecision, ...] = ()
        if kind == CONFLICTS and status is not None:
            said = status.current.values()
            prior = tuple(PriorDecision(d.reviewer, d.decision, d.reason, d.notes) for d in said)
        rows.append(
            WorkbookRow(
                record_id=p.record_id,
                rank=rank.get(p.record_id),
                title=r.title,
                abstract=r.abstract,
                authors=r.authors,
                journal=r.journal or r.journal_abbrev,
                year=r.year,
                pmid=r.pmid,
                doi=r.doi,
                pmcid=r.pmcid,
                publication_types=r.publication_types,
                keywords=(*r.mesh, *r.keywords),
                sources=tuple(sorted({f.source for f in found})),
                flags=flags(found, any(m in pending for m in p.members)),
                prior=prior,
                extra=details(r),
                link=r.url or None,
            )
        )
    return rows


def instructions(config: ReviewConfig, estimate: Sequence[str], kind: str) -> Instructions:
    inbox = screening_dir(config) / "inbox"
    where = f" --config {config.path}" if config.path else ""
    how = (
        f"Fill in `decision` (and `reason` to exclude; `notes` is free text), save the file as .xlsx, "
        f"and put it in {inbox} (read on the next refresh or by `lreview ingest --inbox{where}`), "
        f"or run `lreview ingest FILE{where}`. Blank rows stay unscreened; you may sort and filter."
    )
    if kind == CONFLICTS:
        how += " This is the arbiter's workbook: each decision here is final."
    return Instructions(
        title=config.review.title,
        question=config.review.question,
        eligibility=config.review.eligibility,
        reasons=tuple(config.review.exclusion_reasons),
        how_to_return=how,
        estimate=tuple(estimate),
    )


def _current(batches: Sequence[BatchInfo]) -> dict[tuple[str, str, str], BatchInfo]:
    out: dict[tuple[str, str, str], BatchInfo] = {}
    for b in batches:  # oldest first: the newest per reviewer, stage and kind wins
        out[(b.reviewer, b.stage, b.kind)] = b
    return out


def _archive(folder: Path, prefix: str, keep: Path | None) -> None:
    for old in folder.glob(f"{prefix}*.xlsx"):
        if keep is None or old != keep:
            (folder / "archive").mkdir(parents=True, exist_ok=True)
            shutil.move(str(old), folder / "archive" / old.name)


@gc_paused()  # 10^5 publications' states: the collector's passes cost more than the emit
def emit_workbooks(
    config: ReviewConfig,
    store: Store,
    *,
    order: Sequence[int] | None = None,
    model_run_id: int | None = None,
    estimate: Sequence[str] = (),
    groups: Sequence[Sequence[int]] | None = None,
) -> EmitSummary:
    """Issue every reviewer's (and the arbiter's) next workbook where its items changed.

    `order`, `model_run_id`, `estimate`: the ranking to issue from (default: the latest stored);
    `groups`: the publications that ranking ranked (member ids, canonical first; default: read
    here). The decision log is read here in any case: what a concurrent ingest logged is not issued.
    """
    states = review_states(config, store, groups)
    if order is None:
        ranking = store.latest_ranking(config.review_id)
        order = [e.record_id for e in ranking.entries] if ranking else []
        model_run_id = ranking.model_run.id if ranking else None
    rank = {rid: i for i, rid in enumerate(order, start=1)}
    batches = store.batches(config.review_id)
    current = _current(batches)
    plans: list[tuple[str, str, str, list[int]]] = []
    for stage in STAGES:
        issued: dict[str, list[int]] = {}
        for b in batches:
            if b.stage == stage and b.kind == SCREEN:
                issued.setdefault(b.reviewer, []).extend(b.record_ids)
        stage_order = list(order) if stage == TITLE_ABSTRACT else _full_text_order(states)
        chosen = assign(
            states,
            stage,
            order=stage_order,
            reviewers=config.review.reviewers,
            needed=config.screening.needed(stage),
            batch_size=config.screening.batch_size,
            issued=issued,
        )
        plans += [(reviewer, stage, SCREEN, ids) for reviewer, ids in chosen.items()]
        plans.append((config.arbiter, stage, CONFLICTS, conflicts(states, stage)))
    folder = screening_dir(config)
    by_id = {p.record_id: p for p in states.publications}
    round_no = store.next_round(config.review_id)
    out = []
    for reviewer, stage, kind, ids in plans:
        prefix = _prefix(config, reviewer, stage, kind)
        previous = current.get((reviewer, stage, kind))
        if (
            previous is not None
            and set(previous.record_ids) == set(ids)
            and (folder / previous.file).is_file()
        ):
            kept = folder / previous.file
            out.append(IssuedWorkbook(reviewer, stage, kind, len(ids), previous.id, kept, "unchanged"))
            continue
        if not ids:
            _archive(folder, prefix, None)
            if previous is not None:
                out.append(IssuedWorkbook(reviewer, stage, kind, 0, None, None, "withdrawn"))
            continue
        path = folder / f"{prefix}{round_no:04d}.xlsx"  # one batch per reviewer, stage and kind a round
        batch_id = store.issue_batch(
            config.review_id,
            reviewer=reviewer,
            stage=stage,
            kind=kind,
            round=round_no,
            record_ids=ids,
            issued=issued_checksum(ids),
            file=path.name,
            model_run_id=model_run_id,
        )
        meta = WorkbookMeta(config.review_id, stage, kind, batch_id, reviewer, issued_checksum(ids))
        rows = workbook_rows(store, config, [by_id[i] for i in ids], stage, kind, rank)
        guide = instructions(config, estimate, kind)
        data = write_workbook(meta, rows, guide, highlight=config.screening.highlight)
        (folder / "inbox").mkdir(parents=True, exist_ok=True)  # where reviewers save what they return
        path.write_bytes(data)
        _archive(folder, prefix, path)
        out.append(IssuedWorkbook(reviewer, stage, kind, len(ids), batch_id, path, "new"))
    agreement_table(config, store, states, batches)  # batches issued just now carry no decisions yet
    return EmitSummary(config.review_id, tuple(out))


def _full_text_order(states: ReviewStates) -> list[int]:
    """Full-text candidates in the order they passed title/abstract."""
    passed = [p for p in states.publications if p.full_text is not None]
    passed.sort(key=lambda p: (p.title_abstract.first_decided or 0, p.record_id))
    return [p.record_id for p in passed]


def agreement_table(
    config: ReviewConfig, store: Store, states: ReviewStates, batches: Sequence[BatchInfo] | None = None
) -> list[dict[str, object]]:
    """Agreement rows per stage and round, then overall; written to screening/agreement.csv.
    `batches`: the review's batches when the caller has them (else read here)."""
    batches = store.batches(config.review_id) if batches is None else batches
    rounds: dict[int | None, int] = {b.id: b.round for b in batches}
    rows: list[dict[str, object]] = []
    for stage in STAGES:
        pairs = decision_pairs(states, stage, config.review.reviewers, rounds)
        if not pairs:
            continue
        cats = CATEGORIES[stage]
        by_round = {f"{stage} round {n}": agreement(p, cats) for n, p in sorted(pairs.items())}
        overall = agreement([pair for p in pairs.values() for pair in p], cats)
        for row in agreement_rows(by_round, overall):
            rows.append(row if row["batch"] != "overall" else {**row, "batch": f"{stage} overall"})
    if rows:
        folder = screening_dir(config)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "agreement.csv").write_text(agreement_csv(rows), encoding="utf-8")
    return rows
