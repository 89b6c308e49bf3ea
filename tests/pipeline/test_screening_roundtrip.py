"""The reviewers' round trip: emitted workbooks filled in with openpyxl (re-sorted, filtered, partly
screened, corrected later), dual screening by ann and bob, conflicts settled by the arbiter cat, full
text with reasons, and every error case; no decision lost, duplicated or misattributed."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from lreview import pipeline
from lreview.config import ReviewConfig
from lreview.decisions import ARBITER, FULL_TEXT, REVIEWER, TITLE_ABSTRACT
from lreview.errors import InputError
from lreview.screening.states import Lifecycle
from lreview.store import Store
from tests.support.libreoffice import convert, soffice
from tests.support.screening_builders import current_workbooks, fill, imported_review, meta, sheet_rows


def ids_of(path: Path) -> list[int]:
    return [int(r["record_id"]) for r in sheet_rows(path)]


def log(config: ReviewConfig) -> list:  # type: ignore[type-arg]
    with Store.open(config.database_url) as store:
        return store.decisions(config.review_id)


def states(config: ReviewConfig):  # type: ignore[no-untyped-def]
    with Store.open(config.database_url) as store:
        return pipeline.review_states(config, store)


def refused(config: ReviewConfig, path: Path, *needles: str) -> None:
    """The file is refused with one line naming it and the problem, and nothing is logged."""
    before = len(log(config))
    with pytest.raises(InputError) as caught:
        pipeline.ingest_decisions(config, path)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message
    for needle in needles:
        assert needle in message
    assert len(log(config)) == before


@pytest.mark.postgres
def test_dual_screening_round_trip_loses_duplicates_and_misattributes_nothing(
    tmp_path: Path, store_url: str
) -> None:
    config = imported_review(tmp_path, store_url)
    pipeline.rank(config)
    books = current_workbooks(config)
    ann, bob = books[("ann", "TA", "screen")], books[("bob", "TA", "screen")]
    first = ids_of(ann)
    assert len(first) == 10 and sorted(first) == sorted(ids_of(bob))  # dual: both see the same records
    assert meta(ann)["reviewer"] == "ann" and meta(ann)["stage"] == "title_abstract"
    assert not any(r["decision"] for r in sheet_rows(bob))  # blinded: nobody's decisions are shown

    # ann screens six of ten (the rest stay blank), re-sorted and filtered; bob screens all ten
    a = {rid: ("exclude", "wrong population") for rid in first[:4]} | {
        rid: ("Include ", "") for rid in first[4:6]
    }
    b = {rid: ("exclude", "") for rid in first[:3]} | {first[3]: ("include", "")}
    b |= {first[4]: ("maybe", "", "check the dose"), first[5]: ("EXCLUDE", "wrong design")}
    b |= {rid: ("exclude", "") for rid in first[6:]}
    ann_file = fill(ann, tmp_path / "back" / "ann-1.xlsx", a)
    bob_file = fill(bob, tmp_path / "back" / "bob-1.xlsx", b, delete=())
    assert pipeline.ingest_decisions(config, ann_file).appended == 6
    assert pipeline.ingest_decisions(config, ann_file).appended == 0  # the same file twice appends nothing
    assert pipeline.ingest_decisions(config, bob_file).appended == 10
    s = {p.record_id: p.lifecycle for p in states(config).publications}
    assert [s[r] for r in first[:3]] == [Lifecycle.EXCLUDED] * 3
    assert s[first[3]] == s[first[5]] == Lifecycle.IN_CONFLICT  # exclude vs include; include vs exclude
    assert s[first[4]] == Lifecycle.FULLTEXT_SOUGHT  # include + maybe: both "not excluded"
    assert [s[r] for r in first[6:]] == [Lifecycle.SCREENED_ONCE] * 4  # ann has not decided them yet

    pipeline.rank(config)
    books = current_workbooks(config)
    ann2, bob2 = ids_of(books[("ann", "TA", "screen")]), ids_of(books[("bob", "TA", "screen")])
    assert set(first[6:]) <= set(ann2)  # ann's unreturned records are carried into her next workbook
    assert not set(first) & set(bob2)  # nothing bob decided is issued to him again
    assert sorted(ids_of(books[("cat", "TA", "conflicts")])) == sorted([first[3], first[5]])
    assert len(list((config.output_dir / "screening" / "archive").glob("*.xlsx"))) == 2  # replaced ones
    conflict_rows = {int(r["record_id"]): r for r in sheet_rows(books[("cat", "TA", "conflicts")])}
    assert conflict_rows[first[3]]["ann decision"] == "exclude"
    assert conflict_rows[first[3]]["bob decision"] == "include"

    # ann corrects an earlier decision in her copy of the old workbook: her later word supersedes it
    corrected = fill(ann_file, tmp_path / "back" / "ann-1b.xlsx", {**a, first[0]: ("include", "")})
    assert pipeline.ingest_decisions(config, corrected).appended == 1  # only the correction is new
    assert states(config).by_record()[first[0]].lifecycle == Lifecycle.IN_CONFLICT
    pipeline.rank(config)
    cat = current_workbooks(config)[("cat", "TA", "conflicts")]
    assert sorted(ids_of(cat)) == sorted([first[0], first[3], first[5]])
    settled = {
        first[0]: ("exclude", "wrong population"),
        first[3]: ("include", ""),
        first[5]: ("exclude", ""),
    }
    assert pipeline.ingest_decisions(config, fill(cat, tmp_path / "back" / "cat.xlsx", settled)).appended == 3
    s = {p.record_id: p.lifecycle for p in states(config).publications}
    assert (s[first[0]], s[first[3]], s[first[5]]) == (
        Lifecycle.EXCLUDED,
        Lifecycle.FULLTEXT_SOUGHT,
        Lifecycle.EXCLUDED,
    )

    # both finish their title/abstract workbooks; full text goes to both (dual), reasons required
    for who in ("ann", "bob"):
        book = current_workbooks(config)[(who, "TA", "screen")]
        answers = {rid: ("include" if i % 4 == 0 else "exclude", "") for i, rid in enumerate(ids_of(book))}
        pipeline.ingest_decisions(config, fill(book, tmp_path / "back" / f"{who}-2.xlsx", answers))
    pipeline.rank(config)
    books = current_workbooks(config)
    ft_ann, ft_bob = books[("ann", "FT", "screen")], books[("bob", "FT", "screen")]
    passed = {p.record_id for p in states(config).publications if p.title_abstract.passed}
    assert set(ids_of(ft_ann)) <= passed and set(ids_of(ft_bob)) <= passed
    assert meta(ft_ann)["stage"] == "full_text"
    ft_ids = ids_of(ft_ann)
    refused(
        config,
        fill(ft_ann, tmp_path / "e" / "ft-noreason.xlsx", {ft_ids[0]: ("exclude", "")}),
        "needs a reason",
    )
    fa = {rid: ("include", "") for rid in ft_ids} | {ft_ids[0]: ("exclude", "wrong outcome")}
    fa |= {ft_ids[1]: ("not retrieved", "")}
    fb = {rid: ("include", "") for rid in ft_ids} | {ft_ids[0]: ("exclude", "wrong design")}
    fb |= {ft_ids[1]: ("not_retrieved", "")}
    pipeline.ingest_decisions(config, fill(ft_ann, tmp_path / "back" / "ft-ann.xlsx", fa))
    pipeline.ingest_decisions(config, fill(ft_bob, tmp_path / "back" / "ft-bob.xlsx", fb, resort=False))
    s = states(config).by_record()
    assert s[ft_ids[0]].lifecycle == Lifecycle.FULLTEXT_IN_CONFLICT  # exclude, but for other reasons
    assert s[ft_ids[1]].lifecycle == Lifecycle.NOT_RETRIEVED
    assert all(s[r].lifecycle == Lifecycle.INCLUDED for r in ft_ids[2:])
    pipeline.rank(config)
    ft_cat = current_workbooks(config)[("cat", "FT", "conflicts")]
    pipeline.ingest_decisions(
        config, fill(ft_cat, tmp_path / "back" / "ft-cat.xlsx", {ft_ids[0]: ("exclude", "Wrong Outcome")})
    )
    final = states(config).by_record()[ft_ids[0]]
    assert final.lifecycle == Lifecycle.FULLTEXT_EXCLUDED
    assert final.full_text is not None and final.full_text.reason == "wrong outcome"

    # the log: every decision once, by the reviewer whose batch it came from; counts add up
    entries = log(config)
    with Store.open(config.database_url) as store:
        batches = {b.id: b for b in store.batches(config.review_id)}
    for d in entries:
        batch = batches[d.batch_id]
        assert batch.stage == d.stage and (d.reviewer == batch.reviewer)
        assert d.role == (ARBITER if batch.kind == "conflicts" else REVIEWER)
        assert d.record_id in batch.record_ids
    keys = Counter((d.record_id, d.stage, d.reviewer, d.decision, d.reason) for d in entries)
    assert max(keys.values()) == 1  # nothing logged twice
    counts = states(config).counts()
    with Store.open(config.database_url) as store:
        assert sum(counts.values()) == store.count_records(config.review_id)
    assert {d.stage for d in entries} == {TITLE_ABSTRACT, FULL_TEXT}

    # agreement: over exactly the publications both reviewers decided, the share that agreed
    both = [p.title_abstract for p in states(config).publications if len(p.title_abstract.current) == 2]
    agreed = sum(len({d.decision == "exclude" for d in st.current.values()}) == 1 for st in both)
    report = pipeline.status(config)
    overall = next(r for r in report.agreement if r["batch"] == "title_abstract overall")
    assert overall["n"] == len(both) and overall["agreement_pct"] == f"{100 * agreed / len(both):.1f}"
    assert (config.output_dir / "screening" / "agreement.csv").read_text().startswith("batch,n,agreement_pct")
    assert report.lifecycle["included"] == len(ft_ids) - 2 and "reviewer agreement" in report.format()

    # exports: the included studies as RIS for a reference manager, the whole log as CSV
    from lreview.pipeline.export import export

    export(config, "included", "ris", tmp_path / "x" / "included.ris")
    ris = (tmp_path / "x" / "included.ris").read_text(encoding="utf-8")
    assert ris.count("ER  -") == len(ft_ids) - 2 and "N1  - " in ris
    export(config, "decisions", "csv", tmp_path / "x" / "log.csv")
    logged = pd.read_csv(tmp_path / "x" / "log.csv", keep_default_na=False)
    assert len(logged) == len(entries) and set(logged["reviewer"]) == {"ann", "bob", "cat"}


def test_every_bad_returned_workbook_is_refused_whole_with_the_cell_named(tmp_path: Path) -> None:
    config = imported_review(tmp_path, f"sqlite:///{tmp_path / 's.sqlite'}")
    pipeline.rank(config)
    books = current_workbooks(config)
    ann, bob = books[("ann", "TA", "screen")], books[("bob", "TA", "screen")]
    ids = ids_of(ann)
    ok = {ids[0]: ("include", "")}
    refused(
        config,
        fill(ann, tmp_path / "e" / "typo.xlsx", {**ok, ids[1]: ("inclde", "")}, resort=False),
        "Screen!B",
        "'inclde' is not include/exclude/maybe",
    )
    refused(
        config,
        fill(ann, tmp_path / "e" / "inc-reason.xlsx", {ids[1]: ("include", "wrong design")}),
        "Screen!C",
        "reasons are for exclude",
    )
    refused(
        config,
        fill(ann, tmp_path / "e" / "reason.xlsx", {ids[1]: ("exclude", "too old")}),
        "is not one of the review's exclusion reasons",
    )
    twice = fill(
        ann,
        tmp_path / "e" / "twice.xlsx",
        {ids[0]: ("include", "")},
        extra_rows=((ids[0], "exclude"),),
        resort=False,
    )
    refused(config, twice, "two decisions", "Screen!B2", "Screen!B12")
    others = [p.record_id for p in states(config).publications if p.record_id not in ids]
    refused(
        config,
        fill(ann, tmp_path / "e" / "foreign.xlsx", ok, extra_rows=((others[0], "include"),)),
        f"record_id {others[0]} was not issued",
    )
    refused(
        config,
        fill(ann, tmp_path / "e" / "review.xlsx", ok, meta_changes={"review": "other"}),
        "a workbook of review 'other'",
    )
    refused(
        config,
        fill(ann, tmp_path / "e" / "who.xlsx", ok, meta_changes={"reviewer": "bob"}),
        "issued as screen title_abstract for 'ann'",
    )
    refused(
        config,
        fill(bob, tmp_path / "e" / "batch.xlsx", ok, meta_changes={"batch": "999"}),
        "batch 999 was never issued",
    )
    # full-text decisions only for publications that passed title/abstract (CSV path)
    csv_path = tmp_path / "e" / "ft.csv"
    csv_path.write_text(
        f"record_id,decision,reviewer,reason\n{ids[0]},exclude,ann,wrong design\n", encoding="utf-8"
    )
    with pytest.raises(InputError, match="has not passed title/abstract"):
        pipeline.ingest_decisions(config, csv_path, stage=FULL_TEXT)
    assert log(config) == []


def test_csv_decisions_keep_working_and_blank_rows_leave_records_unscreened(tmp_path: Path) -> None:
    config = imported_review(tmp_path, f"sqlite:///{tmp_path / 's.sqlite'}", mode="single")
    ids = [p.record_id for p in states(config).publications][:4]
    rows = f"{ids[0]},include,ann,\n{ids[1]},,ann,\n{ids[2]},Exclude,bob,wrong design\n{ids[3]},,,\n"
    path = tmp_path / "d.csv"
    path.write_text("record_id,decision,reviewer,reason\n" + rows, encoding="utf-8")
    assert pipeline.ingest_decisions(config, path).appended == 2
    s = states(config).by_record()
    assert [s[r].lifecycle for r in ids] == [
        Lifecycle.FULLTEXT_SOUGHT,
        Lifecycle.AWAITING_SCREENING,
        Lifecycle.EXCLUDED,
        Lifecycle.AWAITING_SCREENING,
    ]


def test_the_stopping_rule_is_never_counted_as_human_screening(tmp_path: Path) -> None:
    config = imported_review(tmp_path, f"sqlite:///{tmp_path / 's.sqlite'}", mode="single")
    ids = [p.record_id for p in states(config).publications]
    path = tmp_path / "d.csv"
    body = "".join(f"{rid},{'include' if i < 3 else 'exclude'},ann\n" for i, rid in enumerate(ids[:12]))
    path.write_text("record_id,decision,reviewer\n" + body, encoding="utf-8")
    pipeline.ingest_decisions(config, path)
    _, excluded = pipeline.apply_stopping_rule(config, force=True)
    assert excluded == len(ids) - 12
    summary = pipeline.rank(config)
    assert summary.screened == 12 and summary.publications == len(ids)
    assert "12 of 60 publications decided" in summary.format()
    counts = states(config).counts()
    assert counts[Lifecycle.AUTO_EXCLUDED] == len(ids) - 12
    assert all(
        not w.items
        for w in (summary.workbooks.workbooks if summary.workbooks else ())
        if w.stage == TITLE_ABSTRACT
    )


def test_files_dropped_in_the_inbox_are_ingested_once_and_bad_ones_set_aside(tmp_path: Path) -> None:
    config = imported_review(tmp_path, f"sqlite:///{tmp_path / 's.sqlite'}")
    pipeline.rank(config)
    books = current_workbooks(config)
    inbox = config.output_dir / "screening" / "inbox"
    assert inbox.is_dir() and not any(inbox.iterdir())  # there for reviewers to save into
    ids = ids_of(books[("ann", "TA", "screen")])
    fill(
        books[("ann", "TA", "screen")], inbox / "ann.xlsx", {ids[0]: ("include", ""), ids[1]: ("exclude", "")}
    )
    fill(books[("bob", "TA", "screen")], inbox / "bob.xlsx", {ids[0]: ("inclde", "")})
    (inbox / "notes.txt").write_text("not a screening file", encoding="utf-8")
    results = {r.path.name: r for r in pipeline.ingest_inbox(config)}
    assert results["ann.xlsx"].summary is not None and results["ann.xlsx"].summary.appended == 2
    assert (
        results["bob.xlsx"].error is not None
        and "'inclde' is not include/exclude/maybe" in results["bob.xlsx"].error
    )
    assert (inbox / "done" / "ann.xlsx").is_file() and (inbox / "refused" / "bob.xlsx").is_file()
    assert "inclde" in (inbox / "refused" / "bob.xlsx.error.txt").read_text(encoding="utf-8")
    assert (inbox / "notes.txt").is_file() and pipeline.ingest_inbox(config) == []
    assert len(log(config)) == 2


@pytest.mark.slow
def test_a_workbook_saved_by_libreoffice_is_ingested_with_every_decision(tmp_path: Path) -> None:
    binary = soffice()
    config = imported_review(tmp_path, f"sqlite:///{tmp_path / 's.sqlite'}")
    pipeline.rank(config)
    ann = current_workbooks(config)[("ann", "TA", "screen")]
    ids = ids_of(ann)
    answers = {
        rid: ("Include", "") if i % 3 == 0 else (" exclude ", "wrong design") for i, rid in enumerate(ids[:7])
    }
    filled = fill(ann, tmp_path / "filled" / "ann.xlsx", answers)
    saved = convert(binary, filled, tmp_path / "libreoffice")
    assert pipeline.ingest_decisions(config, saved).appended == 7
    logged = {(d.record_id, d.decision, d.reason, d.reviewer, d.batch_id) for d in log(config)}
    batch = int(meta(ann)["batch"])
    assert logged == {
        (rid, "include" if i % 3 == 0 else "exclude", "" if i % 3 == 0 else "wrong design", "ann", batch)
        for i, rid in enumerate(ids[:7])
    }
