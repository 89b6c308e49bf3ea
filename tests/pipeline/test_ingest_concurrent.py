"""Two `lreview ingest` processes of the same decisions file at once, on PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from lreview import pipeline
from lreview.config import load_config
from lreview.store import Store
from tests.support.review_builders import RANKING_ARTICLES, ris_for, write

CONFIG = """
[review]
id = "race"
title = "t"
eligibility = "e"
exclusion_reasons = ["wrong design"]
reviewers = ["ann"]
output_dir = "{out}"
database_url = "{url}"

[[searches]]
name = "s"
query = "q"
"""

INGEST = "import sys; from lreview.cli import main; sys.exit(main(sys.argv[1:]))"


def _waiting_for_decisions(conn: sa.Connection) -> int:
    """How many sessions wait for a lock on the decisions table."""
    query = (
        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
        " WHERE c.relname = 'decisions' AND NOT l.granted"
    )
    return int(conn.exec_driver_sql(query).scalar_one())


def test_a_concurrent_second_ingest_of_a_file_says_already_logged_and_exits_0(
    tmp_path: Path, postgres_url: str
) -> None:
    config_path = write(tmp_path / "review.toml", CONFIG.format(out=tmp_path / "out", url=postgres_url))
    config = load_config(config_path)
    pipeline.import_files(config, [write(tmp_path / "a.ris", ris_for(RANKING_ARTICLES[:3]))], "PubMed")
    with Store.open(postgres_url) as store:
        ids = [r.id for r in store.iter_records("race")]
    decisions = write(
        tmp_path / "decisions.csv",
        "record_id,decision,reviewer\n" + "".join(f"{rid},exclude,ann\n" for rid in ids),
    )
    command = [sys.executable, "-c", INGEST, "ingest", str(decisions), "--no-rank"]
    command += ["--config", str(config_path)]

    # Both ingests read the (empty) log, then queue for the table lock held here: they insert the
    # same rows at once when it is released.
    engine = sa.create_engine(postgres_url)
    with engine.connect() as blocker, engine.connect() as watcher:
        blocker.begin()
        blocker.exec_driver_sql("LOCK TABLE decisions IN SHARE MODE")
        runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)]
        runs.append(subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        for _ in range(1200):
            if _waiting_for_decisions(watcher) == 2 or any(run.poll() is not None for run in runs):
                break
            time.sleep(0.05)
        both_waited = _waiting_for_decisions(watcher) == 2
        blocker.commit()
        outputs = [run.communicate(timeout=120) for run in runs]
    engine.dispose()

    assert both_waited, outputs
    assert [run.returncode for run in runs] == [0, 0], outputs
    said = sorted(out.strip() for out, _err in outputs)
    assert said == [
        f"{decisions}: 0 of 3 decisions appended to review race (3 already logged)",
        f"{decisions}: 3 of 3 decisions appended to review race",
    ]
    with Store.open(postgres_url) as store:
        assert sorted(d.record_id for d in store.decisions("race")) == ids
