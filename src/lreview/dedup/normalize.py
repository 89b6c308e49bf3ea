"""Field normalisers for deduplication: one pure function per field, each idempotent and total.

Each function turns what a database exported into a comparison key (lower-case, no markup, no
punctuation, expanded page ranges). They never raise on odd input: an unusable value becomes the
empty key (`""`, `None` or `()`), which the comparison treats as "missing", never as "different".
Not for display: keys lose case, accents and punctuation.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache
from urllib.parse import unquote

_DOI_RE = re.compile(r"10\.\d{4,9}/\S+")
_DOI_TRAILING = ".,;:)]}>'\""
_TAG_RE = re.compile(r"<[^>]{0,200}>")
_NON_ALNUM_RE = re.compile(r"[^0-9a-z]+")
_SPACE_RE = re.compile(r"\s+")
_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta",
    "η": "eta", "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu", "ν": "nu",
    "ξ": "xi", "ο": "omicron", "π": "pi", "ρ": "rho", "σ": "sigma", "ς": "sigma", "τ": "tau",
    "υ": "upsilon", "φ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega", "ϕ": "phi", "ϵ": "epsilon",
}  # fmt: skip
_GREEK_TABLE = str.maketrans(_GREEK)
# Every ASCII character but [0-9a-z] becomes a space (str.translate is much faster than re.sub here).
_PUNCTUATION_TO_SPACE = str.maketrans(
    {chr(c): " " for c in range(128) if not chr(c).isdigit() and not ("a" <= chr(c) <= "z")}
)
# Language or record-type tags some databases append to titles: "Title. [Chinese]", "[Article in German]".
_TITLE_TAG_RE = re.compile(
    r"\[(?:article in |in )?(?:chinese|german|french|spanish|italian|japanese|russian|portuguese|polish|"
    r"dutch|korean|turkish|czech|hungarian|danish|swedish|norwegian|persian|hebrew|croatian|serbian|"
    r"english abstract|review|editorial|letter|\d+ refs?)[^\]]{0,40}\]",
    re.IGNORECASE,
)
# Annotations databases append to titles: "Title.[Erratum appears in J Pediatr. 2003 Jun]", "[see comments]".
_TITLE_NOTE_RE = re.compile(
    r"[.\s]*\[(?:erratum|errata|comment|see |retraction|retracted|update|corrected|republished|expression of"
    r" concern|summary for patients|published erratum|discussion)[^\]]*(?:\]|$)",
    re.IGNORECASE,
)
_MONTHS = {
    "jan": "1", "feb": "2", "mar": "3", "apr": "4", "may": "5", "jun": "6",
    "jul": "7", "aug": "8", "sep": "9", "oct": "10", "nov": "11", "dec": "12",
}  # fmt: skip
_JOURNAL_STOP = frozenset({"of", "in", "the", "and", "for", "on", "de", "la", "le", "und", "der", "a", "an"})
_YEAR_RE = re.compile(r"(1[5-9]\d\d|20\d\d)")


def fold(text: str) -> str:
    """Lower-case ASCII words of `text`: markup, entities, accents, Greek letters and punctuation removed."""
    if "<" in text:
        text = _TAG_RE.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    text = text.lower()
    if not text.isascii():
        text = text.translate(_GREEK_TABLE)
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(text.translate(_PUNCTUATION_TO_SPACE).split())


def doi(raw: str | None) -> str | None:
    """`10.xxxx/yyy` in lower case, from `https://doi.org/...`, `doi:...`, URL-encoded or padded forms."""
    if not raw:
        return None
    text = unquote(raw.strip()).lower()
    match = _DOI_RE.search(text)
    if match is None:
        return None
    value = match.group(0).rstrip(_DOI_TRAILING)
    return value if "/" in value and len(value.split("/", 1)[1]) > 0 else None


def pmid(raw: str | None) -> str | None:
    """The PMID's digits without leading zeros, or None."""
    if not raw:
        return None
    digits = "".join(ch for ch in raw if ch.isdigit()).lstrip("0")
    return digits or None


def title(raw: str) -> str:
    """Title key: folded words; language tags (`[Chinese]`) and notes (`[Erratum appears in ...]`) dropped."""
    if "[" in raw:
        raw = _TITLE_TAG_RE.sub(" ", _TITLE_NOTE_RE.sub(" ", raw))
    return fold(raw)


@lru_cache(maxsize=1 << 18)
def author(raw: str) -> tuple[str, str]:
    """(surname, first initial) of `Surname, F.`, `Surname FM` (PubMed), `Surname F. M.`, `First Surname`."""
    text = raw.strip()
    if "," in text:
        surname, _, given = text.partition(",")
        return fold(surname), fold(given)[:1]
    words = text.split()
    if not words:
        return "", ""
    initials = [w for w in words[1:] if _is_initials(w)]
    if initials:
        surname_words = [w for w in words if not _is_initials(w) or w is words[0]]
        return fold(" ".join(surname_words)), fold(initials[0])[:1]
    if len(words) == 1:
        return fold(words[0]), ""
    return fold(words[-1]), fold(words[0])[:1]


def _is_initials(word: str) -> bool:
    letters = word.replace(".", "").replace("-", "")
    return 0 < len(letters) <= 3 and letters.isalpha() and letters.isupper()


def authors(raw: tuple[str, ...] | list[str]) -> tuple[tuple[str, str], ...]:
    """Each author as (surname, first initial); empty names dropped."""
    keys = (author(name) for name in raw)
    return tuple(key for key in keys if key[0])


@lru_cache(maxsize=1 << 14)
def journal(raw: str) -> tuple[str, ...]:
    """Journal words without stop words, for prefix matching of full names against abbreviations."""
    return tuple(w for w in fold(raw).split() if w not in _JOURNAL_STOP)


def journals_match(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """True when one journal key abbreviates the other word by word ("curr opin lipidol" ~ full name).

    Words are compared pairwise as prefixes over the shorter key, so trailing additions some databases
    make ("PLoS ONE [Electronic Resource]", "Autism research : official journal of ...") still match;
    "neuroimage" also matches "neuro image".
    """
    if not a or not b:
        return False
    if a == b or "".join(a) == "".join(b):
        return True
    return all(x.startswith(y) or y.startswith(x) for x, y in zip(a, b, strict=False))


def pages(raw: str) -> tuple[str, str]:
    """(first page, last page) with the last page expanded: `123-9` → (`123`, `129`); `06-Oct` → (`6`, `10`).

    Lists keep their first range (`532, 534-536` → (`532`, ``)); letters stay (`e123`, `S12`); a
    page without any digit (`Suppl`, `t`: damaged exports) is unknown.
    """
    text = raw.strip().lower().replace("–", "-").replace("—", "-")
    segment = text.split(",")[0]
    parts = [p for p in re.split(r"\s*-+\s*", segment, maxsplit=1) if p.strip()]
    if not parts:
        return "", ""
    first = _page(parts[0])
    last = _page(parts[1]) if len(parts) > 1 else ""
    if not first:  # "Suppl-12", "t-8": a damaged range says nothing reliable
        return "", ""
    if first.isdigit() and last.isdigit() and len(last) < len(first):
        last = first[: len(first) - len(last)] + last
    return first, last


def page_number(page: str) -> str:
    """The digits of a page key (`e123` → `123`, `S12` → `12`), for comparing pages across databases."""
    digits = "".join(ch for ch in page if ch.isdigit()).lstrip("0")
    return digits or page


PageKey = tuple[str, str, str]  # (first page digits, last page digits, letter before the first page)


def page_key(raw: str) -> PageKey:
    """Digits of the first and last page, and the letter before the first page (`e123` → "e", `S12` → "s")."""
    first, last = pages(raw)
    prefix = first[0] if first and first[0].isalpha() else ""
    return page_number(first) if first else "", page_number(last) if last else "", prefix


def page_ranges_agree(x: PageKey, y: PageKey) -> bool | None:
    """Same first page → True; one page inside the other's range (`488` in `487-488`) or overlapping
    ranges with the same last page (`2141-2147` vs `2142-2147`) → True; an article number against
    printed pages (BMJ `a1754` vs `969-972`) or a missing page → None (unknown); else False."""
    if not x[0] or not y[0]:
        return None
    if x[0] == y[0]:
        return True
    if x[1] and x[1] == y[1] and page_ranges_overlap(x, y):
        return True  # "2141-2147" vs "2142-2147": same last page, one database mistyped the first
    if x[2] != y[2] and "" in (x[2], y[2]) and (x[2] or y[2]) != "s":
        return None  # an article number (e/a/c...) against printed pages; "S12" is a printed page
    for (first, last, _), (single, other_last, _) in ((x, y), (y, x)):
        inside = not other_last and last and first.isdigit() and last.isdigit() and single.isdigit()
        if inside and int(first) <= int(single) <= int(last):
            return True
    return False


def page_ranges_overlap(x: PageKey, y: PageKey) -> bool:
    """True when the two page ranges share a page (`3499-3512` and `3502-15`; `S145-S146` and `S146`)."""
    ends = []
    for first, last, _ in (x, y):
        if not first.isdigit():
            return False
        ends.append((int(first), int(last) if last.isdigit() and int(last) >= int(first) else int(first)))
    return max(ends[0][0], ends[1][0]) <= min(ends[0][1], ends[1][1])


def _page(part: str) -> str:
    part = part.strip().strip(".")
    if part in _MONTHS:  # "06-Oct": a spreadsheet turned the page range "6-10" into a date
        return _MONTHS[part]
    key = _NON_ALNUM_RE.sub("", fold(part))
    if not any(ch.isdigit() for ch in key):
        return ""
    return re.sub(r"^0+(?=\d)", "", key)


def year(raw: str | int | None) -> int | None:
    """The four-digit publication year found in `raw`, or None."""
    if raw is None:
        return None
    if isinstance(raw, int):
        return raw if 1500 <= raw <= 2100 else None
    match = _YEAR_RE.search(raw)
    return int(match.group(1)) if match else None


@lru_cache(maxsize=1 << 14)
def volume(raw: str) -> str:
    """Volume key: the leading number without zeros (`Vol. 019` → `19`).

    Unknown (""): a damaged value (unbalanced parenthesis such as `3)`, left by a split `30 (Suppl 3)`)
    and a value without digits (`(Jul)`, `Ph.D.`: another field exported as the volume).
    """
    if raw.count("(") != raw.count(")"):
        return ""
    key = fold(raw)
    match = re.search(r"\d+", key)
    if match:
        return match.group(0).lstrip("0") or "0"
    return ""


def abstract(raw: str, limit: int = 600) -> str:
    """Abstract key: folded text, section labels kept, cut to `limit` characters."""
    return fold(raw[: limit + 100])[:limit]
