"""The ingest and PRISMA loops as the CLI runs them (the refresh loop: test_refresh.py, test_steps.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

from lreview import pipeline
from lreview.config import ReviewConfig
from lreview.pipeline.steps import INGEST_STEPS
from lreview.store import Store
from tests.support.screening_builders import current_workbooks, fill, imported_review, sheet_rows


def model_runs(config: ReviewConfig) -> int:
    """The id of the review's newest model run (each ranking stores one)."""
    with Store.open(config.database_url) as store:
        ranking = store.latest_ranking(config.review_id)
    return ranking.model_run.id if ranking else 0


def returned_workbook(tmp_path: Path, config: ReviewConfig) -> tuple[Path, list[int]]:
    """ann's first title/abstract workbook, every row decided, dropped into the screening inbox."""
    issued = current_workbooks(config)[("ann", "TA", "screen")]
    ids = [int(r["record_id"]) for r in sheet_rows(issued)]
    answers = {
        rid: ("include", "") if n % 3 == 0 else ("exclude", "wrong design") for n, rid in enumerate(ids)
    }
    inbox = pipeline.screening_dir(config) / "inbox"
    return fill(issued, inbox / "ann-back.xlsx", answers), ids


def test_ingest_loop_logs_the_inbox_retrains_and_issues_the_next_batch(tmp_path: Path) -> None:
    config = imported_review(tmp_path, f"sqlite:///{tmp_path / 's.sqlite'}", mode="single")
    pipeline.rank(config)
    dropped, first = returned_workbook(tmp_path, config)
    before = model_runs(config)

    summary = pipeline.ingest_loop(config)

    assert [t.step for t in summary.steps] == [s.name for s in INGEST_STEPS]
    (returned,) = summary.returned
    assert returned.summary is not None and returned.summary.appended == len(first) == 10
    assert not dropped.exists() and (dropped.parent / "done" / dropped.name).is_file()
    assert summary.ranking is not None and summary.ranking.screened == 10
    assert model_runs(config) == before + 1
    following = current_workbooks(config)[("ann", "TA", "screen")]
    assert not set(first) & {int(r["record_id"]) for r in sheet_rows(following)}
    assert summary.problems == () and "10 of 10 decisions appended" in summary.format()


def test_ingest_loop_with_nothing_new_reissues_workbooks_without_retraining(tmp_path: Path) -> None:
    config = imported_review(tmp_path, f"sqlite:///{tmp_path / 's.sqlite'}", mode="single")
    pipeline.rank(config)
    before = model_runs(config)
    summary = pipeline.ingest_loop(config)
    assert summary.returned == () and summary.ranking is None
    assert summary.workbooks is not None
    assert {w.status for w in summary.workbooks.workbooks} == {"unchanged"}
    assert model_runs(config) == before


def test_ingest_loop_takes_a_named_file_and_reports_a_refused_inbox_file(tmp_path: Path) -> None:
    config = imported_review(tmp_path, f"sqlite:///{tmp_path / 's.sqlite'}", mode="single")
    pipeline.rank(config)
    dropped, first = returned_workbook(tmp_path, config)
    named = shutil.move(dropped, tmp_path / "ann-back.xlsx")
    (dropped.parent / "notes.csv").write_text("record_id,decision,reviewer\n99999,include,ann\n")

    summary = pipeline.ingest_loop(config, [Path(named)])

    assert [r.summary.appended if r.summary else r.error for r in summary.returned][0] == len(first)
    (problem,) = summary.problems
    assert "notes.csv" in problem and (dropped.parent / "refused" / "notes.csv").is_file()
    assert summary.ranking is not None


def test_prisma_loop_runs_the_prisma_step_alone(tmp_path: Path) -> None:
    config = imported_review(tmp_path, f"sqlite:///{tmp_path / 's.sqlite'}")
    summary = pipeline.prisma_loop(config)
    assert [t.step for t in summary.steps] == ["prisma"]
