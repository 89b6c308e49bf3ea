"""The last dedup run's index, kept beside the store so the next run can be incremental.

A SQLite file (`<output_dir>/cache/dedup-index.sqlite`, stdlib `sqlite3`, whatever the store's
database) holding what `lreview.dedup.PreviousRun` asks for: per record its version (content hash),
fingerprint, title key and study facts; per blocking key value its records; the links; the study
links; the human decisions. It
names the dedup run it describes, the lreview version and the options; `StoredIndex.open` returns
None unless all of them match, and a full run writes a new file (atomically). Deleting it only
costs the next refresh a full re-cluster. Not for: anything the store must keep.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import closing, suppress
from pathlib import Path

from lreview import __version__
from lreview.dedup import IncrementalResult, RelatedPair, blocking_values, fingerprint
from lreview.dedup.compare import RELATED, Verdict
from lreview.dedup.index import NAME, Entry, Facts, Pair, Scope, study_facts
from lreview.dedup.keys import Keys
from lreview.records import Record

_SCHEMA = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE records (id INTEGER PRIMARY KEY, version TEXT NOT NULL, fingerprint TEXT NOT NULL,
                      title TEXT NOT NULL);
CREATE INDEX records_title ON records (title, id);
CREATE TABLE blocks (kind INTEGER NOT NULL, value TEXT NOT NULL, title TEXT NOT NULL, id INTEGER NOT NULL,
                     PRIMARY KEY (kind, value, title, id)) WITHOUT ROWID;
CREATE TABLE links (a INTEGER NOT NULL, b INTEGER NOT NULL, verdict TEXT NOT NULL,
                    PRIMARY KEY (a, b)) WITHOUT ROWID;
CREATE INDEX links_b ON links (b);
CREATE TABLE human (a INTEGER NOT NULL, b INTEGER NOT NULL, same INTEGER NOT NULL,
                    PRIMARY KEY (a, b)) WITHOUT ROWID;
CREATE TABLE facts (role TEXT NOT NULL, value TEXT NOT NULL, id INTEGER NOT NULL,
                    PRIMARY KEY (role, value, id)) WITHOUT ROWID;
CREATE INDEX facts_id ON facts (id);
CREATE TABLE studies (a INTEGER NOT NULL, b INTEGER NOT NULL, reason TEXT NOT NULL,
                      PRIMARY KEY (a, b)) WITHOUT ROWID;
"""
_CHUNK = 500  # ids per IN (...) query


def _verdict_text(v: Verdict) -> str:
    return json.dumps([v.decision, v.score, v.guard, sorted(v.overrides), list(v.reasons)])


def _verdict(text: str) -> Verdict:
    decision, score, guard, overrides, reasons = json.loads(text)
    return Verdict(decision, score, tuple(reasons), guard, frozenset(overrides))


def _chunks(ids: Collection[int]) -> Iterator[list[int]]:
    items = sorted(ids)
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def expected_meta(review_id: str, dedup_run: int, related: str) -> dict[str, str]:
    """What an index must say about itself to describe dedup run `dedup_run` of the review."""
    return {"review": review_id, "dedup_run": str(dedup_run), "version": __version__, "related": related}


class StoredIndex:
    """A `lreview.dedup.PreviousRun` in a SQLite file."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    @classmethod
    def open(cls, path: Path, meta: Mapping[str, str]) -> StoredIndex | None:
        """The index at `path` if it describes exactly `meta` (see `expected_meta`), else None."""
        if not path.is_file():
            return None
        try:
            conn = sqlite3.connect(path)
            found = dict(conn.execute("SELECT name, value FROM meta").fetchall())
        except sqlite3.Error:
            return None
        if found != dict(meta):
            conn.close()
            return None
        return cls(conn)

    def close(self) -> None:
        self._conn.close()

    # ---- PreviousRun ------------------------------------------------------------------------------

    def members(self, kind: int, value: str, limit: int) -> list[Entry]:
        query = "SELECT title, id FROM blocks WHERE kind = ? AND value = ? LIMIT ?"
        return [(t, i) for t, i in self._conn.execute(query, (kind, value, limit))]

    def neighbours(self, scope: Scope, entry: Entry, count: int) -> tuple[list[Entry], list[Entry]]:
        args: tuple[int, str] | tuple[()] = ()
        if scope is None:
            table, where = "records", "title != ''"
        else:
            table, where, args = "blocks", "kind = ? AND value = ?", scope
        sides = []
        for op, order in (("<", "DESC"), (">", "ASC")):
            query = (
                f"SELECT title, id FROM {table} WHERE {where} AND (title, id) {op} (?, ?) "
                f"ORDER BY title {order}, id {order} LIMIT ?"
            )
            sides.append([(t, i) for t, i in self._conn.execute(query, (*args, *entry, count))])
        return sides[0], sides[1]

    def links(self, ids: Collection[int]) -> dict[Pair, Verdict]:
        found: dict[Pair, Verdict] = {}
        for part in _chunks(ids):
            marks = ",".join("?" * len(part))
            query = (
                f"SELECT a, b, verdict FROM links WHERE a IN ({marks}) "
                f"UNION SELECT a, b, verdict FROM links WHERE b IN ({marks})"
            )
            for a, b, text in self._conn.execute(query, (*part, *part)):
                found[(a, b)] = _verdict(text)
        return found

    def fingerprints(self, ids: Collection[int]) -> dict[int, str]:
        found: dict[int, str] = {}
        for part in _chunks(ids):
            query = f"SELECT id, fingerprint FROM records WHERE id IN ({','.join('?' * len(part))})"
            found.update(self._conn.execute(query, part).fetchall())
        return found

    def human(self) -> dict[Pair, bool]:
        return {(a, b): bool(same) for a, b, same in self._conn.execute("SELECT a, b, same FROM human")}

    def related_links(self) -> dict[Pair, Verdict]:
        query = "SELECT a, b, verdict FROM links WHERE verdict LIKE ?"
        return {(a, b): _verdict(text) for a, b, text in self._conn.execute(query, (f'["{RELATED}"%',))}

    def facts(self, role: str, values: Collection[str]) -> list[tuple[str, int]]:
        found: list[tuple[str, int]] = []
        items = sorted(set(values))
        for start in range(0, len(items), _CHUNK):
            part = items[start : start + _CHUNK]
            query = f"SELECT value, id FROM facts WHERE role = ? AND value IN ({','.join('?' * len(part))})"
            found += self._conn.execute(query, (role, *part)).fetchall()
        return sorted(found)

    def registrations(self, ids: Collection[int]) -> dict[int, str]:
        found: dict[int, str] = {}
        for part in _chunks(ids):
            query = f"SELECT id, value FROM facts WHERE role = ? AND id IN ({','.join('?' * len(part))})"
            found.update(self._conn.execute(query, (NAME, *part)).fetchall())
        return found

    def study_links(self) -> list[RelatedPair]:
        rows = self._conn.execute("SELECT a, b, reason FROM studies ORDER BY a, b")
        return [RelatedPair(a, b, reason) for a, b, reason in rows]

    # ---- what the pipeline needs ------------------------------------------------------------------

    def versions(self) -> dict[int, str]:
        """Record id -> the version (`Store.record_versions`) the indexed run clustered."""
        return dict(self._conn.execute("SELECT id, version FROM records").fetchall())

    def update(
        self,
        result: IncrementalResult,
        records: Mapping[int, Record],
        versions: Mapping[int, str],
        human: Mapping[Pair, bool],
        meta: Mapping[str, str],
    ) -> None:
        """Apply an incremental run, in one transaction (`records`, `versions`: the records it read,
        added or revised, and their versions)."""
        with self._conn:
            added = [(rid, k, study_facts(records[rid])) for rid, k in result.added.items()]
            _add_records(self._conn, added, versions)
            _add_studies(self._conn, result.studies)
            self._conn.executemany(
                "UPDATE records SET version = ? WHERE id = ?",
                [(raw, rid) for rid, raw in versions.items() if rid not in result.added],
            )
            for part in _chunks(result.compared):
                marks = ",".join("?" * len(part))
                self._conn.execute(
                    f"DELETE FROM links WHERE a IN ({marks}) OR b IN ({marks})", (*part, *part)
                )
            _add_links(self._conn, result.links)
            _write_human(self._conn, human)
            self._conn.executemany(
                "UPDATE meta SET value = ? WHERE name = ?", [(v, k) for k, v in meta.items()]
            )


def write_index(
    path: Path,
    records: Mapping[int, tuple[Record, Keys]],
    links: Mapping[Pair, Verdict],
    studies: Sequence[RelatedPair],
    versions: Mapping[int, str],
    human: Mapping[Pair, bool],
    meta: Mapping[str, str],
) -> None:
    """Write the index of a full run (its records and keys by id; links and study links by id) to
    `path`, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        with closing(sqlite3.connect(tmp)) as conn:
            conn.executescript(_SCHEMA)
            with conn:
                rows = [(rid, k, study_facts(r)) for rid, (r, k) in records.items()]
                _add_records(conn, rows, versions)
                _add_links(conn, links)
                _add_studies(conn, studies)
                _write_human(conn, human)
                conn.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))
        os.chmod(tmp, 0o644)  # mkstemp makes it owner-only; teammates' runs may read it too
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise


def _add_records(
    conn: sqlite3.Connection, items: Iterable[tuple[int, Keys, Facts]], versions: Mapping[int, str]
) -> None:
    rows, blocks, facts = [], [], []
    for rid, k, found in items:
        rows.append((rid, versions.get(rid, ""), fingerprint(k, found), k.title))
        blocks += [(kind, value, k.title, rid) for kind, value in enumerate(blocking_values(k)) if value]
        facts += [(role, value, rid) for role, value in found]
    conn.executemany("INSERT INTO records VALUES (?, ?, ?, ?)", rows)
    conn.executemany("INSERT INTO blocks VALUES (?, ?, ?, ?)", blocks)
    conn.executemany("INSERT INTO facts VALUES (?, ?, ?)", facts)


def _add_studies(conn: sqlite3.Connection, studies: Sequence[RelatedPair]) -> None:
    conn.executemany("INSERT INTO studies VALUES (?, ?, ?)", [(p.a, p.b, p.reason) for p in studies])


def _add_links(conn: sqlite3.Connection, links: Mapping[Pair, Verdict]) -> None:
    conn.executemany(
        "INSERT INTO links VALUES (?, ?, ?)", [(a, b, _verdict_text(v)) for (a, b), v in links.items()]
    )


def _write_human(conn: sqlite3.Connection, human: Mapping[Pair, bool]) -> None:
    conn.execute("DELETE FROM human")
    conn.executemany("INSERT INTO human VALUES (?, ?, ?)", [(a, b, int(s)) for (a, b), s in human.items()])
