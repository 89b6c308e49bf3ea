"""A local stand-in for Europe PMC's REST `/search` (JSON, resultType=core, cursorMark paging).

Results are core JSON objects (`result(...)` builds one: a preprint with `source="PPR"`, an article
with `source="MED"`). The server filters them by the `UPDATE_DATE:[lo TO hi]` the client adds (a result's
update date: its `dateOfRevision` if `revised`, else its first index date) and, if
given, by `match`; pages them by `pageSize` from cursorMark `*`; and, as Europe PMC does, answers the
last page with its own cursor repeated (`repeat_last_cursor`, default) or with one more, empty page.
For tests and benchmarks only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from tests.support.json_server import JsonServer

Result = dict[str, Any]
_WINDOW = re.compile(r"UPDATE_DATE:\[(\S+) TO (\S+)\]")


def result(
    ident: str,
    title: str,
    *,
    source: str = "PPR",
    indexed: str = "2025-05-01",
    abstract: str = "",
    authors: Sequence[tuple[str, str]] = (("Smith", "J"), ("Doe", "A")),
    year: int = 2025,
    doi: str | None = None,
    pmid: str | None = None,
    pmcid: str | None = None,
    journal: str = "",
    server: str = "medRxiv",
    revised: str | None = None,
) -> Result:
    """A core result with the fields lreview reads."""
    value: Result = {
        "id": ident,
        "source": source,
        "title": title,
        "authorString": ", ".join(f"{s} {i}" for s, i in authors),
        "authorList": {
            "author": [{"lastName": s, "initials": i, "fullName": f"{s} {i}"} for s, i in authors]
        },
        "pubYear": str(year),
        "abstractText": abstract or f"<h4>Background</h4>{title}. We report <i>results</i>.",
        "language": "eng",
        "pubTypeList": {
            "pubType": ["preprint"] if source == "PPR" else ["research-article", "Journal Article"]
        },
        "firstIndexDate": indexed,
        "firstPublicationDate": indexed,
    }
    if source == "PPR":
        value["bookOrReportDetails"] = {"publisher": server}
    else:
        value["journalInfo"] = {
            "volume": "12",
            "issue": "3",
            "journal": {"title": journal or "Fertility Journal"},
        }
        value["pageInfo"] = "101-9"
    for key, item in (("doi", doi), ("pmid", pmid), ("pmcid", pmcid), ("dateOfRevision", revised)):
        if item:
            value[key] = item
    return value


def many_results(n: int, start: int = 1) -> list[Result]:
    """`n` distinct preprints PPR<i>, indexed across 2025."""
    return [
        result(f"PPR{700000 + i}", f"Preprint number {i} on naltrexone", indexed=f"2025-{1 + i % 12:02d}-10")
        for i in range(start, start + n)
    ]


class EuropePmcServer(JsonServer):
    """The fake REST service; point `EuropePmcSettings(base_url=server.url)` at it."""

    prefix = "/europepmc/webservices/rest/"

    def __init__(
        self,
        results: Iterable[Result] = (),
        *,
        match: Callable[[str, Result], bool] | None = None,
        repeat_last_cursor: bool = True,
        enforce_rate: float | None = None,
        latency: float = 0.0,
    ) -> None:
        super().__init__(enforce_rate=enforce_rate, latency=latency)
        self.results: dict[str, Result] = {}
        self._encoded: dict[str, bytes] = {}  # each result's JSON, encoded once (a page joins them)
        self._order: list[str] = []
        self._indexed: dict[str, str] = {}
        self.add(results)
        self.match = match
        self.repeat_last_cursor = repeat_last_cursor

    def add(self, results: Iterable[Result]) -> None:
        for r in results:
            key = f"{r['source']}:{r['id']}"
            self.results[key] = r
            self._encoded[key] = json.dumps(r).encode()
            self._indexed[key] = max(r["firstIndexDate"], r.get("dateOfRevision", ""))
        self._order = sorted(self.results)

    def page(self, endpoint: str, params: dict[str, str]) -> Any:
        if endpoint != "search":
            raise LookupError(f"unknown endpoint {endpoint}")
        if params.get("format") != "json" or params.get("resultType") != "core":
            raise LookupError("this fake serves format=json&resultType=core only")
        query = params.get("query", "")
        keys = self._order
        window = _WINDOW.search(query)
        if window:
            lo, hi = window.groups()
            keys = [k for k in keys if lo <= self._indexed[k] <= hi]
        found = [self.results[k] for k in keys]
        if self.match is not None:
            found = [r for r in found if self.match(query, r)]
        size = int(params.get("pageSize", "25"))
        if not 0 < size <= 1000:
            raise LookupError("pageSize must be 1..1000")
        cursor = params.get("cursorMark", "*")
        offset = 0 if cursor == "*" else int(cursor[1:])
        chunk = found[offset : offset + size]
        done = offset + size >= len(found)
        following = cursor if done and self.repeat_last_cursor else f"c{offset + len(chunk)}"
        head = {
            "version": "6.9",
            "hitCount": len(found),
            "nextCursorMark": following,
            "request": {"queryString": query, "cursorMark": cursor, "pageSize": size},
        }
        results = b",".join(self._encoded[f"{r['source']}:{r['id']}"] for r in chunk)
        return json.dumps(head).encode()[:-1] + b', "resultList": {"result": [' + results + b"]}}"


def main() -> int:
    """`python -m tests.support.europepmc_server N RATE`: serve N preprints, enforcing RATE requests/s."""
    import sys

    from tests.support.json_server import serve_until_stdin_closes

    n, rate = int(sys.argv[1]), float(sys.argv[2])
    return serve_until_stdin_closes(EuropePmcServer(many_results(n), enforce_rate=rate))


if __name__ == "__main__":
    raise SystemExit(main())
