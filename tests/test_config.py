from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from lreview.config import load_config, parse_config
from lreview.errors import ConfigError
from lreview.records import Record
from lreview.store import Store

REPO = Path(__file__).resolve().parents[1]
LDN = REPO / "config" / "ldn-endometriosis.toml"


def ldn_data() -> dict[str, Any]:
    return tomllib.loads(LDN.read_text(encoding="utf-8"))


def error_for(data: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(data, Path("config/x.toml"))
    message = str(info.value)
    assert "\n" not in message
    return message


def test_ldn_config_loads_with_pubmed_register_and_preprint_searches() -> None:
    config = load_config(LDN)
    assert config.review_id == "ldn-endometriosis"
    assert [(s.name, s.database) for s in config.searches] == [
        ("ldn-endometriosis", "PubMed"),
        ("ldn-autoimmune-inflammatory", "PubMed"),
        ("ldn-trial-registrations", "ClinicalTrials.gov"),
        ("ldn-preprints", "Europe PMC"),
    ]
    assert config.searches[2].query.strip().startswith("query.intr = naltrexone")
    assert config.searches[3].query.endswith("AND SRC:PPR")
    assert "Naltrexone" in config.searches[0].query and "Endometriosis" in config.searches[0].query
    assert config.schedule.timezone == "Europe/London"


def test_database_defaults_to_sqlite_file_under_output_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LREVIEW_DATABASE_URL", raising=False)
    config = load_config(LDN)
    assert config.database_url.startswith("sqlite:///")
    assert config.database_url.endswith("outputs/ldn-endometriosis/lreview.sqlite")


def test_environment_database_url_overrides_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LREVIEW_DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert load_config(LDN).database_url == "postgresql+psycopg://u@h/db"


def test_empty_query_names_the_search_key() -> None:
    data = ldn_data()
    data["searches"][1]["query"] = "   "
    assert error_for(data).startswith("config/x.toml: searches[1].query: ")


def test_missing_eligibility_names_the_key() -> None:
    data = ldn_data()
    del data["review"]["eligibility"]
    assert error_for(data) == "config/x.toml: review.eligibility: required key is missing"


def test_unknown_key_is_rejected() -> None:
    data = ldn_data()
    data["schedule"]["crontab"] = "x"
    assert error_for(data) == "config/x.toml: schedule.crontab: unknown key"


def test_api_key_in_config_is_refused_with_pointer_to_environment() -> None:
    data = ldn_data()
    data["pubmed"]["api_key"] = "secret-value"
    message = error_for(data)
    assert "pubmed.api_key" in message and "NCBI_API_KEY" in message
    assert "secret-value" not in message


@pytest.mark.parametrize(
    ("section", "key", "value", "needle"),
    [
        ("schedule", "cron", "61 * * * *", "schedule.cron: not a valid cron expression"),
        ("schedule", "timezone", "Mars/Olympus", "schedule.timezone: unknown time zone"),
        ("review", "id", "LDN Review!", "review.id: must be lower-case"),
        ("ranking", "recall_target", 1.5, "ranking.recall_target"),
        ("pubmed", "batch_size", 5000, "pubmed.batch_size"),
    ],
)
def test_invalid_values_name_their_key(section: str, key: str, value: object, needle: str) -> None:
    data = ldn_data()
    data[section][key] = value
    assert needle in error_for(data)


def test_search_window_must_be_ordered() -> None:
    data = copy.deepcopy(ldn_data())
    data["searches"][0]["mindate"] = "2024-01-01"
    data["searches"][0]["maxdate"] = "2020-01-01"
    assert "searches[0]: mindate must not be after maxdate" in error_for(data)


def test_invalid_toml_names_the_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[review]\nid = "x"\ntitle = \n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad.toml: invalid TOML: .*line 3"):
        load_config(bad)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml")


def test_seed_includes_must_name_pmid_or_doi() -> None:
    data = ldn_data()
    data["ranking"]["seed_includes"] = ["PMID:123", "pubmed 456"]
    assert "ranking.seed_includes: 'pubmed 456' is not 'PMID:<number>' or 'DOI:<doi>'" in error_for(data)


def test_dedup_related_option_must_be_related_or_merge() -> None:
    data = ldn_data()
    assert load_config(LDN).dedup.related == "related"
    data["dedup"]["related"] = "join"
    message = error_for(data)
    assert message.startswith("config/x.toml: dedup.related:") and "'merge'" in message


def review_data(**review: Any) -> dict[str, Any]:
    base = {"id": "paths", "title": "t", "eligibility": "e", "exclusion_reasons": ["a"], "reviewers": ["r"]}
    return {"review": {**base, **review}, "searches": [{"name": "s", "query": "q"}]}


def test_sqlite_url_keeps_question_marks_and_percent_escapes_in_the_folder_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LREVIEW_DATABASE_URL", raising=False)
    folder = tmp_path / "review?mode=ro&cache=shared %41 #1@host:5"
    config = parse_config(review_data(output_dir=str(folder)), tmp_path / "r.toml")
    assert make_url(config.database_url).database == str(folder / "lreview.sqlite")
    assert make_url(config.database_url).query == {}
    Store.open(config.database_url).close()
    assert [p.name for p in folder.iterdir()] == ["lreview.sqlite"]


def test_two_reviews_whose_folders_differ_after_a_question_mark_have_two_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LREVIEW_DATABASE_URL", raising=False)
    a = parse_config(review_data(id="a", output_dir=str(tmp_path / "r?x")), tmp_path / "a.toml")
    b = parse_config(review_data(id="a", output_dir=str(tmp_path / "r?y")), tmp_path / "b.toml")
    with Store.open(a.database_url) as store:
        store.store_records("a", "Embase", [Record(source="Embase", source_id="1", title="One")])
    with Store.open(b.database_url) as store:
        assert store.count_records("a") == 0
    assert {p.name for p in tmp_path.iterdir() if p.is_dir()} == {"r?x", "r?y"}


def test_relative_paths_resolve_against_the_config_files_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "reviews"
    folder.mkdir()
    path = folder / "r.toml"
    path.write_text(
        '[review]\nid = "rel"\ntitle = "t"\neligibility = "e"\nexclusion_reasons = ["a"]\nreviewers = ["r"]\n'
        'output_dir = "out/rel"\n[imports]\nfolders = ["drop", "../shared-drop"]\n'
        '[[searches]]\nname = "s"\nquery = "q"\n',
        encoding="utf-8",
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    config = load_config(path)
    assert config.output_dir == folder / "out" / "rel"
    assert config.imports.folders == [folder / "drop", tmp_path / "shared-drop"]
    monkeypatch.chdir(tmp_path)
    assert load_config(Path("reviews/r.toml")).output_dir == folder / "out" / "rel"
    default = parse_config(review_data(), folder / "d.toml")
    assert default.output_dir == folder / "outputs" / "paths"
