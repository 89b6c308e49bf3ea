"""PRISMA 2020: the flow diagram's boxes as plain counts, their invariants, the R package's template CSV,
a JSON summary and the diagram drawn as SVG/PNG. Pure: values in, text or bytes out; the pipeline fills
the counts from the lifecycle states and writes the files.

Modules: `counts` (PrismaCounts, check), `template` (template_rows, packaged_template: the PRISMA2020 R
package / Shiny app CSV), `report` (prisma_json, counts_from_json, and diagram_svg, diagram_png from
`diagram`, which draws what `layout` places; these import matplotlib, so this package does not).
"""

from lreview.prisma.counts import PrismaCounts, check

__all__ = ["PrismaCounts", "check"]
