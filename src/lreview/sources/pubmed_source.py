"""PubMed as a harvest source: ESearch over the entrez-date window (plus MDAT revisions), batched EFetch."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date

from lreview.records import Record
from lreview.sources.eutils import EutilsClient
from lreview.sources.harvest import Arm, SourceBatch, SourceSearch
from lreview.sources.pubmed_xml import parse_pubmed_xml


class PubMedSource:
    """PubMed through an `EutilsClient` (closed with the source only if the source opened it)."""

    name = "PubMed"
    arm: Arm = "database"

    def __init__(self, client: EutilsClient, *, owned: bool = True) -> None:
        self.client = client
        self._owned = owned

    def search(self, query: str, start: date | None, end: date, *, incremental: bool) -> SourceSearch:
        """Every PMID entered (EDAT) in the window, plus, when incremental, those revised (MDAT) in it."""
        outcome = self.client.search_pmids(query, mindate=start, maxdate=end)
        pmids = list(outcome.pmids)
        warnings = tuple(f"{m.kind}: {m.text}" for m in (*outcome.errors, *outcome.warnings))
        if incremental and start is not None:
            # Records entered earlier but revised in the window (MDAT) are fetched again and updated.
            revised = self.client.search_pmids(query, mindate=start, maxdate=end, datetype="mdat")
            seen = set(pmids)
            pmids.extend(p for p in revised.pmids if p not in seen)
        return SourceSearch(outcome.count, self._batches(pmids), outcome.query_translation, warnings)

    def _batches(self, pmids: list[str]) -> Iterator[SourceBatch]:
        for batch in self.client.fetch(pmids, self.parse):
            yield SourceBatch(batch.records, batch.missing)

    def parse(self, body: bytes) -> Sequence[Record]:
        return parse_pubmed_xml(body)

    def close(self) -> None:
        if self._owned:
            self.client.close()
