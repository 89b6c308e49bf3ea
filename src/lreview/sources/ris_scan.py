"""The structural scan of RIS text: records with their numbers and lines, before rispy groups tags.

Done here rather than in rispy because rispy reports no line numbers, silently skips text before the
first TY and drops a last record that has no ER. Used by `ris.parse_ris`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lreview.errors import InputError

# Tags whose untagged continuation lines are further values (one keyword per line, as Rayyan and
# some EBSCO exports write them) rather than the wrapped rest of the previous line.
_ONE_VALUE_PER_LINE = frozenset({"KW", "AU", "A1", "A2", "A3", "A4"})
# Exporters do not hard-wrap RIS: an untagged line is a line break inside the value (abstract
# paragraphs, one address or reference per line) and is kept as "\n" — except in titles and
# journal names, where a break is only layout and becomes a space.
_ONE_LINE_TAGS = frozenset({"TI", "T1", "T2", "T3", "ST", "BT", "TT", "JO", "JF", "JA", "J2", "CT"})

_TAG_LINE = re.compile(r"^([A-Z][A-Z0-9]) {1,2}-(?: (.*)|\s*)$")


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One record's (tag, value) pairs as the scanner read them, with where it starts."""

    number: int  # 1-based position in the file
    line: int  # line of its TY tag
    fields: tuple[tuple[str, str], ...]


# Lines real exporters put between records (after ER, before the next TY). Ovid numbers its records
# ("1.") and writes a link to the record after its ER; the link is kept on the record before it.
_RECORD_COUNTER = re.compile(r"^\d+\.$")
_AFTER_ER_FIELDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^Link to the Ovid Full Text or citation:\s*(.*)$"), "Ovid link"),
)
# Download headers some publishers/EBSCO put before the first TY ("Provider: Wiley", "Database: ...",
# "Content: text/plain; charset=UTF-8"); "Database" names the file's database.
DOWNLOAD_HEADER = re.compile(r"^(Provider|Database|Content|Tagged|Version|Source):\s*(.*)$")
_AFTER_ER_TAGS = frozenset({"NL"})  # Ovid PsycInfo writes "NL  - <NLM title abbreviation>" after ER


def scan(text: str, name: str) -> list[RawRecord]:
    """Split RIS text into records, checking structure; untagged lines continue the previous field.

    Done here rather than in rispy because rispy reports no line numbers, silently skips text before
    the first TY and drops a last record that has no ER; and because real files need: "ER  -" with
    or without its trailing space, blank lines inside a record, continuation lines that begin with
    words like "EROSION" (not an ER tag: a tag needs the "  -" after it), one-keyword-per-line KW,
    and Ovid's record counters and links between records.
    """
    records: list[RawRecord] = []
    fields: list[list[str]] = []  # [tag, value] pairs of the open record
    start = 0
    number = 0
    for lineno, line in enumerate(text.split("\n"), start=1):
        match = _TAG_LINE.match(line.rstrip())
        if match is None:
            stripped = line.strip()
            if not stripped:
                continue
            if fields:
                last = fields[-1]
                if last[0] in _ONE_VALUE_PER_LINE:
                    fields.append([last[0], stripped])
                else:
                    joiner = " " if last[0] in _ONE_LINE_TAGS else "\n"
                    last[1] = f"{last[1]}{joiner}{stripped}".strip()
                continue
            if _RECORD_COUNTER.match(stripped) or (number == 0 and DOWNLOAD_HEADER.match(stripped)):
                continue
            after = [(label, m.group(1)) for rx, label in _AFTER_ER_FIELDS if (m := rx.match(stripped))]
            if after and records:
                prev = records[-1]
                records[-1] = RawRecord(prev.number, prev.line, (*prev.fields, after[0]))
                continue
            where = f"record {number + 1} (line {lineno})"
            raise InputError(f"{name}: {where}: text before TY (record has no start): {stripped[:60]!r}")
        tag, value = match.group(1), (match.group(2) or "").strip()
        if tag == "TY":
            if fields:
                raise InputError(
                    f"{name}: record {number} (line {start}): missing ER terminator before the next TY "
                    f"(line {lineno})"
                )
            number += 1
            start = lineno
            fields = [[tag, value]]
        elif not fields and tag in _AFTER_ER_TAGS and records:
            prev = records[-1]
            records[-1] = RawRecord(prev.number, prev.line, (*prev.fields, (tag, value)))
        elif not fields:
            where = f"record {number + 1} (line {lineno})"
            raise InputError(f"{name}: {where}: field {tag} before TY (record has no start)")
        elif tag == "ER":
            records.append(RawRecord(number, start, tuple((t, v) for t, v in fields)))
            fields = []
        else:
            fields.append([tag, value])
    if fields:
        raise InputError(f"{name}: record {number} (line {start}): missing ER terminator at end of file")
    return records
