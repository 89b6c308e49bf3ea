"""The numbers of a PRISMA 2020 flow diagram, and the arithmetic that ties its boxes together.

`PrismaCounts` holds one number per box of the PRISMA 2020 flow for new systematic reviews and updated
(living) reviews, "databases and registers" arm only: lreview identifies records from databases and trial
registers, never from websites, organisations or citation searching. The pipeline fills it from the
lifecycle states of the screening layer; this module neither reads the store nor knows the lifecycle.

`check` is run before anything is exported: an inconsistency is an error naming the boxes and their
numbers, never a silently wrong diagram. Records still in progress (not yet final at title/abstract, or
retrieved without a final full-text decision) are counted in the two `awaiting` boxes, so a review in
progress balances too.
"""

from __future__ import annotations

from dataclasses import dataclass

from lreview.errors import PrismaError

Named = tuple[tuple[str, int], ...]
"""(name, count) pairs in display order: per database, per register, per exclusion reason."""


@dataclass(frozen=True)
class PrismaCounts:
    """One number per box of the PRISMA 2020 flow diagram (databases and registers arm)."""

    databases: Named  # records identified per database, e.g. (("PubMed", 812), ("Embase", 640))
    registers: Named = ()  # records identified per trial register (ClinicalTrials.gov ...)
    duplicates: int = 0  # duplicate records removed
    excluded_automatic: int = 0  # marked ineligible by automation tools (the stopping rule)
    excluded_other: int = 0  # removed before screening for other reasons
    screened: int = 0  # records screened at title/abstract by people (final decisions)
    screened_excluded: int = 0  # records excluded at title/abstract
    awaiting: int = 0  # not yet final at title/abstract (unscreened, half dual-screened, in conflict)
    sought: int = 0  # reports sought for retrieval
    not_retrieved: int = 0  # reports not retrieved
    assessed: int = 0  # reports assessed for eligibility (final full-text decisions)
    fulltext_awaiting: int = 0  # sought and retrieved, no final full-text decision yet
    excluded_reasons: Named = ()  # reports excluded at full text, per reason
    new_studies: int = 0  # new studies included in this version
    new_reports: int = 0  # reports of new included studies
    previous_studies: int | None = None  # living review: included in the previous version (None: none)
    previous_reports: int | None = None
    as_of: str = ""  # ISO time the counts were taken
    version: str = ""  # lreview version that took them

    @property
    def databases_total(self) -> int:
        return sum(n for _, n in self.databases)

    @property
    def registers_total(self) -> int:
        return sum(n for _, n in self.registers)

    @property
    def identified(self) -> int:
        """Records identified from databases and registers."""
        return self.databases_total + self.registers_total

    @property
    def removed_before_screening(self) -> int:
        return self.duplicates + self.excluded_automatic + self.excluded_other

    @property
    def fulltext_excluded(self) -> int:
        """Reports excluded at full text, all reasons."""
        return sum(n for _, n in self.excluded_reasons)

    @property
    def has_previous(self) -> bool:
        """A living review's update: the previous version's included studies are shown."""
        return self.previous_studies is not None

    @property
    def total_studies(self) -> int:
        """Studies included in the review: previous + new, or new when there is no previous version."""
        return (self.previous_studies or 0) + self.new_studies

    @property
    def total_reports(self) -> int:
        return (self.previous_reports or 0) + self.new_reports


_NUMBERS = (
    ("duplicates", "duplicates removed"),
    ("excluded_automatic", "marked ineligible by automation tools"),
    ("excluded_other", "removed for other reasons"),
    ("screened", "records screened"),
    ("screened_excluded", "records excluded"),
    ("awaiting", "awaiting screening"),
    ("sought", "reports sought for retrieval"),
    ("not_retrieved", "reports not retrieved"),
    ("assessed", "reports assessed for eligibility"),
    ("fulltext_awaiting", "awaiting full-text assessment"),
    ("new_studies", "new studies included"),
    ("new_reports", "reports of new included studies"),
    ("previous_studies", "studies included in previous version"),
    ("previous_reports", "reports of studies included in previous version"),
)
_LISTS = (
    ("databases", "records identified from databases"),
    ("registers", "records identified from registers"),
    ("excluded_reasons", "reports excluded"),
)


def _list_problems(counts: PrismaCounts) -> list[str]:
    problems = []
    for attr, box in _LISTS:
        seen: set[str] = set()
        for name, n in getattr(counts, attr):
            if not name.strip():
                problems.append(f"{box}: a name is empty")
            elif name.strip().casefold() in seen:
                problems.append(f"{box}: {name!r} is listed twice")
            seen.add(name.strip().casefold())
            if n < 0:
                problems.append(f"{box}: {name!r} ({n}) is negative")
    return problems


def problems(counts: PrismaCounts) -> list[str]:
    """Every broken invariant of `check`, one phrase each, in flow order (empty when consistent)."""
    c = counts
    out = _list_problems(c)
    for attr, box in _NUMBERS:
        n = getattr(c, attr)
        if n is not None and n < 0:
            out.append(f"{box} ({n}) is negative")
    if (c.previous_studies is None) != (c.previous_reports is None):
        out.append(
            f"studies included in previous version ({c.previous_studies}) and reports of them "
            f"({c.previous_reports}): give both or neither"
        )
    left = c.identified - c.removed_before_screening
    if left != c.screened + c.awaiting:
        out.append(
            f"records identified ({c.identified}) - duplicates ({c.duplicates}) - automation "
            f"({c.excluded_automatic}) - other ({c.excluded_other}) = {left}, but records screened "
            f"({c.screened}) + awaiting screening ({c.awaiting}) = {c.screened + c.awaiting}"
        )
    if c.screened - c.screened_excluded != c.sought:
        out.append(
            f"records screened ({c.screened}) - records excluded ({c.screened_excluded}) = "
            f"{c.screened - c.screened_excluded}, but reports sought for retrieval = {c.sought}"
        )
    if c.sought - c.not_retrieved != c.assessed + c.fulltext_awaiting:
        out.append(
            f"reports sought ({c.sought}) - not retrieved ({c.not_retrieved}) = "
            f"{c.sought - c.not_retrieved}, but reports assessed ({c.assessed}) + awaiting full-text "
            f"assessment ({c.fulltext_awaiting}) = {c.assessed + c.fulltext_awaiting}"
        )
    if c.assessed - c.fulltext_excluded != c.new_reports:
        out.append(
            f"reports assessed ({c.assessed}) - reports excluded ({c.fulltext_excluded}) = "
            f"{c.assessed - c.fulltext_excluded}, but reports of new included studies = {c.new_reports}"
        )
    # in a living review's update a new report may be of a study an earlier version included
    out.extend(_study_problems("new", c.new_studies, c.new_reports, c.previous_studies is None))
    if c.previous_studies is not None and c.previous_reports is not None:
        out.extend(_study_problems("previous", c.previous_studies, c.previous_reports, True))
    return out


def _study_problems(which: str, studies: int, reports: int, own_study: bool) -> list[str]:
    """`studies` <= `reports`; with `own_study`, reports need at least one study of their own."""
    box = "new included studies" if which == "new" else "studies included in previous version"
    if studies > reports:
        return [f"{box} ({studies}) > reports of them ({reports}): a study has at least one report"]
    if own_study and reports > 0 and studies == 0:
        return [f"reports of {box} ({reports}) but {box} = 0: a report belongs to a study"]
    return []


def check(counts: PrismaCounts) -> None:
    """Raise `PrismaError` naming the boxes and numbers of every broken invariant of the PRISMA 2020 flow.

    The invariants, with the in-progress boxes so that a review being screened balances too:

    1. identified (databases + registers) - duplicates - marked ineligible by automation tools - removed
       for other reasons = records screened + awaiting screening;
    2. records screened - records excluded = reports sought for retrieval;
    3. reports sought - reports not retrieved = reports assessed + awaiting full-text assessment;
    4. reports assessed - reports excluded (all reasons) = reports of new included studies;
    5. new studies <= reports of new studies, and reports imply at least one study (likewise for the
       previous version's studies and reports; in an update, new reports may all be of earlier studies);
    6. a previous version gives both its studies and its reports, or neither;
    7. every number >= 0;
    8. database, register and exclusion-reason names are non-empty and unique (ignoring case) in their list.
    """
    found = problems(counts)
    if found:
        raise PrismaError("PRISMA: " + "; ".join(found))
