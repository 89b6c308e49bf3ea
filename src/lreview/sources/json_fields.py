"""Fields of a parsed JSON answer (dicts and lists) read without trusting its shape: a missing key, a
null or a value of another type reads as empty, never as an exception. ClinicalTrials.gov and Europe
PMC answers are read through these (`ctgov_json.py`, `europepmc_json.py`)."""

from __future__ import annotations

from typing import Any


def get(data: Any, *path: str) -> Any:
    """The value at `path` (keys of nested objects), or None where an object or key is missing."""
    for key in path:
        if not isinstance(data, dict):  # JSON objects are dicts (an ABC check costs 3x)
            return None
        data = data.get(key)
    return data


def text(data: Any, *path: str) -> str:
    """The string (or number) at `path`, stripped; "" for anything else."""
    value = get(data, *path)
    return str(value).strip() if isinstance(value, (str, int, float)) else ""


def listed(data: Any, *path: str) -> list[Any]:
    """The array at `path`; [] for anything else."""
    value = get(data, *path)
    return value if isinstance(value, list) else []
