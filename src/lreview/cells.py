"""Text cells that are safe to put in a file people open in a spreadsheet or that must be valid XML.

`neutralise` defuses formula injection (OWASP "CSV injection"): a cell whose text starts with `=`,
`+`, `-`, `@`, TAB or CR is run as a formula by Excel and LibreOffice (`=HYPERLINK(...)`,
`+1+1 cmd|' /C calc'!A0`), so such text gets a leading `'`. Text that already starts with `'` gets one
too, so that `strip_neutraliser` undoes `neutralise` exactly for every text: a reader applies it to
the columns it reads back (record ids, decisions, reviewers, verdicts) and gets what was written, and
text lreview did not prefix (no leading `'`) passes through it unchanged.
`clean_for_xml` drops the characters XML 1.0 forbids (C0 controls but TAB/LF/CR, lone surrogates,
U+FFFE/U+FFFF), which openpyxl and lxml refuse.

Pure functions over `str`, stdlib only, so every writer can use them. Not for: quoting CSV
separators (the `csv` module does that) or cleaning text at import.
"""

from __future__ import annotations

import re

PREFIX = "'"
# Leading characters a spreadsheet reads as the start of a formula (OWASP), and the prefix itself.
TRIGGERS = frozenset("=+-@\t\r")
_ESCAPED = TRIGGERS | {PREFIX}
# Anything outside XML 1.0's Char production.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def neutralise(text: str) -> str:
    """`text` with a leading `'` if a spreadsheet would run it as a formula (or it starts with `'`)."""
    return PREFIX + text if text[:1] in _ESCAPED else text


def strip_neutraliser(text: str) -> str:
    """Undo `neutralise`: drop the leading `'` it added; any other text is returned unchanged."""
    return text[1:] if text[:1] == PREFIX and text[1:2] in _ESCAPED else text


def clean_for_xml(text: str) -> str:
    """`text` without the characters XML 1.0 does not allow."""
    return _NOT_XML.sub("", text)
