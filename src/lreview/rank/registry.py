"""Name -> part look-up shared by the ranking modules' registries (models, features, classifiers, ...)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

T = TypeVar("T")


def lookup(table: Mapping[str, T], name: str, kind: str) -> T:
    """`table[name]`, or a ValueError naming the `kind`, the unknown name and the known ones."""
    try:
        return table[name]
    except KeyError:
        raise ValueError(f"unknown {kind} {name!r}; known: {sorted(table)}") from None
