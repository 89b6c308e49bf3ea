"""dedupe_files: the `lreview dedupe` output contract (record_id,cluster_id; one row per input record)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from lreview.pipeline.dedupe_files import dedupe_files
from lreview.pipeline.tables import cell

CSV_HEADER = "record_id,title,authors,year,journal,volume,issue,pages,doi,abstract,isbn,pmid\n"
CSV_ROWS = [
    "r7,Intestinal lipoprotein overproduction in insulin-resistant states,Adeli K.Lewis G. F.,2008,"
    "Curr Opin Lipidol,19,3,221-8,10.1097/MOL.0b013e3282ffaf82,,,\n",
    "r2,Low-dose naltrexone for endometriosis pain,Smith J.Jones A.,2020,Hum Reprod,35,,100-110,,,,\n",
    'r9,"Intestinal lipoprotein overproduction in insulin-resistant states.","Adeli, K.; Lewis, G. F.",2008,'
    "Current opinion in lipidology,19,3,221-228,https://doi.org/10.1097/mol.0b013e3282ffaf82,,,\n",
]
RIS = """TY  - JOUR
TI  - Intestinal lipoprotein overproduction in insulin-resistant states
AU  - Adeli, K.
AU  - Lewis, G. F.
PY  - 2008
T2  - Curr Opin Lipidol
VL  - 19
SP  - 221
EP  - 8
DO  - 10.1097/MOL.0b013e3282ffaf82
ER  -

TY  - JOUR
TI  - Low-dose naltrexone for endometriosis pain
AU  - Smith, J.
PY  - 2020
T2  - Hum Reprod
VL  - 35
SP  - 100
EP  - 110
ER  -

""".replace("ER  -\n", "ER  - \n")


def read_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_csv_input_keeps_record_ids_in_input_order(tmp_path: Path) -> None:
    source = tmp_path / "records.csv"
    source.write_text(CSV_HEADER + "".join(CSV_ROWS), encoding="utf-8")
    output = tmp_path / "clusters.csv"
    summary = dedupe_files([source], output)
    rows = read_rows(output)
    assert rows[0] == ["record_id", "cluster_id"]
    assert [r[0] for r in rows[1:]] == ["r7", "r2", "r9"]
    assert rows[1][1] == rows[3][1] != rows[2][1]
    assert (summary.records, summary.clusters, summary.duplicates_removed) == (3, 2, 1)


def test_ris_input_is_named_by_file_and_position(tmp_path: Path) -> None:
    ris = tmp_path / "embase.ris"
    ris.write_text(RIS, encoding="utf-8")
    source = tmp_path / "pubmed.csv"
    source.write_text(CSV_HEADER + CSV_ROWS[2], encoding="utf-8")
    output = tmp_path / "clusters.csv"
    dedupe_files([ris, source], output)
    rows = read_rows(output)
    assert [r[0] for r in rows[1:]] == ["embase.ris:1", "embase.ris:2", "r9"]
    assert rows[1][1] == rows[3][1] != rows[2][1]


def test_benchmark_set_keeps_every_record_and_merges_nothing_wrongly(
    shared_data: Path, tmp_path: Path
) -> None:
    folder = shared_data / "dedup" / "normalized" / "stroke"
    if not folder.is_dir():
        pytest.skip(f"{folder} not found")
    output = tmp_path / "clusters.csv"
    dedupe_files([folder / "records.csv"], output)
    predicted = {r[0]: r[1] for r in read_rows(output)[1:]}
    gold = {r[0]: r[1] for r in read_rows(folder / "gold.csv")[1:]}
    assert predicted.keys() == gold.keys()
    golds_per_cluster: dict[str, set[str]] = {}
    for record_id, cluster in predicted.items():
        golds_per_cluster.setdefault(cluster, set()).add(gold[record_id])
    assert all(len(g) == 1 for g in golds_per_cluster.values())


def test_cli_related_option_chooses_link_or_merge_for_a_preprint(tmp_path: Path) -> None:
    from lreview.cli import main
    from tests.support.review_builders import PREPRINT_AND_ARTICLE

    ris = tmp_path / "both.ris"
    ris.write_text(PREPRINT_AND_ARTICLE, encoding="utf-8")
    clusters = {}
    for related in ("related", "merge"):
        output = tmp_path / f"{related}.csv"
        assert main(["dedupe", str(ris), "--output", str(output), "--related", related]) == 0
        clusters[related] = {row[1] for row in read_rows(output)[1:]}
    assert (len(clusters["related"]), len(clusters["merge"])) == (2, 1)


def test_record_ids_a_spreadsheet_would_run_are_written_as_text(tmp_path: Path) -> None:
    source = tmp_path / "records.csv"
    hostile = [row.replace("r7,", '"=HYPERLINK(""http://evil"",""x"")",', 1) for row in CSV_ROWS]
    source.write_text(CSV_HEADER + "".join(hostile).replace("r2,", "-2+3,", 1), encoding="utf-8")
    output = tmp_path / "clusters.csv"
    dedupe_files([source], output)
    rows = read_rows(output)
    assert [r[0] for r in rows[1:]] == ['\'=HYPERLINK("http://evil","x")', "'-2+3", "r9"]
    assert [cell(r[0]) for r in rows[1:]] == ['=HYPERLINK("http://evil","x")', "-2+3", "r9"]
    assert rows[1][1] == rows[3][1] != rows[2][1]
