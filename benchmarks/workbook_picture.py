"""Render the README's picture of a reviewer workbook: write one, fill in a few decisions, print it.

Writes a title/abstract workbook of six synthetic records (tests/support/workbooks.py) with the
highlight terms, types three decisions with openpyxl, converts it to PDF with LibreOffice (as the
workbook's page setup prints it) and the first page to PNG with poppler's pdftoppm.
Needs `soffice` (Debian: libreoffice-calc-nogui) and `pdftoppm` (poppler-utils).

    python benchmarks/workbook_picture.py [--output docs/screening-workbook.png] [--dpi 80]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from lreview.screening.workbook import write_workbook  # noqa: E402
from tests.support.workbooks import HIGHLIGHT, Reviewer, make_instructions, make_meta, make_rows  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", type=Path, default=Path("docs/screening-workbook.png"))
    parser.add_argument("--dpi", type=int, default=80)
    parser.add_argument("--page", type=int, default=1, help="2 and on: the Instructions sheet")
    args = parser.parse_args()
    rows = make_rows(6, seed=7)
    rows[4] = replace(rows[4], flags=("retracted",))
    reviewer = Reviewer(write_workbook(make_meta(rows), rows, make_instructions(), highlight=HIGHLIGHT))
    reviewer.decide({1: "include", 2: ("exclude", "wrong design", "case series"), 3: "maybe"})
    with tempfile.TemporaryDirectory() as tmp:
        workbook = Path(tmp) / "alice-batch3.xlsx"
        workbook.write_bytes(reviewer.save())
        profile = f"-env:UserInstallation={(Path(tmp) / 'profile').as_uri()}"
        subprocess.run(
            ["soffice", profile, "--headless", "--convert-to", "pdf", "--outdir", tmp, str(workbook)],
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        page, number = Path(tmp) / "page", str(args.page)
        subprocess.run(
            ["pdftoppm", "-png", "-r", str(args.dpi), "-f", number, "-l", number, "-singlefile",
             str(workbook.with_suffix(".pdf")), str(page)],
            check=True, timeout=120,
        )  # fmt: skip
        args.output.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(page.with_suffix(".png"), args.output)
    print(f"{args.output}: {args.output.stat().st_size / 1000:.0f} kB")


if __name__ == "__main__":
    main()
