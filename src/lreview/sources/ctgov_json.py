"""ClinicalTrials.gov API v2 study JSON -> `Record` (pure).

A registration becomes one Record: the NCT id as the source id, the brief title as the title (the
official title in `extra`), the brief summary and detailed description as the abstract, publication
type "Clinical Trial Registration", the first-posted and last-update-posted dates as entered/revised,
and the registry page as the url. What has no Record slot goes to `extra` as (label, value) pairs:
official_title, status, phase, study_type, start_date, completion_date, sponsor, enrollment,
condition, intervention, secondary_id (EudraCT, ISRCTN, ...), reference_pmid (linked publications).

Not for: paging or HTTP (`ctgov.py`).
"""

from __future__ import annotations

import json
from typing import Any

from lreview.errors import InputError
from lreview.records import REGISTRATION, Record
from lreview.sources.json_fields import get as _get
from lreview.sources.json_fields import listed as _list
from lreview.sources.json_fields import text as _text

SOURCE = "ClinicalTrials.gov"
STUDY_URL = "https://clinicaltrials.gov/study/"


def _secondary_id(info: Any) -> str:
    """`EudraCT 2019-001234-12`, `ISRCTN ISRCTN12345678`, or `<type> <id>`."""
    ident, kind, domain = _text(info, "id"), _text(info, "type"), _text(info, "domain")
    if not ident:
        return ""
    if kind == "EUDRACT_NUMBER":
        return f"EudraCT {ident}"
    if ident.upper().startswith("ISRCTN") or "isrctn" in domain.casefold():
        return f"ISRCTN {ident}"
    label = domain or kind.replace("_", " ").title() or "id"
    return f"{label} {ident}"


def parse_study(study: Any) -> Record:
    """One study object of `/api/v2/studies` as a Record; InputError if it has no NCT id."""
    p = _get(study, "protocolSection") or {}
    nct = _text(p, "identificationModule", "nctId")
    if not nct:
        raise InputError(f"{SOURCE}: a study without protocolSection.identificationModule.nctId")
    status = _get(p, "statusModule") or {}
    summary = _text(p, "descriptionModule", "briefSummary")
    detailed = _text(p, "descriptionModule", "detailedDescription")
    abstract = "\n".join(
        f"{label}: {text}" for label, text in (("SUMMARY", summary), ("DESCRIPTION", detailed)) if text
    )
    start = _text(status, "startDateStruct", "date")
    first_posted = _text(status, "studyFirstPostDateStruct", "date")
    year_from = start or first_posted
    extra: list[tuple[str, str]] = []

    def add(label: str, value: str) -> None:
        if value:
            extra.append((label, value))

    add("official_title", _text(p, "identificationModule", "officialTitle"))
    add("status", _text(status, "overallStatus"))
    add("phase", ", ".join(str(x) for x in _list(p, "designModule", "phases")))
    add("study_type", _text(p, "designModule", "studyType"))
    add("start_date", start)
    add("completion_date", _text(status, "completionDateStruct", "date"))
    add("sponsor", _text(p, "sponsorCollaboratorsModule", "leadSponsor", "name"))
    count, kind = (
        _text(p, "designModule", "enrollmentInfo", "count"),
        _text(p, "designModule", "enrollmentInfo", "type"),
    )
    add("enrollment", f"{count} ({kind.lower()})" if count and kind else count)
    for condition in _list(p, "conditionsModule", "conditions"):
        add("condition", str(condition).strip())
    for intervention in _list(p, "armsInterventionsModule", "interventions"):
        name, kind = _text(intervention, "name"), _text(intervention, "type")
        add("intervention", f"{kind.title()}: {name}" if kind and name else name)
    for info in _list(p, "identificationModule", "secondaryIdInfos"):
        add("secondary_id", _secondary_id(info))
    for reference in _list(p, "referencesModule", "references"):
        add("reference_pmid", _text(reference, "pmid"))
    return Record(
        source=SOURCE,
        source_id=nct,
        title=_text(p, "identificationModule", "briefTitle"),
        abstract=abstract,
        authors=(),
        year=int(year_from[:4]) if year_from[:4].isdigit() else None,
        publication_types=(REGISTRATION,),
        keywords=tuple(str(k) for k in _list(p, "conditionsModule", "keywords")),
        date_entered=first_posted,
        date_revised=_text(status, "lastUpdatePostDateStruct", "date"),
        url=STUDY_URL + nct,
        extra=tuple(extra),
    )


def read_studies_page(body: bytes) -> tuple[list[Any], str | None, int | None]:
    """One page of `/api/v2/studies` unparsed: its study objects, `nextPageToken` (None on the last
    page) and `totalCount` (when asked for). A body that is not a studies page raises ValueError."""
    data = json.loads(body)
    if not isinstance(data, dict) or not isinstance(data.get("studies", []), list):
        raise ValueError("not a studies page (no 'studies' list)")
    token = data.get("nextPageToken")
    total = data.get("totalCount")
    studies = data.get("studies", [])
    return studies, (str(token) if token else None), (int(total) if isinstance(total, int) else None)


def parse_studies_page(body: bytes) -> tuple[list[Record], str | None, int | None]:
    """One page of `/api/v2/studies` as Records, with its next token and total (`read_studies_page`)."""
    studies, token, total = read_studies_page(body)
    return [parse_study(study) for study in studies], token, total
