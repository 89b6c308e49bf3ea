"""How fast `lreview.sources.pubmed_xml` parses PubMed XML on one core, and in how much memory.

Builds, at run time and in memory, a PubmedArticleSet of N records (default 20,000) by repeating the
real efetch recordings under ../shared/data/pubmed/efetch with fresh PMIDs, then parses it twice:
  1. streamed from a generator (the document never exists whole): records/s and peak RSS, which
     shows the parser runs in constant memory;
  2. from one `bytes` object holding the whole document (what the E-utilities client passes).
The parser is single-threaded, so this measures one core. CPU time is reported beside wall time
because the machine may be shared. Target: >= 5,000 records/s on one core.

    PYTHONPATH=src python benchmarks/parse_speed.py [--records 20000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from lreview.sources.pubmed_xml import iter_pubmed_xml

TARGET = 5_000  # records per second on one core
PLACEHOLDER = b"PMID_PLACEHOLDER"
HEADER = (
    b'<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January '
    b'2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n<PubmedArticleSet>\n'
)
FOOTER = b"</PubmedArticleSet>\n"


def shared_efetch() -> Path:
    root = Path(__file__).resolve().parents[1].parent / "shared" / "data"
    return Path(os.environ.get("LREVIEW_SHARED_DATA", root)) / "pubmed" / "efetch"


def templates(folder: Path) -> list[tuple[bytes, bytes]]:
    """Each real record serialised as (before PMID, after PMID), its PMID cut out."""
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)
    found = []
    for path in sorted(folder.rglob("*.xml")):
        root = etree.parse(str(path), parser).getroot()
        for record in root.iter("PubmedArticle", "PubmedBookArticle"):
            pmid = record.find("MedlineCitation/PMID")
            if pmid is None:
                pmid = record.find("BookDocument/PMID")
            if pmid is None:
                continue
            pmid.text = PLACEHOLDER.decode()
            before, after = etree.tostring(record, encoding="utf-8", with_tail=False).split(PLACEHOLDER)
            if before.startswith(b"<?xml"):
                before = before.split(b"?>", 1)[1]
            found.append((before, after))
    return found


def document(parts: list[tuple[bytes, bytes]], count: int) -> Iterator[bytes]:
    """The records of the benchmark document, one chunk per record, PMIDs 90,000,001 upwards."""
    yield HEADER
    for i in range(count):
        before, after = parts[i % len(parts)]
        yield before + str(90_000_001 + i).encode() + after + b"\n"
    yield FOOTER


class ChunkStream:
    """A read()-able view of a chunk generator: the document is made as the parser asks for it."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        if size < 0:
            size = len(self._buffer)
        out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def timed(source: bytes | ChunkStream, expected: int) -> tuple[float, float]:
    """Wall and CPU seconds to parse `source` (CPU time: the machine may be shared)."""
    wall, cpu = time.perf_counter(), time.process_time()
    count = sum(1 for _ in iter_pubmed_xml(source))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if count != expected:
        raise SystemExit(f"parsed {count} records, expected {expected}")
    return wall, cpu


def report(label: str, count: int, seconds: tuple[float, float]) -> str:
    wall, cpu = seconds
    return (
        f"{label}: {count:,} records in {wall:.2f} s wall / {cpu:.2f} s CPU = {count / wall:,.0f} "
        f"records/s wall, {count / cpu:,.0f} records/s CPU; peak RSS {peak_rss_mb():.1f} MB"
    )


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--records", type=int, default=20_000)
    options.add_argument("--repeat", type=int, default=3, help="parse the in-memory document N times")
    args = options.parse_args()
    count = args.records
    folder = shared_efetch()
    if not folder.is_dir():
        print(f"no efetch recordings at {folder}", file=sys.stderr)
        return 2
    parts = templates(folder)
    print(f"python {sys.version.split()[0]}, lxml {etree.__version__}, libxml2 {etree.LIBXML_VERSION}")
    print(f"{count:,} records built from {len(parts)} real records with fresh PMIDs")
    print(f"RSS before parsing: {peak_rss_mb():.1f} MB peak; load average {os.getloadavg()[0]:.2f}")

    streamed = timed(ChunkStream(document(parts, count)), count)
    print(report("streamed (document never whole in memory)", count, streamed))

    data = b"".join(document(parts, count))
    runs = [timed(data, count) for _ in range(max(1, args.repeat))]
    in_memory = min(runs)  # as timeit does: the least disturbed run
    label = f"from bytes ({len(data) / 1e6:.1f} MB document in memory, best of {len(runs)})"
    print(report(label, count, in_memory))
    rate = count / min(cpu for _, cpu in runs)
    print(
        f"target >= {TARGET:,} records/s on one core (CPU time; wall is slower when the machine is "
        f"shared, load average now {os.getloadavg()[0]:.2f}): {'met' if rate >= TARGET else 'NOT met'}"
    )
    return 0 if rate >= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
