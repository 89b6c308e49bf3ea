"""What one dedup run leaves for the next, incremental one: blocking values, fingerprints and links.

`PreviousRun` is what `incremental.dedupe_incremental` asks of it: the records sharing a blocking
key (`block.KEYS`, by number) or near a title in title order, the links (every candidate pair whose
verdict was more than a plain "distinct", as compared, before clustering), each record's fingerprint
(its keys and study facts), the human pair decisions the run honoured, and for study links
(`studies.study_links`) each record's study facts and every link. Records are named by their ids; an
`Entry` is (title key, id), the order `block` sorts by (ties by id, as positions are in id order).
`MemoryIndex` keeps all this in memory (tests, and building a stored index after a full run); the
pipeline keeps a persistent one beside the store.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from collections.abc import Collection, Mapping, Sequence
from dataclasses import fields
from typing import Protocol

from lreview.dedup.block import KEYS
from lreview.dedup.compare import RELATED, Verdict
from lreview.dedup.keys import Keys
from lreview.dedup.result import RelatedPair
from lreview.dedup.studies import cited_trials
from lreview.records import Record, is_registration

Pair = tuple[int, int]
Entry = tuple[str, int]  # (title key, record id)
Scope = tuple[int, str] | None  # (blocking key number, value), or None: every record with a title
Facts = tuple[tuple[str, str], ...]  # (role, value): what `studies.study_links` reads of a record
REGISTRATION, NAME, REFERENCE, CITES, PMID = "registration", "name", "reference", "cites", "pmid"


class PreviousRun(Protocol):
    """The previous dedup run, as `dedupe_incremental` reads it."""

    def members(self, kind: int, value: str, limit: int) -> list[Entry]:
        """Up to `limit` (any `limit`) of the records whose blocking key `kind` is `value`."""
        ...

    def neighbours(self, scope: Scope, entry: Entry, count: int) -> tuple[list[Entry], list[Entry]]:
        """The `count` records of `scope` just before and just after `entry` (not itself), nearest first."""
        ...

    def links(self, ids: Collection[int]) -> dict[Pair, Verdict]:
        """Every link touching one of `ids`."""
        ...

    def fingerprints(self, ids: Collection[int]) -> dict[int, str]:
        """The keys fingerprint of each of `ids` the run clustered."""
        ...

    def human(self) -> dict[Pair, bool]:
        """The human pair decisions (True: same publication) the run honoured."""
        ...

    def related_links(self) -> dict[Pair, Verdict]:
        """Every link whose verdict is "related"."""
        ...

    def facts(self, role: str, values: Collection[str]) -> list[tuple[str, int]]:
        """(value, id) of every record with a study fact (`study_facts`) of `role` and one of `values`."""
        ...

    def registrations(self, ids: Collection[int]) -> dict[int, str]:
        """The source id of each of `ids` that is a trial registration."""
        ...

    def study_links(self) -> list[RelatedPair]:
        """Every study link of the run (in one cluster or across), by record id."""
        ...


def blocking_values(keys: Keys) -> tuple[str, ...]:
    """The value of each blocking key of `block.KEYS` ("" where it has none)."""
    return tuple(function(keys) or "" for function in KEYS)


def study_facts(record: Record) -> Facts:
    """What `studies.study_links` reads of a record: a registration's source id (upper case, and as
    given) and reference PMIDs, or an article's cited NCT ids and PMID."""
    if is_registration(record):
        refs = sorted({value for key, value in record.extra if key == "reference_pmid"})
        name = record.source_id
        return ((REGISTRATION, name.upper()), (NAME, name), *((REFERENCE, v) for v in refs))
    pmid = ((PMID, record.pmid),) if record.pmid else ()
    return (*((CITES, nct) for nct in sorted(cited_trials(record))), *pmid)


def fingerprint(keys: Keys, facts: Facts) -> str:
    """A digest of everything `compare`, `block`, `cluster` and `study_links` read of a record."""
    text = repr((_canonical(keys), facts))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _canonical(value: object) -> object:
    if isinstance(value, frozenset | set):
        return ("set", sorted((_canonical(v) for v in value), key=repr))
    if isinstance(value, tuple):
        return tuple(_canonical(v) for v in value)
    if isinstance(value, Keys):
        return tuple(_canonical(getattr(value, f.name)) for f in fields(Keys))
    return value


class MemoryIndex:
    """A `PreviousRun` held in memory, built from a batch (records by id, their keys, links, study
    links and the human decisions it honoured)."""

    def __init__(
        self,
        records: Mapping[int, Record],
        keys: Mapping[int, Keys],
        links: Mapping[Pair, Verdict],
        studies: Sequence[RelatedPair],
        human: Mapping[Pair, bool],
    ) -> None:
        self._blocks: list[dict[str, list[Entry]]] = [{} for _ in KEYS]
        self._fingerprints: dict[int, str] = {}
        self._facts: dict[tuple[str, str], list[int]] = {}
        self._registrations: dict[int, str] = {}
        titled: list[Entry] = []
        for record_id in sorted(records):
            k, facts = keys[record_id], study_facts(records[record_id])
            entry = (k.title, record_id)
            for block, value in zip(self._blocks, blocking_values(k), strict=True):
                if value:
                    block.setdefault(value, []).append(entry)
            if k.title:
                titled.append(entry)
            self._fingerprints[record_id] = fingerprint(k, facts)
            for fact in facts:
                self._facts.setdefault(fact, []).append(record_id)
                if fact[0] == NAME:
                    self._registrations[record_id] = fact[1]
        self._studies = list(studies)
        self._order: dict[Scope, list[Entry]] = {None: sorted(titled)}
        self._links: dict[int, dict[Pair, Verdict]] = {}
        for pair, verdict in links.items():
            for record_id in pair:
                self._links.setdefault(record_id, {})[pair] = verdict
        self._human = dict(human)

    def members(self, kind: int, value: str, limit: int) -> list[Entry]:
        return self._blocks[kind].get(value, [])[:limit]

    def neighbours(self, scope: Scope, entry: Entry, count: int) -> tuple[list[Entry], list[Entry]]:
        ordered = self._order.get(scope)
        if ordered is None:
            assert scope is not None
            ordered = self._order[scope] = sorted(self._blocks[scope[0]].get(scope[1], []))
        at = bisect_left(ordered, entry)
        after = at + 1 if at < len(ordered) and ordered[at] == entry else at
        return ordered[max(0, at - count) : at][::-1], ordered[after : after + count]

    def links(self, ids: Collection[int]) -> dict[Pair, Verdict]:
        found: dict[Pair, Verdict] = {}
        for record_id in ids:
            found.update(self._links.get(record_id, {}))
        return found

    def fingerprints(self, ids: Collection[int]) -> dict[int, str]:
        return {i: self._fingerprints[i] for i in ids if i in self._fingerprints}

    def human(self) -> dict[Pair, bool]:
        return dict(self._human)

    def related_links(self) -> dict[Pair, Verdict]:
        return {
            pair: v for found in self._links.values() for pair, v in found.items() if v.decision == RELATED
        }

    def facts(self, role: str, values: Collection[str]) -> list[tuple[str, int]]:
        return [(v, rid) for v in sorted(set(values)) for rid in self._facts.get((role, v), [])]

    def registrations(self, ids: Collection[int]) -> dict[int, str]:
        return {i: self._registrations[i] for i in ids if i in self._registrations}

    def study_links(self) -> list[RelatedPair]:
        return list(self._studies)
