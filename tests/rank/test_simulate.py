"""`simulate` on a dataset held in memory: plain records and labels in, a screening order out."""

from __future__ import annotations

import numpy as np
import pytest

from lreview.errors import InputError
from lreview.rank.simulate import Dataset, prior_indices, simulate
from lreview.records import Record

INCLUDED = "low-dose naltrexone for endometriosis pain: a randomised trial in women"
EXCLUDED = ["statins and coronary heart disease in older men", "soil bacteria across alpine meadows"]


def dataset(n: int = 30) -> Dataset:
    labels = [int(i % 5 == 0) for i in range(n)]
    titles = [f"{INCLUDED} {i}" if label else f"{EXCLUDED[i % 2]} {i}" for i, label in enumerate(labels)]
    records = tuple(Record(source="test", source_id=f"r{i}", title=t) for i, t in enumerate(titles))
    return Dataset("memory", tuple(f"r{i}" for i in range(n)), records, np.asarray(labels, dtype=np.int64))


def test_every_record_is_screened_once_priors_first_and_includes_come_early() -> None:
    data = dataset()
    result = simulate(data, prior_indices(data, ["r5"], 1, "included"), [1], seed=2)
    assert list(result.order[:2]) == [5, 1]
    assert sorted(result.order.tolist()) == list(range(30))
    assert result.labels[:8].sum() == 6  # the six includes share words no exclude has
    assert result.labels.tolist() == data.labels[result.order].tolist()


def test_a_prior_with_the_other_label_is_refused_naming_the_dataset() -> None:
    with pytest.raises(InputError, match=r"memory: prior included id 'r1' has label_included=0"):
        prior_indices(dataset(), ["r1"], 1, "included")
