"""Fixture for the store tests: an opened Store on each backend (builders are in store_builders.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lreview.store import Store


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A fresh store on a SQLite file and on PostgreSQL."""
    with Store.open(store_url) as opened:
        yield opened
