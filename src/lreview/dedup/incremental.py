"""Re-cluster only what records added (or revised) since the last run can change: same result as a
full `dedupe` of every record in id order, at the cost of the records near the new ones.

Why it is exact. `resolve` decides each connected component of the graph of joinable pairs (automatic
"duplicate" verdicts and human "same" verdicts) on its own: a union only ever looks at the two clusters
it joins, and forbidden pairs only matter inside one component. A component of the full run that
holds no record below is therefore the previous run's component with the same pairs, verdicts and
result, provided that
- verdicts depend on the two records' keys only (`compare`), and every revised record kept its keys
  (its `index.fingerprint`; otherwise `NotIncremental`), and the options are the same (the caller's
  check);
- candidate pairs between old records are only ever lost, never gained, when records are added
  (`block`: the title order of old records is kept, blocks only grow, a window only widens);
so only these records need deciding again ("seeds"): every new record, both records of an old pair
that may have stopped being a candidate pair and had a verdict (a link), and both records of a pair
whose human decision changed. Their components in the full run are found by walking joinable pairs
from the seeds (old cluster-mates included, so whole stored clusters are replaced), their pairs are
compared afresh and `resolve` runs on them alone, with positions in id order as in the full run.
A revised record with unchanged keys may still change its cluster's canonical record: that cluster
is re-canonicalised. Study links (`studies.study_links`: a report and the registration it cites) are
found for the added records through the index's study facts; the related pairs returned are the
review's whole list, as a full run gives it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from itertools import combinations

from lreview.dedup import merge
from lreview.dedup.block import MAX_BLOCK, WINDOW
from lreview.dedup.compare import DUPLICATE, POSSIBLE, RELATED, Verdict
from lreview.dedup.dedupe import Pair, resolve, verdicts_of
from lreview.dedup.index import (
    CITES,
    NAME,
    PMID,
    REFERENCE,
    REGISTRATION,
    Entry,
    PreviousRun,
    Scope,
    blocking_values,
    fingerprint,
    study_facts,
)
from lreview.dedup.keys import Keys, keys_of
from lreview.dedup.result import DedupOptions, IncrementalResult, PossiblePair, RelatedPair
from lreview.records import Record

Fetch = Callable[[Collection[int]], Mapping[int, Record]]


class NotIncremental(Exception):
    """The incremental run cannot promise the full run's result; the message says why."""


def dedupe_incremental(
    previous: PreviousRun,
    clusters: Sequence[Sequence[int]],
    changed: Mapping[int, Record],
    human: Mapping[Pair, bool],
    fetch: Fetch,
    options: DedupOptions | None = None,
) -> IncrementalResult:
    """Re-cluster after `changed` (records by id, added or revised since `previous`).

    `clusters` are the previous run's (record ids), `human` every human pair decision now (ids, a < b),
    `fetch` returns the current records of ids the previous run clustered; only `options.related` is
    read. Raises `NotIncremental` when a revised record's keys or study facts changed, or when an
    added registration comes before (has a lower id than) a stored one with the same NCT id.
    """
    link_related = (options or DedupOptions()).related == "related"
    records: dict[int, Record] = dict(changed)
    keys: dict[int, Keys] = {rid: keys_of(r) for rid, r in changed.items()}
    known = previous.fingerprints(list(changed))
    for rid in sorted(known):
        if fingerprint(keys[rid], study_facts(changed[rid])) != known[rid]:
            raise NotIncremental(f"record {rid} was revised and its deduplication keys changed")
    added = {rid: keys[rid] for rid in sorted(changed) if rid not in known}
    studies = _study_links(previous, {rid: changed[rid] for rid in added})
    scopes = _Scopes(previous, added)
    seeds = set(added)
    maybe_lost = scopes.maybe_lost()
    links = previous.links({rid for pair in maybe_lost for rid in pair})
    seeds.update(rid for pair in maybe_lost if pair in links for rid in pair)
    before = previous.human()
    redecided = {pair for pair in before.keys() | human.keys() if before.get(pair) != human.get(pair)}
    seeds.update(rid for pair in redecided for rid in pair)

    cluster_of = {rid: n for n, members in enumerate(clusters) for rid in members}

    def ensure(ids: Collection[int]) -> None:
        missing = [rid for rid in ids if rid not in keys]
        if missing:
            for rid, record in fetch(missing).items():
                records[rid] = record
                keys[rid] = keys_of(record)
            lost = [rid for rid in missing if rid not in keys]
            if lost:
                raise NotIncremental(f"record {lost[0]} of the previous run is not in the store")

    affected, verdicts = _closure(seeds, clusters, cluster_of, human, scopes, keys, ensure, link_related)
    members = sorted(affected)
    local = {rid: n for n, rid in enumerate(members)}
    outcome = resolve(
        [keys[rid] for rid in members],
        {(local[a], local[b]): v for (a, b), v in sorted(verdicts.items()) if a in local and b in local},
        {(local[a], local[b]): same for (a, b), same in human.items() if a in local and b in local},
    )
    local_records = [records[rid] for rid in members]
    result: list[tuple[int, ...]] = []
    labels: dict[int, tuple[str, int]] = {}
    for number, group in enumerate(outcome.clusters.groups()):
        first = merge.canonical(local_records, group)
        result.append((members[first], *(members[p] for p in group if p != first)))
        labels.update((members[p], ("new", number)) for p in group)
    revised_elsewhere = {cluster_of[rid] for rid in known if rid not in affected and rid in cluster_of}
    redone = set(affected)
    for number in sorted(revised_elsewhere):
        ids = sorted(clusters[number])
        ensure(ids)
        first = merge.canonical([records[rid] for rid in ids], range(len(ids)))
        result.append((ids[first], *(rid for n, rid in enumerate(ids) if n != first)))
        redone.update(ids)
    after = {(members[i], members[j]): v for (i, j), v in outcome.verdicts.items()}
    after.update((pair, v) for pair, v in verdicts.items() if pair not in after and pair not in human)

    def label(rid: int) -> tuple[str, int]:
        return labels.get(rid) or ("old", cluster_of[rid])

    related = {p: v for p, v in previous.related_links().items() if affected.isdisjoint(p)}
    related.update((p, v) for p, v in verdicts.items() if v.decision == RELATED)
    every_study = [*previous.study_links(), *studies]
    return IncrementalResult(
        clusters=result,
        reclustered=frozenset(redone),
        possible=_possible(after, label),
        related=_related({p: v for p, v in related.items() if p not in human}, label)
        + [p for p in sorted(every_study, key=lambda p: (p.a, p.b)) if label(p.a) != label(p.b)],
        compared=frozenset(affected),
        links=verdicts,
        added=added,
        studies=studies,
    )


def _study_links(previous: PreviousRun, added: Mapping[int, Record]) -> list[RelatedPair]:
    """The links `studies.study_links` gives over every record that touch an added record."""
    names: dict[int, str] = {}
    by_role: dict[str, dict[str, list[int]]] = {REGISTRATION: {}, REFERENCE: {}, CITES: {}, PMID: {}}
    for rid in sorted(added):
        for role, value in study_facts(added[rid]):
            if role == NAME:
                names[rid] = value
            else:
                by_role[role].setdefault(value, []).append(rid)
    regs, refs, cites, pmids = (by_role[r] for r in (REGISTRATION, REFERENCE, CITES, PMID))
    old_regs: dict[str, list[int]] = {}
    for value, rid in previous.facts(REGISTRATION, regs.keys() | cites.keys()):
        old_regs.setdefault(value, []).append(rid)
    first: dict[str, int] = {}  # NCT id -> the registration `study_links` links it to (lowest id)
    for nct in regs.keys() | cites.keys():
        old, new = old_regs.get(nct, []), regs.get(nct, [])
        if old and new and min(new) < min(old):
            raise NotIncremental(f"registration {nct} was added with a lower id than its stored copy")
        if old or new:
            first[nct] = min(old + new)
    pairs = {
        (first[nct], j, f"study {nct}") for nct, reports in cites.items() if nct in first for j in reports
    }
    led = [nct for nct in regs if first[nct] in added]
    pairs.update((first[nct], j, f"study {nct}") for nct, j in previous.facts(CITES, led))
    old_refs = previous.facts(REFERENCE, pmids.keys())
    names.update(previous.registrations({i for _, i in old_refs}))
    for pmid, i in [*old_refs, *((p, i) for p, ids in refs.items() for i in ids)]:
        pairs.update((i, j, f"study {names[i]}") for j in pmids.get(pmid, ()))
    for pmid, j in previous.facts(PMID, refs.keys()):
        pairs.update((i, j, f"study {names[i]}") for i in refs[pmid])
    unique: dict[Pair, str] = {}
    for i, j, reason in sorted(pairs):
        unique.setdefault((i, j), reason)
    return [RelatedPair(i, j, reason) for (i, j), reason in sorted(unique.items())]


def _closure(
    seeds: set[int],
    clusters: Sequence[Sequence[int]],
    cluster_of: Mapping[int, int],
    human: Mapping[Pair, bool],
    scopes: _Scopes,
    keys: Mapping[int, Keys],
    ensure: Callable[[Collection[int]], None],
    link_related: bool,
) -> tuple[set[int], dict[Pair, Verdict]]:
    """The seeds' components in the full run (whole stored clusters) and every link touching them."""
    joined: dict[int, set[int]] = {}
    for (a, b), same in human.items():
        if same:
            joined.setdefault(a, set()).add(b)
            joined.setdefault(b, set()).add(a)
    affected: set[int] = set()
    verdicts: dict[Pair, Verdict] = {}
    compared: set[Pair] = set()
    frontier = set(seeds)
    while frontier:
        for rid in list(frontier):  # whole stored clusters: they are replaced as a whole
            if rid in cluster_of:
                frontier.update(clusters[cluster_of[rid]])
        frontier -= affected
        affected |= frontier
        ensure(frontier)
        partners = {rid: scopes.partners(rid, keys[rid]) for rid in sorted(frontier)}
        ensure({p for found in partners.values() for p in found})
        pairs = sorted({(min(a, b), max(a, b)) for a, found in partners.items() for b in found} - compared)
        compared.update(pairs)
        fresh = verdicts_of(keys, pairs, link_related)
        verdicts.update(fresh)
        reached = {x for pair, v in fresh.items() if v.decision == DUPLICATE for x in pair}
        reached.update(x for rid in frontier for x in joined.get(rid, ()))
        frontier = reached - affected
    return affected, verdicts


class _Scopes:
    """Candidate pairs of the full run near the added records, from the previous run's index."""

    def __init__(self, previous: PreviousRun, added: Mapping[int, Keys]) -> None:
        self._previous = previous
        self._added: dict[Scope, list[Entry]] = {}
        for rid, k in added.items():
            for kind, value in enumerate(blocking_values(k)):
                if value:
                    self._added.setdefault((kind, value), []).append((k.title, rid))
            if k.title:
                self._added.setdefault(None, []).append((k.title, rid))

    def partners(self, rid: int, k: Keys) -> set[int]:
        """Every record `block.candidate_pairs` pairs with `rid` when clustering all records."""
        entry = (k.title, rid)
        found: set[int] = set()
        for kind, value in enumerate(blocking_values(k)):
            if not value:
                continue
            old = self._previous.members(kind, value, MAX_BLOCK + 1)
            fresh = self._added.get((kind, value), [])
            if len({*old, *fresh}) <= MAX_BLOCK:
                found.update(e[1] for e in (*old, *fresh))
            else:
                found |= self._window((kind, value), entry, fresh)
        if k.title:
            found |= self._window(None, entry, self._added.get(None, []))
        found.discard(rid)
        return found

    def _window(self, scope: Scope, entry: Entry, fresh: Sequence[Entry]) -> set[int]:
        before, after = self._previous.neighbours(scope, entry, WINDOW)
        near = sorted({*before, *after, *fresh, entry})
        at = near.index(entry)
        return {e[1] for e in (*near[max(0, at - WINDOW) : at], *near[at + 1 : at + 1 + WINDOW])}

    def maybe_lost(self) -> set[Pair]:
        """Old candidate pairs the added records may have pushed apart (a superset of the lost ones)."""
        lost: set[Pair] = set()
        for scope, fresh in self._added.items():
            if scope is not None:
                old = self._previous.members(scope[0], scope[1], MAX_BLOCK + 1)
                if len(old) + len(fresh) <= MAX_BLOCK:
                    continue  # every pair before and after
                if len(old) <= MAX_BLOCK:  # every pair before, a window now
                    near = sorted({*old, *fresh})
                    kept = {(a[1], b[1]) for x, a in enumerate(near) for b in near[x + 1 : x + 1 + WINDOW]}
                    every = {(a[1], b[1]) for a, b in combinations(old, 2)}
                    lost |= {(min(pair), max(pair)) for pair in every} - {(min(p), max(p)) for p in kept}
                    continue
            lost |= self._straddling(scope, fresh)
        return lost

    def _straddling(self, scope: Scope, fresh: Sequence[Entry]) -> set[Pair]:
        """Window pairs of old records that new records now stand between, too far apart."""
        hood: set[Entry] = set(fresh)
        straddle: list[tuple[Entry, Entry]] = []
        for entry in fresh:
            before, after = self._previous.neighbours(scope, entry, WINDOW)
            hood.update(before)
            hood.update(after)
            straddle += [
                (b, a) for x, b in enumerate(before) for y, a in enumerate(after) if x + y + 1 <= WINDOW
            ]
        at = {e: n for n, e in enumerate(sorted(hood))}
        return {(min(b[1], a[1]), max(b[1], a[1])) for b, a in straddle if at[a] - at[b] > WINDOW}


Label = Callable[[int], tuple[str, int]]  # a record's cluster: ("new" | "old", number)


def _possible(verdicts: Mapping[Pair, Verdict], label: Label) -> list[PossiblePair]:
    """As `maybe.possible_pairs`, over record ids: the best undecided pair per two clusters."""
    best: dict[frozenset[tuple[str, int]], PossiblePair] = {}
    for (a, b), verdict in sorted(verdicts.items()):
        la, lb = label(a), label(b)
        if verdict.decision != POSSIBLE or la == lb:
            continue
        key = frozenset((la, lb))
        current = best.get(key)
        if current is None or verdict.score > current.score:
            best[key] = PossiblePair(a, b, verdict.score, verdict.reasons)
    return sorted(best.values(), key=lambda p: (-p.score, p.a, p.b))


def _related(verdicts: Mapping[Pair, Verdict], label: Label) -> list[RelatedPair]:
    return [
        RelatedPair(a, b, v.reasons[-1])
        for (a, b), v in sorted(verdicts.items())
        if v.decision == RELATED and label(a) != label(b)
    ]
