"""Dependencies: CI installs the versions the suite passed with (constraints.txt); `make test-latest`
tries the newest in a new venv; every declared dependency is pinned within its declared bounds."""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = [
        *project["dependencies"],
        *(r for extra in project["optional-dependencies"].values() for r in extra),
    ]
    return [r for r in map(Requirement, lines) if canonicalize_name(r.name) != "lreview"]


def pins() -> dict[str, str]:
    out = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, sep, version = line.partition("==")
            assert sep, f"constraints.txt: {line!r} is not NAME==VERSION"
            out[canonicalize_name(name)] = version.strip()
    return out


def test_every_declared_dependency_is_pinned_within_its_bounds() -> None:
    pinned = pins()
    assert "lreview" not in pinned
    for requirement in declared():
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{requirement.name} is not in constraints.txt: run make constraints"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"constraints.txt pins {requirement.name}=={pinned[name]}, outside {requirement.specifier}"
        )


def dry_run(*args: str) -> str:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    # Under `make test CONSTRAINTS=…` an outer make's flags and command-line variables are in the environment.
    outer = ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES", "CONSTRAINTS", "VENV", "LATEST_VENV")
    env = {k: v for k, v in os.environ.items() if k not in outer}
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", "-B", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


def test_ci_installs_the_pinned_versions_and_make_test_alone_the_newest(tmp_path: Path) -> None:
    assert "make test CONSTRAINTS=constraints.txt" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    venv = f"VENV={tmp_path / 'venv'}"
    pinned = [
        line for line in dry_run("test", venv, "CONSTRAINTS=constraints.txt").splitlines() if "-e" in line
    ]
    assert pinned and all("--constraint constraints.txt" in line for line in pinned)
    assert "--constraint" not in dry_run("test", venv)


def test_test_latest_runs_the_suite_in_a_new_venv_with_the_newest_versions() -> None:
    commands = dry_run("test-latest", "LATEST_VENV=/nonexistent/latest").splitlines()
    assert commands[0] == "rm -rf /nonexistent/latest"
    install = next(c for c in commands if "-e '.[dev]'" in c)
    assert "--upgrade" in install and "--constraint" not in install
    assert commands[-1] == "/nonexistent/latest/bin/python -m pytest"
