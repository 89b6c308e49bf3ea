"""Comparison keys of one Record, computed once: normalised fields plus what kind of publication it is.

The kind (article, erratum, retraction notice, comment/reply) and the part/series markers feed the
"never merge" guards in `compare`; `preprint` and `conference` feed the related-not-merged option.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from lreview.dedup import normalize
from lreview.records import Record, is_registration

ARTICLE = "article"
ERRATUM = "erratum"
RETRACTION = "retraction notice"
COMMENT = "comment/reply"
REGISTRATION = "trial registration"  # a register entry: never one publication with an article

# Notice patterns are matched on the lower-cased raw title (punctuation kept): "Correction to ..." is an
# erratum, "Correction of scoliosis ..." is not.
_ERRATUM_RE = re.compile(
    r"^\W*(erratum|errata|corrigendum|corrigenda|(author |publisher )?corrections?\s*(to\b|for\b|notice|:)|"
    r"publisher'?s note)"
)
_RETRACTION_RE = re.compile(
    r"^\W*(notice of retraction|retraction\s*(:|note|notice|to\b|of:|statement)|expression of concern)"
)
# Corrections cite the corrected article after the title: Web of Science "Title (vol 360, pg 542,
# 2009)", Embase "Title (New England Journal of Medicine (2009) 360 (542-544))".
_WOS_CORRECTION_RE = re.compile(
    r"(\(vol\.? ?\w+,? (pg?|pp)\.? ?\w+,? \d{4}\)"
    r"|\([^()]+\(\d{4}\)\s*\d+[^()]*(\([^()]*\))?[^()]*\))\s*\.?\s*$"
)
_NOTICE_PREFIX_RE = re.compile(
    r"^(erratum|errata|corrigendum|corrigenda|(author )?corrections?)( (to|for))?\s+"
)
_COMMENT_RE = re.compile(
    r"^\W*(comments? on\b|commentary on\b|commentary:|comment:|reply to\b|reply:|replies\b|response to\b|"
    r"in response\b|in reply\b|authors?'? reply|authors?'? response|re\s*:|letter to the editor re\b)"
)
_RETRACTED_PREFIX_RE = re.compile(r"^\W*(retracted( article)?|withdrawn)\s+")
_PART_RE = re.compile(
    r"\b(part|phase|paper|series|section|study|trial|chapter|volume|report)\s+(\d+|[ivx]{1,5}|one|two|three|four)\b"
)
_DIGITS_RE = re.compile(r"\d+")
_PART_WORD_RE = re.compile(r"\b(part|phase|paper|series|section|study|trial|chapter|volume|report) ")
MAX_AUTHORS = 12  # enough to tell author lists apart; long consortium lists cost time, not accuracy
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10}
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4}
_PREPRINT_JOURNAL_RE = re.compile(
    r"\b(medrxiv|biorxiv|arxiv|ssrn|research square|preprints?|chemrxiv|psyarxiv)\b"
)
_PREPRINT_DOI_PREFIXES = ("10.1101/", "10.21203/", "10.2139/", "10.48550/", "10.20944/", "10.31234/")
_CONFERENCE_RE = re.compile(
    r"\b(conference|congress|meeting|symposium|proceedings|abstracts|annual scientific|world congress)\b"
)
_CONFERENCE_TYPES = frozenset({"congress", "conference abstract", "conference paper", "meeting abstract"})


@dataclass(frozen=True, slots=True)
class Keys:
    """What `compare` needs of one record, normalised."""

    title: str
    title_words: tuple[str, ...]
    title_numbers: tuple[str, ...]  # digit runs with spaces ignored: "<sup>11</sup>C" and "11C" agree
    parts: frozenset[int]
    kind: str
    doi: str | None
    pmid: str | None
    authors: tuple[tuple[str, str], ...]
    surnames: frozenset[
        str
    ]  # last word of each surname: "Oliveira Guerra" ~ "Guerra", "van Kessel" ~ "Kessel"
    name_words: frozenset[str]  # every word of every name, for swapped "Ching-yi, Wu" vs "Wu, Ching-yi"
    # every word of the first author's name, for "Le Quintrec, M." vs "Quintrec, M."
    first_author_words: frozenset[str]
    year: int | None
    journal: tuple[str, ...]
    volume: str
    first_page: str
    pages: normalize.PageKey
    abstract: str
    preprint: bool
    conference: bool
    registration: str | None = None  # the NCT id of a trial registration

    @property
    def first_author(self) -> str:
        """Surname of the first author, or ""."""
        return self.authors[0][0] if self.authors else ""


def keys_of(record: Record) -> Keys:
    """Normalise `record` once for blocking and comparison."""
    raw_title = normalize.title(record.title)
    kind = _kind(record)
    title = _RETRACTED_PREFIX_RE.sub("", raw_title) if kind == ARTICLE else raw_title
    if kind == ERRATUM:
        title = _NOTICE_PREFIX_RE.sub("", normalize.title(_WOS_CORRECTION_RE.sub("", record.title.lower())))
    words = tuple(title.split())
    page_key = normalize.page_key(record.pages)
    doi = normalize.doi(record.doi)
    journal = record.journal or record.journal_abbrev
    preprint_journal, conference_journal = _journal_flags(journal)
    types = {t.lower() for t in record.publication_types} if record.publication_types else set()
    authors = normalize.authors(record.authors[:MAX_AUTHORS])
    return Keys(
        title=title,
        title_words=words,
        title_numbers=tuple(_DIGITS_RE.findall(title.replace(" ", ""))),
        parts=_parts(title) if _PART_WORD_RE.search(title) else frozenset(),
        kind=kind,
        doi=doi,
        pmid=normalize.pmid(record.pmid),
        authors=authors,
        surnames=frozenset(surname.rsplit(" ", 1)[-1] for surname, _ in authors),
        name_words=frozenset().union(*(_name_words(name) for name in record.authors[:MAX_AUTHORS])),
        first_author_words=_name_words(record.authors[0]) if record.authors else frozenset(),
        year=normalize.year(record.year),
        journal=normalize.journal(journal),
        volume=normalize.volume(record.volume),
        first_page=page_key[0],
        pages=page_key,
        abstract=normalize.abstract(record.abstract),
        preprint=preprint_journal
        or (doi is not None and doi.startswith(_PREPRINT_DOI_PREFIXES))
        or "preprint" in types,
        conference=conference_journal or bool(types & _CONFERENCE_TYPES),
        registration=record.source_id.upper() if kind == REGISTRATION else None,
    )


@lru_cache(maxsize=1 << 14)
def _journal_flags(journal: str) -> tuple[bool, bool]:
    text = normalize.fold(journal)
    return bool(_PREPRINT_JOURNAL_RE.search(text)), bool(_CONFERENCE_RE.search(text))


@lru_cache(maxsize=1 << 16)
def _name_words(name: str) -> frozenset[str]:
    return frozenset(w for w in normalize.fold(name).split() if len(w) > 1)


def _kind(record: Record) -> str:
    if is_registration(record):
        return REGISTRATION
    title = record.title.lower()
    if record.is_retraction_notice or _RETRACTION_RE.match(title):
        return RETRACTION
    if record.is_erratum or _ERRATUM_RE.match(title) or _WOS_CORRECTION_RE.search(title):
        return ERRATUM
    if _COMMENT_RE.match(title) or any(t.lower() == "comment" for t in record.publication_types):
        return COMMENT
    return ARTICLE


def _parts(title: str) -> frozenset[int]:
    found: set[int] = set()
    for _, mark in _PART_RE.findall(title):
        if mark.isdigit():
            found.add(int(mark))
        elif mark in _ROMAN:
            found.add(_ROMAN[mark])
        elif mark in _WORDS:
            found.add(_WORDS[mark])
    return frozenset(found)
