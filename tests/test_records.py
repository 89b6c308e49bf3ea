from hypothesis import given
from hypothesis import strategies as st

from lreview.records import Link, Record


def test_record_round_trips_through_dict() -> None:
    record = Record(
        source="PubMed",
        source_id="123",
        title="Low-dose naltrexone",
        authors=("Smith J", "Doe A"),
        year=2020,
        pmid="123",
        links=(Link(kind="ErratumIn", pmid="456", ref="J 2021"),),
        extra=(("M3", "Article"),),
    )
    assert Record.from_dict(record.to_dict()) == record


def test_record_from_dict_rejects_unknown_fields() -> None:
    data = Record(source="x", source_id="1").to_dict() | {"colour": "red"}
    try:
        Record.from_dict(data)
    except ValueError as exc:
        assert "colour" in str(exc)
    else:
        raise AssertionError("unknown field accepted")


@given(st.text(), st.lists(st.text(), max_size=4), st.none() | st.integers(1800, 2100))
def test_any_record_round_trips(title: str, authors: list[str], year: int | None) -> None:
    record = Record(source="s", source_id="1", title=title, authors=tuple(authors), year=year)
    assert Record.from_dict(record.to_dict()) == record
