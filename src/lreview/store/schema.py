"""The tables of the record store (SQLAlchemy Core), the same on SQLite and PostgreSQL.

What must survive everything is append-only: `raw_records` (each source's record, one row per
distinct content), `decisions` (the screening log), `import_files`, `search_runs`, `model_runs`.
`records` is the derived canonical view: one row per (review, source, source_id) pointing at the
current raw version. Timestamps are stored as naive UTC and read back as aware UTC (`UtcDateTime`).

This module only declares tables; `migrations.py` creates and upgrades them, `store.py` queries them.
When you change a table, bump `migrations.CURRENT_VERSION` and add an upgrade step.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """An aware-UTC datetime stored as naive UTC (SQLite has no time zones)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


#: JSON on SQLite (text), JSONB on PostgreSQL (queryable, compact).
Json: sa.types.TypeEngine[Any] = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

metadata = sa.MetaData()


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer, primary_key=True, autoincrement=True)


def _review() -> sa.Column[str]:
    return sa.Column("review_id", sa.String(100), nullable=False, index=True)


# ---- version 1: harvest, import, decisions --------------------------------------------------------

schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("upgraded_at", UtcDateTime, nullable=False),
)

search_runs = sa.Table(
    "search_runs",
    metadata,
    _id(),
    _review(),
    sa.Column("search_name", sa.String(200), nullable=False),
    sa.Column("source", sa.String(100), nullable=False),
    sa.Column("query", sa.Text, nullable=False),
    sa.Column("mindate", sa.Date),
    sa.Column("maxdate", sa.Date),
    sa.Column("status", sa.String(20), nullable=False),  # running / succeeded / failed
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("finished_at", UtcDateTime),
    sa.Column("count_reported", sa.Integer),
    sa.Column("n_fetched", sa.Integer),
    sa.Column("n_new", sa.Integer),
    sa.Column("n_updated", sa.Integer),
    sa.Column("n_missing", sa.Integer),
    sa.Column("query_translation", sa.Text),
    sa.Column("warnings", Json, nullable=False),
    sa.Column("errors", Json, nullable=False),
    sa.Column("tool_version", sa.String(50), nullable=False),
)

import_files = sa.Table(
    "import_files",
    metadata,
    _id(),
    _review(),
    sa.Column("source", sa.String(100), nullable=False),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("n_records", sa.Integer, nullable=False),
    sa.Column("imported_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("review_id", "sha256", name="uq_import_files_review_sha256"),
)

raw_records = sa.Table(
    "raw_records",
    metadata,
    _id(),
    _review(),
    sa.Column("source", sa.String(100), nullable=False),
    sa.Column("source_id", sa.String(200), nullable=False),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("search_runs.id")),
    sa.Column("import_file_id", sa.Integer, sa.ForeignKey("import_files.id")),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("data", Json, nullable=False),
    sa.Column("fetched_at", UtcDateTime, nullable=False),
    # source_id first: batch look-ups `source_id IN (...)` then use the index even before ANALYZE
    sa.UniqueConstraint("source_id", "source", "review_id", "content_hash", name="uq_raw_records_content"),
)

records = sa.Table(
    "records",
    metadata,
    _id(),
    _review(),
    sa.Column("source", sa.String(100), nullable=False),
    sa.Column("source_id", sa.String(200), nullable=False),
    sa.Column("pmid", sa.String(20), index=True),
    sa.Column("doi", sa.String(300), index=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("year", sa.Integer),
    sa.Column("current_raw_id", sa.Integer, sa.ForeignKey("raw_records.id"), nullable=False),
    sa.Column("first_seen_run", sa.Integer, sa.ForeignKey("search_runs.id")),
    sa.Column("last_seen_run", sa.Integer, sa.ForeignKey("search_runs.id")),
    sa.Column("first_seen_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("source_id", "source", "review_id", name="uq_records_source_id"),
)

decisions = sa.Table(
    "decisions",
    metadata,
    _id(),
    _review(),
    sa.Column("record_id", sa.Integer, sa.ForeignKey("records.id"), nullable=False, index=True),
    sa.Column("stage", sa.String(40), nullable=False),
    sa.Column("decision", sa.String(40), nullable=False),
    sa.Column("reviewer", sa.String(200), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("batch_id", sa.Integer),  # batches.id; no foreign key: batches came in version 2
    sa.Column("source_file", sa.Text),
    sa.Column("source_hash", sa.String(64)),
    sa.Column("row_key", sa.String(200)),
    sa.Column("created_at", UtcDateTime, nullable=False),
    # version 3: who logged it (reviewer / arbiter / automation) and the reviewer's free-text notes
    sa.Column("role", sa.String(20), nullable=False, server_default="reviewer"),
    sa.Column("notes", sa.Text, nullable=False, server_default=""),
    # NULLs are distinct in unique constraints (SQLite and PostgreSQL): decisions logged without a
    # source file (e.g. the stopping rule's auto_exclude) are never de-duplicated.
    sa.UniqueConstraint("review_id", "source_hash", "row_key", name="uq_decisions_file_row"),
)

locks = sa.Table(
    "locks",
    metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("holder", sa.String(200), nullable=False),
    sa.Column("acquired_at", UtcDateTime, nullable=False),
    sa.Column("heartbeat_at", UtcDateTime, nullable=False),
)

VERSION_1_TABLES = (schema_version, search_runs, import_files, raw_records, records, decisions, locks)

# ---- version 2: missing records, dedup, ranking, batches ------------------------------------------

MISSING_FLAG = sa.Column("missing_from_source", sa.Boolean, nullable=False, server_default=sa.false())
records.append_column(MISSING_FLAG)

missing_records = sa.Table(
    "missing_records",
    metadata,
    sa.Column("run_id", sa.Integer, sa.ForeignKey("search_runs.id"), primary_key=True),
    sa.Column("source", sa.String(100), primary_key=True),
    sa.Column("source_id", sa.String(200), primary_key=True),
    _review(),
)

dedup_runs = sa.Table(
    "dedup_runs",
    metadata,
    _id(),
    _review(),
    sa.Column("params", Json, nullable=False),
    sa.Column("tool_version", sa.String(50), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

cluster_members = sa.Table(
    "cluster_members",
    metadata,
    sa.Column("dedup_run_id", sa.Integer, sa.ForeignKey("dedup_runs.id"), primary_key=True),
    sa.Column("record_id", sa.Integer, sa.ForeignKey("records.id"), primary_key=True),
    sa.Column("cluster_id", sa.Integer, nullable=False),  # numbered within the dedup run
    sa.Column("canonical", sa.Boolean, nullable=False),
)

duplicate_pairs = sa.Table(
    "duplicate_pairs",
    metadata,
    _id(),
    _review(),
    sa.Column("record_a", sa.Integer, sa.ForeignKey("records.id"), nullable=False),
    sa.Column("record_b", sa.Integer, sa.ForeignKey("records.id"), nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    # versions 2-3 also had status, decided_by, decided_at, updated in place: now `duplicate_verdicts`
    sa.UniqueConstraint("review_id", "record_a", "record_b", name="uq_duplicate_pairs"),
)

model_runs = sa.Table(
    "model_runs",
    metadata,
    _id(),
    _review(),
    sa.Column("model", sa.String(200), nullable=False),
    sa.Column("model_version", sa.String(50), nullable=False),
    sa.Column("params", Json, nullable=False),
    sa.Column("seed", sa.Integer),
    sa.Column("n_train", sa.Integer, nullable=False),
    sa.Column("n_included", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

rankings = sa.Table(
    "rankings",
    metadata,
    sa.Column("model_run_id", sa.Integer, sa.ForeignKey("model_runs.id"), primary_key=True),
    sa.Column("record_id", sa.Integer, sa.ForeignKey("records.id"), primary_key=True),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("rank", sa.Integer, nullable=False),
)

batches = sa.Table(
    "batches",
    metadata,
    _id(),
    _review(),
    sa.Column("reviewer", sa.String(200), nullable=False),
    sa.Column("stage", sa.String(40), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    # version 3: screen or conflicts workbook, the emit round it belongs to, the issued-ids checksum
    # written into the workbook, its file name and the model run whose ranking ordered it
    sa.Column("kind", sa.String(20), nullable=False, server_default="screen"),
    sa.Column("round", sa.Integer, nullable=False, server_default="0"),
    sa.Column("issued", sa.String(64), nullable=False, server_default=""),
    sa.Column("file", sa.Text, nullable=False, server_default=""),
    sa.Column("model_run_id", sa.Integer),
)

batch_items = sa.Table(
    "batch_items",
    metadata,
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), primary_key=True),
    sa.Column("record_id", sa.Integer, sa.ForeignKey("records.id"), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
)

SCREENING_COLUMNS = {  # added by the screening layer (schema version 3), as (table, column)
    "decisions": ("role", "notes"),
    "batches": ("kind", "round", "issued", "file", "model_run_id"),
}

VERSION_2_TABLES = (
    missing_records,
    dedup_runs,
    cluster_members,
    duplicate_pairs,
    model_runs,
    rankings,
    batches,
    batch_items,
)

# ---- version 4: duplicate verdicts as a log; indexes for the queries of a re-rank ----------------------

duplicate_verdicts = sa.Table(
    "duplicate_verdicts",
    metadata,
    _id(),
    sa.Column("review_id", sa.String(100), nullable=False),
    sa.Column("pair_id", sa.Integer, sa.ForeignKey("duplicate_pairs.id"), nullable=False),
    sa.Column("verdict", sa.String(20), nullable=False),  # confirmed / rejected / pending (undecided)
    sa.Column("decided_by", sa.String(200), nullable=False),
    sa.Column("decided_at", UtcDateTime, nullable=False),
    sa.Column("source_file", sa.Text),
    sa.Column("source_hash", sa.String(64)),  # sha256 of the pairs file the verdict came from
    sa.Column("row_key", sa.String(200)),
    # as for decisions: a verdict from a file row is logged once; NULLs (no file) are never merged
    sa.UniqueConstraint("review_id", "source_hash", "row_key", name="uq_duplicate_verdicts_file_row"),
)
sa.Index("ix_duplicate_verdicts_pair_id_id", duplicate_verdicts.c.pair_id, duplicate_verdicts.c.id)

# `iter_records(upto_raw=)`: a record's newest version up to a mark, one index seek per record
sa.Index(
    "ix_raw_records_version",
    raw_records.c.review_id,
    raw_records.c.source,
    raw_records.c.source_id,
    raw_records.c.id,
)
# a review's records, raw versions and decisions in id order, and their newest ids (`input_marks`)
sa.Index("ix_raw_records_review_id_id", raw_records.c.review_id, raw_records.c.id)
sa.Index("ix_records_review_id_id", records.c.review_id, records.c.id)
sa.Index("ix_decisions_review_id_id", decisions.c.review_id, decisions.c.id)

review_versions = sa.Table(  # version 5: a living review's frozen versions (lreview prisma --new-version)
    "review_versions",
    metadata,
    _id(),
    _review(),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("records", Json, nullable=False),  # ids of every record of the version's publications
    sa.Column("included", Json, nullable=False),  # canonical ids of the publications included in it
    sa.Column("counts", Json, nullable=False),  # its PRISMA counts when frozen
)
