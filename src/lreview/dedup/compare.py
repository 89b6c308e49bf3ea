"""Pair decision: are two records the same publication (duplicate), maybe (possible), or not (distinct)?

Rules, in order (the first that applies decides):
1. Guards, "never merge": different PMIDs; different kinds (article vs erratum, retraction notice,
   comment/reply); different part/series numbers; different numbers in otherwise equal titles
   (unless year, volume, first page and authors all agree: a typo); a word or two of one title
   replaced by unlike words in the other ("adult" vs "adolescent", "sensitive" vs "resistant": sibling
   trials and companion papers; same exception); years more than one apart.
   Similar pairs stopped by a guard are also kept out of one cluster (see `cluster`).
2. Same PMID, or same DOI with similar titles and overlapping pages: duplicate. An identifier alone
   never merges titles that are not the same (below `TITLE_SAME`, or a word replaced by an unlike
   one): one DOI is often given to a whole journal supplement of conference abstracts, and a PMID
   can be copied onto the wrong record. Such a pair is possible (a human decides) unless the abstracts,
   or the authors, year, volume and first page agree (see `_identifier_only`).
3. Different DOIs: duplicate only when everything else matches (title, authors, year, volume, first
   page); otherwise distinct and forbidden (companion papers). A preprint or conference abstract
   has its own DOI, so for those pairs the fields decide and rule 5 applies.
4. Otherwise field evidence: title similarity (rapidfuzz), authors, year, journal, volume, pages,
   abstract. Conflicting volume, first page or (when pages cannot help) journal needs a human
   (possible); pages agree when equal or when a single page lies in the other's range.
5. Preprint vs published and conference abstract vs article: "related" (option), never merged.
Scores are in [0, 1]; the thresholds are named constants below so they can be read and tuned.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

from rapidfuzz.distance import Indel

from lreview.dedup.keys import ARTICLE, Keys
from lreview.dedup.normalize import journals_match, page_ranges_agree, page_ranges_overlap

DUPLICATE = "duplicate"
POSSIBLE = "possible"
DISTINCT = "distinct"
RELATED = "related"

TITLE_SAME = 0.95  # titles this close differ only by typing/markup
TITLE_CLOSE = 0.90
TITLE_LIKE = 0.80  # a human might still call these the same
ABSTRACT_SAME = 0.90
ABSTRACT_IDENTICAL = 0.97
LONG_TITLE = 60  # characters: long identical titles with the same year need no further field
SHORT_TITLE = 35  # characters: "Editorial", "Diabetes update 2010" need more than the title
SWAP_WORDS = 2  # at most this many words on each side make a "replaced words" title difference
SWAP_UNLIKE = 0.7  # replaced words less similar than this are different words, not a misspelling


_DIFFERENT_TITLES = ("different titles",)
_DOIS = frozenset({"dois"})
_PAGES = frozenset({"pages"})


@dataclass(frozen=True, slots=True)
class Verdict:
    """A pair decision with its score and the evidence, for the possible-duplicates queue and logs."""

    decision: str
    score: float
    reasons: tuple[str, ...] = ()
    guard: bool = False  # a "never merge" rule fired: these two must not end up in one cluster
    overrides: frozenset[str] = frozenset()  # cluster checks this pair's evidence outweighs (see cluster)


def title_similarity(a: Keys, b: Keys) -> float:
    """Normalised Indel similarity of title keys; a truncated or extended title counts as close."""
    if not a.title or not b.title:
        return 0.0
    sim = float(Indel.normalized_similarity(a.title, b.title))
    if sim < TITLE_CLOSE:
        short, long = (a.title, b.title) if len(a.title) <= len(b.title) else (b.title, a.title)
        if len(short) >= 50 and long.startswith(short):
            return TITLE_SAME  # truncated by one database
        if len(short) >= 30 and short in long:
            return TITLE_CLOSE  # a subtitle or a prefix ("Thrombotic microangiopathy: ...") added
    return sim


def authors_agree(a: Keys, b: Keys) -> bool | None:
    """Same first author (fuzzy surname or a shared name word) with at least half of the surnames (or
    of all name words, for lists whose name parts one database swapped) shared; without the first
    author, two thirds of the surnames of the shorter list. None when either list is empty."""
    if not a.authors or not b.authors:
        return None
    shared = len(a.surnames & b.surnames)
    shorter = min(len(a.surnames), len(b.surnames))
    first = (
        Indel.normalized_similarity(a.first_author, b.first_author) >= 0.8
        or _surname_in(a, b)
        or bool(a.first_author_words & b.first_author_words)
    )
    if first:
        words = len(a.name_words & b.name_words) / max(1, min(len(a.name_words), len(b.name_words)))
        return shared >= 0.5 * shorter or shared >= 3 or words >= 0.5
    return shorter >= 3 and shared >= 2 * shorter / 3


def _surname_in(a: Keys, b: Keys) -> bool:
    # Joined or split particles ("van der berg" vs "berg"): one first surname contains the other.
    x, y = a.first_author.replace(" ", ""), b.first_author.replace(" ", "")
    return bool(x) and bool(y) and (x in y or y in x)


def _agree(x: str | int | None, y: str | int | None) -> bool | None:
    if x in (None, "") or y in (None, ""):
        return None
    return x == y


def _guard(a: Keys, b: Keys) -> str | None:
    if a.pmid and b.pmid and a.pmid != b.pmid:
        return "different PMIDs"
    if a.kind != b.kind:
        return f"{a.kind} vs {b.kind}"
    if a.registration != b.registration:
        return "different registrations"
    if a.parts != b.parts and (a.parts or b.parts):
        return "different part/series numbers"
    if a.title_numbers != b.title_numbers and a.title_numbers and b.title_numbers and not _same_item(a, b):
        return "different numbers in titles"
    if a.year is not None and b.year is not None and abs(a.year - b.year) > 1:
        return "years more than one apart"
    if not _same_id(a, b) and _replaced_words(a, b) and not _same_item(a, b):
        return "different words in titles"
    return None


def _replaced_words(a: Keys, b: Keys) -> bool:
    """True when some word of one title stands where an unlike word of the other does: "in adult
    patients" vs "in adolescent patients". Added or dropped words (subtitles, "(aHUS)", truncation)
    and misspellings ("haemolytic" vs "hemolytic") do not count."""
    if a.title_words == b.title_words:
        return False
    matcher = SequenceMatcher(None, a.title_words, b.title_words, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "replace" or i2 - i1 > SWAP_WORDS or j2 - j1 > SWAP_WORDS:
            continue
        left, right = " ".join(a.title_words[i1:i2]), " ".join(b.title_words[j1:j2])
        words = min(len(left), len(right)) >= 4 and not (left.isdigit() or right.isdigit())
        if words and Indel.normalized_similarity(left, right) < SWAP_UNLIKE:
            return True
    return False


def compare(a: Keys, b: Keys, link_related: bool = True) -> Verdict:
    """Decide whether `a` and `b` are one publication (`link_related=False` merges preprints etc.)."""
    verdict = _compare(a, b)
    return _related(a, b, verdict) if link_related else verdict


def _compare(a: Keys, b: Keys) -> Verdict:
    title = title_similarity(a, b)
    # Fast exit for most candidate pairs: below TITLE_LIKE only a near-identical abstract can make
    # a pair possible or duplicate (see `_fields`), and no guard needs recording.
    if (
        title < TITLE_LIKE
        and not _same_id(a, b)
        and (
            len(a.abstract) < 100
            or len(b.abstract) < 100
            or Indel.normalized_similarity(a.abstract, b.abstract, score_cutoff=ABSTRACT_SAME) == 0
        )
    ):
        return Verdict(DISTINCT, title, _DIFFERENT_TITLES)
    guard = _guard(a, b)
    if guard is not None:
        return Verdict(DISTINCT, title, (guard,), guard=title >= TITLE_LIKE or _same_id(a, b))
    if _same_id(a, b) and _identifier_only(a, b, title):
        shared = "PMID" if a.pmid and a.pmid == b.pmid else "DOI"
        return Verdict(POSSIBLE, title, (f"same {shared}, different titles",))
    if a.pmid and a.pmid == b.pmid:
        return Verdict(DUPLICATE, 1.0, ("same PMID",))
    authors = authors_agree(a, b)
    volume = _agree(a.volume, b.volume)
    page = page_ranges_agree(a.pages, b.pages)
    year = _agree(a.year, b.year)
    journal = journals_match(a.journal, b.journal) if a.journal and b.journal else None
    if a.doi and a.doi == b.doi:
        # One DOI is sometimes given to a whole supplement of abstracts, or copied by mistake: pages
        # that do not even overlap override it, and so does a different volume unless the pages agree.
        if page is False and page_ranges_overlap(a.pages, b.pages):
            page = None  # "3499-3512" vs "3502-15": one database's typo
        clash = [
            n for n, ok in (("first page", page), ("volume", volume if not page else None)) if ok is False
        ]
        if clash:
            return Verdict(POSSIBLE, title, ("same DOI", *(f"{n} differ" for n in clash)))
        if title >= TITLE_LIKE or (title >= 0.6 and authors and year is not False):
            return Verdict(DUPLICATE, max(title, 0.9), ("same DOI",))
        return Verdict(POSSIBLE, title, ("same DOI, different titles",))
    if a.doi and b.doi and a.preprint == b.preprint and a.conference == b.conference:
        if title >= TITLE_SAME and authors and year and volume and page:
            return Verdict(DUPLICATE, title, ("different DOIs, all else equal",), overrides=_DOIS)
        return Verdict(DISTINCT, title, ("different DOIs",), guard=title >= TITLE_LIKE)
    return _fields(a, b, title, authors, year, volume, page, journal)


def _same_item(a: Keys, b: Keys) -> bool:
    """Same year, volume, first page and authors: one item, whatever a typo did to a title number."""
    return bool(
        a.year
        and a.year == b.year
        and a.volume
        and a.volume == b.volume
        and page_ranges_agree(a.pages, b.pages)
        and authors_agree(a, b)
    )


def _identifier_only(a: Keys, b: Keys, title: float) -> bool:
    """Two titles that are not the same title, and nothing but a shared identifier joins them: an
    unlike word where the other has another ("... in adults with ..." vs "... in adolescents with
    ...") unless year, volume, first page and authors agree (as in `_guard`); or titles less similar
    than `TITLE_SAME` without nearly the same abstract, or the same authors and first page (or, for
    titles as close as `TITLE_CLOSE`, no first page to compare) with year and volume not differing."""
    if not (a.title and b.title):
        return False
    if _replaced_words(a, b):
        return not _same_item(a, b)
    if title >= TITLE_SAME or (_abstract_similarity(a, b) or 0.0) >= ABSTRACT_SAME:
        return False
    page = page_ranges_agree(a.pages, b.pages)
    agree = authors_agree(a, b) and False not in (_agree(a.year, b.year), _agree(a.volume, b.volume), page)
    return not (agree and (page or title >= TITLE_CLOSE))  # a typo in a title ("Neruogenetics")


def _same_id(a: Keys, b: Keys) -> bool:
    return bool((a.doi and a.doi == b.doi) or (a.pmid and a.pmid == b.pmid))


def _fields(
    a: Keys,
    b: Keys,
    title: float,
    authors: bool | None,
    year: bool | None,
    volume: bool | None,
    page: bool | None,
    journal: bool | None,
) -> Verdict:
    reasons = [f"title {title:.2f}"]
    conflicts = [name for name, ok in (("volume", volume), ("first page", page)) if ok is False]
    if authors is False:
        conflicts.append("authors")
    if journal is False and not page and not (a.conference and b.conference) and a.preprint == b.preprint:
        conflicts.append("journal")  # journal names are messy: only trusted when the pages cannot help
    support = sum(1 for ok in (authors, year, volume, page, journal) if ok)
    abstract = _abstract_similarity(a, b) if title < TITLE_SAME or conflicts else None
    if abstract is not None:
        reasons.append(f"abstract {abstract:.2f}")
    reasons += [f"{name} differ" for name in conflicts]
    if not a.title or not b.title:
        return Verdict(
            POSSIBLE if (abstract or 0) >= ABSTRACT_SAME else DISTINCT, abstract or 0.0, tuple(reasons)
        )
    short = min(len(a.title), len(b.title)) < SHORT_TITLE
    needed = 3 if short else 2
    if not conflicts:
        if a.preprint != b.preprint and title >= TITLE_SAME and authors and not short:
            # A preprint and its published version: other year, journal, no pages; one work
            # (`compare` turns this into "related" unless the review merges them).
            return Verdict(DUPLICATE, title, (*reasons, "preprint of the article"), overrides=_DOIS)
        if title >= TITLE_SAME and support >= needed:
            return Verdict(DUPLICATE, title, tuple(reasons))
        if title >= 0.98 and min(len(a.title), len(b.title)) >= LONG_TITLE and year and support >= 1:
            return Verdict(DUPLICATE, title, (*reasons, "long title, same year"))
        if title >= TITLE_CLOSE and authors and support >= needed + 1:
            return Verdict(DUPLICATE, title, tuple(reasons))
        if title >= TITLE_LIKE and authors and (page or (abstract or 0) >= ABSTRACT_SAME):
            return Verdict(DUPLICATE, title, tuple(reasons))
        if (abstract or 0) >= ABSTRACT_SAME and authors and year and support >= 3:
            return Verdict(DUPLICATE, max(title, abstract or 0), tuple(reasons))
    identical_text = title >= TITLE_SAME and (abstract or 0) >= ABSTRACT_IDENTICAL
    if identical_text and conflicts == ["authors"] and year:
        # Same title and abstract text: the author lists differ in format only (name order, "null").
        return Verdict(DUPLICATE, title, tuple(reasons))
    if identical_text and conflicts == ["first page"] and authors and volume:
        # Same title, abstract, authors and volume: one database mistyped the pages.
        return Verdict(DUPLICATE, title, tuple(reasons), overrides=_PAGES)
    if title >= TITLE_LIKE or (abstract or 0) >= ABSTRACT_SAME:
        return Verdict(POSSIBLE, max(title, abstract or 0), tuple(reasons))
    return Verdict(DISTINCT, title, tuple(reasons))


def _abstract_similarity(a: Keys, b: Keys) -> float | None:
    if len(a.abstract) < 100 or len(b.abstract) < 100:
        return None
    return float(Indel.normalized_similarity(a.abstract, b.abstract))


def _related(a: Keys, b: Keys, verdict: Verdict) -> Verdict:
    """Preprint vs published: related. Conference abstract vs article: related when their volume,
    first page or year differ, a duplicate when volume or first page agree and nothing differs (one
    abstract, listed by one database under the conference), possible when both are missing."""
    if verdict.decision != DUPLICATE or a.kind != ARTICLE:
        return verdict
    if a.preprint != b.preprint:
        return Verdict(RELATED, verdict.score, (*verdict.reasons, "preprint vs published"))
    if a.conference != b.conference:
        volume, page, year = (
            _agree(a.volume, b.volume),
            page_ranges_agree(a.pages, b.pages),
            _agree(a.year, b.year),
        )
        if False in (volume, page, year):
            return Verdict(RELATED, verdict.score, (*verdict.reasons, "conference abstract vs article"))
        if volume or page:
            return verdict
        return Verdict(POSSIBLE, verdict.score, (*verdict.reasons, "conference abstract vs article?"))
    return verdict
