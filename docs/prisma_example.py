"""Draw docs/prisma-example.png, the PRISMA 2020 diagram shown in the README, from example counts.

Run: .venv/bin/python docs/prisma_example.py
"""

from __future__ import annotations

from pathlib import Path

from lreview import __version__
from lreview.prisma.counts import PrismaCounts
from lreview.prisma.report import diagram_png

EXAMPLE = PrismaCounts(
    databases=(("PubMed", 812), ("Embase", 640)),
    registers=(("ClinicalTrials.gov", 37),),
    duplicates=300,
    excluded_automatic=600,
    screened=560,
    screened_excluded=480,
    awaiting=29,
    sought=80,
    not_retrieved=5,
    assessed=70,
    fulltext_awaiting=5,
    excluded_reasons=(("Wrong population", 30), ("Wrong intervention", 22), ("Wrong study design", 9)),
    new_studies=8,
    new_reports=9,
    previous_studies=4,
    previous_reports=5,
    as_of="2025-03-01T09:30:00+00:00",
    version=__version__,
)

if __name__ == "__main__":
    out = Path(__file__).resolve().parent / "prisma-example.png"
    out.write_bytes(diagram_png(EXAMPLE))
    print(f"{out}: {out.stat().st_size} bytes")
