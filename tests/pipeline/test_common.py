"""Opening a review's store: a URL lreview cannot use is one line naming the URL (no password) and why."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lreview.cli import main
from tests.support.review_builders import write

CONFIG = """
[review]
id = "urls"
title = "t"
eligibility = "e"
exclusion_reasons = ["a"]
reviewers = ["ann"]
output_dir = "{out}"
database_url = "{url}"

[[searches]]
name = "s"
query = "q"
"""


def status_error(tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str]) -> str:
    config = write(tmp_path / "review.toml", CONFIG.format(out=tmp_path / "out", url=url))
    capsys.readouterr()
    assert main(["status", "--config", str(config)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1, captured.err
    return captured.err


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        (
            "mysql://ann:s3cret@localhost/reviews",
            "lreview stores reviews in SQLite or PostgreSQL, not 'mysql'",
        ),
        ("oracle+cx_oracle://ann:s3cret@db/reviews", "not 'oracle'"),
        ("postgresql+nodriver://ann:s3cret@localhost/reviews", "unknown database driver 'nodriver'"),
        ("sqlite+pysqlcipher://:s3cret@/x.db", "database driver not installed (No module named"),
        ("postgresql+asyncpg://ann:s3cret@localhost/reviews", "async driver 'asyncpg' is not supported"),
        ("not a url ann:s3cret@localhost", "not a database URL"),
    ],
)
def test_an_unusable_store_url_is_one_line_without_the_password(
    tmp_path: Path, url: str, problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    err = status_error(tmp_path, url, capsys)
    assert err.startswith("lreview: error: store URL ")
    assert problem in err and "s3cret" not in err and "***" in err
    assert f"(from {tmp_path / 'review.toml'}: review.database_url)" in err


def test_the_environment_variable_is_named_when_its_url_is_unusable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LREVIEW_DATABASE_URL", "mysql://ann:s3cret@localhost/reviews")
    err = status_error(tmp_path, "sqlite:///unused.sqlite", capsys)
    assert "mysql://ann:***@localhost/reviews (from LREVIEW_DATABASE_URL)" in err


def test_a_sqlite_folder_that_cannot_be_created_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    err = status_error(tmp_path, f"sqlite:///{tmp_path / 'a-file' / 'store' / 'x.sqlite'}", capsys)
    assert f"cannot create folder {tmp_path / 'a-file' / 'store'}: Not a directory" in err


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root may write anywhere")
def test_a_sqlite_folder_without_write_permission_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        err = status_error(tmp_path, f"sqlite:///{locked / 'x.sqlite'}", capsys)
    finally:
        locked.chmod(0o700)
    assert "unable to open database file" in err
