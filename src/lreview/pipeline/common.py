"""Helpers every pipeline step shares: the review's store, plain-text tables for summaries, and
pausing the cyclic garbage collector over a large step."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from lreview.config import ReviewConfig
from lreview.errors import StoreError
from lreview.store import Store

SUPPORTED_DATABASES = ("sqlite", "postgresql")
_URL_FORMS = "sqlite:///PATH or postgresql+psycopg://USER@HOST/DATABASE"


def table(rows: Sequence[dict[str, Any]]) -> str:
    if not rows:
        return "(nothing)"
    headers = list(rows[0])
    cells = [[str(row[h]) for h in headers] for row in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    body = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join([line, "  ".join("-" * w for w in widths), *body])


def masked_url(url: str) -> str:
    """`url` with its password replaced by `***`, even when it does not parse."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return re.sub(r":[^:/@]*@", ":***@", url)


def check_store_url(url: str, origin: str) -> None:
    """Refuse, in one line, a URL lreview cannot store a review in (before any driver is loaded)."""
    shown = f"store URL {masked_url(url)} (from {origin})"
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        raise StoreError(f"{shown}: not a database URL (use {_URL_FORMS})") from None
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_DATABASES:
        raise StoreError(
            f"{shown}: lreview stores reviews in SQLite or PostgreSQL, not {backend!r} ({_URL_FORMS})"
        )
    try:
        dialect = parsed.get_dialect()
    except sa.exc.NoSuchModuleError:
        raise StoreError(
            f"{shown}: unknown database driver {parsed.get_driver_name()!r} ({_URL_FORMS})"
        ) from None
    if getattr(dialect, "is_async", False):
        raise StoreError(
            f"{shown}: async driver {parsed.get_driver_name()!r} is not supported ({_URL_FORMS})"
        )


def open_store(config: ReviewConfig) -> Store:
    """The review's store, created or upgraded as needed (SQLite folders are created)."""
    url, origin = config.database_url, config.database_url_origin
    check_store_url(url, origin)
    shown = f"store URL {masked_url(url)} (from {origin})"
    try:
        return Store.open(url)
    except ImportError as exc:  # the driver's module, imported when the engine is made
        raise StoreError(f"{shown}: database driver not installed ({exc})") from None
    except OSError as exc:  # the SQLite file's folder could not be created
        where = f" {exc.filename}" if exc.filename else ""
        raise StoreError(f"{shown}: cannot create folder{where}: {exc.strerror or exc}") from None
