"""The PRISMA 2020 flow diagram drawn by lreview, for new and updated (living) reviews, as SVG or PNG.

Draws `layout.layout(counts)` with matplotlib's object API on the Agg canvas (no pyplot, no display;
settings only inside an rc_context). SVG text stays `<text>` (svg.fonttype "none") so every number can
be found in it; the SVG carries no date, so the same counts give the same bytes. Not for: writing files.
"""

from __future__ import annotations

import io

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from lreview.prisma.counts import PrismaCounts
from lreview.prisma.layout import MARGIN, NOTE_COLOUR, PAD, Box, font, layout


def figure(counts: PrismaCounts) -> Figure:
    """The diagram as a matplotlib Figure on the Agg canvas."""
    lay = layout(counts)
    fig = Figure(figsize=(lay.width, lay.height))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(0, lay.width)
    ax.set_ylim(lay.height, 0)
    ax.set_axis_off()
    for box in lay.boxes:
        _draw_box(ax, box)
    for start, end in lay.arrows:
        ax.add_patch(
            FancyArrowPatch(
                start, end, arrowstyle="-|>", mutation_scale=12, lw=1.0, color="black", shrinkA=0, shrinkB=0
            )
        )
    ax.text(
        MARGIN,
        lay.height - 0.14,
        lay.footer,
        fontproperties=font(note=True),
        parse_math=False,  # a "$" in a name is text, not mathtext
        color=NOTE_COLOUR,
        va="bottom",
        ha="left",
    )
    return fig


def _draw_box(ax: Axes, box: Box) -> None:
    rounded = box.kind != "box"
    ax.add_patch(
        FancyBboxPatch(
            (box.x, box.y),
            box.w,
            box.h,
            boxstyle="round,pad=0,rounding_size=0.08" if rounded else "square,pad=0",
            facecolor=box.fill,
            edgecolor="black",
            lw=0.9,
        )
    )
    if box.kind != "box":
        rotation = 90 if box.kind == "label" else 0
        ax.text(
            box.x + box.w / 2,
            box.y + box.h / 2,
            box.lines[0].text,
            fontproperties=font(bold=True),
            parse_math=False,  # a "$" in a name is text, not mathtext
            rotation=rotation,
            ha="center",
            va="center",
        )
        return
    y = box.y + (box.h - sum(line.height for line in box.lines)) / 2
    for line in box.lines:
        left = box.x + PAD + line.indent
        ax.text(
            box.x + box.w / 2 if box.centred else left,
            y + line.height * 0.12,
            line.text,
            fontproperties=font(note=line.note),
            parse_math=False,  # a "$" in a name is text, not mathtext
            color=NOTE_COLOUR if line.note else "black",
            ha="center" if box.centred else "left",
            va="top",
        )
        y += line.height


def diagram_svg(counts: PrismaCounts) -> str:
    """The PRISMA 2020 flow diagram as SVG text (text as `<text>` elements, no timestamp)."""
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "lreview-prisma"}):
        figure(counts).savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def diagram_png(counts: PrismaCounts, dpi: int = 150) -> bytes:
    """The PRISMA 2020 flow diagram as PNG bytes at `dpi`."""
    buffer = io.BytesIO()
    figure(counts).savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()
