"""E-utilities answers parsed: eSearchResult fields, and only XML or E-utilities errors on bad input."""

from __future__ import annotations

import contextlib
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from lreview.errors import EutilsError
from lreview.sources.eutils_xml import parse_esearch


def test_parse_esearch_reads_a_recorded_pubmed_response(shared_data: object) -> None:
    page = parse_esearch((Path(str(shared_data)) / "pubmed/esearch/esearch8.xml").read_bytes())
    assert page.count == 0 and page.ids == ()
    assert [(e.kind, e.text) for e in page.errors] == [("PhraseNotFound", "abcXYZ")]
    assert [(w.kind, w.text) for w in page.warnings] == [("OutputMessage", "No items found.")]
    big = parse_esearch((Path(str(shared_data)) / "pubmed/esearch/esearch2.xml").read_bytes())
    assert big.count == 42249 and len(big.ids) == 100 and big.webenv and big.query_key == "1"


@given(
    st.one_of(
        st.binary(max_size=300),
        st.tuples(st.text(max_size=12), st.text(max_size=12)).map(
            lambda t: (
                f"<eSearchResult><Count>{t[0]}</Count><IdList><Id>{t[1]}</Id></IdList></eSearchResult>".encode()
            )
        ),
    )
)
def test_parse_esearch_fails_only_with_xml_or_eutils_errors(data: bytes) -> None:
    with contextlib.suppress(etree.XMLSyntaxError, EutilsError):
        page = parse_esearch(data)
        assert page.count >= 0 and all(i.isdigit() for i in page.ids)
