"""PRISMA counts as `prisma.json` and as the flow diagram (SVG, PNG): text and bytes, never files.

The JSON holds the boxes in flow order (keys in a fixed order, per-name counts as objects in display
order) with the time the counts were taken (`as_of`), the lreview version and the derived totals; it is
read back by `counts_from_json` (a living review reads the previous version's counts that way).
"""

from __future__ import annotations

import json
from typing import Any

from lreview.errors import PrismaError
from lreview.prisma.counts import Named, PrismaCounts, check
from lreview.prisma.diagram import diagram_png, diagram_svg

__all__ = ["counts_from_json", "diagram_png", "diagram_svg", "prisma_json"]

_NUMBERS = (
    "duplicates",
    "excluded_automatic",
    "excluded_other",
    "screened",
    "screened_excluded",
    "awaiting",
    "sought",
    "not_retrieved",
    "assessed",
    "fulltext_awaiting",
)
_COUNTS = (*_NUMBERS, "new_studies", "new_reports")
_DERIVED = ("identified", "total_studies", "total_reports")


def prisma_json(counts: PrismaCounts) -> str:
    """The counts as JSON: "as_of", "lreview_version", then every box in flow order and the totals."""
    check(counts)
    c = counts
    data: dict[str, Any] = {"as_of": c.as_of, "lreview_version": c.version, "identified": c.identified}
    data["databases"] = dict(c.databases)
    data["registers"] = dict(c.registers)
    data.update({key: getattr(c, key) for key in _NUMBERS})
    data["excluded_reasons"] = dict(c.excluded_reasons)
    data.update(new_studies=c.new_studies, new_reports=c.new_reports)
    data.update(previous_studies=c.previous_studies, previous_reports=c.previous_reports)
    data.update(total_studies=c.total_studies, total_reports=c.total_reports)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _named(data: dict[str, Any], key: str) -> Named:
    value = data.get(key, {})
    if not isinstance(value, dict) or not all(_is_count(n) for n in value.values()):
        raise PrismaError(f"prisma.json: {key}: expected an object of name: count")
    return tuple((str(name), int(n)) for name, n in value.items())


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(data: dict[str, Any], key: str, *, optional: bool = False) -> Any:  # int, or None
    value = data.get(key, None if optional else 0)
    if (value is None and optional) or _is_count(value):
        return value
    raise PrismaError(f"prisma.json: {key}: expected a whole number, got {value!r}")


def counts_from_json(text: str) -> PrismaCounts:
    """The counts `prisma_json` wrote; `PrismaError` naming the key when the text is not such a file."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PrismaError(f"prisma.json: not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise PrismaError("prisma.json: expected a JSON object")
    counts = PrismaCounts(
        databases=_named(data, "databases"),
        registers=_named(data, "registers"),
        excluded_reasons=_named(data, "excluded_reasons"),
        previous_studies=_number(data, "previous_studies", optional=True),
        previous_reports=_number(data, "previous_reports", optional=True),
        as_of=str(data.get("as_of", "")),
        version=str(data.get("lreview_version", "")),
        **{key: _number(data, key) for key in _COUNTS},
    )
    check(counts)
    for key in _DERIVED:
        if key in data and data[key] != getattr(counts, key):
            raise PrismaError(
                f"prisma.json: {key} is {data[key]!r} but the boxes add up to {getattr(counts, key)}"
            )
    return counts
