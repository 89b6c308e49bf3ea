"""The `lreview` command line: every command the README documents exists and answers `--help`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from lreview.cli import main
from tests.support.pubmed_builder import make_articles
from tests.support.review_builders import ris_for, write

README = Path(__file__).resolve().parents[1] / "README.md"
_WORD = re.compile(r"^[a-z][a-z-]*$")


def readme_commands() -> list[tuple[str, ...]]:
    """The subcommand words of every `lreview …` in the README's command table, in table order."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    found: list[tuple[str, ...]] = []
    for line in section.splitlines():
        if not line.startswith("| `lreview "):
            continue
        for usage in re.findall(r"`lreview ([^`]+)`", line.split("|")[1]):
            words = tuple(w for w in _take_words(usage.split()))
            if words and words not in found:
                found.append(words)
    return found


def _take_words(tokens: list[str]) -> list[str]:
    out = []
    for token in tokens:
        if not _WORD.match(token):
            break
        out.append(token)
    return out


def test_the_readme_command_table_is_read() -> None:
    commands = readme_commands()
    assert ("refresh",) in commands and ("duplicates", "export") in commands and len(commands) >= 10


@pytest.mark.parametrize("words", readme_commands(), ids=" ".join)
def test_every_readme_command_answers_help(
    words: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([*words, "--help"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: lreview {words[0]}")


def test_the_installed_console_script_lists_every_readme_command() -> None:
    script = Path(sys.executable).parent / "lreview"
    if not script.is_file():
        pytest.skip(f"no console script next to {sys.executable} (lreview not installed in this venv)")
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    listed = set(re.findall(r"^    ([a-z][a-z-]*)", done.stdout, flags=re.MULTILINE))
    assert {words[0] for words in readme_commands()} <= listed


CONFIG = """
[review]
id = "cli-review"
title = "t"
eligibility = "e"
exclusion_reasons = ["wrong population"]
reviewers = ["ann"]
output_dir = "{out}"

[[searches]]
name = "s"
query = "q"
"""


def test_duplicates_export_and_decide_run_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from lreview.config import load_config
    from lreview.store import Store

    config_path = write(tmp_path / "review.toml", CONFIG.format(out=tmp_path / "out"))
    config = load_config(config_path)
    articles = make_articles(3)
    export = write(tmp_path / "a.ris", ris_for(articles))
    assert main(["import", str(export), "--source", "Embase", "--config", str(config_path)]) == 0
    with Store.open(config.database_url) as store:
        a, b, _ = [r.id for r in store.iter_records(config.review_id)]
        store.add_duplicate_pairs(config.review_id, [(a, b, 0.7)])
    capsys.readouterr()
    assert main(["duplicates", "export", "--config", str(config_path)]) == 0
    pairs = config.output_dir / "possible-duplicates.csv"
    assert capsys.readouterr().out.startswith(f"1 possible duplicate pairs written to {pairs}")
    filled = pairs.read_text(encoding="utf-8").replace(f"{a},{b},0.700,,", f"{a},{b},0.700,same,ann")
    decided = write(tmp_path / "decided.csv", filled)
    assert main(["duplicates", "decide", str(decided), "--config", str(config_path)]) == 0
    assert capsys.readouterr().out.startswith(f"1 verdicts recorded from {decided}")


def test_output_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """`lreview status | head` when head has gone: no BrokenPipeError traceback."""
    config = write(tmp_path / "review.toml", CONFIG.format(out=tmp_path / "out"))
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before lreview writes a byte
    try:
        done = subprocess.run(
            [sys.executable, "-m", "lreview.cli", "status", "--config", str(config)],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (1, "")


def test_commands_find_the_same_store_from_any_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("LREVIEW_DATABASE_URL", raising=False)
    config = write(tmp_path / "review" / "review.toml", CONFIG.format(out="out"))
    export = write(tmp_path / "exports" / "a.ris", ris_for(make_articles(3)))
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir(), second.mkdir()
    monkeypatch.chdir(first)
    assert (
        main(["import", "../exports/a.ris", "--source", "Embase", "--config", "../review/review.toml"]) == 0
    )
    monkeypatch.chdir(second)
    capsys.readouterr()
    assert main(["status", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert f"in sqlite:///{tmp_path / 'review' / 'out' / 'lreview.sqlite'}" in out
    assert re.search(r"^Embase\s+3\s*$", out, flags=re.MULTILINE), out
    assert list(first.iterdir()) == [] and list(second.iterdir()) == []
    assert export.is_file()


def test_import_deduplicates_so_the_next_rank_issues_no_duplicate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from lreview import pipeline
    from lreview.config import load_config
    from lreview.store import Store

    config_path = write(tmp_path / "review.toml", CONFIG.format(out=tmp_path / "out"))
    articles = make_articles(4)
    first = write(tmp_path / "embase.ris", ris_for(articles[:3]))
    again = write(tmp_path / "scopus.ris", ris_for(articles[1:]))  # two of them again, and a new one
    assert main(["import", str(first), "--source", "Embase", "--config", str(config_path)]) == 0
    capsys.readouterr()
    assert main(["import", str(again), "--source", "Scopus", "--config", str(config_path)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^duplicates removed\s+2\s*$", out, flags=re.MULTILINE), out
    config = load_config(config_path)
    with Store.open(config.database_url) as store:
        publications = pipeline.review_states(config, store).publications
    assert len(publications) == 4 and sorted(len(p.members) for p in publications) == [1, 1, 2, 2]
