"""DESIGN.md's "Never" list, checked on the source: `dedup/` and `rank/` take and return records and
plain values; the store, the importers and every file they need are the edges' (`pipeline/`, `cli.py`)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "lreview"
PURE_PARTS = ("dedup", "rank")
# Modules that are the edges' business: the store, the importers, the steps, and the file formats.
EDGE_MODULES = ("lreview.store", "lreview.sources", "lreview.pipeline", "lreview.cli", "csv", "pandas",
                "openpyxl", "sqlalchemy", "httpx", "tempfile", "shutil", "zipfile")  # fmt: skip
# Calls that read or write files.
FILE_CALLS = {"open", "fdopen", "read_text", "write_text", "read_bytes", "write_bytes", "load", "save",
              "savez", "savez_compressed", "loadtxt", "savetxt", "mkdir", "unlink", "rename"}  # fmt: skip


def modules(part: str) -> list[Path]:
    return sorted((SRC / part).glob("*.py"))


def imported(tree: ast.AST) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
    return names


def file_calls(tree: ast.AST) -> list[str]:
    calls: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in FILE_CALLS:
                calls.append(f"{name}() line {node.lineno}")
    return calls


@pytest.mark.parametrize("part", PURE_PARTS)
def test_pure_parts_import_no_store_importer_or_file_format(part: str) -> None:
    offenders = [
        f"{path.relative_to(SRC)} imports {name}"
        for path in modules(part)
        for name in imported(ast.parse(path.read_text(encoding="utf-8")))
        if name.split(".")[0] in EDGE_MODULES or name.startswith(EDGE_MODULES)
    ]
    assert offenders == []


@pytest.mark.parametrize("part", PURE_PARTS)
def test_pure_parts_read_and_write_no_files(part: str) -> None:
    offenders = [
        f"{path.relative_to(SRC)}: {call}"
        for path in modules(part)
        for call in file_calls(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert offenders == []
