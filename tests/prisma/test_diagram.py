"""The PRISMA 2020 flow diagram: every number of the template CSV is text in the SVG, the PNG is a PNG of
the laid-out size, and boxes neither overlap nor let their text out (measured on the drawn figure)."""

from __future__ import annotations

import csv
import io
import re
import struct
import xml.etree.ElementTree as ET
from itertools import combinations

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.patches import FancyBboxPatch
from matplotlib.transforms import Bbox

from lreview.errors import PrismaError
from lreview.prisma.counts import PrismaCounts
from lreview.prisma.diagram import diagram_png, diagram_svg, figure
from lreview.prisma.layout import layout
from lreview.prisma.template import packaged_template, template_rows
from tests.support.prisma_builders import large_review_counts, living_review_counts, new_review_counts

EXAMPLES = {"living": living_review_counts(), "new": new_review_counts(), "large": large_review_counts()}
SVG = "{http://www.w3.org/2000/svg}"
NOT_DRAWN = {"identification", "screening", "included", "total_studies_ma", "total_reports_ma"}


def svg_text(svg: str) -> str:
    """The text of every <text> element, one per line, in document order."""
    root = ET.fromstring(svg)
    return "\n".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))


def csv_numbers(counts: PrismaCounts) -> list[str]:
    """Every number in the `n` cells the diagram shows (not NA, not a template placeholder)."""
    rows = list(csv.reader(io.StringIO(template_rows(counts, packaged_template()), newline="")))[1:]
    cells = [r[-1] for r in rows if r[0] not in NOT_DRAWN and r[0] != "NA" and "xxx" not in r[-1]]
    return [n for cell in cells if cell != "NA" for n in re.findall(r"\d+", cell)]


@pytest.mark.parametrize("name", EXAMPLES)
def test_svg_holds_every_number_of_the_csv_as_text(name: str) -> None:
    counts = EXAMPLES[name]
    text = svg_text(diagram_svg(counts))
    numbers = csv_numbers(counts)
    assert len(numbers) >= 15
    missing = [n for n in numbers if not re.search(rf"\(n = {n}\)", text)]
    assert missing == []


@pytest.mark.parametrize("name", EXAMPLES)
def test_svg_names_every_database_register_and_reason(name: str) -> None:
    counts = EXAMPLES[name]
    flowing = " ".join(svg_text(diagram_svg(counts)).split())  # wrapped names read on across lines
    for label, n in (*counts.databases, *counts.registers, *counts.excluded_reasons):
        assert f"{label} (n = {n})" in flowing


def test_svg_has_the_boxes_labels_and_notes_of_a_review_in_progress() -> None:
    text = svg_text(diagram_svg(living_review_counts()))
    for phrase in [
        "Identification", "Screening", "Included", "Previous studies",
        "Identification of new studies via databases and registers",
        "Records removed before screening:", "Records marked as ineligible by automation tools",
        "In progress: 29 records awaiting screening", "In progress: 5 reports awaiting assessment",
        "Total studies included in review", "2025-03-01T09:30:00+00:00",
    ]:  # fmt: skip
        assert phrase in " ".join(text.split()), phrase


def test_first_version_has_no_previous_column_and_no_notes_when_nothing_awaits() -> None:
    lay = layout(new_review_counts())
    keys = {box.key for box in lay.boxes}
    assert {"previous", "total", "header:previous"}.isdisjoint(keys)
    assert "In progress" not in svg_text(diagram_svg(new_review_counts()))
    assert {"previous", "total", "header:previous"} <= {b.key for b in layout(living_review_counts()).boxes}


def test_svg_is_the_same_for_the_same_counts() -> None:
    assert diagram_svg(living_review_counts()) == diagram_svg(living_review_counts())


def test_dollar_signs_in_names_are_text_not_mathtext() -> None:
    counts = new_review_counts(databases=(("Costs $US and $EUR index", 120),))
    assert "Costs $US and $EUR index (n = 120)" in svg_text(diagram_svg(counts))


@pytest.mark.parametrize("dpi", [72, 150])
def test_png_is_a_png_of_the_laid_out_size(dpi: int) -> None:
    png = diagram_png(living_review_counts(), dpi=dpi)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])  # IHDR
    lay = layout(living_review_counts())
    assert abs(width - lay.width * dpi) <= 1 and abs(height - lay.height * dpi) <= 1
    assert len(png) < 300_000


def test_inconsistent_counts_are_not_drawn() -> None:
    with pytest.raises(PrismaError, match="^PRISMA: "):
        diagram_svg(living_review_counts(not_retrieved=6))


@pytest.mark.parametrize("name", EXAMPLES)
def test_boxes_do_not_overlap_and_arrows_join_box_edges(name: str) -> None:
    lay = layout(EXAMPLES[name])
    for a, b in combinations(lay.boxes, 2):
        apart = a.x + a.w <= b.x or b.x + b.w <= a.x or a.y + a.h <= b.y or b.y + b.h <= a.y
        assert apart, (a.key, b.key)
    flow = [b for b in lay.boxes if b.kind == "box"]

    def on_edge(x: float, y: float) -> bool:
        return any(
            (abs(y - b.y) < 1e-9 or abs(y - b.y - b.h) < 1e-9)
            and b.x <= x <= b.x + b.w
            or (abs(x - b.x) < 1e-9 or abs(x - b.x - b.w) < 1e-9)
            and b.y <= y <= b.y + b.h
            for b in flow
        )

    assert len(lay.arrows) == (10 if EXAMPLES[name].has_previous else 8)
    for start, end in lay.arrows:
        assert on_edge(*start) and on_edge(*end), (start, end)


@pytest.mark.parametrize("name", EXAMPLES)
def test_drawn_text_stays_inside_its_box_and_lines_do_not_overlap(name: str) -> None:
    fig = figure(EXAMPLES[name])
    canvas = fig.canvas
    assert isinstance(canvas, FigureCanvasAgg)
    renderer = canvas.get_renderer()
    ax = fig.axes[0]
    boxes = [p.get_window_extent(renderer) for p in ax.patches if isinstance(p, FancyBboxPatch)]
    texts = [t.get_window_extent(renderer) for t in ax.texts[:-1]]  # the last is the footer
    assert len(texts) > 20
    for extent in texts:
        assert any(_inside(extent, box) for box in boxes), extent
    for a, b in combinations(texts, 2):
        assert not a.overlaps(b), (a, b)


def _inside(inner: Bbox, outer: Bbox) -> bool:
    return bool(
        outer.x0 <= inner.x0 and inner.x1 <= outer.x1 and outer.y0 <= inner.y0 and inner.y1 <= outer.y1
    )
