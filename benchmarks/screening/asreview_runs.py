"""Screening order of ASReview's ELAS u4 model on one benchmark CSV: the baseline lreview is compared with.

Run with the ASReview venv made by setup_asreview.sh, never with lreview's own venv:

    benchmarks/.venvs/asreview/bin/python benchmarks/screening/asreview_runs.py \
        --dataset PATH.csv --output ORDER.csv --prior-included ID --prior-excluded ID --seed 1

It does what `asreview simulate PATH.csv --ai elas_u4 --prior-record-id ... --seed N --n-stop -1` does
(asreview/simulation/cli.py), through ASReview's Python API so that the priors can be given as the CSV's
own `record_id` values: ASReview ignores an input `record_id` column and numbers records by row.
Writes `record_id,label_included` in screening order (priors first, in the order given), then prints
`wall_seconds=<float>` as the last stdout line: the simulation only (TF-IDF fit plus every train/rank
step), without interpreter start-up, imports or loading the CSV into ASReview's in-memory store. The
line before it also gives the simulation's CPU seconds, a steadier figure on a shared machine.
It is not for computing metrics: compare.py reads ORDER.csv and does that.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

MODEL = "elas_u4"


class RunError(Exception):
    """A problem with the inputs, reported in one line on stderr."""


def read_ids_and_labels(dataset: Path) -> tuple[list[str], list[int]]:
    """Record ids and 0/1 labels of the benchmark CSV, in file order."""
    ids: list[str] = []
    labels: list[int] = []
    with dataset.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {"record_id", "title", "abstract", "label_included"} - set(reader.fieldnames or [])
        if missing:
            raise RunError(f"{dataset}: missing column(s) {', '.join(sorted(missing))}")
        for line_no, row in enumerate(reader, start=2):
            label = row["label_included"].strip()
            if label not in ("0", "1"):
                raise RunError(f"{dataset}: line {line_no}: label_included {label!r} is not 0/1")
            ids.append(row["record_id"])
            labels.append(int(label))
    if len(set(ids)) != len(ids):
        raise RunError(f"{dataset}: record_id values are not unique")
    return ids, labels


def prior_rows(
    dataset: Path, ids: Sequence[str], labels: Sequence[int], included: Sequence[str], excluded: Sequence[str]
) -> list[int]:
    """0-based rows of the priors (included ones first), checked against their labels."""
    row_of = {record_id: row for row, record_id in enumerate(ids)}
    rows: list[int] = []
    for wanted, record_ids in ((1, included), (0, excluded)):
        for given in record_ids:
            record_id = given.strip()  # ids pasted from a CRLF file keep their "\r"
            if record_id not in row_of:
                raise RunError(f"{dataset}: prior record_id {record_id} not found")
            row = row_of[record_id]
            if labels[row] != wanted:
                kind = "--prior-included" if wanted else "--prior-excluded"
                raise RunError(f"{dataset}: {kind} record_id {record_id} has label_included {labels[row]}")
            if row in rows:
                raise RunError(f"{dataset}: prior record_id {record_id} given twice")
            rows.append(row)
    return rows


def simulate(
    dataset: Path, expected_labels: Sequence[int], priors: Sequence[int], seed: int, n_stop: int
) -> tuple[list[int], float, float]:
    """ASReview rows (0-based, file order) in ELAS u4's screening order; wall and CPU seconds it took."""
    from asreview import load_dataset
    from asreview.learner import ActiveLearningCycle
    from asreview.models.models import get_ai_config
    from asreview.models.queriers import TopDown
    from asreview.models.stoppers import IsFittable, NLabeled
    from asreview.simulation.simulate import Simulate

    with load_dataset(dataset, dataset_id=dataset.name) as db:
        frame = db.input.get_df()
        labels = db.input["included"]
    # get_df() is ordered by ASReview's record_id; dataset_row is the 0-based row in the file.
    if list(frame["dataset_row"]) != list(range(len(frame))):
        raise RunError(f"{dataset}: ASReview did not keep the file's row order")
    if [int(label) for label in labels] != list(expected_labels):
        raise RunError(f"{dataset}: ASReview read label_included differently from the file")

    # Same set-up as `asreview simulate`: the CLI seeds numpy's global generator (LinearSVC's
    # random_state=None draws from it), labels the priors, then runs a top-down cycle until the model
    # can be fitted (a no-op when the priors hold both classes) followed by the model's own cycle.
    np.random.seed(seed)
    cycles = [
        ActiveLearningCycle(querier=TopDown(), stopper=IsFittable()),
        ActiveLearningCycle.from_meta(get_ai_config(MODEL)["value"]),
    ]
    started, cpu_started = time.perf_counter(), time.process_time()
    sim = Simulate(frame, labels, cycles, stopper=NLabeled(n_stop), print_progress=False)
    sim.label(list(priors))
    sim.review()
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    # Simulate keeps the labelling log in _results (it is what Simulate.to_sql writes to a project);
    # its record_id column is the 0-based row of `frame`.
    return [int(row) for row in sim._results["record_id"]], seconds, cpu_seconds


def write_order(output: Path, ids: Sequence[str], labels: Sequence[int], order: Sequence[int]) -> None:
    """ORDER.csv: record_id,label_included in screening order."""
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["record_id", "label_included"])
        for row in order:
            writer.writerow([ids[row], labels[row]])


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--dataset", type=Path, required=True, help="benchmark CSV (record_id,title,...)")
    parser.add_argument("--output", type=Path, required=True, help="ORDER.csv to write")
    parser.add_argument("--prior-included", nargs="+", required=True, metavar="ID", help="record_ids")
    parser.add_argument("--prior-excluded", nargs="+", required=True, metavar="ID", help="record_ids")
    parser.add_argument("--seed", type=int, required=True, help="seeds numpy's global generator")
    parser.add_argument(
        "--n-stop", type=int, default=-1, help="stop after this many labels in all (-1: label every record)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if not args.dataset.is_file():
            raise RunError(f"{args.dataset}: no such file")
        if args.n_stop == 0 or args.n_stop < -1:
            raise RunError(f"--n-stop {args.n_stop}: must be -1 or a positive number of labels")
        ids, labels = read_ids_and_labels(args.dataset)
        priors = prior_rows(args.dataset, ids, labels, args.prior_included, args.prior_excluded)
        order, seconds, cpu_seconds = simulate(args.dataset, labels, priors, args.seed, args.n_stop)
        if len(order) != len(set(order)) or order[: len(priors)] != priors:
            raise RunError(f"{args.dataset}: ASReview's log is not a permutation starting with the priors")
        if args.n_stop == -1 and len(order) != len(ids):
            raise RunError(f"{args.dataset}: ASReview labelled {len(order)} of {len(ids)} records")
        write_order(args.output, ids, labels, order)
    except (RunError, OSError, ValueError) as error:
        print(f"asreview_runs.py: {error}", file=sys.stderr)
        return 1
    print(f"model={MODEL} records={len(order)} seed={args.seed} cpu_seconds={cpu_seconds:.3f}")
    print(f"wall_seconds={seconds:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
