"""The README is a new user's map: every environment variable the code reads is named in it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# os.environ.get("X"), os.environ["X"], os.getenv("X"), env.get("X"), environ.setdefault("X", ...)
READS = re.compile(
    r"""(?:environ|getenv|\benv)(?:\.(?:get|setdefault|pop))?[(\[]\s*["']([A-Z][A-Z0-9_]+)["']"""
)
NOT_FOR_USERS = {"PREFECT_HOME", "PYTHONPATH"}  # set by the test suite for its own child processes


def variables_read() -> dict[str, str]:
    found: dict[str, str] = {}
    for folder in ("src", "flows", "tests", "benchmarks", "scripts"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for name in READS.findall(path.read_text(encoding="utf-8")):
                found.setdefault(name, str(path.relative_to(ROOT)))
    return {name: where for name, where in found.items() if name not in NOT_FOR_USERS}


def test_every_environment_variable_the_code_reads_is_named_in_the_readme() -> None:
    found = variables_read()
    assert {"LREVIEW_EUTILS_URL", "LREVIEW_DATABASE_URL", "NCBI_API_KEY", "LREVIEW_SHARED_DATA"} <= set(found)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = {name: where for name, where in found.items() if f"`{name}`" not in readme}
    assert missing == {}, f"read by the code but not named in README.md: {missing}"
