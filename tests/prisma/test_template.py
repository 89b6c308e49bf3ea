"""The PRISMA2020 R package / Shiny app template CSV, filled: same rows, order, cells and quoting as the
template, only `n` changed, in the forms the package's `PRISMA_data` parses (checked against its code)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lreview.errors import PrismaError
from lreview.prisma.counts import PrismaCounts
from lreview.prisma.template import HEADER, packaged_template, template_name, template_rows
from tests.support.prisma_builders import living_review_counts, new_review_counts

PLACEHOLDER = {
    "register_specific_results": "Register 1, xxx; Register 2, xxx; Register 3, xxx",
    "other_excluded": "Reason1, xxx; Reason2, xxx; Reason3, xxx",
}
LIVING_N = {
    "previous_studies": "4",
    "previous_reports": "5",
    "database_results": "1452",
    "database_specific_results": "PubMed, 812; Embase, 640",
    "register_results": "37",
    "register_specific_results": "ClinicalTrials.gov, 37",
    "website_results": "NA",
    "organisation_results": "NA",
    "citations_results": "NA",
    "duplicates": "300",
    "excluded_automatic": "600",
    "excluded_other": "0",
    "records_screened": "560",
    "records_excluded": "480",
    "dbr_sought_reports": "80",
    "dbr_notretrieved_reports": "5",
    "other_sought_reports": "NA",
    "other_notretrieved_reports": "NA",
    "dbr_assessed": "70",
    "dbr_excluded": "Wrong population, 30; Wrong intervention, 22; Wrong study design, 9",
    "other_assessed": "NA",
    "other_excluded": PLACEHOLDER["other_excluded"],
    "new_studies": "8",
    "new_reports": "9",
    "total_studies": "12",
    "total_reports": "14",
    "total_studies_ma": "0",
    "total_reports_ma": "0",
}


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def n_cells(text: str) -> dict[str, str]:
    return {row[0]: row[-1] for row in rows(text)[1:] if row[0] != "NA"}


def r_parse_reasons(cell: str) -> list[tuple[str, str]]:
    """PRISMA2020's PRISMA_parse_reasons_ (R/PRISMA_format.R) in Python: split at '; ?', the name up to
    the first comma, the number the digits after it."""
    parts = re.split(r";( )?", cell)[::2]
    return [(re.sub(r",.*$", "", p), re.sub(r"[^0-9.]", "", p.partition(",")[2])) for p in parts]


@pytest.fixture(scope="module")
def template(shared_data: Path) -> str:
    return (shared_data / "prisma" / "PRISMA.csv").read_bytes().decode("ascii")


def test_packaged_template_is_the_contract_byte_for_byte(template: str) -> None:
    assert packaged_template() == template


def test_full_example_keeps_every_template_cell_but_n(template: str) -> None:
    filled = template_rows(living_review_counts(), template)
    got, want = rows(filled), rows(template)
    assert tuple(got[0]) == HEADER == tuple(want[0])
    assert len(got) == len(want) == 35
    for number, (g, w) in enumerate(zip(got, want, strict=True), start=1):
        assert g[:-1] == w[:-1], f"row {number}"
    assert n_cells(filled) == {**LIVING_N, "identification": "0", "screening": "0", "included": "0"}
    title_rows = [row[-1] for row in got[1:] if row[0] == "NA"]
    assert title_rows == ["0", "0", "0"]  # title boxes keep the template's value


def test_quoting_and_line_endings_are_the_templates(template: str) -> None:
    filled = template_rows(living_review_counts(), template)
    assert filled.count("\r\n") == template.count("\r\n") == 34
    assert not filled.endswith("\n")  # the template's last row has no line break
    assert '"PubMed, 812; Embase, 640"' in filled
    assert '"Records identified from: Websites, Organisations and Citation Searching"' in filled
    # a template with LF line endings gives LF line endings
    assert "\r" not in template_rows(living_review_counts(), template.replace("\r\n", "\n"))


def test_refilling_a_filled_file_gives_the_same_bytes(template: str) -> None:
    filled = template_rows(living_review_counts(), template)
    assert template_rows(living_review_counts(), filled) == filled


def test_new_review_without_registers_or_previous_version(template: str) -> None:
    cells = n_cells(template_rows(new_review_counts(), template))
    assert cells["register_results"] == "NA"  # hides the Registers line
    assert cells["register_specific_results"] == PLACEHOLDER["register_specific_results"]
    assert (cells["previous_studies"], cells["previous_reports"]) == ("0", "0")  # app: "Not Included"
    assert (cells["total_studies"], cells["total_reports"]) == ("3", "3")
    assert cells["database_specific_results"] == "PubMed, 120"
    assert cells["dbr_excluded"] == "Wrong population, 6"


def test_other_methods_arm_and_meta_analysis_are_never_filled(template: str) -> None:
    for counts in (living_review_counts(), new_review_counts()):
        cells = n_cells(template_rows(counts, template))
        for key in ("website_results", "organisation_results", "citations_results", "other_assessed"):
            assert cells[key] == "NA"
        assert cells["other_excluded"] == PLACEHOLDER["other_excluded"]
        assert (cells["total_studies_ma"], cells["total_reports_ma"]) == ("0", "0")


def test_no_full_text_exclusions_is_zero_and_no_databases_is_na(template: str) -> None:
    counts = PrismaCounts(
        databases=(),
        registers=(("ClinicalTrials.gov", 10),),
        screened=10,
        screened_excluded=8,
        sought=2,
        assessed=2,
        new_studies=2,
        new_reports=2,
    )
    cells = n_cells(template_rows(counts, template))
    assert cells["dbr_excluded"] == "0"
    assert cells["database_results"] == "NA"
    assert cells["database_specific_results"] == "Database 1, xxx; Database 2, xxx; Database 3, xxx"
    assert cells["register_specific_results"] == "ClinicalTrials.gov, 10"


def test_names_with_commas_semicolons_and_quotes_parse_back_as_the_package_does(template: str) -> None:
    reasons = (("Wrong population, adults", 30), ("Crohn's disease; not LDN", 22), ('"Other"', 9))
    cells = n_cells(template_rows(living_review_counts(excluded_reasons=reasons), template))
    assert r_parse_reasons(cells["dbr_excluded"]) == [
        ("Wrong population - adults", "30"),
        ("Crohn\u2019s disease - not LDN", "22"),
        ("\u201dOther\u201d", "9"),
    ]


@given(st.lists(st.tuples(st.text(min_size=1), st.integers(0, 10**6)), min_size=1, max_size=6))
def test_any_names_keep_their_entries_and_counts(pairs: list[tuple[str, int]]) -> None:
    cell = "; ".join(f"{template_name(name)}, {n}" for name, n in pairs)
    parsed = r_parse_reasons(cell)
    assert [n for _, n in parsed] == [str(n) for _, n in pairs]
    assert all(name and "'" not in name for name, _ in parsed)


def test_older_template_layout_is_refused_naming_the_missing_rows(shared_data: Path) -> None:
    old = (shared_data / "prisma" / "PRISMA_2022-02-19_pre-per-database-layout.csv").read_text("ascii")
    with pytest.raises(PrismaError, match="rows database_specific_results, register_specific_results, "):
        template_rows(living_review_counts(), old)


def test_another_header_is_refused(template: str) -> None:
    with pytest.raises(PrismaError, match=r"PRISMA template: header is 'data,node,box,n'"):
        template_rows(living_review_counts(), "data,node,box,n\r\nduplicates,node8,box3,0")


def test_unknown_row_is_refused(template: str) -> None:
    extra = template + "\r\nwebsite_specific_results,NA,box11,x,x,NA,NA,0"
    with pytest.raises(PrismaError, match="rows website_specific_results are unknown"):
        template_rows(living_review_counts(), extra)


def test_row_with_missing_cells_is_named(template: str) -> None:
    with pytest.raises(PrismaError, match="row 36 has 3 cells, expected 8"):
        template_rows(living_review_counts(), template + "\r\nduplicates,node8,box3")


def test_inconsistent_counts_are_refused_before_any_row(template: str) -> None:
    with pytest.raises(PrismaError, match=r"^PRISMA: records screened \(560\) - records excluded \(470\)"):
        template_rows(living_review_counts(screened_excluded=470), template)
