"""`lreview prisma`: the PRISMA 2020 counts as counts of lifecycle states, checked, and written as the
PRISMA2020 template CSV, a JSON summary and the flow diagram (SVG and PNG) in `<output_dir>/prisma/`.

Every box is a count of `screening.states` lifecycle states (or of the records behind them); nothing is
read from run logs or Prefect. A living review is cut into versions by `lreview prisma --new-version`:
a version holds the publications that were final (excluded, auto-excluded, not retrieved, excluded
or included at full text) when it was frozen, with the records seen by the time each was decided.
The current flow covers every record not in a frozen version: records identified per database and
register, duplicates among them (and new records that are duplicates of a frozen version's
publications), then the states of the publications made only of such records. "Studies included in
previous version" is what the newest frozen version included.

Studies vs reports: an included publication is a report; reports are one study when the dedup run
linked their records (`pipeline.duplicates.related_pairs`: a registration and the articles and
preprints citing its NCT id, a preprint and its published version, a conference abstract and its
article), directly or through a record that was not included (two articles citing one registration
are one study whatever became of the registration). A new report of a study an earlier version
included adds a report, not a study.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from scipy.cluster.hierarchy import DisjointSet

from lreview import __version__
from lreview.config import ReviewConfig
from lreview.errors import PrismaError
from lreview.pipeline.common import open_store
from lreview.pipeline.duplicates import related_pairs
from lreview.pipeline.screening import review_states
from lreview.prisma import PrismaCounts, check
from lreview.prisma.template import packaged_template, template_rows
from lreview.screening.states import FINAL, Lifecycle, Publication, ReviewStates, StageState
from lreview.sources.registry import arm_of
from lreview.store import ReviewVersion, Store

FILES = ("PRISMA.csv", "prisma.json", "prisma.svg", "prisma.png")

AWAITING = (Lifecycle.AWAITING_SCREENING, Lifecycle.SCREENED_ONCE, Lifecycle.IN_CONFLICT)
FULLTEXT_AWAITING = (
    Lifecycle.FULLTEXT_SOUGHT,
    Lifecycle.FULLTEXT_SCREENED_ONCE,
    Lifecycle.FULLTEXT_IN_CONFLICT,
)


def _final(p: Publication) -> bool:
    """Nothing more will happen to it: excluded (by people or the stopping rule) or decided at full text."""
    ta = p.title_abstract.state
    if ta in (StageState.EXCLUDED, StageState.AUTO_EXCLUDED):
        return True
    return p.full_text is not None and p.full_text.state in FINAL


def frozen_records(p: Publication, seen: Mapping[int, datetime]) -> list[int]:
    """The records of a final publication that belong to the version frozen now: those seen by the time
    it was decided (a duplicate found later belongs to the next version, as a duplicate removed)."""
    times = [s.decided_at for s in (p.title_abstract, p.full_text) if s is not None and s.decided_at]
    if not times:
        return list(p.members)
    cutoff = max(times)
    return [rid for rid in p.members if rid not in seen or seen[rid] <= cutoff]


def new_studies(
    included: Sequence[Publication], earlier: Collection[int], links: Iterable[tuple[int, int]]
) -> int:
    """How many studies the `included` publications report that no earlier version's included records
    (`earlier`) report: publications joined by `links` (record pairs), directly or through other records."""
    studies = DisjointSet()
    for a, b in (*links, *((p.record_id, m) for p in included for m in p.members)):
        studies.add(a)
        studies.add(b)
        studies.merge(a, b)
    for rid in (*earlier, *(p.record_id for p in included)):
        studies.add(rid)
    return len({studies[p.record_id] for p in included} - {studies[r] for r in earlier})


def prisma_counts(
    states: ReviewStates,
    sources: Mapping[int, str],
    previous: ReviewVersion | None,
    links: Iterable[tuple[int, int]] = (),
) -> PrismaCounts:
    """The PRISMA 2020 boxes for the current version (see the module docstring); `links` are the
    record pairs that are reports of one study."""
    frozen = set(previous.records) if previous else set()
    pubs = [p for p in states.publications if not frozen.intersection(p.members)]
    new_records = [rid for rid in sources if rid not in frozen]
    by_source = Counter(sources[rid] for rid in new_records)
    state = Counter(p.lifecycle for p in pubs)
    reasons = Counter(
        p.full_text.reason
        for p in pubs
        if p.lifecycle == Lifecycle.FULLTEXT_EXCLUDED and p.full_text is not None
    )
    sought = sum(
        n for s, n in state.items() if s not in (*AWAITING, Lifecycle.AUTO_EXCLUDED, Lifecycle.EXCLUDED)
    )
    included = [p for p in pubs if p.lifecycle == Lifecycle.INCLUDED]
    earlier = previous.counts if previous else {}
    return PrismaCounts(
        databases=tuple(sorted((s, n) for s, n in by_source.items() if arm_of(s) == "database")),
        registers=tuple(sorted((s, n) for s, n in by_source.items() if arm_of(s) == "register")),
        duplicates=len(new_records) - len(pubs),
        excluded_automatic=state[Lifecycle.AUTO_EXCLUDED],
        excluded_other=0,
        screened=len(pubs) - sum(state[s] for s in AWAITING) - state[Lifecycle.AUTO_EXCLUDED],
        screened_excluded=state[Lifecycle.EXCLUDED],
        awaiting=sum(state[s] for s in AWAITING),
        sought=sought,
        not_retrieved=state[Lifecycle.NOT_RETRIEVED],
        assessed=state[Lifecycle.FULLTEXT_EXCLUDED] + len(included),
        fulltext_awaiting=sum(state[s] for s in FULLTEXT_AWAITING),
        excluded_reasons=tuple(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
        new_studies=new_studies(included, previous.included if previous else (), links),
        new_reports=len(included),
        previous_studies=_total(earlier, "studies") if previous else None,
        previous_reports=_total(earlier, "reports") if previous else None,
        as_of=datetime.now(UTC).isoformat(timespec="seconds"),
        version=__version__,
    )


def _total(frozen: Mapping[str, object], what: str) -> int:
    """Studies or reports included up to a frozen version, from the counts it was frozen with."""
    return int(str(frozen.get(f"previous_{what}") or 0)) + int(str(frozen.get(f"new_{what}") or 0))


@dataclass(frozen=True)
class PrismaSummary:
    """What one `lreview prisma` wrote."""

    review_id: str
    counts: PrismaCounts
    folder: Path
    files: tuple[Path, ...]
    versions: int  # frozen versions so far
    frozen: int | None  # the version this run froze, if any
    written: bool = True  # False: the counts had not changed, the files were left as they were

    def format(self) -> str:
        c = self.counts
        named = "; ".join(f"{s}, {n}" for s, n in (*c.databases, *c.registers))
        included = f"  included: {c.new_studies} new studies"
        if c.previous_studies is not None:
            included += f", {c.previous_studies} in the previous version, {c.total_studies} in total"
        lines = [
            f"PRISMA 2020 of review {self.review_id} (version {self.versions + 1}, as of {c.as_of})",
            f"  identified {c.identified} ({named}); duplicates {c.duplicates}; "
            f"excluded by automation {c.excluded_automatic}",
            f"  screened {c.screened} (+{c.awaiting} awaiting), excluded {c.screened_excluded}; "
            f"reports sought {c.sought}, not retrieved {c.not_retrieved}, "
            f"assessed {c.assessed} (+{c.fulltext_awaiting} awaiting)",
            included,
            f"  wrote {', '.join(p.name for p in self.files)} in {self.folder}"
            if self.written
            else f"  counts unchanged since {c.as_of}: {self.folder} left as it was",
        ]
        if self.frozen is not None:
            lines.append(
                f"  froze version {self.frozen}: later records and decisions belong to the next version"
            )
        return "\n".join(lines)


def _counts_in(store: Store, config: ReviewConfig) -> tuple[ReviewStates, PrismaCounts, ReviewVersion | None]:
    states = review_states(config, store)
    versions = store.versions(config.review_id)
    previous = versions[-1] if versions else None
    sources = {rid: source for rid, (source, _) in store.record_sources(config.review_id).items()}
    links = [(a, b) for a, b, _ in related_pairs(store, config.review_id)]
    counts = prisma_counts(states, sources, previous, links)
    check(counts)
    return states, counts, previous


def prisma(config: ReviewConfig, *, new_version: bool = False) -> PrismaSummary:
    """Count, check and write the review's PRISMA 2020 files; with `new_version`, first freeze the
    publications that are final now as a version of the living review."""
    from lreview.prisma.report import counts_from_json, diagram_png, diagram_svg, prisma_json  # matplotlib

    frozen = None
    with open_store(config) as store:
        states, counts, previous = _counts_in(store, config)
        if new_version:
            done = [p for p in states.publications if _final(p)]
            earlier = set(previous.records) if previous else set()
            seen = {rid: at for rid, (_, at) in store.record_sources(config.review_id).items()}
            records = sorted(earlier | {rid for p in done for rid in frozen_records(p, seen)})
            included = sorted(
                {
                    *(previous.included if previous else ()),
                    *(p.record_id for p in done if p.lifecycle == Lifecycle.INCLUDED),
                }
            )
            store.freeze_version(config.review_id, records, included, asdict(counts))
            frozen = len(store.versions(config.review_id))
            states, counts, previous = _counts_in(store, config)
        versions = len(store.versions(config.review_id))
    folder = config.output_dir / "prisma"
    paths = tuple(folder / n for n in FILES)
    if frozen is None and all(p.is_file() for p in paths):
        try:
            before = counts_from_json(paths[1].read_text(encoding="utf-8"))
        except (OSError, PrismaError):
            before = None
        if before is not None and replace(before, as_of="") == replace(counts, as_of=""):
            # every ingest runs this step: the diagram is redrawn only when a count changed
            return PrismaSummary(config.review_id, before, folder, paths, versions, None, written=False)
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "PRISMA.csv": template_rows(counts, packaged_template()).encode("utf-8"),
        "prisma.json": prisma_json(counts).encode("utf-8"),
        "prisma.svg": diagram_svg(counts).encode("utf-8"),
        "prisma.png": diagram_png(counts),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return PrismaSummary(config.review_id, counts, folder, paths, versions, frozen)
