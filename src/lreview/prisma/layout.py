"""Where every box, label and arrow of lreview's PRISMA 2020 flow diagram goes, in inches (pure).

Layout of the PRISMA 2020 template (Page et al. 2021, BMJ 372:n71), databases and registers arm: the
side labels Identification / Screening / Included; a yellow header over the new studies' two columns
(the flow, and the records removed or excluded to its right); with a previous version, a grey "Previous
studies" column whose box feeds the total. Boxes list the per-database, per-register and per-reason
counts; records and reports still in progress are an italic note in the box they are heading for.

Text is wrapped to the box widths with matplotlib's own font metrics, so boxes grow to fit any number
of databases or reasons and text never leaves its box. `diagram` draws the result. Not for: drawing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath

from lreview.prisma.counts import Named, PrismaCounts, check

FONT = 9.0  # points
NOTE_FONT = 8.0
LEADING = 1.32  # line height / font size
PAD = 0.1  # inches inside a box
INDENT = 0.16  # inches: an entry of a list under its heading
COLUMN = {"previous": 2.6, "main": 2.9, "side": 3.0}
GAP_X, GAP_Y, MARGIN = 0.42, 0.34, 0.18
LABEL_W, HEADER_H = 0.3, 0.44
HEADER_FILL, PREVIOUS_FILL, LABEL_FILL = "#ffd966", "#d9d9d9", "#a9c4eb"
NOTE_COLOUR = "#555555"


@dataclass(frozen=True)
class Line:
    """One line of a box's text; `note` lines are smaller and italic; `indent` in inches."""

    text: str
    note: bool = False
    indent: float = 0.0

    @property
    def height(self) -> float:
        return LEADING * (NOTE_FONT if self.note else FONT) / 72


@dataclass(frozen=True)
class Box:
    """A box at (x, y) (top left, inches, y downwards) of size w x h; `kind`: box, header or label."""

    key: str
    x: float
    y: float
    w: float
    h: float
    lines: tuple[Line, ...] = ()
    centred: bool = True
    kind: str = "box"
    fill: str = "white"


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    boxes: tuple[Box, ...]
    arrows: tuple[tuple[tuple[float, float], tuple[float, float]], ...]
    footer: str

    def box(self, key: str) -> Box:
        return next(b for b in self.boxes if b.key == key)


def font(note: bool = False, bold: bool = False) -> FontProperties:
    return FontProperties(
        family="sans-serif",
        size=NOTE_FONT if note else FONT,
        style="italic" if note else "normal",
        weight="bold" if bold else "normal",
    )


_MEASURE = TextToPath()  # widths in points, from the font files matplotlib draws with


def _width(text: str, note: bool) -> float:
    width, _, _ = _MEASURE.get_text_width_height_descent(text, font(note), ismath=False)
    return width / 72


_WORDS = re.compile(r"\(n = \d+\)[^ ]*|[^ ]+")


def _wrap(line: Line, width: float) -> list[Line]:
    """`line` broken at spaces into lines that fit `width` inches (continuations indented a little)."""
    room = (width - 2 * PAD - line.indent) * 0.94  # margin for viewers whose font is a little wider
    out: list[Line] = []
    words = _WORDS.findall(line.text)  # "(n = 12)" stays whole
    current = words[0]
    for word in words[1:]:
        if _width(f"{current} {word}", line.note) <= room:
            current = f"{current} {word}"
        else:
            out.append(Line(current, line.note, line.indent))
            current = word
    out.append(Line(current, line.note, line.indent))
    return out[:1] + [Line(x.text, x.note, x.indent + INDENT / 2) for x in out[1:]]


def _n(n: int) -> str:
    return f"(n = {n})"


def _entries(pairs: Named) -> list[Line]:
    return [Line(f"{name} {_n(n)}", indent=INDENT) for name, n in pairs]


def _contents(c: PrismaCounts) -> dict[str, tuple[list[Line], bool]]:
    """Each box's lines before wrapping, and whether it is centred (lists are left-aligned)."""
    identified = [Line("Records identified from:")]
    if c.databases or not c.registers:
        identified += [Line(f"Databases {_n(c.databases_total)}"), *_entries(c.databases)]
    if c.registers:
        identified += [Line(f"Registers {_n(c.registers_total)}"), *_entries(c.registers)]
    removed = [
        Line("Records removed before screening:"),
        Line(f"Duplicate records removed {_n(c.duplicates)}", indent=INDENT),
        Line(f"Records marked as ineligible by automation tools {_n(c.excluded_automatic)}", indent=INDENT),
        Line(f"Records removed for other reasons {_n(c.excluded_other)}", indent=INDENT),
    ]
    screened = [Line("Records screened"), Line(_n(c.screened))]
    if c.awaiting:
        screened.append(Line(f"In progress: {c.awaiting} records awaiting screening", note=True))
    assessed = [Line("Reports assessed for eligibility"), Line(_n(c.assessed))]
    if c.fulltext_awaiting:
        assessed.append(Line(f"In progress: {c.fulltext_awaiting} reports awaiting assessment", note=True))
    excluded = [Line(f"Reports excluded {_n(c.fulltext_excluded)}" + (":" if c.excluded_reasons else ""))]
    out = {
        "identified": (identified, False),
        "removed": (removed, False),
        "screened": (screened, True),
        "screened_excluded": ([Line("Records excluded"), Line(_n(c.screened_excluded))], True),
        "sought": ([Line("Reports sought for retrieval"), Line(_n(c.sought))], True),
        "not_retrieved": ([Line("Reports not retrieved"), Line(_n(c.not_retrieved))], True),
        "assessed": (assessed, True),
        "excluded": ([*excluded, *_entries(c.excluded_reasons)], False),
        "included": (
            _studies(
                "New studies included in review",
                "Reports of new included studies",
                c.new_studies,
                c.new_reports,
            ),
            True,
        ),
    }
    if c.previous_studies is not None and c.previous_reports is not None:
        out["previous"] = (
            _studies(
                "Studies included in previous version of review",
                "Reports of studies included in previous version of review",
                c.previous_studies,
                c.previous_reports,
            ),
            True,
        )
        out["total"] = (
            _studies(
                "Total studies included in review",
                "Reports of total included studies",
                c.total_studies,
                c.total_reports,
            ),
            True,
        )
    return out


def _studies(studies: str, reports: str, n_studies: int, n_reports: int) -> list[Line]:
    return [Line(studies), Line(_n(n_studies)), Line(reports), Line(_n(n_reports))]


# (row, column, box key) of the flow; rows 0-4: identification, screening x3, included
_GRID = (
    (0, "main", "identified"),
    (0, "side", "removed"),
    (0, "previous", "previous"),
    (1, "main", "screened"),
    (1, "side", "screened_excluded"),
    (2, "main", "sought"),
    (2, "side", "not_retrieved"),
    (3, "main", "assessed"),
    (3, "side", "excluded"),
    (4, "main", "included"),
    (4, "previous", "total"),
)


def layout(counts: PrismaCounts) -> Layout:
    """Every box, header, side label and arrow of the diagram for `counts`, in inches."""
    check(counts)
    contents = _contents(counts)
    previous = "previous" in contents
    x = {"previous": MARGIN + LABEL_W + 0.14}
    x["main"] = x["previous"] + (COLUMN["previous"] + GAP_X if previous else 0)
    x["side"] = x["main"] + COLUMN["main"] + GAP_X
    wrapped = {
        key: [piece for line in lines for piece in _wrap(line, COLUMN[col])]
        for _, col, key in _GRID
        if key in contents
        for lines in [contents[key][0]]
    }
    heights = [0.0] * 5
    for row, _, key in _GRID:
        if key in wrapped:
            heights[row] = max(heights[row], sum(line.height for line in wrapped[key]) + 2 * PAD)
    tops = [MARGIN + HEADER_H + GAP_Y * 0.6]
    for h in heights[:-1]:
        tops.append(tops[-1] + h + GAP_Y)
    boxes = [
        Box(key, x[col], tops[row], COLUMN[col], heights[row], tuple(wrapped[key]), contents[key][1])
        for row, col, key in _GRID
        if key in wrapped
    ]
    boxes += _frame(x, tops, heights, previous)
    width = x["side"] + COLUMN["side"] + MARGIN
    height = tops[-1] + heights[-1] + 0.45
    footer = f"Drawn by lreview {counts.version or ''} from the counts as of {counts.as_of or 'now'}"
    return Layout(width, height, tuple(boxes), _arrows(x, tops, heights, previous), " ".join(footer.split()))


def _frame(x: dict[str, float], tops: list[float], heights: list[float], previous: bool) -> list[Box]:
    """The headers over the columns and the side labels left of the rows."""
    spans = {"Identification": (0, 0), "Screening": (1, 3), "Included": (4, 4)}
    out = [
        Box(
            f"label:{name}",
            MARGIN,
            tops[a],
            LABEL_W,
            tops[b] + heights[b] - tops[a],
            (Line(name),),
            kind="label",
            fill=LABEL_FILL,
        )
        for name, (a, b) in spans.items()
    ]
    new_w = x["side"] + COLUMN["side"] - x["main"]
    out.append(
        Box(
            "header:new",
            x["main"],
            MARGIN,
            new_w,
            HEADER_H,
            (Line("Identification of new studies via databases and registers"),),
            kind="header",
            fill=HEADER_FILL,
        )
    )
    if previous:
        out.append(
            Box(
                "header:previous",
                x["previous"],
                MARGIN,
                COLUMN["previous"],
                HEADER_H,
                (Line("Previous studies"),),
                kind="header",
                fill=PREVIOUS_FILL,
            )
        )
    return out


def _arrows(
    x: dict[str, float], tops: list[float], heights: list[float], previous: bool
) -> tuple[tuple[tuple[float, float], tuple[float, float]], ...]:
    mid = x["main"] + COLUMN["main"] / 2
    down = [((mid, tops[r] + heights[r]), (mid, tops[r + 1])) for r in range(4)]
    right = [
        ((x["main"] + COLUMN["main"], tops[r] + heights[r] / 2), (x["side"], tops[r] + heights[r] / 2))
        for r in range(4)
    ]
    out = down + right
    if previous:
        pmid = x["previous"] + COLUMN["previous"] / 2
        out.append(((pmid, tops[0] + heights[0]), (pmid, tops[4])))
        row = tops[4] + heights[4] / 2
        out.append(((x["main"], row), (x["previous"] + COLUMN["previous"], row)))
    return tuple(out)
