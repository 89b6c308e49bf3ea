"""The `lreview simulate` contract on a synthetic CSV and on one small real dataset."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from lreview.errors import InputError
from lreview.pipeline.simulation import simulate_file

INCLUDED = "low-dose naltrexone for endometriosis pain: a randomised trial in women"
EXCLUDED = [
    "statins and coronary heart disease outcomes in older men",
    "deep learning for retinal image segmentation",
    "soil bacteria diversity across alpine meadows",
]


def _write_synthetic(path: Path, n: int = 60) -> list[str]:
    ids = []
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["record_id", "title", "abstract", "label_included", "mesh"])
        for i in range(n):
            included = i % 6 == 0
            title = f"{INCLUDED} {i}" if included else f"{EXCLUDED[i % 3]} {i}"
            abstract = "" if i % 7 == 0 else title + " study results."
            mesh = "Naltrexone; Endometriosis" if included else "Humans"
            writer.writerow([f"r{i}", title, abstract, int(included), mesh])
            ids.append(f"r{i}")
    return ids


def _read_order(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_simulation_screens_every_record_once_priors_first(tmp_path: Path) -> None:
    dataset = tmp_path / "synthetic.csv"
    ids = _write_synthetic(dataset)
    output = tmp_path / "order.csv"
    summary = simulate_file(dataset, output, ["r6"], ["r1"], seed=3)
    rows = _read_order(output)
    assert list(rows[0]) == ["record_id", "label_included", "stop_recommended"]
    assert [r["record_id"] for r in rows[:2]] == ["r6", "r1"]
    assert sorted(r["record_id"] for r in rows) == sorted(ids)
    flags = [int(r["stop_recommended"]) for r in rows]
    assert flags == sorted(flags)  # 0 until the rule fires, 1 from there on
    assert summary.n_records == 60 and summary.n_relevant == 10
    assert summary.wss95 > 0.5  # the includes share words no exclude has
    assert "WSS@95" in summary.format()


def test_record_ids_a_spreadsheet_would_run_are_written_as_text(tmp_path: Path) -> None:
    dataset = tmp_path / "synthetic.csv"
    ids = _write_synthetic(dataset, n=12)
    text = dataset.read_text(encoding="utf-8").replace("\nr6,", "\n@r6,").replace("\nr1,", "\n-r1,")
    dataset.write_text(text, encoding="utf-8")
    output = tmp_path / "order.csv"
    simulate_file(dataset, output, ["@r6"], ["-r1"], seed=3)
    written = [r["record_id"] for r in _read_order(output)]
    assert written[:2] == ["'@r6", "'-r1"] and len(written) == len(ids)
    assert not any(w.startswith(("=", "+", "-", "@")) for w in written)


def test_same_seed_gives_identical_output(tmp_path: Path) -> None:
    dataset = tmp_path / "synthetic.csv"
    _write_synthetic(dataset)
    outputs = [tmp_path / f"order{i}.csv" for i in range(2)]
    for output in outputs:
        simulate_file(dataset, output, ["r0"], ["r2"], seed=11)
    assert outputs[0].read_bytes() == outputs[1].read_bytes()


def test_unknown_prior_id_names_file_and_id(tmp_path: Path) -> None:
    dataset = tmp_path / "synthetic.csv"
    _write_synthetic(dataset)
    with pytest.raises(InputError, match=r"synthetic\.csv.*'nope'"):
        simulate_file(dataset, tmp_path / "o.csv", ["nope"], ["r1"], seed=1)


def test_prior_with_wrong_label_is_rejected(tmp_path: Path) -> None:
    dataset = tmp_path / "synthetic.csv"
    _write_synthetic(dataset)
    with pytest.raises(InputError, match="r1.*label_included=0"):
        simulate_file(dataset, tmp_path / "o.csv", ["r1"], ["r2"], seed=1)


def test_missing_column_is_named(tmp_path: Path) -> None:
    dataset = tmp_path / "bad.csv"
    dataset.write_text("record_id,title,label_included\nr1,t,1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.csv: missing column\(s\) abstract"):
        simulate_file(dataset, tmp_path / "o.csv", ["r1"], [], seed=1)


def test_bad_label_value_names_row_and_column(tmp_path: Path) -> None:
    dataset = tmp_path / "bad.csv"
    dataset.write_text("record_id,title,abstract,label_included\nr1,t,a,1\nr2,t,a,yes\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.csv: row 2: column label_included: 'yes'"):
        simulate_file(dataset, tmp_path / "o.csv", ["r1"], [], seed=1)


def test_real_dataset_beats_random_order_and_is_deterministic(shared_data: Path, tmp_path: Path) -> None:
    dataset = shared_data / "screening" / "normalized" / "Cohen_2006_Antihistamines.csv"
    if not dataset.is_file():
        pytest.skip(f"{dataset} not found")
    with dataset.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    included = next(r["record_id"] for r in rows if r["label_included"] == "1")
    excluded = next(r["record_id"] for r in rows if r["label_included"] == "0")
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    summary = simulate_file(dataset, first, [included], [excluded], seed=1)
    simulate_file(dataset, second, [included], [excluded], seed=1)
    order = _read_order(first)
    assert len(order) == len(rows) == 310
    assert len({r["record_id"] for r in order}) == 310
    assert [r["record_id"] for r in order[:2]] == [included, excluded]
    assert first.read_bytes() == second.read_bytes()
    # WSS@95 hinges on the last hard includes here (ASReview's ELAS u4 scores about 0 on it); the
    # normalised loss of the whole recall curve is the robust test (a random order scores about 0.5).
    assert summary.loss < 0.35
    assert summary.rrf10 > 0.1


def test_without_priors_screens_in_seeded_random_order_until_both_classes_seen(tmp_path: Path) -> None:
    dataset = tmp_path / "synthetic.csv"
    ids = _write_synthetic(dataset)
    output = tmp_path / "order.csv"
    simulate_file(dataset, output, [], [], seed=5)
    assert sorted(r["record_id"] for r in _read_order(output)) == sorted(ids)
