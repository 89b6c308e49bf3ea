"""The one exception family of lreview: messages a user can act on, printed by the CLI in one line."""

from __future__ import annotations


class LreviewError(Exception):
    """Base of every error lreview raises on purpose; its message names the file, key or record."""


class ConfigError(LreviewError):
    """An invalid review config: `config/x.toml: searches[0].query: must not be empty`."""


class InputError(LreviewError):
    """A malformed input file (export, CSV, workbook): names file, record/cell/line and the problem."""


class EutilsError(LreviewError):
    """NCBI E-utilities failed after all retries, or answered with an error we cannot work around."""


class StoreError(LreviewError):
    """The record store is unusable (unknown schema version, conflicting writes, bad URL)."""


class PrismaError(LreviewError):
    """PRISMA counts that break the flow diagram's arithmetic, or a template it cannot fill."""


class HarvestError(LreviewError):
    """A harvest source other than E-utilities (ClinicalTrials.gov, Europe PMC) failed after all retries,
    or refused a query: `ClinicalTrials.gov: page 3: ... response is not JSON (truncated?)`."""
