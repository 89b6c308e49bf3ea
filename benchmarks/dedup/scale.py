"""Scale benchmark: dedupe 100,000 records built at run time from the real benchmark records.

Run from the repository root:  PYTHONPATH=src python benchmarks/dedup/scale.py [--records 100000] [--seed 1]

How the set is built (nothing is written to disk):
1. One representative record per gold publication of every set in shared/data/dedup/normalized,
   kept once when two sets (or two gold clusters) hold the same title, year and first page.
2. Publications: the representatives, plus synthetic publications derived from them that must stay
   distinct — a third to a half of the title words replaced by words of other titles, other authors,
   year, volume, pages and DOI (so near-identical titles of distinct publications are common).
3. Each publication gets 1-4 copies (65% / 25% / 8% / 2%), each perturbed the way databases differ:
   case, trailing punctuation, author initials and order of name parts, one-character title typos,
   DOI written as URL / `doi:` / upper case, short page ranges (`123-9`), dropped abstract, DOI,
   pages, volume, journal abbreviated.
Gold = the publication each copy came from. Prints wall time, peak memory (ru_maxrss) and metrics.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from metrics import evaluate  # noqa: E402
from run import DATA  # noqa: E402
from sets import read_assignment, read_records  # noqa: E402

from lreview.dedup import dedupe, normalize  # noqa: E402
from lreview.records import Record  # noqa: E402

COPIES = (1, 2, 3, 4)
COPY_WEIGHTS = (0.65, 0.25, 0.08, 0.02)


def representatives() -> list[Record]:
    """One record per gold publication (the most complete), over all benchmark sets."""
    chosen: list[Record] = []
    for folder in sorted(p for p in DATA.iterdir() if p.is_dir()):
        ids, records = read_records(folder)
        gold = read_assignment(folder / "gold.csv")
        best: dict[str, Record] = {}
        for record_id, record in zip(ids, records, strict=True):
            label = gold[record_id]
            current = best.get(label)
            if current is None or len(record.abstract) + len(record.title) > len(current.abstract) + len(
                current.title
            ):
                best[label] = record
        chosen += best.values()
    # The same article can sit in two sets (or in two gold clusters of one set, e.g. neuroimaging's
    # "Predicting schizophrenia by fusing networks ..." with one DOI in both): keep it once, or the
    # built gold would call two copies of one article distinct.
    unique: dict[tuple[str, int | None, str], Record] = {}
    for record in chosen:
        unique.setdefault(
            (normalize.title(record.title), record.year, normalize.pages(record.pages)[0]), record
        )
    return list(unique.values())


def synthetic(base: Record, index: int, rng: random.Random, words: list[str], names: list[str]) -> Record:
    """A distinct publication derived from `base`: many title words, authors and locators changed."""
    title_words = base.title.split() or ["untitled"]
    changed = min(len(title_words), max(2, len(title_words) * rng.randint(33, 50) // 100))
    for position in rng.sample(range(len(title_words)), k=changed):
        title_words[position] = rng.choice(words)
    first_page = rng.randint(1, 2000)
    return replace(
        base,
        source_id=f"syn{index}",
        title=" ".join(title_words),
        authors=tuple(
            f"{rng.choice(names)}, {rng.choice('ABCDEFGHJKLMNPRSTW')}." for _ in range(rng.randint(1, 6))
        ),
        year=rng.randint(1990, 2023),
        volume=str(rng.randint(1, 300)),
        pages=f"{first_page}-{first_page + rng.randint(1, 15)}",
        doi=f"10.{rng.randint(1000, 9999)}/syn.{index}" if base.doi or rng.random() < 0.5 else None,
        abstract=" ".join(rng.sample(base.abstract.split(), k=len(base.abstract.split())))
        if base.abstract
        else "",
    )


def perturb(record: Record, copy: int, rng: random.Random) -> Record:
    """One database's copy of `record`."""
    if copy == 0:
        return record
    title = record.title
    roll = rng.random()
    if roll < 0.2:
        title = title.upper()
    elif roll < 0.4:
        title = title.lower()
    if rng.random() < 0.5:
        title = title.rstrip(".") if title.endswith(".") else title + "."
    if rng.random() < 0.3 and len(title) > 10:
        at = rng.randrange(len(title) - 1)
        title = (
            title[:at] + title[at + 1] + title[at] + title[at + 2 :]
            if rng.random() < 0.5
            else title[:at] + title[at + 1 :]
        )
    authors = tuple(_initials(a) for a in record.authors) if rng.random() < 0.5 else record.authors
    doi = record.doi
    if doi and rng.random() < 0.5:
        doi = rng.choice(("https://doi.org/", "http://dx.doi.org/", "doi:", "")) + (
            doi.upper() if rng.random() < 0.3 else doi
        )
    pages = record.pages
    if "-" in pages and rng.random() < 0.4:
        first, _, last = pages.partition("-")
        if len(first) == len(last) and first[:-1] == last[:-1]:
            pages = f"{first}-{last[-1]}"
    return replace(
        record,
        source=rng.choice(("Embase", "Scopus", "WoS", "CINAHL")),
        source_id=f"{record.source_id}#{copy}",
        title=title,
        authors=authors,
        doi=None if rng.random() < 0.3 else doi,
        abstract="" if rng.random() < 0.3 else record.abstract,
        pages="" if rng.random() < 0.15 else pages,
        volume="" if rng.random() < 0.1 else record.volume,
        journal=_abbreviate(record.journal) if rng.random() < 0.3 else record.journal,
    )


def _initials(name: str) -> str:
    surname, _, given = name.partition(",")
    letters = "".join(part[0] for part in given.replace(".", " ").split() if part)
    return f"{surname.strip()} {letters}".strip()


_ISO = {
    "journal": "J", "clinical": "Clin", "international": "Int", "medicine": "Med", "medical": "Med",
    "research": "Res", "american": "Am", "european": "Eur", "british": "Br", "neurology": "Neurol",
    "psychiatry": "Psychiatry", "neuroscience": "Neurosci", "biological": "Biol", "experimental": "Exp",
    "reviews": "Rev", "review": "Rev", "annals": "Ann", "archives": "Arch", "society": "Soc",
}  # fmt: skip


def _abbreviate(journal: str) -> str:
    """An ISO-4-like abbreviation: a few common words shortened, stop words dropped."""
    words = (w for w in journal.split() if w.lower() not in {"of", "the", "and", "&"})
    return " ".join(_ISO.get(w.lower(), w) for w in words)


def build(n: int, seed: int) -> tuple[list[Record], list[int]]:
    """`n` records and the publication index of each."""
    rng = random.Random(seed)
    bases = representatives()
    words = [w for r in bases for w in r.title.split() if len(w) > 3]
    names = [a.split(",")[0].split()[0] for r in bases for a in r.authors if a.strip()]
    records: list[Record] = []
    gold: list[int] = []
    publication = 0
    while len(records) < n:
        base = bases[publication % len(bases)]
        source = base if publication < len(bases) else synthetic(base, publication, rng, words, names)
        for copy in range(rng.choices(COPIES, COPY_WEIGHTS)[0]):
            records.append(perturb(source, copy, rng))
            gold.append(publication)
        publication += 1
    order = list(range(n))
    rng.shuffle(order)
    return [records[i] for i in order], [gold[i] for i in order]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    records, gold = build(args.records, args.seed)
    start, cpu_start = time.perf_counter(), time.process_time()
    result = dedupe(records)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ids = [str(i) for i in range(len(records))]
    m = evaluate(dict(zip(ids, map(str, gold), strict=True)), dict(zip(ids, result.cluster_of, strict=True)))
    print(f"records {m.records}  true duplicates {m.true_duplicates}  clusters {len(result.clusters)}")
    print(
        f"wall time {seconds:.1f} s, CPU time {cpu:.1f} s (dedupe only; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)  "
        f"peak memory {peak_mb:.0f} MB (ru_maxrss, whole process)"
    )
    print(
        f"sensitivity {m.sensitivity:.4f}  specificity {m.specificity:.4f}  precision {m.precision:.4f}  "
        f"recall {m.recall:.4f}  F1 {m.f1:.4f}  wrongly merged clusters {m.wrong_clusters} "
        f"(records {m.wrong_records})  possible pairs {len(result.possible)}"
    )


if __name__ == "__main__":
    main()
