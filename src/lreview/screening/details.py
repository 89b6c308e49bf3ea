"""What a workbook row shows beyond the bibliographic fields: trial-registration details and flags.

A registration (ClinicalTrials.gov) row lists its status, phase, start and completion dates,
sponsor, enrollment, conditions, interventions and secondary ids in the `details` column (its link is
the registry page, `Record.url`); a preprint's row names its server. `source_flags` says
"trial registration" or "preprint"; `flags` adds retracted, erratum and possible duplicate. Pure:
records in, (label, text) pairs and flags out.
"""

from __future__ import annotations

from collections.abc import Sequence

from lreview.records import Record, is_registration

# Record.extra keys shown for a registration, in this order, with their labels
REGISTRATION_DETAILS = (
    ("status", "Status"),
    ("phase", "Phase"),
    ("start_date", "Start"),
    ("completion_date", "Completion"),
    ("sponsor", "Sponsor"),
    ("enrollment", "Enrollment"),
    ("condition", "Condition"),
    ("intervention", "Intervention"),
    ("secondary_id", "Other id"),
)
REGISTRATION_FLAG = "trial registration"
PREPRINT_FLAG = "preprint"


def is_preprint(record: Record) -> bool:
    """A preprint: publication type "Preprint" (Europe PMC's PPR source, RIS exports that say so)."""
    return any(t.casefold() == "preprint" for t in record.publication_types)


def details(record: Record) -> tuple[tuple[str, str], ...]:
    """(label, text) lines for the `details` column: a registration's facts, a preprint's server."""
    if is_registration(record):
        lines = [("Registration", record.source_id)]
        for key, label in REGISTRATION_DETAILS:
            values = [value for k, value in record.extra if k == key]
            if values:
                lines.append((label, "; ".join(values)))
        return tuple(lines)
    server = [value for k, value in record.extra if k == "preprint_server"]
    if is_preprint(record) and server:
        return (("Preprint server", server[0]),)
    registered = sorted({value for k, value in record.extra if k == "trial_registration"})
    return (("Trial registration", ", ".join(registered)),) if registered else ()


def flags(records: Sequence[Record], possible_duplicate: bool) -> tuple[str, ...]:
    """Everything a publication's `flags` cell says: its member records' kinds (`source_flags`), then
    retracted, retraction notice, erratum, and possible duplicate (a pending pair names a member)."""
    notes = [
        name
        for name, present in (
            ("retracted", any(r.is_retracted for r in records)),
            ("retraction notice", any(r.is_retraction_notice for r in records)),
            ("erratum", any(r.is_erratum for r in records)),
            ("possible duplicate", possible_duplicate),
        )
        if present
    ]
    return (*source_flags(records), *notes)


def source_flags(records: Sequence[Record]) -> tuple[str, ...]:
    """ "trial registration" and/or "preprint" when a member record of the publication is one."""
    flags = []
    if any(is_registration(r) for r in records):
        flags.append(REGISTRATION_FLAG)
    if any(is_preprint(r) for r in records):
        flags.append(PREPRINT_FLAG)
    return tuple(flags)
