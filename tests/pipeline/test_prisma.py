"""PRISMA 2020 counts from the lifecycle states: each box equals what the review did, versions included."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from lreview import pipeline
from lreview.config import ReviewConfig
from lreview.pipeline.prisma import new_studies, prisma, prisma_counts
from lreview.prisma import check
from lreview.screening.states import Publication, StageState, StageStatus
from lreview.store import Store
from tests.support.pubmed_builder import make_articles
from tests.support.review_builders import RANKING_ARTICLES, ris_for, write
from tests.support.screening_builders import imported_review


def csv_decisions(tmp_path: Path, name: str, rows: list[tuple[int, str, str]]) -> Path:
    body = "".join(f"{rid},{decision},ann,{reason}\n" for rid, decision, reason in rows)
    return write(tmp_path / name, "record_id,decision,reviewer,reason\n" + body)


def counts(config: ReviewConfig):  # type: ignore[no-untyped-def]
    with Store.open(config.database_url) as store:
        states = pipeline.review_states(config, store)
        versions = store.versions(config.review_id)
        sources = {rid: source for rid, (source, _) in store.record_sources(config.review_id).items()}
        result = prisma_counts(states, sources, versions[-1] if versions else None)
    check(result)
    return result


def add_export(config: ReviewConfig, tmp_path: Path, name: str, articles: list) -> None:  # type: ignore[type-arg]
    pipeline.import_files(config, [write(tmp_path / name, ris_for(articles))], source="Embase")
    with Store.open(config.database_url) as store:
        pipeline.deduplicate_store(config, store)


def screened_review(tmp_path: Path, url: str) -> tuple[ReviewConfig, list[int]]:
    """60 PubMed records + 3 Embase duplicates; 20 screened (5 in), full text: 1 not retrieved,
    1 excluded for wrong design, 3 included; the other 40 excluded by the stopping rule."""
    config = imported_review(tmp_path, url, mode="single")
    add_export(config, tmp_path, "embase.ris", RANKING_ARTICLES[:3])
    with Store.open(config.database_url) as store:
        ids = [p.record_id for p in pipeline.review_states(config, store).publications]
    ta = [(rid, "include" if i < 5 else "exclude", "") for i, rid in enumerate(ids[:20])]
    pipeline.ingest_decisions(config, csv_decisions(tmp_path, "ta.csv", ta))
    ft = [(ids[0], "not_retrieved", ""), (ids[1], "exclude", "wrong design")]
    ft += [(rid, "include", "") for rid in ids[2:5]]
    pipeline.ingest_decisions(config, csv_decisions(tmp_path, "ft.csv", ft), stage="full_text")
    pipeline.apply_stopping_rule(config, force=True)
    return config, ids


@pytest.mark.postgres
def test_every_box_counts_what_the_review_did(tmp_path: Path, store_url: str) -> None:
    config, _ = screened_review(tmp_path, store_url)
    c = counts(config)
    assert c.databases == (("Embase", 3), ("PubMed", 60)) and c.registers == ()
    assert (c.duplicates, c.excluded_automatic, c.excluded_other) == (3, 40, 0)
    assert (c.screened, c.screened_excluded, c.awaiting) == (20, 15, 0)
    assert (c.sought, c.not_retrieved, c.assessed, c.fulltext_awaiting) == (5, 1, 4, 0)
    assert c.excluded_reasons == (("wrong design", 1),)
    assert (c.new_studies, c.new_reports, c.previous_studies) == (3, 3, None)


def test_a_new_version_counts_only_new_records_and_keeps_the_previous_studies(tmp_path: Path) -> None:
    config, ids = screened_review(tmp_path, f"sqlite:///{tmp_path / 's.sqlite'}")
    summary = prisma(config, new_version=True)
    assert summary.frozen == 1 and summary.counts.previous_studies == 3
    assert summary.counts.identified == 0  # everything was final: nothing is left for version 2
    later = make_articles(5, first_pmid=20_000_000, start=date(2026, 1, 1), end=date(2026, 2, 1), seed=7)
    add_export(config, tmp_path, "embase-2.ris", [*later, RANKING_ARTICLES[2]])  # one re-found included study
    c = counts(config)
    assert c.databases == (("Embase", 6),) and c.duplicates == 1 and c.awaiting == 5
    assert (c.screened, c.new_studies, c.previous_studies, c.total_studies) == (0, 0, 3, 3)
    assert (config.output_dir / "prisma" / "PRISMA.csv").is_file()


def test_the_files_are_rewritten_only_when_a_count_changed(tmp_path: Path) -> None:
    config, ids = screened_review(tmp_path, f"sqlite:///{tmp_path / 's.sqlite'}")
    first = prisma(config)
    stamps = [p.stat().st_mtime_ns for p in first.files]
    again = prisma(config)
    assert (first.written, again.written) == (True, False) and again.counts == first.counts
    assert [p.stat().st_mtime_ns for p in again.files] == stamps and "counts unchanged" in again.format()
    add_export(config, tmp_path, "embase-late.ris", [RANKING_ARTICLES[7]])  # one more duplicate
    changed = prisma(config)
    assert changed.written and changed.counts.duplicates == first.counts.duplicates + 1
    assert '"duplicates": 4' in (config.output_dir / "prisma" / "prisma.json").read_text(encoding="utf-8")


def included(record_id: int, *members: int) -> Publication:
    done = StageStatus(StageState.INCLUDED, "include")
    return Publication(record_id, (record_id, *members), done, done)


def test_linked_reports_are_one_study_even_through_a_record_that_was_not_included() -> None:
    reports = [included(1, 11), included(2), included(3), included(4)]
    # 9 (a registration nobody included) is cited by 2 and 3; 4 is the preprint of 11 (a member of 1)
    links = [(9, 2), (9, 3), (11, 4)]
    assert new_studies(reports, (), links) == 2
    assert new_studies(reports, (), []) == 4
    assert new_studies(reports, (), [(9, 2)]) == 4  # one end only: still two studies of their own


def test_a_new_report_of_a_study_an_earlier_version_included_adds_no_study() -> None:
    assert new_studies([included(5), included(6)], (1,), [(1, 5)]) == 1
    assert new_studies([included(5)], (1,), [(1, 5)]) == 0
