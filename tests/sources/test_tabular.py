"""CSV/TSV importer: column mapping, delimiters, ragged rows, cells."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from lreview.errors import InputError
from lreview.sources.encoding import decode
from lreview.sources.tabular import parse_csv


def test_csv_maps_common_scopus_style_columns() -> None:
    text = (
        "Authors,Title,Year,Source title,Volume,Issue,Page start,Page end,DOI,Author Keywords,EID,Extra col\n"
        'Smith J.; Doe A.,"A title, with comma",2020,Lancet,12,3,100,110,10.1000/abc,'
        "stroke; aspirin,2-s2.0-1,x\n"
    )
    (record,) = parse_csv(text, "scopus.csv")
    assert record.authors == ("Smith J.", "Doe A.")
    assert record.title == "A title, with comma"
    assert record.year == 2020
    assert (record.journal, record.volume, record.issue, record.pages) == ("Lancet", "12", "3", "100-110")
    assert record.doi == "10.1000/abc"
    assert record.keywords == ("stroke", "aspirin")
    assert record.source_id == "2-s2.0-1"
    assert record.source == "scopus"
    assert record.extra == (("Extra col", "x"),)


def test_tsv_and_lowercase_headers_are_recognised() -> None:
    text = "record_id\ttitle\tabstract\tpmid\tauthors\n7\tT\tAbs\t123\tSmith J, Doe AB\n"
    (record,) = parse_csv(text, "asreview.tsv", source="PubMed")
    assert (record.source, record.source_id, record.pmid) == ("PubMed", "7", "123")
    assert (record.title, record.abstract) == ("T", "Abs")
    assert record.authors == ("Smith J", "Doe AB")


def test_csv_without_id_column_numbers_rows_by_position_and_skips_blank_rows() -> None:
    text = "Title,Abstract\na,x\n,\nb,y\n"
    records = parse_csv(text, "t.csv")
    assert [r.source_id for r in records] == ["t.csv:1", "t.csv:2"]


def test_csv_doi_given_as_url_is_unwrapped() -> None:
    (record,) = parse_csv("title,doi\nT,https://doi.org/10.5555/XyZ\n", "t.csv")
    assert record.doi == "10.5555/XyZ"


def test_csv_row_with_more_cells_than_header_names_the_row() -> None:
    text = "title,year\na,2020\nb,2021,surplus\n"
    with pytest.raises(InputError, match=r"^data\.csv: row 3: 3 cells but the header has 2 columns"):
        parse_csv(text, "data.csv")


def test_csv_unterminated_quote_is_an_error_naming_the_row() -> None:
    with pytest.raises(InputError, match=r"data\.csv: row \d+"):
        parse_csv('title,year\n"a,2020\nb,2021\n', "data.csv")


def test_csv_without_any_identifying_column_is_an_error() -> None:
    with pytest.raises(InputError, match="row 1: no title, abstract, doi, pmid or id column"):
        parse_csv("foo,bar\n1,2\n", "data.csv")


def test_csv_with_header_only_is_an_error() -> None:
    with pytest.raises(InputError, match="no data rows"):
        parse_csv("title,year\n", "data.csv")


def test_wos_tab_delimited_uses_ut_as_id_and_keeps_keywords_plus_in_extra() -> None:
    header = "PT\tAU\tTI\tSO\tDE\tID\tPY\tDI\tUT\tPM\n"
    text = (
        header + "J\tLi, W; Chen, X\tSoil\tECO HEALTH\treed\tDIVERSITY\t2020\t10.1080/2096.1\tWOS:0001\t123\n"
    )
    (record,) = parse_csv(text, "savedrecs.txt", source="Web of Science")
    assert record.source_id == "WOS:0001"
    assert record.authors == ("Li, W", "Chen, X")
    assert (record.title, record.journal, record.year, record.doi, record.pmid) == (
        "Soil",
        "ECO HEALTH",
        2020,
        "10.1080/2096.1",
        "123",
    )
    assert record.keywords == ("reed",)
    assert ("ID", "DIVERSITY") in record.extra
    assert ("PT", "J") in record.extra


def test_csv_repeated_authors_are_kept() -> None:
    (record,) = parse_csv('title,authors\nT,"Singh, M; Das, A; Singh, M"\n', "t.csv")
    assert record.authors == ("Singh, M", "Das, A", "Singh, M")


def test_authors_run_together_by_an_export_are_split_but_one_authors_initials_are_not() -> None:
    text = (
        "record_id,title,authors\n"
        "1,T,Schisano B.Tripathi G.Harte A. L.McTernan P. G.\n"
        '2,T,"Smith J.A."\n'
        "3,T,World Health Organization\n"
    )
    records = parse_csv(text, "asysd.csv")
    assert records[0].authors == ("Schisano B.", "Tripathi G.", "Harte A. L.", "McTernan P. G.")
    assert records[1].authors == ("Smith J.A.",)
    assert records[2].authors == ("World Health Organization",)


def test_mesh_column_fills_mesh_headings() -> None:
    (record,) = parse_csv("record_id,title,mesh\n1,T,Humans; Naltrexone/therapeutic use\n", "m.csv")
    assert record.mesh == ("Humans", "Naltrexone/therapeutic use")
    assert record.extra == ()


@pytest.mark.parametrize(
    ("cell", "authors"),
    [
        ("Smith J; Doe AB", ("Smith J", "Doe AB")),
        ("Smith J, Doe AB", ("Smith J", "Doe AB")),
        ("Smith J.A., Lewis G.", ("Smith J.A.", "Lewis G.")),
        (
            "D. Pavlinac, R. Langer, L. Lenhard and L. Deftos",
            ("D. Pavlinac", "R. Langer", "L. Lenhard", "L. Deftos"),
        ),
        ("Smith, J. and Doe, A.", ("Smith, J.", "Doe, A.")),
        ("Adeli K.Lewis G. F.", ("Adeli K.", "Lewis G. F.")),  # ASySD runs authors together
        ("Smith J.A.", ("Smith J.A.",)),  # initials are not a new author
        ("Smith, John", ("Smith, John",)),
        ("World Health Organization", ("World Health Organization",)),
        ("USA Food and Drug Administration", ("USA Food and Drug Administration",)),
    ],
)
def test_author_cells_in_the_forms_exports_write(cell: str, authors: tuple[str, ...]) -> None:
    (record,) = parse_csv(f'title,authors\nT,"{cell}"\n', "t.csv")
    assert record.authors == authors


@pytest.mark.parametrize(
    "cell",
    [
        "10.1016/j.jvs.2017.03.363",
        "DOI 10.1016/j.jvs.2017.03.363",
        "ARTN 351ra106\n10.1016/j.jvs.2017.03.363",
    ],
)
def test_a_doi_cell_holding_more_than_the_doi_gives_the_doi(cell: str) -> None:
    (record,) = parse_csv(f'title,doi\nT,"{cell}"\n', "t.csv")
    assert record.doi == "10.1016/j.jvs.2017.03.363"


def test_dedup_benchmark_csv_reads_ids_isbn_and_run_together_authors() -> None:
    text = (
        "record_id,title,authors,year,journal,volume,issue,pages,doi,abstract,isbn,pmid\n"
        "17,Lipids,Adeli K.Lewis G. F.,2008,Curr Opin Lipidol,19,3,221-8,"
        "http://dx.doi.org/10.1097/MOL.0b013e3282ffaf82,An abstract.,0957-9672,18460911\n"
    )
    (record,) = parse_csv(text, "records.csv", source="CSV")
    assert (record.source, record.source_id, record.pmid) == ("CSV", "17", "18460911")
    assert (record.authors, record.year, record.pages) == (("Adeli K.", "Lewis G. F."), 2008, "221-8")
    assert (record.doi, record.extra) == ("10.1097/MOL.0b013e3282ffaf82", (("isbn", "0957-9672"),))


def test_labelled_screening_csv_reads_mesh_keywords_and_keeps_the_label() -> None:
    text = (
        "record_id,title,abstract,authors,keywords,mesh,year,journal,pmid,label_included\n"
        "a1,T,Abs,Doe J,k1; k2,Humans; Analgesics/therapeutic use,2001.0,J,123,1\n"
    )
    (record,) = parse_csv(text, "review.csv", source="csv")
    assert (record.source_id, record.keywords, record.year) == ("a1", ("k1", "k2"), 2001)
    assert record.mesh == ("Humans", "Analgesics/therapeutic use")
    assert dict(record.extra) == {"label_included": "1"}


def test_every_benchmark_csv_reads_with_its_record_ids_and_labels(shared_data: Path) -> None:
    for folder in sorted((shared_data / "dedup" / "normalized").iterdir()):
        path = folder / "records.csv"
        records = parse_csv(decode(path.read_bytes(), path), str(path), source="CSV")
        with (folder / "gold.csv").open(encoding="utf-8") as handle:
            gold = [row["record_id"] for row in csv.DictReader(handle)]
        assert sorted(r.source_id for r in records) == sorted(gold), folder.name
    for path in sorted((shared_data / "screening" / "normalized").glob("*.csv")):
        records = parse_csv(decode(path.read_bytes(), path), str(path), source="csv")
        assert all(dict(r.extra).get("label_included") in ("0", "1") for r in records), path.name
