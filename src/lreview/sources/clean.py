"""Control characters out of imported records: one rule for every importer, on every store backend.

NUL and the other C0 controls (U+0000-U+001F) other than TAB, LF and CR are never text a reviewer
wrote: exporters leave them behind from binary fields or bad conversions. PostgreSQL refuses NUL in
text, spreadsheet writers refuse the rest, and a person cannot see them. So they are removed from
every text value of a Record (slots, lists, `extra`, links) and counted, so the import summary can
say what was removed. Every file importer's records pass through here in `loader.load_export`; the
PubMed harvest cannot carry any (XML 1.0 forbids them, raw or as `&#1;`, and the parser refuses
them). Pure; nothing else in the text is changed.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lreview.records import Link, Record

CONTROLS = "".join(chr(code) for code in range(0x20) if chr(code) not in "\t\n\r")
_FOUND = re.compile(f"[{re.escape(CONTROLS)}]")
_DELETE = str.maketrans("", "", CONTROLS)
_IDENTIFIERS = frozenset({"pmid", "doi", "pmcid"})  # None when absent, so None when nothing is left
_FIELDS = tuple(field.name for field in dataclasses.fields(Record))


@dataclass(frozen=True)
class Cleaned:
    """Records with their control characters removed, and how many were removed from how many records."""

    records: list[Record]
    characters: int = 0
    changed: int = 0  # records that held at least one

    def note(self) -> str:
        """ "N control characters removed from M records", or "" when there were none."""
        if not self.characters:
            return ""
        chars = "character" if self.characters == 1 else "characters"
        records = "record" if self.changed == 1 else "records"
        return f"{self.characters} control {chars} removed from {self.changed} {records}"


def _text(value: str) -> tuple[str, int]:
    if _FOUND.search(value) is None:
        return value, 0
    kept = value.translate(_DELETE)
    return kept, len(value) - len(kept)


def _value(value: Any) -> tuple[Any, int]:
    """`value` (text, a tuple of texts or pairs, a Link) without controls, and how many were removed."""
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, tuple):
        parts = [_value(part) for part in value]
        return tuple(part for part, _ in parts), sum(n for _, n in parts)
    if isinstance(value, Link):
        ref, n_ref = _text(value.ref)
        pmid, n_pmid = _text(value.pmid) if value.pmid is not None else (None, 0)
        return Link(value.kind, pmid or None, ref), n_ref + n_pmid
    return value, 0


def strip_controls(record: Record) -> tuple[Record, int]:
    """`record` without C0 control characters (TAB, LF, CR kept), and how many were removed."""
    changes: dict[str, Any] = {}
    removed = 0
    for name in _FIELDS:
        cleaned, count = _value(getattr(record, name))
        if count:
            removed += count
            changes[name] = (cleaned or None) if name in _IDENTIFIERS else cleaned
    return (dataclasses.replace(record, **changes), removed) if changes else (record, 0)


def clean_records(records: Iterable[Record]) -> Cleaned:
    """Every record through `strip_controls`, in order, with the totals for the import summary."""
    out: list[Record] = []
    characters = changed = 0
    for record in records:
        cleaned, count = strip_controls(record)
        out.append(cleaned)
        characters += count
        changed += count > 0
    return Cleaned(out, characters, changed)
