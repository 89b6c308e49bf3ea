"""Ranking in the live pipeline: cold start, retrain after ingest, batches, inheritance, stopping."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from lreview import pipeline
from lreview.decisions import EXCLUDE, TITLE_ABSTRACT, Decision
from lreview.errors import LreviewError
from lreview.records import Record
from lreview.store import Store
from tests.support.review_builders import RANKING_ARTICLES as ARTICLES
from tests.support.review_builders import decide, imported, rank_rows, ranked, ris_for, write


def test_cold_start_ranks_by_the_question_and_issues_workbooks(tmp_path: Path) -> None:
    config = imported(tmp_path)
    summary = pipeline.rank(config)
    assert not summary.trained and summary.estimate is None
    assert summary.workbooks is not None
    issued = [w for w in summary.workbooks.workbooks if w.status == "new"]
    assert {w.reviewer for w in issued} == {"ann", "bob"} and all(w.path and w.path.is_file() for w in issued)
    rows = ranked(config)
    assert len(rows) == 60 and [r["rank"] for r in rows[:3]] == ["1", "2", "3"]


def test_ingest_retrains_and_the_screened_leave_the_ranking(tmp_path: Path) -> None:
    config = imported(tmp_path)
    first = rank_rows(config)
    decisions = [(first[0]["record_id"], "include"), (first[1]["record_id"], "exclude")]
    decisions += [(r["record_id"], "exclude") for r in first[2:10]]
    pipeline.ingest_decisions(config, decide(tmp_path, config, decisions, "d1.csv"))
    summary = pipeline.rank(config)
    assert summary.trained and (summary.screened, summary.included) == (10, 1)
    assert summary.estimate is not None and 0 <= summary.estimate.recall_estimate <= 1
    batch = ranked(config)
    assert len(batch) == 50 and not {r["record_id"] for r in batch} & {rid for rid, _ in decisions}
    with Store.open(config.database_url) as store:
        latest = store.latest_ranking("imp")
    assert latest is not None and latest.model_run.n_train == 10 and latest.model_run.n_included == 1
    assert "estimated recall" in summary.format()


def test_same_decisions_and_seed_give_the_same_ranking(tmp_path: Path) -> None:
    config = imported(tmp_path)
    first = rank_rows(config)
    rows = [(first[0]["record_id"], "include"), (first[5]["record_id"], "exclude")]
    pipeline.ingest_decisions(config, decide(tmp_path, config, rows, "d.csv"))
    a = rank_rows(config)
    b = rank_rows(config)
    assert [r["record_id"] for r in a] == [r["record_id"] for r in b]


def test_a_duplicate_of_a_screened_record_inherits_its_decision(tmp_path: Path) -> None:
    config = imported(tmp_path)
    first = rank_rows(config)
    screened = first[0]
    rows = [(screened["record_id"], "exclude"), (first[1]["record_id"], "include")]
    pipeline.ingest_decisions(config, decide(tmp_path, config, rows, "d.csv"))
    twin = next(a for a in ARTICLES if a.title.upper() == screened["title"])
    pipeline.import_files(config, [write(tmp_path / "embase.ris", ris_for([twin]))], source="Embase")
    with Store.open(config.database_url) as store:
        dedup = pipeline.deduplicate_store(config, store)
        summary = pipeline.rank_store(config, store)
    assert dedup.duplicates_removed == 1
    assert summary.publications == 60 and summary.screened == 2
    titles = {r["title"] for r in ranked(config)}
    assert screened["title"] not in titles


def test_a_decision_logged_between_rank_and_emit_is_not_issued(tmp_path: Path) -> None:
    config = imported(tmp_path)
    with Store.open(config.database_url) as store:
        summary = pipeline.rank_store(config, store, emit_batch=False)
        top, second = summary.order[:2]
        store.append_decisions("imp", [Decision(top, TITLE_ABSTRACT, EXCLUDE, "ann")])  # a concurrent ingest
        pipeline.emit_ranked(config, store, summary)  # the rank's order and publications passed on
        issued = {rid for batch in store.batches("imp") for rid in batch.record_ids}
    assert second in issued and top not in issued


def test_stopping_records_unscreened_as_excluded_by_automation(tmp_path: Path) -> None:
    config = imported(tmp_path)
    first = rank_rows(config)
    rows = [(first[0]["record_id"], "include"), (first[1]["record_id"], "exclude")]
    pipeline.ingest_decisions(config, decide(tmp_path, config, rows, "d.csv"))
    with pytest.raises(LreviewError, match="does not yet support stopping"):
        pipeline.apply_stopping_rule(config)
    _, excluded = pipeline.apply_stopping_rule(config, force=True)
    assert excluded == 58
    with Store.open(config.database_url) as store:
        auto = [d for d in store.decisions("imp") if d.decision == "auto_exclude"]
    assert len(auto) == 58 and all(d.reviewer == "lreview:stopping-rule" for d in auto)
    assert "forced" in auto[0].reason and "recall" in auto[0].reason.lower()


def test_reranks_reuse_the_review_feature_cache_until_records_change(tmp_path: Path) -> None:
    config = imported(tmp_path)
    first = rank_rows(config)
    cache = pipeline.feature_cache_path(config)
    assert not cache.exists()  # cold start: no features needed
    rows = [(first[0]["record_id"], "include"), (first[5]["record_id"], "exclude")]
    pipeline.ingest_decisions(config, decide(tmp_path, config, rows, "d.csv"))
    built = rank_rows(config)
    manifest = cache / "manifest.json"
    assert manifest.is_file()
    stamp = manifest.stat().st_mtime_ns
    cached = rank_rows(config)
    assert manifest.stat().st_mtime_ns == stamp
    shutil.rmtree(cache)
    fresh = rank_rows(config)
    assert (
        [r["record_id"] for r in built] == [r["record_id"] for r in cached] == [r["record_id"] for r in fresh]
    )


def test_a_rerank_with_a_current_feature_cache_decodes_no_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = imported(tmp_path)
    first = rank_rows(config)
    rows = [(first[0]["record_id"], "include"), (first[5]["record_id"], "exclude")]
    pipeline.ingest_decisions(config, decide(tmp_path, config, rows, "d.csv"))
    pipeline.rank(config)  # builds the feature cache
    decoded: list[int] = []
    from_dict = Record.from_dict

    def counting(data: dict[str, Any]) -> Record:
        decoded.append(1)
        return from_dict(data)

    monkeypatch.setattr(Record, "from_dict", counting)  # counts the records read back from the store
    with Store.open(config.database_url) as store:
        again = pipeline.rank_store(config, store, emit_batch=False)
    assert again.trained and again.publications == len(ARTICLES)
    assert decoded == []
