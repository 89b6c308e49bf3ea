"""The polite HTTP client's pieces shared by every harvest source: scrubbing secrets from messages.

`scrub` is applied wherever a message is made from an HTTP request or response (exceptions, log
lines, stored run errors, search warnings): servers echo requests, API key and all, in their error
texts, and those texts end up on stderr, in the store and in Prefect's database.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

SECRET_ENV = ("NCBI_API_KEY",)  # environment variables whose values never appear in a message
MASK = "***"
# api_key=VALUE in a query string or form body (also URL-encoded: api_key%3DVALUE), "api-key": "VALUE"
# in JSON, 'api_key': 'VALUE' in a Python repr. The value runs to the next separator.
_KEY_VALUE = re.compile(
    r"""(api(?:[_-]|%5F)?key["']?\s*(?:=|:|%3D)\s*["']?)[^&\s"'<>,;{}()\[\]]+""", re.IGNORECASE
)


def scrub(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` without any api_key value, nor `secrets` or NCBI_API_KEY's value (plain or URL-encoded)."""
    text = _KEY_VALUE.sub(lambda m: m.group(1) + MASK, text)
    known = {s for s in (*secrets, *(os.environ.get(name) for name in SECRET_ENV)) if s}
    for secret in sorted(known, key=len, reverse=True):
        for form in dict.fromkeys((secret, quote(secret, safe=""), quote_plus(secret))):
            text = text.replace(form, MASK)
    return text
