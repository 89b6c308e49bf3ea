"""A stored ranking can be re-derived from the store later, and a ranking that differs is reported."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from lreview import __version__, cli, pipeline
from lreview.config import ReviewConfig
from lreview.errors import LreviewError
from lreview.store import Store
from lreview.store.schema import rankings
from tests.support.pubmed_builder import make_articles
from tests.support.review_builders import decide, imported, rank_rows, ranked, ris_for, write


def screened_twice(tmp_path: Path) -> tuple[ReviewConfig, int]:
    """A review ranked after a first ingest (the run returned), then changed: more decisions, new
    records from another database, a new dedup run and a newer ranking."""
    config = imported(tmp_path)
    first = rank_rows(config)
    rows = [(first[0]["record_id"], "include"), (first[1]["record_id"], "exclude")]
    rows += [(r["record_id"], "exclude") for r in first[2:8]]
    pipeline.ingest_decisions(config, decide(tmp_path, config, rows, "d1.csv"))
    run, second = pipeline.rank(config).model_run_id, ranked(config)
    later = [(second[0]["record_id"], "include")] + [(r["record_id"], "exclude") for r in second[1:6]]
    pipeline.ingest_decisions(config, decide(tmp_path, config, later, "d2.csv"))
    new = make_articles(15, first_pmid=30_000_000, start=date(2024, 2, 1), end=date(2024, 6, 1), seed=7)
    pipeline.import_files(config, [write(tmp_path / "embase.ris", ris_for(new))], source="Embase")
    with Store.open(config.database_url) as store:
        pipeline.deduplicate_store(config, store)
    pipeline.rank(config)
    return config, run


def test_an_earlier_model_run_is_reproduced_after_the_review_moved_on(tmp_path: Path) -> None:
    config, run = screened_twice(tmp_path)
    message = pipeline.reproduce(config, run)
    assert (
        message.startswith(f"model run {run} reproduced: 52 unscreened publications")
        and "from 8 screened" in message
    )


def test_a_ranking_that_differs_from_the_stored_one_is_reported(tmp_path: Path) -> None:
    config, run = screened_twice(tmp_path)
    with Store.open(config.database_url) as store, store._write("tampering") as conn:
        conn.execute(
            sa.update(rankings)
            .where(rankings.c.model_run_id == run, rankings.c.rank == 3)
            .values(score=rankings.c.score + 1e-6)
        )
    with pytest.raises(LreviewError, match=f"model run {run} not reproduced: same order, but scores differ"):
        pipeline.reproduce(config, run)


def test_a_run_stored_without_its_inputs_cannot_be_reproduced(tmp_path: Path) -> None:
    config = imported(tmp_path)
    with Store.open(config.database_url) as store:
        old = store.add_model_run(
            "imp", model="lreview", model_version="0.1.0", params={"description": "x"}, seed=0,
            n_train=0, n_included=0,
        )  # fmt: skip
    with pytest.raises(LreviewError, match="before model runs recorded their inputs"):
        pipeline.reproduce(config, old)
    with pytest.raises(LreviewError, match="has no model run 999"):
        pipeline.reproduce(config, 999)


def test_a_run_of_another_model_is_refused_before_any_refit(tmp_path: Path) -> None:
    config = imported(tmp_path)
    with Store.open(config.database_url) as store:
        marks = store.input_marks("imp")
        other = store.add_model_run(
            "imp", model="lreview", model_version=__version__, params={"description": "elas_u4: x", **marks},
            seed=0, n_train=0, n_included=0,
        )  # fmt: skip
    with pytest.raises(LreviewError, match=f"model run {other} used 'elas_u4: x'; now 'lreview: "):
        pipeline.reproduce(config, other)


def test_cli_rank_reproduce_prints_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config, run = screened_twice(tmp_path)
    toml = write(
        tmp_path / "review.toml",
        f"""[review]
id = "imp"
title = "t"
eligibility = "e"
exclusion_reasons = ["wrong population", "wrong design"]
reviewers = ["ann", "bob"]
output_dir = "{config.output_dir}"
database_url = "{config.database_url}"

[[searches]]
name = "s"
query = "q"
""",
    )
    assert cli.main(["rank", "--config", str(toml), "--reproduce", str(run)]) == 0
    assert capsys.readouterr().out.startswith(f"model run {run} reproduced")
