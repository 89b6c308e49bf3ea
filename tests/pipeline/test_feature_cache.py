"""The on-disk feature cache: same matrices as a fresh build, rebuilt whenever the records change."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from lreview.pipeline.feature_cache import cached_features, content_key
from lreview.rank.active import build_features, get_model
from lreview.records import Record

TITLES = [
    "low-dose naltrexone for endometriosis pain",
    "naltrexone in Crohn disease",
    "statins after myocardial infarction",
    "dienogest versus leuprolide in endometriosis",
]


def records() -> list[Record]:
    return [
        Record(source="t", source_id=str(i), title=t, abstract=f"{t} trial", mesh=("Naltrexone",) * (i % 2))
        for i, t in enumerate(TITLES)
    ]


def same(a: tuple[sp.csr_matrix, ...], b: tuple[sp.csr_matrix, ...]) -> bool:
    return len(a) == len(b) and all(
        x.shape == y.shape and (x != y).nnz == 0 for x, y in zip(a, b, strict=True)
    )


def test_cached_views_equal_a_fresh_build_and_are_read_back(tmp_path: Path) -> None:
    config = get_model("lreview")
    path = tmp_path / "cache" / "features.npz"
    built = cached_features(path, records(), config)
    assert path.is_file() and same(built, build_features(records(), config))
    stamp = path.stat().st_mtime_ns
    again = cached_features(path, records(), config)
    assert same(again, built) and path.stat().st_mtime_ns == stamp  # read, not rewritten


def test_a_revised_record_or_another_model_changes_the_key(tmp_path: Path) -> None:
    base = content_key(records(), get_model("lreview"))
    revised = records()
    revised[2] = replace(revised[2], abstract="statins after stroke")
    assert content_key(revised, get_model("lreview")) != base
    assert content_key(records()[::-1], get_model("lreview")) != base
    assert content_key(records(), get_model("elas_u4")) != base
    path = tmp_path / "features.npz"
    cached_features(path, records(), get_model("lreview"))
    rebuilt = cached_features(path, revised, get_model("lreview"))
    assert same(rebuilt, build_features(revised, get_model("lreview")))


def test_a_damaged_cache_file_is_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "features.npz"
    path.write_bytes(b"not a zip file")
    views = cached_features(path, records(), get_model("lreview"))
    assert same(views, build_features(records(), get_model("lreview")))
    with np.load(path, allow_pickle=False) as data:
        assert str(data["key"]) == content_key(records(), get_model("lreview"))


def test_after_records_are_added_only_those_are_read_and_the_views_match_a_fresh_build(
    tmp_path: Path,
) -> None:
    config = get_model("lreview")
    path = tmp_path / "cache" / "features.npz"
    words = ["naltrexone", "endometriosis", "pain", "trial", "placebo"]
    words += ["dose", "crohn", "statin", "infarction", "cohort"]
    rng = np.random.default_rng(5)
    pool = [
        Record(
            source="t",
            source_id=str(i),
            title=" ".join(rng.choice(words, 6)),
            abstract=" ".join(rng.choice(words, 30)),
            mesh=tuple(rng.choice(words, 2)),
        )
        for i in range(160)
    ]
    first, later = pool[:120], pool[:60] + pool[70:160]  # ten re-clustered away, forty added
    asked: list[list[int]] = []

    def reader(chosen: list[Record]) -> Callable[[Sequence[int]], list[Record]]:
        def read(positions: Sequence[int]) -> list[Record]:
            asked.append(list(positions))
            return [chosen[n] for n in positions]

        return read

    cached_features(path, first, config, key="a", counts=([r.source_id for r in first], reader(first)))
    views = cached_features(
        path, later, config, key="b", counts=([r.source_id for r in later], reader(later))
    )
    assert asked[1] == list(range(110, 150))  # the forty records the counts did not have
    fresh = build_features(later, config)
    assert all(abs(x - y).max() < 1e-15 and x.shape == y.shape for x, y in zip(views, fresh, strict=True))
