"""The steps a flow runs, each one call: harvest, import, ingest, refresh.

Each step opens the review's store, does one idempotent piece of work and returns a small summary value
that the CLI prints and the Prefect flows publish. Steps never hold records of the whole store in memory.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from lreview import __version__
from lreview.config import ReviewConfig, Search
from lreview.errors import InputError, LreviewError
from lreview.records import Record
from lreview.sources.eutils import EutilsClient, EutilsSettings
from lreview.sources.loader import load_bytes
from lreview.sources.pubmed_xml import parse_pubmed_xml
from lreview.store import Decision, Store, UpsertCounts

PUBMED = "PubMed"
LOCK_STALE_AFTER = timedelta(hours=6)


def _table(rows: Sequence[dict[str, Any]]) -> str:
    if not rows:
        return "(nothing)"
    headers = list(rows[0])
    cells = [[str(row[h]) for h in headers] for row in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    body = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join([line, "  ".join("-" * w for w in widths), *body])


@dataclass(frozen=True)
class HarvestSummary:
    """What one PubMed search run did."""

    search: str
    run_id: int
    mindate: str
    maxdate: str
    count: int
    fetched: int
    new: int
    updated: int
    unchanged: int
    missing: int
    seconds: float
    query_translation: str = ""
    warnings: tuple[str, ...] = ()

    def row(self) -> dict[str, Any]:
        return {
            "search": self.search,
            "window": f"{self.mindate or 'start'}..{self.maxdate}",
            "count": self.count,
            "fetched": self.fetched,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "missing": self.missing,
            "warnings": "; ".join(self.warnings) or "-",
            "seconds": f"{self.seconds:.1f}",
        }


@dataclass(frozen=True)
class RefreshSummary:
    """What one refresh of a review did, one row per search."""

    review_id: str
    harvests: tuple[HarvestSummary, ...] = ()
    imports: tuple[FileResult, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def problems(self) -> tuple[str, ...]:
        """Files that could not be imported (nothing was taken from them)."""
        return tuple(f"{f.path}: {f.message}" for f in self.imports if f.status == "failed")

    def rows(self) -> list[dict[str, Any]]:
        return [h.row() for h in self.harvests]

    def format(self) -> str:
        lines = [f"refresh of review {self.review_id}", _table(self.rows())]
        for h in self.harvests:
            if h.query_translation:
                lines.append(f"{h.search}: PubMed searched {h.query_translation}")
        if self.imports:
            lines += ["imported files:", _table([f.row() for f in self.imports])]
        return "\n".join([*lines, *self.notes])

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def open_store(config: ReviewConfig) -> Store:
    """The review's store, created or upgraded as needed (SQLite folders are created)."""
    return Store.open(config.database_url)


@contextmanager
def refresh_lock(config: ReviewConfig, store: Store | None = None) -> Iterator[None]:
    """Hold the review's refresh lock: a second refresh of the same review fails at once."""
    own = store is None
    store = store or open_store(config)
    try:
        with store.lock(f"refresh:{config.review_id}", stale_after=LOCK_STALE_AFTER):
            yield
    finally:
        if own:
            store.close()


def harvest_window(
    config: ReviewConfig, search: Search, store: Store, today: date
) -> tuple[date | None, date]:
    """The EDAT window to ask for: everything first, then since the last success minus the overlap."""
    end = min(search.maxdate or today, today)
    last = store.last_successful_run(config.review_id, search.name)
    start = search.mindate
    if last is not None and last.maxdate is not None:
        since = last.maxdate - timedelta(days=config.pubmed.overlap_days)
        start = max(start, since) if start else since
    return start, end


def harvest(
    config: ReviewConfig,
    search: Search,
    store: Store,
    client: EutilsClient,
    today: date | None = None,
) -> HarvestSummary:
    """Run one PubMed search into the store: new records inserted, revised ones updated, by PMID."""
    today = today or date.today()
    start, end = harvest_window(config, search, store, today)
    incremental = store.last_successful_run(config.review_id, search.name) is not None
    begun = time.monotonic()
    run_id = store.start_run(
        config.review_id,
        search.name,
        source=PUBMED,
        query=search.query,
        mindate=start,
        maxdate=end,
        tool_version=__version__,
    )
    try:
        outcome = client.search_pmids(search.query, mindate=start, maxdate=end)
        pmids = list(outcome.pmids)
        warnings = [f"{m.kind}: {m.text}" for m in (*outcome.errors, *outcome.warnings)]
        if incremental and start is not None:
            # Records entered earlier but revised in the window (MDAT) are fetched again and updated.
            revised = client.search_pmids(search.query, mindate=start, maxdate=end, datetype="mdat")
            seen = set(pmids)
            pmids.extend(p for p in revised.pmids if p not in seen)
        counts = UpsertCounts()
        fetched = missing = 0
        for batch in client.fetch(pmids, parse_pubmed_xml):
            counts = counts + store.store_records(config.review_id, PUBMED, batch.records, run_id=run_id)
            fetched += len(batch.records)
            if batch.missing:
                store.mark_missing(run_id, config.review_id, list(batch.missing))
                missing += len(batch.missing)
        store.finish_run(
            run_id,
            "succeeded",
            count_reported=outcome.count,
            n_fetched=fetched,
            n_new=counts.new,
            n_updated=counts.updated,
            n_missing=missing,
            query_translation=outcome.query_translation,
            warnings=warnings,
        )
    except BaseException as exc:
        store.finish_run(run_id, "failed", errors=[f"{type(exc).__name__}: {exc}"])
        raise
    return HarvestSummary(
        search=search.name,
        run_id=run_id,
        mindate=start.isoformat() if start else "",
        maxdate=end.isoformat(),
        count=outcome.count,
        fetched=fetched,
        new=counts.new,
        updated=counts.updated,
        unchanged=counts.unchanged,
        missing=missing,
        seconds=time.monotonic() - begun,
        query_translation=outcome.query_translation,
        warnings=tuple(warnings),
    )


def find_search(config: ReviewConfig, name: str) -> Search:
    for search in config.searches:
        if search.name == name:
            return search
    known = ", ".join(s.name for s in config.searches)
    raise LreviewError(f"{config.path}: no search named {name!r} (searches: {known})")


def harvest_search(config: ReviewConfig, name: str, today: date | None = None) -> HarvestSummary:
    """Open the store and run one named search (the idempotent unit a flow task retries)."""
    with pubmed_client(config) as client, open_store(config) as store:
        return harvest(config, find_search(config, name), store, client, today)


def pubmed_client(config: ReviewConfig) -> EutilsClient:
    """An E-utilities client from the environment (URL, email, api key) and the config's batch size."""
    return EutilsClient(EutilsSettings.from_env(batch_size=config.pubmed.batch_size))


def refresh(
    config: ReviewConfig,
    searches: Sequence[str] | None = None,
    today: date | None = None,
    client: EutilsClient | None = None,
) -> RefreshSummary:
    """Harvest every (or the named) PubMed search of the review, holding the review's refresh lock."""
    names = list(searches) if searches else [s.name for s in config.searches]
    for name in names:
        find_search(config, name)
    client = client or pubmed_client(config)
    with client, open_store(config) as store, refresh_lock(config, store):
        store.fail_unfinished_runs(config.review_id, "the process running it stopped before it finished")
        harvests = tuple(harvest(config, find_search(config, n), store, client, today) for n in names)
        imported = import_folders(config, store)
    return RefreshSummary(config.review_id, harvests, imported.files)


def output_path(config: ReviewConfig, name: str) -> Path:
    path = config.output_dir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


# ---- import of other databases' exports --------------------------------------------------------

IMPORTABLE = {".ris", ".txt", ".nbib", ".medline", ".xml", ".csv", ".tsv", ".tab", ".xlsx", ".ciw", ".isi"}


@dataclass(frozen=True)
class FileResult:
    """What happened to one export file."""

    path: str
    source: str
    records: int
    new: int
    status: str  # "imported", "already imported", "failed"
    message: str = ""

    def row(self) -> dict[str, Any]:
        return {
            "file": self.path,
            "source": self.source,
            "records": self.records,
            "new": self.new,
            "status": self.status if not self.message else f"{self.status}: {self.message}",
        }


@dataclass(frozen=True)
class ImportSummary:
    """What one import did, one row per file."""

    review_id: str
    files: tuple[FileResult, ...]

    @property
    def failed(self) -> tuple[FileResult, ...]:
        return tuple(f for f in self.files if f.status == "failed")

    def format(self) -> str:
        return "\n".join([f"import into review {self.review_id}", _table([f.row() for f in self.files])])


def _file_source(records: Sequence[Record], source: str | None) -> str:
    if source:
        return source
    counts: dict[str, int] = {}
    for record in records:
        counts[record.source] = counts.get(record.source, 0) + 1
    return max(counts, key=lambda s: counts[s])


def _read_export(path: Path, source: str | None) -> tuple[str, list[Record]]:
    """(sha256, records) of one export; positional ids get the file's hash so later exports differ."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    digest = hashlib.sha256(data).hexdigest()
    records = load_bytes(data, path.name, source=source)
    prefix = f"{path.name}:"
    records = [
        dataclasses.replace(r, source_id=f"{path.name}@{digest[:12]}:{r.source_id[len(prefix) :]}")
        if r.source_id.startswith(prefix)
        else r
        for r in records
    ]
    return digest, records


def import_files(
    config: ReviewConfig, paths: Sequence[Path], source: str | None = None, *, store: Store | None = None
) -> ImportSummary:
    """Import export files; every file is read and checked first, so one bad file imports nothing."""
    parsed = [(Path(p), *_read_export(Path(p), source)) for p in paths]  # raises before any write
    results: list[FileResult] = []
    own = store is None
    store = store or open_store(config)
    try:
        for path, digest, records in parsed:
            file_source = _file_source(records, source)
            if store.file_already_imported(config.review_id, digest):
                results.append(FileResult(str(path), file_source, len(records), 0, "already imported"))
                continue
            _, counts = store.record_file_import(config.review_id, file_source, str(path), digest, records)
            results.append(FileResult(str(path), file_source, len(records), counts.new, "imported"))
    finally:
        if own:
            store.close()
    return ImportSummary(config.review_id, tuple(results))


def import_dropped_files(config: ReviewConfig) -> ImportSummary:
    """Open the store and import what is new in the import folders (the unit a flow task retries)."""
    with open_store(config) as store:
        return import_folders(config, store)


def import_folders(config: ReviewConfig, store: Store) -> ImportSummary:
    """Import files newly dropped in the config's import folders; a bad file is reported, not fatal."""
    results: list[FileResult] = []
    for folder in config.imports.folders:
        if not folder.is_dir():
            continue
        source = config.imports.source_by_folder.get(folder.name)
        for path in sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMPORTABLE):
            try:
                summary = import_files(config, [path], source, store=store)
            except LreviewError as exc:
                results.append(FileResult(str(path), source or "", 0, 0, "failed", str(exc)))
                continue
            results.extend(summary.files)
    return ImportSummary(config.review_id, tuple(results))


# ---- reviewer decisions (until screening workbooks exist: a CSV record_id,decision,reviewer) ----

DECISION_WORDS = {
    "include": "include",
    "included": "include",
    "exclude": "exclude",
    "excluded": "exclude",
    "maybe": "maybe",
    "unsure": "maybe",
}


@dataclass(frozen=True)
class IngestSummary:
    """What one ingest of reviewer decisions did."""

    review_id: str
    path: str
    rows: int
    appended: int

    def format(self) -> str:
        skipped = self.rows - self.appended
        note = f" ({skipped} already logged from this file)" if skipped else ""
        return (
            f"{self.path}: {self.appended} of {self.rows} decisions appended to review {self.review_id}{note}"
        )


def read_decisions_csv(config: ReviewConfig, path: Path, stage: str, known_ids: set[int]) -> list[Decision]:
    """Validate every row of a decisions CSV (record_id,decision,reviewer[,reason]) before any write."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    digest = hashlib.sha256(data).hexdigest()
    text = data.decode("utf-8-sig", errors="strict") if data else ""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in ("record_id", "decision", "reviewer") if c not in header]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)} (need record_id,decision,reviewer)")
    reviewers = set(config.review.reviewers)
    reasons = {r.casefold(): r for r in config.review.exclusion_reasons}
    out: list[Decision] = []
    for line, raw in enumerate(reader, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
        where = f"{path}: row {line}"
        try:
            record_id = int(row["record_id"])
        except ValueError:
            raise InputError(f"{where}: record_id {row['record_id']!r} is not a record number") from None
        if record_id not in known_ids:
            raise InputError(f"{where}: record_id {record_id} is not a record of review {config.review_id}")
        decision = DECISION_WORDS.get(row["decision"].casefold())
        if decision is None:
            raise InputError(f"{where}: decision {row['decision']!r} is not include/exclude/maybe")
        if row["reviewer"] not in reviewers:
            raise InputError(
                f"{where}: reviewer {row['reviewer']!r} is not in review.reviewers of the config"
            )
        reason = row.get("reason", "")
        if reason and reason.casefold() not in reasons:
            raise InputError(f"{where}: reason {reason!r} is not in review.exclusion_reasons of the config")
        out.append(
            Decision(
                record_id=record_id,
                stage=stage,
                decision=decision,
                reviewer=row["reviewer"],
                reason=reasons.get(reason.casefold(), ""),
                source_file=str(path),
                source_hash=digest,
                row_key=str(line),
            )
        )
    if not out:
        raise InputError(f"{path}: no decisions in the file")
    return out


def ingest_decisions(config: ReviewConfig, path: Path, stage: str = "title_abstract") -> IngestSummary:
    """Append a decisions CSV to the review's decision log (all rows or none; re-ingest is a no-op)."""
    with open_store(config) as store:
        known = {r.id for r in store.iter_records(config.review_id)}
        decisions = read_decisions_csv(config, Path(path), stage, known)
        appended = store.append_decisions(config.review_id, decisions)
    return IngestSummary(config.review_id, str(path), len(decisions), appended)


# ---- status -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusReport:
    """What the review's store holds."""

    review_id: str
    database: str
    by_source: dict[str, int]
    runs: list[dict[str, Any]]
    decisions: int

    def format(self) -> str:
        sources = [{"source": s, "records": n} for s, n in sorted(self.by_source.items())]
        return "\n".join(
            [
                f"review {self.review_id} in {self.database}",
                _table(sources),
                f"decisions logged: {self.decisions}",
                "search runs:",
                _table(self.runs),
            ]
        )


def status(config: ReviewConfig) -> StatusReport:
    """Counts per source, the last search runs and the size of the decision log."""
    with open_store(config) as store:
        runs = [
            {
                "run": r.id,
                "search": r.search_name,
                "status": r.status,
                "window": f"{r.mindate}..{r.maxdate}",
                "count": r.count_reported,
                "new": r.n_new,
                "updated": r.n_updated,
                "started": f"{r.started_at:%Y-%m-%d %H:%M}",
            }
            for r in store.runs(config.review_id)[-10:]
        ]
        return StatusReport(
            config.review_id,
            store.url,
            store.count_by_source(config.review_id),
            runs,
            len(store.decisions(config.review_id)),
        )
