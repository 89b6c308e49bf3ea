"""What goes into a workbook cell: safe text, highlighted terms (rich text) and checked hyperlinks.

Text from bibliographic databases is not trusted (see `workbook_write` for the rules): `record_text`
makes it XML-clean, formula-neutral (`lreview.cells`) and short enough for a cell; `config_text` does
the same for the review team's own text except the formula prefix. Pure functions over values; no sheets here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import quote

from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from lreview.cells import clean_for_xml, neutralise
from lreview.screening.workbook_contract import WorkbookRow

CELL_LIMIT = 32_767  # Excel's maximum characters in one cell
HIGHLIGHT_FONT = InlineFont(rFont="Calibri", sz=11, b=True, color="C00000")

PMID = re.compile(r"[1-9]\d{0,8}")
PMCID = re.compile(r"(?:PMC)?([1-9]\d{0,8})", re.IGNORECASE)
DOI = re.compile(r"10\.\d{4,9}/\S+")
WEB = re.compile(r"https?://[^\s\"<>]+")


def cut(text: str) -> str:
    """`text`, or its start and a marker saying how many characters were cut, in CELL_LIMIT exactly."""
    if len(text) <= CELL_LIMIT:
        return text
    cut = len(text) - CELL_LIMIT
    while True:  # the marker's own length depends on the number of digits in `cut`
        marker = f"… [cut by lreview: {cut} characters]"
        if len(text) - (CELL_LIMIT - len(marker)) == cut:
            return text[: CELL_LIMIT - len(marker)] + marker
        cut = len(text) - (CELL_LIMIT - len(marker))


def record_text(text: str) -> str:
    """Untrusted text as it goes into a cell: XML-clean, formula-neutralised, cut to fit."""
    return cut(neutralise(clean_for_xml(text)))


def config_text(text: str) -> str:
    """The review team's own text as it goes into a cell: XML-clean and cut to fit (no prefix)."""
    return cut(clean_for_xml(text))


def highlighter(terms: Sequence[str]) -> re.Pattern[str] | None:
    """A case-insensitive pattern for whole words or phrases (`pelvic pain` spans any spaces); a
    trailing `*` matches any word ending (`endometrio*`). None when there are no terms."""
    parts = []
    for term in sorted({" ".join(t.split()) for t in terms}, key=len, reverse=True):
        words = term.rstrip("*").split()
        if words:
            parts.append(r"\s+".join(map(re.escape, words)) + (r"\w*" if term.endswith("*") else ""))
    return re.compile(rf"(?<!\w)(?:{'|'.join(parts)})(?!\w)", re.IGNORECASE) if parts else None


def highlighted(text: str, pattern: re.Pattern[str] | None) -> str | CellRichText:
    """`text` with the matches of `pattern` in bold colour (rich text), or `text` itself if none."""
    if pattern is None:
        return text
    blocks: list[str | TextBlock] = []
    start = 0
    for match in pattern.finditer(text):
        if match.start() > start:
            blocks.append(text[start : match.start()])
        blocks.append(TextBlock(HIGHLIGHT_FONT, match.group()))
        start = match.end()
    if not blocks:
        return text
    if start < len(text):
        blocks.append(text[start:])
    return CellRichText(blocks)


def links(row: WorkbookRow) -> dict[str, str]:
    """Hyperlinks by column, made only for identifiers that look like what they claim to be."""
    out: dict[str, str] = {}
    pmid, doi, pmcid, link = (v.strip() if v else "" for v in (row.pmid, row.doi, row.pmcid, row.link))
    if PMID.fullmatch(pmid):
        out["pmid"] = f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
    if DOI.fullmatch(doi):
        out["doi"] = "https://doi.org/" + quote(doi, safe="/:;()._-~")
    if pmc := PMCID.fullmatch(pmcid):
        out["pmcid"] = f"https://www.ncbi.nlm.nih.gov/pmc/articles/PMC{pmc.group(1)}/"
    if WEB.fullmatch(link):
        out["details"] = link
    return out
