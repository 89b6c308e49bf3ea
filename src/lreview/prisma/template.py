"""PRISMA counts as the template CSV of the PRISMA2020 R package and Shiny app (Haddaway et al. 2022).

The contract is the package's `inst/extdata/PRISMA.csv` (shipped here as `PRISMA_template.csv`, MIT, see
`PRISMA_template.LICENSE`): header `data,node,box,description,boxtext,tooltips,url,n`, one row per box.
`template_rows` copies every row of the template in its order and fills only the `n` cell, quoting and
line endings as the template has them, so the file loads in `PRISMA2020::PRISMA_data(read.csv(...))` and
in the Shiny app unchanged. How that code reads the cells decides the values written:

- numbers are plain integers; `NA` (R's missing value) hides a line: the registers line when the review
  uses no register, the websites / organisations / citation-searching arm that lreview never uses;
- the name lists (`database_specific_results`, `register_specific_results`, `dbr_excluded`) are
  `"Name, n; Name, n"`; the package cuts a name at its first comma and splits entries at `;`, so commas
  and semicolons inside a name become " -" (`Wrong population, adults` -> `Wrong population - adults`),
  and quotes, which would end the diagram's label strings, become typographic ones;
- rows the Shiny app probes when a file is uploaded keep the template's own value when unused (it tests
  `n != "0"` and `n != "Register 1, xxx; ..."` in an `if`, which fails on `NA`): `previous_studies` and
  `previous_reports` are `0` without a previous version, `total_studies_ma`/`total_reports_ma` are
  `0` (lreview does no meta-analysis), and an unused list row (`register_specific_results` without
  registers, `other_excluded`) keeps the template's placeholder, which the app reads as "not included";
- `dbr_excluded` with no exclusion is `0` (the package shows "Reports excluded: (n = 0)").

Not for: reading or writing files (the pipeline passes the template's text and writes the result).
"""

from __future__ import annotations

import csv
import io
import re
from importlib import resources

from lreview.errors import PrismaError
from lreview.prisma.counts import Named, PrismaCounts, check

HEADER = ("data", "node", "box", "description", "boxtext", "tooltips", "url", "n")
NA = "NA"
KEEP = None  # an unused row the Shiny app probes: keep the template's own value
LABEL_ROWS = frozenset({"identification", "screening", "included"})  # side labels: no count
TEMPLATE_RESOURCE = "PRISMA_template.csv"

_NAME_FIXES = (
    (re.compile(r"\s*[,;]\s*"), " - "),  # the package cuts a name at "," and splits entries at ";"
    (re.compile(r"\s+"), " "),  # no line breaks inside a cell's name
    (re.compile("'"), "\u2019"),  # quotes would end the diagram's label string
    (re.compile('"'), "\u201d"),
)


def packaged_template() -> str:
    """The PRISMA2020 template CSV shipped with lreview (the package's `inst/extdata/PRISMA.csv`)."""
    data = resources.files("lreview.prisma").joinpath(TEMPLATE_RESOURCE).read_bytes()
    return data.decode("utf-8")  # bytes: read_text would turn the template's CRLF into LF


def template_name(name: str) -> str:
    """`name` as one entry of a `Name, n; Name, n` cell the PRISMA2020 package parses back intact."""
    for pattern, replacement in _NAME_FIXES:
        name = pattern.sub(replacement, name)
    return name.strip(" -") or "-"


def named_cell(pairs: Named) -> str:
    """`(("PubMed", 812), ("Embase", 640))` -> `PubMed, 812; Embase, 640`."""
    return "; ".join(f"{template_name(name)}, {n}" for name, n in pairs)


def cell_values(counts: PrismaCounts) -> dict[str, str | None]:
    """The `n` cell of every data row lreview fills (None: keep the template's value)."""
    c = counts
    previous = c.previous_studies is not None and c.previous_reports is not None
    return {
        "previous_studies": str(c.previous_studies) if previous else "0",
        "previous_reports": str(c.previous_reports) if previous else "0",
        "database_results": str(c.databases_total) if c.databases else NA,
        "database_specific_results": named_cell(c.databases) if c.databases else KEEP,
        "register_results": str(c.registers_total) if c.registers else NA,
        "register_specific_results": named_cell(c.registers) if c.registers else KEEP,
        "website_results": NA,
        "organisation_results": NA,
        "citations_results": NA,
        "duplicates": str(c.duplicates),
        "excluded_automatic": str(c.excluded_automatic),
        "excluded_other": str(c.excluded_other),
        "records_screened": str(c.screened),
        "records_excluded": str(c.screened_excluded),
        "dbr_sought_reports": str(c.sought),
        "dbr_notretrieved_reports": str(c.not_retrieved),
        "other_sought_reports": NA,
        "other_notretrieved_reports": NA,
        "dbr_assessed": str(c.assessed),
        "dbr_excluded": named_cell(c.excluded_reasons) if c.excluded_reasons else "0",
        "other_assessed": NA,
        "other_excluded": KEEP,
        "new_studies": str(c.new_studies),
        "new_reports": str(c.new_reports),
        "total_studies": str(c.total_studies),
        "total_reports": str(c.total_reports),
        "total_studies_ma": KEEP,
        "total_reports_ma": KEEP,
    }


def _parse(template: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(template, newline="")))
    if not rows or tuple(rows[0]) != HEADER:
        found = ",".join(rows[0]) if rows else "nothing"
        raise PrismaError(f"PRISMA template: header is {found!r}, expected {','.join(HEADER)!r}")
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(HEADER):
            raise PrismaError(f"PRISMA template: row {number} has {len(row)} cells, expected {len(HEADER)}")
    return rows


def template_rows(counts: PrismaCounts, template: str) -> str:
    """The template CSV `template` with every `n` cell filled from `counts` (rows, order, quoting and line
    endings as in the template). Raises `PrismaError` on inconsistent counts or another template layout."""
    check(counts)
    rows = _parse(template)
    values = cell_values(counts)
    keys = [row[0] for row in rows[1:]]
    unknown = [k for k in keys if k not in values and k not in LABEL_ROWS and k != NA]
    missing = [k for k in values if k not in keys]
    if unknown or missing:
        raise PrismaError(
            f"PRISMA template: rows {', '.join(unknown) or 'none'} are unknown and rows "
            f"{', '.join(missing) or 'none'} are missing (expected the PRISMA2020 package's layout)"
        )
    for row in rows[1:]:
        value = values.get(row[0])
        if value is not None:
            row[-1] = value
    ending = "\r\n" if "\r\n" in template else "\n"
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator=ending, quoting=csv.QUOTE_MINIMAL).writerows(rows)
    text = out.getvalue()
    return text if template.endswith(("\n", "\r")) else text.removesuffix(ending)
