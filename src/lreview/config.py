"""The review config: one TOML file per review, validated by pydantic, with one-line errors.

Every review lreview runs is described here (searches, eligibility, reviewers, schedule, store); nothing
in the code is specific to one topic. Secrets never live in the file: `NCBI_API_KEY` and `NCBI_EMAIL`
come from the environment only (see `lreview.sources.eutils.EutilsSettings.from_env`).

Relative paths (`output_dir`, `imports.folders`) are resolved against the config file's folder when
it is loaded, so a command finds the same store from any working directory; `output_dir` defaults to
`outputs/<review id>` there. `database_url` defaults to an SQLite file under `output_dir`, and the
environment variable `LREVIEW_DATABASE_URL` overrides it.
"""

from __future__ import annotations

import os
import re
import tomllib
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from lreview.errors import ConfigError

SECRET_KEYS = {"api_key", "ncbi_api_key", "password"}
_REVIEW_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")

NonEmpty = Annotated[str, Field(min_length=1)]
_EPOCH = datetime(2000, 1, 1)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Search(_Strict):
    """One named search of a harvest source (`sources/registry.py`), in that source's query syntax."""

    name: NonEmpty
    query: NonEmpty
    database: Literal["PubMed", "ClinicalTrials.gov", "Europe PMC"] = "PubMed"
    mindate: date | None = None  # earliest entry date (EDAT) to harvest; None = all of PubMed
    maxdate: date | None = None

    @model_validator(mode="after")
    def _window_is_ordered(self) -> Search:
        if self.mindate and self.maxdate and self.mindate > self.maxdate:
            raise ValueError("mindate must not be after maxdate")
        return self


class Schedule(_Strict):
    """When `lreview serve` runs the review's loops: the refresh on a cron expression in a named time
    zone, the ingest of returned workbooks every `ingest_every_minutes`."""

    cron: NonEmpty = "0 6 * * 1"
    timezone: NonEmpty = "UTC"
    ingest_every_minutes: int = Field(default=15, ge=1, le=1440)

    @field_validator("cron")
    @classmethod
    def _cron_parses(cls, value: str) -> str:
        try:
            CronSim(value, _EPOCH)
        except (CronSimError, ValueError) as exc:
            raise ValueError(f"not a valid cron expression: {exc}") from None
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone_exists(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name like 'Europe/London')") from None
        return value


class PubmedOptions(_Strict):
    """How the PubMed harvest talks to E-utilities (the base URL comes from LREVIEW_EUTILS_URL)."""

    batch_size: int = Field(default=250, ge=20, le=500)
    overlap_days: int = Field(default=2, ge=0, le=60)


class Imports(_Strict):
    """Folders a refresh scans for exported files from other databases (each file imported once)."""

    folders: list[Path] = []
    source_by_folder: dict[str, NonEmpty] = {}

    @field_validator("source_by_folder")
    @classmethod
    def _one_spelling_per_database(cls, value: dict[str, str]) -> dict[str, str]:
        folders = [f.casefold() for f in value]
        if len(set(folders)) != len(folders):
            raise ValueError("folder names must differ by more than letter case")
        first: dict[str, str] = {}
        return {folder: first.setdefault(name.casefold(), name) for folder, name in value.items()}

    def source_for_folder(self, folder: str) -> str | None:
        """The database named for an import folder (folder names matched ignoring case)."""
        wanted = folder.casefold()
        return next((s for f, s in self.source_by_folder.items() if f.casefold() == wanted), None)


class Dedup(_Strict):
    """Deduplication choices: preprint vs published version and conference abstract vs full article
    are linked as "related" (default: both stay, each counted) or merged as duplicates ("merge")."""

    related: Literal["related", "merge"] = "related"


class Ranking(_Strict):
    """Active-learning ranking and the stopping rule's recall target and confidence."""

    recall_target: float = Field(default=0.95, gt=0, lt=1)
    confidence: float = Field(default=0.95, gt=0, lt=1)
    seed_includes: list[NonEmpty] = []  # known includes: "PMID:123" or "DOI:10.1000/x"
    seed: int = 0

    @field_validator("seed_includes")
    @classmethod
    def _seed_form(cls, value: list[str]) -> list[str]:
        for item in value:
            kind, sep, rest = item.partition(":")
            if not sep or kind.strip().upper() not in ("PMID", "DOI") or not rest.strip():
                raise ValueError(f"{item!r} is not 'PMID:<number>' or 'DOI:<doi>'")
        return value


class Screening(_Strict):
    """How screening workbooks are issued: single or dual (blinded) screening at each stage, batch size,
    who settles conflicts, and terms to highlight in titles and abstracts."""

    mode: Literal["single", "dual"] = "single"
    full_text_mode: Literal["single", "dual"] | None = None  # default: the same as `mode`
    batch_size: int = Field(default=100, ge=1, le=10000)
    arbiter: str | None = None  # default: the first reviewer (a consensus meeting)
    highlight: list[NonEmpty] = []

    def needed(self, stage: str) -> int:
        """How many reviewers must decide a publication at `stage` (1 single, 2 dual)."""
        mode = self.mode if stage == "title_abstract" else (self.full_text_mode or self.mode)
        return 2 if mode == "dual" else 1


class Review(_Strict):
    """The review's identity, question and people."""

    id: str
    title: NonEmpty
    question: str = ""
    eligibility: NonEmpty
    exclusion_reasons: list[NonEmpty] = Field(min_length=1)
    reviewers: list[NonEmpty] = Field(min_length=1)
    output_dir: Path | None = None
    database_url: str | None = None

    @field_validator("id")
    @classmethod
    def _id_is_slug(cls, value: str) -> str:
        if not _REVIEW_ID.match(value):
            raise ValueError("must be lower-case letters, digits, '-' or '_' (e.g. 'ldn-endometriosis')")
        return value

    @field_validator("reviewers", "exclusion_reasons")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        seen = {v.casefold() for v in value}
        if len(seen) != len(value):
            raise ValueError("entries must be unique")
        return value


class ReviewConfig(_Strict):
    """A whole review config file."""

    review: Review
    searches: list[Search] = Field(min_length=1)
    schedule: Schedule = Schedule()
    pubmed: PubmedOptions = PubmedOptions()
    imports: Imports = Imports()
    dedup: Dedup = Dedup()
    ranking: Ranking = Ranking()
    screening: Screening = Screening()
    path: Path | None = None  # the file this was loaded from (set by load_config)

    @field_validator("searches")
    @classmethod
    def _search_names_unique(cls, value: list[Search]) -> list[Search]:
        names = [s.name for s in value]
        if len(set(names)) != len(names):
            raise ValueError("search names must be unique")
        return value

    @model_validator(mode="after")
    def _dual_needs_two_reviewers(self) -> ReviewConfig:
        dual = max(self.screening.needed("title_abstract"), self.screening.needed("full_text")) == 2
        if dual and len(self.review.reviewers) < 2:
            raise ValueError("screening: dual screening needs at least two review.reviewers")
        return self

    @property
    def review_id(self) -> str:
        return self.review.id

    @property
    def arbiter(self) -> str:
        """Who settles screening conflicts: `screening.arbiter`, else the first reviewer."""
        return self.screening.arbiter or self.review.reviewers[0]

    @property
    def output_dir(self) -> Path:
        """Where this review's store, workbooks and reports go."""
        return self.review.output_dir or Path("outputs") / self.review.id

    @property
    def database_url(self) -> str:
        """LREVIEW_DATABASE_URL, else the config's database_url, else an SQLite file in output_dir."""
        env = os.environ.get("LREVIEW_DATABASE_URL", "").strip()
        if env:
            return env
        if self.review.database_url:
            return self.review.database_url
        return sqlite_url(self.output_dir / "lreview.sqlite")

    @property
    def database_url_origin(self) -> str:
        """Where `database_url` came from, for messages: the environment, the config's key, or the default."""
        if os.environ.get("LREVIEW_DATABASE_URL", "").strip():
            return "LREVIEW_DATABASE_URL"
        if self.review.database_url:
            return f"{self.path}: review.database_url"
        return "the default SQLite file in review.output_dir"


def sqlite_url(path: Path) -> str:
    """`sqlite:///` + the absolute path, percent-quoted so `?`, `#`, `%` and `@` in folder names stay part
    of the file name (SQLAlchemy >= 2.1 unquotes the database part of a URL)."""
    return "sqlite:///" + quote(str(path.resolve()), safe=" +/")


def _location(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _first_error(path: Path, exc: ValidationError) -> ConfigError:
    err = exc.errors()[0]
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    key = _location(loc)
    if err["type"] == "extra_forbidden":
        leaf = str(loc[-1]).lower() if loc else ""
        if leaf in SECRET_KEYS:
            return ConfigError(f"{path}: {key}: secrets must not be in the config; set NCBI_API_KEY instead")
        return ConfigError(f"{path}: {key}: unknown key")
    message = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "missing":
        message = "required key is missing"
    more = len(exc.errors()) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return ConfigError(f"{path}: {key}: {message}{suffix}")


def _absolute(config: ReviewConfig, base: Path) -> ReviewConfig:
    """Relative paths made absolute against `base` (the config file's folder)."""
    review = config.review
    output_dir = (base / (review.output_dir or Path("outputs") / review.id).expanduser()).resolve()
    folders = [(base / p.expanduser()).resolve() for p in config.imports.folders]
    return config.model_copy(
        update={
            "review": review.model_copy(update={"output_dir": output_dir}),
            "imports": config.imports.model_copy(update={"folders": folders}),
        }
    )


def parse_config(data: dict[str, Any], path: Path) -> ReviewConfig:
    """Validate an already-parsed TOML document; errors name `path` and the offending key."""
    try:
        config = ReviewConfig.model_validate({**data, "path": path})
    except ValidationError as exc:
        raise _first_error(path, exc) from None
    return _absolute(config, path.parent)


def load_config(path: str | Path) -> ReviewConfig:
    """Read and validate a review config file; raises ConfigError with a one-line message."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    return parse_config(data, path)
