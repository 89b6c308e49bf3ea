"""load_file / detect_format / decode: sniffing, encodings, dispatch to each importer, errors."""

from __future__ import annotations

import codecs
import contextlib
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lreview.errors import InputError
from lreview.sources.encoding import decode, detect_format
from lreview.sources.loader import load_bytes, load_file

RIS = "TY  - JOUR\nTI  - Café au lait spots\nAU  - Müller, J\nPY  - 2020\nER  - \n"
WOS = (
    "FN Clarivate Analytics Web of Science\nVR 1.0\n"
    "PT J\nAU Li, W\n   Chen, X\nTI Soil fauna diversity at different\n   stages of restoration\n"
    "SO ECOSYSTEM HEALTH\nDE reed; soil fauna\nID DIVERSITY\nPY 2020\nVL 6\nBP 10\nEP 19\n"
    "DI 10.1080/20964129.2020.1722034\nUT WOS:000514379300001\nER\n\nEF\n"
)
ENDNOTE = (
    '<?xml version="1.0" encoding="UTF-8"?><xml><records><record><rec-number>4</rec-number>'
    '<ref-type name="Journal Article">17</ref-type><contributors><authors><author><style face="normal">'
    "Rotter, Carina</style></author></authors></contributors><titles><title><style>Myoclonus in dogs"
    "</style></title><secondary-title>J Vet Intern Med</secondary-title></titles><periodical><full-title>"
    "Journal of veterinary internal medicine</full-title></periodical><pages>1032-1038</pages>"
    "<dates><year>2022</year></dates><electronic-resource-num>10.1111/jvim.16404</electronic-resource-num>"
    "<remote-database-provider>NLM</remote-database-provider><accession-num>35319117</accession-num>"
    "<custom2>PMC9999</custom2></record></records></xml>"
)
OVID = (
    "<1. >\nVN  - Ovid Technologies\nDB  - Embase\nUI  - 621381829\nTI  - Quality of life in PCD.\n"
    "SO  - BMC Proceedings. 12 (Supplement 3) (no pagination), 2018.\nAU  - Behan L.\n"
    "AB  - Background: little is known.\nMethod(s): We searched.\nDO  - http://dx.doi.org/10.1186/s12919-018-0099-8\n"
    "YR  - 2018\n\n"
)


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (RIS.encode(), "export.txt", "ris"),
        (b"PMID- 1\nTI  - a\n", "x.txt", "medline"),
        (WOS.encode(), "savedrecs.txt", "wos"),
        (ENDNOTE.encode(), "lib.xml", "endnote-xml"),
        (
            b'<?xml version="1.0"?>\n<PubmedArticleSet><PubmedArticle/></PubmedArticleSet>',
            "p.xml",
            "pubmed-xml",
        ),
        (b"title,abstract\na,b\n", "x.csv", "csv"),
        (b"title\tabstract\na\tb\n", "x.tsv", "csv"),
        (OVID.encode(), "embase.cgi", "ovid-tagged"),
        (b"Report Information from ProQuest\nDocument 1 of 2\n", "pq.txt", "proquest-text"),
    ],
)
def test_detect_format_sniffs_content_not_extension(data: bytes, name: str, expected: str) -> None:
    assert detect_format(data, name) == expected


def test_detect_format_rejects_empty_and_unknown_content() -> None:
    with pytest.raises(InputError, match="x.ris: empty file"):
        detect_format(b"\xef\xbb\xbf \r\n", "x.ris")
    with pytest.raises(InputError, match="notes.md: unknown export format"):
        detect_format(b"just some prose\n", "notes.md")


@pytest.mark.parametrize(
    "data",
    [
        codecs.BOM_UTF8 + RIS.encode("utf-8"),
        RIS.encode("utf-8"),
        codecs.BOM_UTF16_LE + RIS.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + RIS.encode("utf-16-be"),
        RIS.encode("utf-16-le"),  # no BOM: found by the NUL pattern
        RIS.encode("utf-16-be"),
        RIS.encode("latin-1"),
        RIS.replace("\n", "\r\n").encode("cp1252"),
        RIS.replace("\n", "\r").encode("utf-8"),
    ],
    ids=[
        "utf8-bom",
        "utf8",
        "utf16le-bom",
        "utf16be-bom",
        "utf16le",
        "utf16be",
        "latin1",
        "cp1252-crlf",
        "bare-cr",
    ],
)
def test_load_file_reads_every_common_encoding_and_line_ending(tmp_path: Path, data: bytes) -> None:
    (record,) = load_file(_write(tmp_path, "e.ris", data))
    assert record.title == "Café au lait spots"
    assert record.authors == ("Müller, J",)


def test_decode_normalises_crlf_and_bare_cr_and_drops_bom() -> None:
    assert decode(codecs.BOM_UTF8 + b"a\r\nb\rc\n", "x") == "a\nb\nc\n"


def test_decode_cp1252_smart_quotes() -> None:
    assert decode("“quoted” – dash".encode("cp1252"), "x") == "“quoted” – dash"


def test_load_file_web_of_science_plain_text(tmp_path: Path) -> None:
    (record,) = load_file(_write(tmp_path, "savedrecs.txt", WOS.encode()))
    assert (record.source, record.source_id) == ("Web of Science", "WOS:000514379300001")
    assert record.authors == ("Li, W", "Chen, X")
    assert record.title == "Soil fauna diversity at different stages of restoration"
    assert (record.pages, record.doi, record.year) == ("10-19", "10.1080/20964129.2020.1722034", 2020)
    assert record.keywords == ("reed", "soil fauna", "DIVERSITY")


def test_wos_record_without_er_is_an_error(tmp_path: Path) -> None:
    text = WOS.replace("ER\n\nEF\n", "")
    with pytest.raises(
        InputError, match=r"w\.txt: record 1 \(line 3\): missing ER terminator at end of file"
    ):
        load_file(_write(tmp_path, "w.txt", text.encode()))


def test_wos_tag_glued_to_its_value_is_still_read(tmp_path: Path) -> None:
    (record,) = load_file(_write(tmp_path, "w.isi", WOS.replace("AU Li, W", "AULi, W").encode()))
    assert record.authors == ("Li, W", "Chen, X")


def test_load_file_endnote_xml(tmp_path: Path) -> None:
    (record,) = load_file(_write(tmp_path, "lib.xml", ENDNOTE.encode()))
    assert record.title == "Myoclonus in dogs"
    assert record.authors == ("Rotter, Carina",)
    assert (record.source, record.pmid, record.source_id) == ("PubMed", "35319117", "35319117")
    assert record.journal == "Journal of veterinary internal medicine"
    assert (record.doi, record.year, record.pages) == ("10.1111/jvim.16404", 2022, "1032-1038")
    assert ("custom2", "PMC9999") in record.extra


def test_endnote_xml_malformed_names_record_and_line(tmp_path: Path) -> None:
    broken = ENDNOTE.replace(
        "</record></records>", "</record><record><titles>\n<title>x</titles></record></records>"
    )
    with pytest.raises(InputError, match=r"lib\.xml: record 2 \(line 2\): malformed XML"):
        load_file(_write(tmp_path, "lib.xml", broken.encode()))


_ONE_LINE = ENDNOTE.replace("</record></records>", "</record>" + ENDNOTE[ENDNOTE.index("<record>") :])


@pytest.mark.parametrize(
    ("fault", "where", "codec"),
    [
        (lambda x: x.replace("<pages>", "<pages><b>", 1), "record 1", "utf-8"),
        (lambda x: x[::-1].replace(">segap<", ">b<>segap<", 1)[::-1], "record 2", "utf-8"),
        (lambda x: x[: x.rindex("<pages>")], "record 2", "utf-8"),  # cut inside the last record
        (lambda x: x[: x.rindex("</records>") + 4], "after record 2", "utf-8"),  # cut after it
        (lambda x: x[: x.rindex("<pages>")], "record 2", "utf-16"),
    ],
    ids=["record-1", "record-2", "cut-in-last", "cut-after-last", "utf16-cut-in-last"],
)
def test_endnote_xml_fault_on_one_long_line_names_its_record(
    tmp_path: Path, fault: Callable[[str], str], where: str, codec: str
) -> None:
    data = fault(_ONE_LINE).replace("UTF-8", codec.upper()).encode(codec)
    with pytest.raises(InputError, match=rf"^\S*lib\.xml: {where} \(line \d+\): malformed XML: "):
        load_file(_write(tmp_path, "lib.xml", data))


def test_load_file_ovid_tagged_text(tmp_path: Path) -> None:
    (record,) = load_file(_write(tmp_path, "embase.cgi", OVID.encode()))
    assert (record.source, record.source_id) == ("Embase", "621381829")
    assert record.journal == "BMC Proceedings"
    assert record.abstract == "Background: little is known.\nMethod(s): We searched."
    assert record.doi == "10.1186/s12919-018-0099-8"


PROQUEST = (
    "____________________________________________________________\n\nReport Information from ProQuest\n"
    "December 08 2015 21:33\n____________________________________________________________\n\n"
    "Table of contents\n\n1. Wallace's Line\n\n2. Second\n\n"
    "____________________________________________________________\n\n"
    "Document 1 of 2\n\nWallace's Line: biogeography\n\nAuthor: Matykiewicz, E. S.\n\n"
    "http://search.proquest.com/docview/1560291450\n\nAbstract: First paragraph.\n\n"
    "Background: still the abstract.\n\nDatabase: ProQuest Dissertations & Theses Global\n\n"
    "DOI: 10.1234/abcd.5\n\nProQuest document ID: 1560291450\n\nPublication year: 2014\n\n"
    "Title: Wallace's Line: biogeography\n\n____________________________________________________________\n\n"
    "Document 2 of 2\n\nSecond\n\nAuthor: Doe, J; Roe, R\n\nTitle: Second\n\n"
    "____________________________________________________________\n\nBibliography\n\n@misc{ x }\n"
)


def test_load_file_proquest_text_report(tmp_path: Path) -> None:
    first, second = load_file(_write(tmp_path, "pq.txt", PROQUEST.replace("\n", "\r\n").encode()))
    assert (first.source, first.source_id) == ("ProQuest Dissertations & Theses Global", "1560291450")
    assert first.title == "Wallace's Line: biogeography"
    assert first.abstract == "First paragraph.\nBackground: still the abstract."
    assert (first.doi, first.year, first.url) == (
        "10.1234/abcd.5",
        2014,
        "http://search.proquest.com/docview/1560291450",
    )
    assert second.authors == ("Doe, J", "Roe, R")
    assert second.source_id == f"{tmp_path / 'pq.txt'}:2"


def test_proquest_report_with_a_missing_document_is_an_error(tmp_path: Path) -> None:
    text = PROQUEST.replace("Document 2 of 2", "Document 3 of 3")
    with pytest.raises(InputError, match=r"pq\.txt: record 2 \(line \d+\): heading says Document 3"):
        load_file(_write(tmp_path, "pq.txt", text.encode()))


def test_load_file_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nope.ris: cannot read"):
        load_file(tmp_path / "nope.ris")


def test_load_file_explicit_source_applies_to_every_record(tmp_path: Path) -> None:
    records = load_file(_write(tmp_path, "e.ris", (RIS + RIS).encode()), source="Embase")
    assert [r.source for r in records] == ["Embase", "Embase"]


def test_load_file_pubmed_xml_dispatches_to_pubmed_parser(tmp_path: Path) -> None:
    pytest.importorskip("lreview.sources.pubmed_xml")
    xml = (
        b'<?xml version="1.0"?>\n<PubmedArticleSet><PubmedArticle><MedlineCitation Status="MEDLINE">'
        b"<PMID>123</PMID><Article><ArticleTitle>T</ArticleTitle></Article></MedlineCitation>"
        b"</PubmedArticle></PubmedArticleSet>"
    )
    records = load_file(_write(tmp_path, "p.xml", xml))
    assert [r.pmid for r in records] == ["123"]


@given(data=st.binary(max_size=600))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_arbitrary_bytes_raise_only_input_error(data: bytes) -> None:
    for name in ("x.ris", "x.csv", "x.xml"):
        with contextlib.suppress(InputError):
            load_bytes(data, name)


@given(
    prefix=st.sampled_from(["TY  - JOUR\n", "PMID- 1\n", "FN x\nPT J\n", "<1. >\n", "title,doi\n"]),
    body=st.text(max_size=300),
)
@settings(max_examples=300, deadline=None)
def test_format_headed_garbage_raises_only_input_error(prefix: str, body: str) -> None:
    with contextlib.suppress(InputError):
        load_bytes((prefix + body).encode(), "x.txt")


_VALID = {
    "x.ris": RIS.encode(),
    "savedrecs.txt": WOS.encode(),
    "lib.xml": ENDNOTE.encode(),
    "embase.cgi": OVID.encode(),
    "pq.txt": PROQUEST.encode(),
    "p.nbib": b"PMID- 1\nTI  - A title\n      continued\nAU  - Doe J\nDP  - 2020 Jan\n\nPMID- 2\nTI  - B\n",
    "x.csv": b'title,authors,year,doi\n"A, quoted",Doe J; Roe R,2020,10.1/x\nB,,2021,\n',
}


@given(
    name=st.sampled_from(sorted(_VALID)),
    flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8),
)
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_byte_flips_in_a_valid_export_raise_only_input_error(name: str, flips: list[tuple[int, int]]) -> None:
    data = bytearray(_VALID[name])
    for position, value in flips:
        data[position % len(data)] = value
    with contextlib.suppress(InputError):
        load_bytes(bytes(data), name)


@given(text=st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\ufeff")))
@settings(max_examples=200, deadline=None)
def test_decode_round_trips_any_text_with_a_bom(text: str) -> None:
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        assert decode(bom + text.encode(codec), "x") == text
