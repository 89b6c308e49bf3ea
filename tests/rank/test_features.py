"""Feature extraction: controlled terms as whole tokens, one matrix row per record."""

from __future__ import annotations

from lreview.rank.features import get_features, record_terms
from lreview.records import Record


def test_record_terms_keep_headings_whole_and_add_bare_descriptor() -> None:
    record = Record(
        source="PubMed",
        source_id="1",
        mesh=("Naltrexone/therapeutic use", "*Endometriosis"),
        keywords=("LDN",),
        publication_types=("Randomized Controlled Trial",),
    )
    assert record_terms(record) == [
        "mesh:naltrexone/therapeutic use",
        "mesh:naltrexone",
        "mesh:endometriosis",
        "kw:ldn",
        "pt:randomized controlled trial",
    ]


def test_meta_features_add_columns_for_shared_terms_only_when_present() -> None:
    titles = ["naltrexone for pain", "naltrexone in endometriosis", "statins after infarction"]
    mesh = [("Naltrexone",), ("Naltrexone",), ("Statins",)]
    records = [
        Record(source="t", source_id=str(i), title=t, mesh=m)
        for i, (t, m) in enumerate(zip(titles, mesh, strict=True))
    ]
    words = get_features("tfidf").fit_transform(records)
    both = get_features("tfidf_meta").fit_transform(records)
    assert words.shape[0] == both.shape[0] == 3
    assert both.shape[1] == words.shape[1] + 1  # one MeSH term shared by two records
    no_text = [Record(source="t", source_id="x"), Record(source="t", source_id="y")]
    assert get_features("tfidf_meta").fit_transform(no_text).shape[0] == 2
