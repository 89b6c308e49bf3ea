"""Import of other databases' exports: each file once (by content hash), all or nothing per file."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lreview.config import ReviewConfig
from lreview.errors import InputError, LreviewError
from lreview.pipeline.common import open_store, table
from lreview.records import Record
from lreview.sources.loader import load_export
from lreview.store import Store

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
        return "\n".join([f"import into review {self.review_id}", table([f.row() for f in self.files])])


def _file_source(records: Sequence[Record], source: str | None) -> str:
    if source:
        return source
    counts: dict[str, int] = {}
    for record in records:
        counts[record.source] = counts.get(record.source, 0) + 1
    return max(counts, key=lambda s: counts[s])


def _spelled(records: list[Record], source: str) -> list[Record]:
    """Records whose source is `source` in another case, spelled as `source`."""
    wanted = source.casefold()
    return [
        dataclasses.replace(r, source=source) if r.source != source and r.source.casefold() == wanted else r
        for r in records
    ]


def _read_export(path: Path, source: str | None) -> tuple[str, list[Record], str]:
    """(sha256, records, cleaning note) of one export; positional ids get the file's hash so later
    exports differ; the note says how many control characters were removed ("" when none)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    digest = hashlib.sha256(data).hexdigest()
    export = load_export(data, path.name, source=source)
    records = export.records
    prefix = f"{path.name}:"
    records = [
        dataclasses.replace(r, source_id=f"{path.name}@{digest[:12]}:{r.source_id[len(prefix) :]}")
        if r.source_id.startswith(prefix)
        else r
        for r in records
    ]
    return digest, records, export.note()


def import_files(
    config: ReviewConfig, paths: Sequence[Path], source: str | None = None, *, store: Store | None = None
) -> ImportSummary:
    """Import export files; every file is read and checked first, so one bad file imports nothing."""
    parsed = [(Path(p), *_read_export(Path(p), source)) for p in paths]  # raises before any write
    results: list[FileResult] = []
    own = store is None
    store = store or open_store(config)
    try:
        for path, digest, records, note in parsed:
            file_source = store.source_spelling(config.review_id, _file_source(records, source))
            records = _spelled(records, file_source)
            if store.file_already_imported(config.review_id, digest):
                results.append(FileResult(str(path), file_source, len(records), 0, "already imported"))
                continue
            _, counts = store.record_file_import(config.review_id, file_source, str(path), digest, records)
            results.append(FileResult(str(path), file_source, len(records), counts.new, "imported", note))
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
        source = config.imports.source_for_folder(folder.name)
        for path in sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMPORTABLE):
            try:
                summary = import_files(config, [path], source, store=store)
            except LreviewError as exc:
                results.append(FileResult(str(path), source or "", 0, 0, "failed", str(exc)))
                continue
            results.extend(summary.files)
    return ImportSummary(config.review_id, tuple(results))
