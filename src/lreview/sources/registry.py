"""The harvest sources lreview knows, by name: what each is called, its PRISMA arm, how to open it.

A config search names its source (`database = "ClinicalTrials.gov"`); `lookup` finds it and `open`
builds it from the config and the environment (base URL variables, NCBI's email and key). PRISMA asks
`arm_of` whether a source's records count as identified from databases or from registers; a source
only known from imported files is a database (Embase, Scopus, ...) unless it is a known trial register
(WHO ICTRP, EU CTR, ISRCTN, ...).

To add a source: a module with a class following `harvest.HarvestSource`, one `SourceKind` row here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from lreview.config import ReviewConfig
from lreview.sources.ctgov import CtgovSource
from lreview.sources.europepmc import EuropePmcSource
from lreview.sources.eutils import EutilsClient, EutilsSettings
from lreview.sources.harvest import Arm, HarvestSource
from lreview.sources.pubmed_source import PubMedSource

log = logging.getLogger("lreview.sources")


@dataclass(frozen=True)
class SourceKind:
    """One harvest source: its name, PRISMA arm, base-URL variable and how to open it for a review."""

    name: str
    arm: Arm
    url_env: str
    open: Callable[[ReviewConfig], HarvestSource]


def eutils_client(config: ReviewConfig) -> EutilsClient:
    """An E-utilities client from the environment (URL, email, api key) and the config's batch size."""
    settings = EutilsSettings.from_env(batch_size=config.pubmed.batch_size)
    if not settings.email:
        log.warning("NCBI_EMAIL is not set: NCBI asks every E-utilities user for a contact address")
    return EutilsClient(settings)


def _pubmed(config: ReviewConfig) -> HarvestSource:
    return PubMedSource(eutils_client(config))


def _ctgov(config: ReviewConfig) -> HarvestSource:
    return CtgovSource()


def _europepmc(config: ReviewConfig) -> HarvestSource:
    return EuropePmcSource()


SOURCES: tuple[SourceKind, ...] = (
    SourceKind("PubMed", "database", "LREVIEW_EUTILS_URL", _pubmed),
    SourceKind("ClinicalTrials.gov", "register", "LREVIEW_CTGOV_URL", _ctgov),
    SourceKind("Europe PMC", "database", "LREVIEW_EUROPEPMC_URL", _europepmc),
)
NAMES: tuple[str, ...] = tuple(kind.name for kind in SOURCES)
# Trial registers whose records only arrive as imported files (no harvest source): PRISMA registers too.
IMPORTED_REGISTERS = frozenset(
    {"ictrp", "who ictrp", "euctr", "eu ctr", "ctis", "isrctn", "anzctr", "chictr", "drks", "ctri"}
)


def lookup(name: str) -> SourceKind:
    """The source called `name` (ignoring case), or a ValueError naming the known ones."""
    for kind in SOURCES:
        if kind.name.casefold() == name.casefold():
            return kind
    raise ValueError(f"unknown harvest source {name!r}; known: {', '.join(NAMES)}")


def arm_of(name: str) -> Arm:
    """PRISMA's arm for records of the source `name`: a harvest source's own, `register` for a known
    trial register's imported records (WHO ICTRP, EU CTR, ISRCTN, ...), else `database`."""
    for kind in SOURCES:
        if kind.name.casefold() == name.casefold():
            return kind.arm
    return "register" if name.strip().casefold() in IMPORTED_REGISTERS else "database"
