"""One study, several reports: articles and preprints linked to the trial registration they cite.

A registration (`keys.is_registration`) is never merged with an article (`compare` keeps kinds
apart); instead a record that names its NCT id (PubMed's DataBank accession, kept as
`trial_registration` in `Record.extra`; an NCT id in its title or abstract) or that the registration
lists among its references (`reference_pmid`) is a report of that study: a `RelatedPair` with the
reason `study NCT...`. PRISMA counts studies vs reports from these pairs. Pure: records in, pairs out.
"""

from __future__ import annotations

from collections.abc import Sequence

from lreview.dedup.result import RelatedPair
from lreview.records import NCT_ID, Record, is_registration

STUDY = "study"


def cited_trials(record: Record) -> set[str]:
    """The NCT ids a (non-registration) record names: its DataBank accessions, title and abstract."""
    found = {value.upper() for key, value in record.extra if key == "trial_registration"}
    found.update(m.upper() for m in NCT_ID.findall(f"{record.title} {record.abstract}".upper()))
    return {nct for nct in found if NCT_ID.fullmatch(nct)}


def study_links(records: Sequence[Record]) -> list[RelatedPair]:
    """(registration, report) pairs: each record that cites a registration present in `records`."""
    registrations: dict[str, int] = {}
    by_pmid: dict[str, set[int]] = {}
    for i, record in enumerate(records):
        if is_registration(record):
            registrations.setdefault(record.source_id.upper(), i)
            for key, value in record.extra:
                if key == "reference_pmid":
                    by_pmid.setdefault(value, set()).add(i)
    if not registrations:
        return []
    pairs: set[tuple[int, int, str]] = set()
    for j, record in enumerate(records):
        if is_registration(record):
            continue
        for nct in cited_trials(record):
            if nct in registrations:
                pairs.add((registrations[nct], j, f"{STUDY} {nct}"))
        for i in by_pmid.get(record.pmid or "", ()):
            pairs.add((i, j, f"{STUDY} {records[i].source_id}"))
    unique: dict[tuple[int, int], str] = {}
    for i, j, reason in sorted(pairs):
        unique.setdefault((i, j), reason)
    return [RelatedPair(i, j, reason) for (i, j), reason in sorted(unique.items())]
