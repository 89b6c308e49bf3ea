"""LibreOffice for tests: the `soffice` binary (skip without it, fail under CI) and a headless convert."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def soffice() -> str:
    """The LibreOffice binary, or skip (fail under CI) when it is not installed."""
    found = shutil.which("soffice")
    if found is None:
        message = "LibreOffice (soffice) is not on PATH: apt-get install libreoffice-calc-nogui"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def convert(binary: str, source: Path, out: Path, to: str = "xlsx") -> Path:
    """`source` opened and saved by LibreOffice as `to`, with a private profile (no shared state)."""
    profile = (out / "profile").as_uri()
    subprocess.run(
        [binary, f"-env:UserInstallation={profile}", "--headless", "--convert-to", to, "--outdir", str(out),
         str(source)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return out / f"{source.stem}.{to}"
