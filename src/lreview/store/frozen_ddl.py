"""The DDL of past upgrade steps, frozen as text: never edit a step's statements once it has shipped.

`schema.py` describes the newest store; an upgrade step must create the tables as they were at its
own version, or a later step that alters them would find them already altered. Each statement is
written once for both backends; `{serial}`, `{json}`, `{ts}` and `{false}` become the dialect's
spelling (as SQLAlchemy compiled `schema.py` at that version).
"""

from __future__ import annotations

from collections.abc import Sequence

_SPELLING = {
    "sqlite": {"serial": "INTEGER", "json": "JSON", "ts": "DATETIME", "false": "0"},
    "postgresql": {
        "serial": "SERIAL",
        "json": "JSONB",
        "ts": "TIMESTAMP WITHOUT TIME ZONE",
        "false": "false",
    },
}

#: version 1 -> 2: missing records, dedup clusters and pairs, model runs and rankings, batches
VERSION_2 = (
    "ALTER TABLE records ADD COLUMN missing_from_source BOOLEAN DEFAULT {false} NOT NULL",
    """CREATE TABLE missing_records (run_id INTEGER NOT NULL, source VARCHAR(100) NOT NULL,
        source_id VARCHAR(200) NOT NULL, review_id VARCHAR(100) NOT NULL,
        PRIMARY KEY (run_id, source, source_id), FOREIGN KEY(run_id) REFERENCES search_runs (id))""",
    "CREATE INDEX ix_missing_records_review_id ON missing_records (review_id)",
    """CREATE TABLE dedup_runs (id {serial} NOT NULL, review_id VARCHAR(100) NOT NULL,
        params {json} NOT NULL, tool_version VARCHAR(50) NOT NULL, created_at {ts} NOT NULL,
        PRIMARY KEY (id))""",
    "CREATE INDEX ix_dedup_runs_review_id ON dedup_runs (review_id)",
    """CREATE TABLE cluster_members (dedup_run_id INTEGER NOT NULL, record_id INTEGER NOT NULL,
        cluster_id INTEGER NOT NULL, canonical BOOLEAN NOT NULL, PRIMARY KEY (dedup_run_id, record_id),
        FOREIGN KEY(dedup_run_id) REFERENCES dedup_runs (id),
        FOREIGN KEY(record_id) REFERENCES records (id))""",
    """CREATE TABLE duplicate_pairs (id {serial} NOT NULL, review_id VARCHAR(100) NOT NULL,
        record_a INTEGER NOT NULL, record_b INTEGER NOT NULL, score FLOAT NOT NULL,
        status VARCHAR(20) NOT NULL, decided_by VARCHAR(200), decided_at {ts}, PRIMARY KEY (id),
        CONSTRAINT uq_duplicate_pairs UNIQUE (review_id, record_a, record_b),
        FOREIGN KEY(record_a) REFERENCES records (id), FOREIGN KEY(record_b) REFERENCES records (id))""",
    "CREATE INDEX ix_duplicate_pairs_review_id ON duplicate_pairs (review_id)",
    """CREATE TABLE model_runs (id {serial} NOT NULL, review_id VARCHAR(100) NOT NULL,
        model VARCHAR(200) NOT NULL, model_version VARCHAR(50) NOT NULL, params {json} NOT NULL,
        seed INTEGER, n_train INTEGER NOT NULL, n_included INTEGER NOT NULL, created_at {ts} NOT NULL,
        PRIMARY KEY (id))""",
    "CREATE INDEX ix_model_runs_review_id ON model_runs (review_id)",
    """CREATE TABLE rankings (model_run_id INTEGER NOT NULL, record_id INTEGER NOT NULL,
        score FLOAT NOT NULL, rank INTEGER NOT NULL, PRIMARY KEY (model_run_id, record_id),
        FOREIGN KEY(model_run_id) REFERENCES model_runs (id),
        FOREIGN KEY(record_id) REFERENCES records (id))""",
    """CREATE TABLE batches (id {serial} NOT NULL, review_id VARCHAR(100) NOT NULL,
        reviewer VARCHAR(200) NOT NULL, stage VARCHAR(40) NOT NULL, created_at {ts} NOT NULL,
        PRIMARY KEY (id))""",
    "CREATE INDEX ix_batches_review_id ON batches (review_id)",
    """CREATE TABLE batch_items (batch_id INTEGER NOT NULL, record_id INTEGER NOT NULL,
        position INTEGER NOT NULL, PRIMARY KEY (batch_id, record_id),
        FOREIGN KEY(batch_id) REFERENCES batches (id), FOREIGN KEY(record_id) REFERENCES records (id))""",
)

#: version 3 -> 4, before the data move: the duplicate-verdict log, the indexes a re-rank's queries use
VERSION_4 = (
    """CREATE TABLE duplicate_verdicts (id {serial} NOT NULL, review_id VARCHAR(100) NOT NULL,
        pair_id INTEGER NOT NULL, verdict VARCHAR(20) NOT NULL, decided_by VARCHAR(200) NOT NULL,
        decided_at {ts} NOT NULL, source_file TEXT, source_hash VARCHAR(64), row_key VARCHAR(200),
        PRIMARY KEY (id),
        CONSTRAINT uq_duplicate_verdicts_file_row UNIQUE (review_id, source_hash, row_key),
        FOREIGN KEY(pair_id) REFERENCES duplicate_pairs (id))""",
    "CREATE INDEX ix_duplicate_verdicts_pair_id_id ON duplicate_verdicts (pair_id, id)",
    """CREATE INDEX ix_raw_records_version ON raw_records (review_id, source, source_id, id)""",
    "CREATE INDEX ix_raw_records_review_id_id ON raw_records (review_id, id)",
    "CREATE INDEX ix_records_review_id_id ON records (review_id, id)",
    "CREATE INDEX ix_decisions_review_id_id ON decisions (review_id, id)",
)

#: version 3 -> 4, after the data move: the pairs keep only what dedup found
VERSION_4_DROPS = (
    "ALTER TABLE duplicate_pairs DROP COLUMN status",
    "ALTER TABLE duplicate_pairs DROP COLUMN decided_by",
    "ALTER TABLE duplicate_pairs DROP COLUMN decided_at",
)


def spelled(statements: Sequence[str], dialect: str) -> list[str]:
    """The statements with the dialect's type names filled in."""
    return [statement.format(**_SPELLING[dialect]) for statement in statements]
