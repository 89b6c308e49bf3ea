"""Every real export in shared/data/ris imports with exactly its record count, or fails precisely.

`counts.csv` (file, format, n_records) lists the files; SPOT_VALUES pins a DOI / title / author per
format so a mis-mapped field fails here, not in a reviewer's screening sheet.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path
from typing import Any

import pytest

from lreview.errors import InputError
from lreview.records import Record
from lreview.sources.loader import load_file

SHARED_DATA = Path(
    os.environ.get("LREVIEW_SHARED_DATA", Path(__file__).resolve().parents[2].parent / "shared" / "data")
)
RIS_DIR = SHARED_DATA / "ris"


def _rows() -> list[Any]:
    counts = RIS_DIR / "counts.csv"
    if not counts.is_file():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{counts} not found"), id="no-shared-data")]
    with counts.open(newline="", encoding="utf-8") as handle:
        return [pytest.param(row, id=row["file"]) for row in csv.DictReader(handle)]


@pytest.mark.parametrize("row", _rows())
def test_real_export_imports_every_record_or_fails_naming_the_file(row: dict[str, str]) -> None:
    path = RIS_DIR / row["file"]
    try:
        records = load_file(path)
    except InputError as exc:  # a refusal must name the file; then it still fails the count below
        assert str(path) in str(exc)
        raise
    assert len(records) == int(row["n_records"])
    assert all(r.source and r.source_id for r in records)
    assert sum(1 for r in records if r.title) >= 0.9 * len(records)


# (file, record index) -> expected field values
SPOT_VALUES: dict[tuple[str, int], dict[str, Any]] = {
    ("asreview/embase.ris", 0): {
        "source": "Embase",
        "source_id": "L373791783",
        "doi": "10.4103/2303-9027.138783",
        "title": "Duplication cysts: Diagnosis, management, and the role of endoscopic ultrasound",
        "authors": ("Liu R.", "Adler D.G."),
        "year": 2014,
        "pages": "152-160",
        "journal": "Endoscopic Ultrasound",
    },
    ("citesource/valid_data/WoS_79.ris", 0): {
        "source": "Web of Science",
        "doi": "10.1017/S071498081800017X",
        "title": "Marital Status and Problem Gambling among Older Adults: An Examination of Social Context "
        "and Social Motivations",
    },
    ("synthesisr/Scopus_ris_example.ris", 0): {
        "source": "Scopus",
        "doi": "10.1080/20964129.2020.1722034",
        "first_author": "Li, W.",
    },
    ("asreview/ris_issue_992.txt", 0): {
        "source_id": "rayyan-264552525",
        "title": "Overcoming Medication Reconciliation Challenges",
        "keywords_start": ("Health Facility Administration", "Joint Commission", "Standards"),
    },
    ("citesource/new_stage_data/Dimensions_246.ris", 0): {"pmid": "35957633", "source_id": "pub.1149029839"},
    ("citesource/new_stage_data/medline_84.ris", 0): {
        "source": "MEDLINE",
        "pmid": "39012781",
        "doi": "10.2337/dc24-0703",
        "first_author": "Zhang, Yiwen",
        "year": 2024,
    },
    ("citesource/working_example_data/Final.ris", 190): {"keywords_contain": "EROSION"},
    ("asreview/ovid_psycinfo.ris", 0): {"source_id": "2019-65183-001", "doi": "10.1002/cpp.2398"},
    ("biopython-medline/pubmed_result2.txt", 0): {
        "source": "PubMed",
        "pmid": "16403221",
        "doi": "10.1186/1471-2105-7-10",
        "first_author": "Casbon JA",
        "title_start": "A high level interface to SCOP and ASTRAL",
    },
    ("synthesisr/WoS_ciw_example.ciw", 0): {
        "source": "Web of Science",
        "source_id": "WOS:000514379300001",
        "doi": "10.1080/20964129.2020.1722034",
        "first_author": "Li, Wei",
    },
    ("metaknowledge/testFile.isi", 4): {"first_author": "Gilles, H"},
    ("asysd/mendeley_export.xml", 0): {
        "doi": "10.1111/jvim.16404",
        "title": "Myoclonus in older Cavalier King Charles Spaniels.",
        "first_author": "Rotter, Carina",
        "year": 2022,
    },
    ("metaknowledge/ProQuest_TestFile.testtxt", 6): {
        "source_id": "1560291450",
        "title": "Wallace's Line: Alfred Russel Wallace, biogeography, environment and scientific "
        "advancement",
        "first_author": "Matykiewicz, E. S.",
        "year": 2014,
    },
    ("ovid-embase-wos_expertsearch/Embase_citavi_r3001-3002.ovd", 0): {
        "source": "Embase",
        "source_id": "621381829",
        "doi": "10.1186/s12919-018-0099-8",
        "first_author": "Behan L.",
    },
}


@pytest.mark.parametrize(
    ("key", "expected"), list(SPOT_VALUES.items()), ids=[f"{f}@{i}" for f, i in SPOT_VALUES]
)
def test_real_export_spot_values_land_in_the_right_fields(
    key: tuple[str, int], expected: dict[str, Any]
) -> None:
    path = RIS_DIR / key[0]
    if not path.is_file():
        pytest.skip(f"{path} not found")
    record = load_file(path)[key[1]]
    for name, value in expected.items():
        if name == "first_author":
            assert record.authors[0] == value
        elif name == "title_start":
            assert record.title.startswith(value)
        elif name == "keywords_start":
            assert record.keywords[: len(value)] == value
        elif name == "keywords_contain":
            assert value in record.keywords
        else:
            assert getattr(record, name) == value, name


def _dedup_sets() -> list[Any]:
    folder = SHARED_DATA / "dedup" / "normalized"
    sets = sorted(
        p for p in folder.glob("*") if (p / "records.ris").is_file() and (p / "records.csv").is_file()
    )
    if not sets:
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"no dedup sets under {folder}"), id="none")]
    return [pytest.param(p, id=p.name) for p in sets]


def _comparable(record: Record) -> dict[str, object]:
    """The fields both formats carry, with layout-only differences (whitespace, author separators,
    "616" vs "616-616") taken out."""
    return {
        "source_id": record.source_id,
        "title": record.title,
        "authors": re.sub(r"\W", "", "".join(record.authors)),
        "year": record.year,
        "journal": record.journal,
        "volume": record.volume,
        "issue": record.issue,
        "first_page": re.split(r"[-–]", record.pages)[0],
        "doi": record.doi,
        "abstract": " ".join(record.abstract.split()),
    }


@pytest.mark.parametrize("folder", _dedup_sets())
def test_same_records_as_ris_and_csv_map_to_the_same_fields(folder: Path) -> None:
    from_ris = load_file(folder / "records.ris")
    from_csv = load_file(folder / "records.csv")
    assert len(from_ris) == len(from_csv)
    for a, b in zip(from_ris, from_csv, strict=True):
        assert _comparable(a) == _comparable(b)
