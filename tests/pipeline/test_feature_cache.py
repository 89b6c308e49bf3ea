"""The on-disk term counts: views that score as a fresh fit's, only new records read and counted, only
new segments written, and a cache of another model or layout, or a damaged one, counted afresh."""

from __future__ import annotations

import json
import stat
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from lreview.pipeline import feature_cache
from lreview.pipeline.feature_cache import cached_features
from lreview.rank.active import ActiveLearner, build_features, get_model
from lreview.records import Record

WORDS = ["naltrexone", "endometriosis", "pain", "trial", "placebo", "dose", "crohn", "statin", "infarction"]


def pool(n: int = 200, seed: int = 5) -> list[Record]:
    rng = np.random.default_rng(seed)
    words = [*WORDS, *(f"w{k}" for k in range(200))]
    return [
        Record(
            source="t",
            source_id=str(i),
            title=" ".join(rng.choice(words, 6)),
            abstract=" ".join(rng.choice(words, 30)),
            mesh=tuple(rng.choice(WORDS, 2)),
        )
        for i in range(n)
    ]


class Reader:
    """Records by position, noting which positions were asked for."""

    def __init__(self, records: Sequence[Record]) -> None:
        self.records, self.asked = records, []  # type: list[int]

    def __call__(self, positions: Sequence[int]) -> list[Record]:
        self.asked += list(positions)
        return [self.records[n] for n in positions]


def features(
    folder: Path, records: Sequence[Record], model: str = "lreview"
) -> tuple[tuple[object, ...], Reader]:
    read = Reader(records)
    views = cached_features(folder, get_model(model), [r.source_id + r.title for r in records], read)
    return views, read


def scores(views: tuple[object, ...], n: int) -> np.ndarray:
    labelled = np.arange(0, n, 5)
    labels = (labelled % 3 == 0).astype(np.int64)
    return ActiveLearner(views, get_model("lreview")).scores(labelled, labels, refit=True)  # type: ignore[arg-type]


def agree(views: tuple[object, ...], records: Sequence[Record]) -> bool:
    fresh = build_features(records, get_model("lreview"))
    same_shape = [v.shape for v in views] == [m.shape for m in fresh]  # type: ignore[attr-defined]
    return same_shape and abs(scores(views, len(records)) - scores(fresh, len(records))).max() < 1e-9


def written(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}


def test_counts_are_written_once_and_read_back_without_reading_a_record(tmp_path: Path) -> None:
    folder, records = tmp_path / "cache" / "features", pool()
    views, read = features(folder, records)
    assert read.asked == list(range(200)) and agree(views, records)
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o644 for p in folder.iterdir())
    before = written(folder)
    again, read = features(folder, records)
    assert read.asked == [] and written(folder) == before  # read, nothing rewritten
    assert np.array_equal(scores(again, 200), scores(views, 200))


def test_after_records_are_added_only_those_are_counted_and_one_segment_is_added(tmp_path: Path) -> None:
    folder, records = tmp_path / "features", pool()
    features(folder, records[:150])
    before = written(folder)
    later = records[:60] + records[70:200]  # ten re-clustered away, fifty added
    views, read = features(folder, later)
    assert read.asked == list(range(140, 190))  # the fifty records the counts did not have
    after = written(folder)
    kept = {name: t for name, t in before.items() if name != "manifest.json" and ".df." not in name}
    assert all(after.get(name) == t for name, t in kept.items())  # earlier segments untouched
    assert len(json.loads((folder / "manifest.json").read_text())["segments"]) == 2
    assert agree(views, later)


def test_unused_rows_beyond_a_fifth_are_dropped_in_one_rewritten_segment(tmp_path: Path) -> None:
    folder, records = tmp_path / "features", pool(300)
    features(folder, records[:200])
    later = records[70:300]  # seventy of 300 stored rows unused
    views, _ = features(folder, later)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert [s["rows"] for s in manifest["segments"]] == [230]
    names = {p.name.split(".")[0] for p in folder.iterdir()} - {"manifest"}
    assert names == {manifest["segments"][0]["name"]}  # the old segments' files are gone
    assert agree(views, later)
    again, read = features(folder, later)
    assert read.asked == [] and agree(again, later)


def test_too_many_segments_are_rewritten_as_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feature_cache, "MAX_SEGMENTS", 2)
    folder, records = tmp_path / "features", pool()
    for end in (120, 140):
        features(folder, records[:end])
    assert len(json.loads((folder / "manifest.json").read_text())["segments"]) == 2
    views, read = features(folder, records[:160])
    assert len(json.loads((folder / "manifest.json").read_text())["segments"]) == 1
    assert read.asked == list(range(140, 160)) and agree(views, records[:160])


def test_a_revised_record_is_counted_again(tmp_path: Path) -> None:
    folder, records = tmp_path / "features", pool()
    features(folder, records)
    revised = list(records)
    revised[3] = replace(revised[3], title="statin infarction cohort")
    views, read = features(folder, revised)
    assert read.asked == [3] and agree(views, revised)


def test_another_model_or_lreview_version_counts_afresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, records = tmp_path / "features", pool()
    features(folder, records)
    _, read = features(folder, records, model="elas_u4")
    assert read.asked == list(range(200))
    monkeypatch.setattr(feature_cache, "__version__", "0.0.0-other")
    views, read = features(folder, records)
    assert read.asked == list(range(200)) and agree(views, records)


def out_of_range(path: Path) -> None:
    numbers = np.load(path)
    numbers[5] = 10**8  # would read past the end of the weight vector
    np.save(path, numbers)


@pytest.mark.parametrize(
    "damage",
    [
        lambda folder: (folder / "manifest.json").write_text("{not json"),
        lambda folder: next(folder.glob("*.words.indices.npy")).write_bytes(b"\x93NUMPY garbage"),
        lambda folder: next(folder.glob("*.words.data.npy")).unlink(),
        lambda folder: out_of_range(next(folder.glob("*.words.indices.npy"))),
        lambda folder: np.save(next(folder.glob("*.terms.indices.npy")), np.full(3, -1, dtype=np.int64)),
    ],
    ids=["manifest", "array", "missing-file", "term-number-out-of-range", "wrong-type"],
)
def test_a_damaged_cache_is_counted_afresh(tmp_path: Path, damage: object) -> None:
    folder, records = tmp_path / "features", pool()
    features(folder, records)
    damage(folder)  # type: ignore[operator]
    views, read = features(folder, records)
    assert read.asked == list(range(200)) and agree(views, records)
    again, read = features(folder, records)
    assert read.asked == [] and agree(again, records)


def test_the_previous_layouts_cache_files_are_deleted(tmp_path: Path) -> None:
    folder, records = tmp_path / "features-lreview", pool()
    old = [tmp_path / "features-lreview.npz", tmp_path / "features-lreview.counts.npz"]
    for path in old:
        path.write_bytes(b"PK old layout")
    views, read = features(folder, records)
    assert not any(p.exists() for p in old) and agree(views, records)


def test_a_small_review_is_built_from_scratch_and_nothing_is_stored(tmp_path: Path) -> None:
    folder, records = tmp_path / "features", pool(30)
    views, read = features(folder, records)
    assert read.asked == list(range(30)) and not folder.exists()
    fresh = build_features(records, get_model("lreview"))
    assert all((v != m).nnz == 0 for v, m in zip(views, fresh, strict=True))  # type: ignore[attr-defined]
