"""A local stand-in for ClinicalTrials.gov API v2 `/api/v2/studies`, with paging edge cases and faults.

Studies are v2 JSON objects (`study(...)` builds a realistic one). The server filters them by the
`AREA[LastUpdatePostDate]RANGE[lo,hi]` of `filter.advanced` and, if given, by `match` (a predicate
over the request's parameters and a study), pages them by `pageSize` with opaque `pageToken`s and
counts them when `countTotal=true`. Edge cases on demand: `empty_last_page` (the last full page still
gives a token, whose page is empty), `repeat_token_after` (from that page on, the same token again).
For tests and benchmarks only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

from tests.support.json_server import JsonServer

Study = dict[str, Any]
_RANGE = re.compile(r"AREA\[LastUpdatePostDate\]RANGE\[([^,\]]+),([^\]]+)\]")


def study(
    nct: str,
    title: str,
    *,
    updated: str = "2025-06-01",
    first_posted: str = "2024-01-15",
    summary: str = "",
    conditions: Sequence[str] = ("Endometriosis",),
    interventions: Sequence[tuple[str, str]] = (("DRUG", "Low-dose naltrexone"),),
    phases: Sequence[str] = ("PHASE2",),
    status: str = "RECRUITING",
    sponsor: str = "University Hospital",
    enrollment: int = 60,
    secondary_ids: Sequence[dict[str, str]] = (),
    pmids: Sequence[str] = (),
) -> Study:
    """A v2 study with the modules lreview reads."""
    return {
        "protocolSection": {
            "identificationModule": {
                "nctId": nct,
                "briefTitle": title,
                "officialTitle": f"A Randomised Trial: {title}",
                "secondaryIdInfos": list(secondary_ids),
            },
            "statusModule": {
                "overallStatus": status,
                "startDateStruct": {"date": "2024-03", "type": "ACTUAL"},
                "completionDateStruct": {"date": "2026-12-31", "type": "ESTIMATED"},
                "studyFirstPostDateStruct": {"date": first_posted, "type": "ACTUAL"},
                "lastUpdatePostDateStruct": {"date": updated, "type": "ACTUAL"},
            },
            "sponsorCollaboratorsModule": {"leadSponsor": {"name": sponsor, "class": "OTHER"}},
            "descriptionModule": {"briefSummary": summary or f"This study tests {title.lower()}."},
            "conditionsModule": {"conditions": list(conditions), "keywords": ["pelvic pain"]},
            "designModule": {
                "studyType": "INTERVENTIONAL",
                "phases": list(phases),
                "enrollmentInfo": {"count": enrollment, "type": "ESTIMATED"},
            },
            "armsInterventionsModule": {"interventions": [{"type": t, "name": n} for t, n in interventions]},
            "referencesModule": {
                "references": [{"pmid": p, "type": "RESULT", "citation": "..."} for p in pmids]
            },
        },
        "hasResults": False,
    }


def many_studies(n: int, start: int = 1) -> list[Study]:
    """`n` distinct studies NCT9000000<i>, updated across 2025."""
    return [
        study(
            f"NCT{90000000 + i:08d}", f"Trial number {i} of naltrexone", updated=f"2025-{1 + i % 12:02d}-15"
        )
        for i in range(start, start + n)
    ]


def _nct(s: Study) -> str:
    return str(s["protocolSection"]["identificationModule"]["nctId"])


def _updated(s: Study) -> str:
    return str(s["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"])


class CtgovServer(JsonServer):
    """The fake API; point `CtgovSettings(base_url=server.url)` at it."""

    prefix = "/api/v2/"

    def __init__(
        self,
        studies: Iterable[Study] = (),
        *,
        match: Callable[[dict[str, str], Study], bool] | None = None,
        empty_last_page: bool = False,
        repeat_token_after: int | None = None,
        enforce_rate: float | None = None,
        latency: float = 0.0,
    ) -> None:
        super().__init__(enforce_rate=enforce_rate, latency=latency)
        self.studies: dict[str, Study] = {}
        self._encoded: dict[str, bytes] = {}  # each study's JSON, encoded once (a page joins them)
        self._order: list[str] = []
        self._updated: dict[str, str] = {}
        self.add(studies)
        self.match = match
        self.empty_last_page = empty_last_page
        self.repeat_token_after = repeat_token_after

    def add(self, studies: Iterable[Study]) -> None:
        """Add or replace (revise) studies by NCT id."""
        for s in studies:
            nct = s["protocolSection"]["identificationModule"]["nctId"]
            self.studies[nct] = s
            self._encoded[nct] = json.dumps(s).encode()
            self._updated[nct] = _updated(s)
        self._order = sorted(self.studies)

    def page(self, endpoint: str, params: dict[str, str]) -> Any:
        if endpoint != "studies":
            raise LookupError(f"unknown endpoint {endpoint}")
        keys = self._order
        window = _RANGE.search(params.get("filter.advanced", ""))
        if window:
            lo, hi = window.groups()
            lo, hi = ("" if lo == "MIN" else lo), ("9999" if hi == "MAX" else hi)
            keys = [k for k in keys if lo <= self._updated[k] <= hi]
        found = [self.studies[k] for k in keys]
        if self.match is not None:
            found = [s for s in found if self.match(params, s)]
        size = int(params.get("pageSize", "10"))
        if not 0 < size <= 1000:
            raise LookupError("pageSize must be 1..1000")
        token = params.get("pageToken", "")
        offset = int(token[1:]) if token else 0
        number = offset // size + 1
        chunk = found[offset : offset + size]
        answer: dict[str, Any] = {}
        if params.get("countTotal") == "true":
            answer["totalCount"] = len(found)
        more = offset + size < len(found) or (self.empty_last_page and chunk and offset + size == len(found))
        if more:
            answer["nextPageToken"] = f"t{offset + size}"
        if self.repeat_token_after is not None and number >= self.repeat_token_after and token:
            answer["nextPageToken"] = token
        studies = b",".join(self._encoded[_nct(s)] for s in chunk)
        rest = json.dumps(answer).encode()  # b"{}" or b'{"totalCount": ...}'
        tail = b"}" if rest == b"{}" else b"," + rest[1:]
        return b'{"studies":[' + studies + b"]" + tail


def today_range(lo: date | None, hi: date) -> str:
    """The filter the client sends for a window (for assertions)."""
    return f"AREA[LastUpdatePostDate]RANGE[{lo.isoformat() if lo else 'MIN'},{hi.isoformat()}]"


def main() -> int:
    """`python -m tests.support.ctgov_server N RATE`: serve N studies, enforcing RATE requests/s."""
    import sys

    from tests.support.json_server import serve_until_stdin_closes

    n, rate = int(sys.argv[1]), float(sys.argv[2])
    return serve_until_stdin_closes(CtgovServer(many_studies(n), enforce_rate=rate))


if __name__ == "__main__":
    raise SystemExit(main())
