"""A refresh killed mid-harvest (SIGKILL) blocks nothing: the next one takes over its lock at once, with
a warning, and marks the run it left failed; `lreview unlock` releases what cannot be taken over."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from lreview.cli import main
from lreview.config import load_config
from lreview.pipeline.pubmed import UNFINISHED
from lreview.store import Store
from lreview.store.locks import default_holder
from lreview.store.schema import locks
from tests.support.eutils_server import serve_in_subprocess
from tests.support.review_builders import write

CONFIG = """
[review]
id = "killed"
title = "t"
eligibility = "e"
exclusion_reasons = ["a"]
reviewers = ["ann"]
output_dir = "out"

[[searches]]
name = "main"
query = "naltrexone"

[pubmed]
batch_size = 20
"""


def lreview_command(*args: str) -> list[str]:
    script = Path(sys.executable).parent / "lreview"
    return [str(script), *args] if script.is_file() else [sys.executable, "-m", "lreview.cli", *args]


def test_a_refresh_killed_mid_harvest_does_not_block_the_next(tmp_path: Path) -> None:
    config_path = write(tmp_path / "review.toml", CONFIG)
    config = load_config(config_path)
    env = {k: v for k, v in os.environ.items() if k not in ("LREVIEW_DATABASE_URL", "NCBI_API_KEY")}
    with serve_in_subprocess(200, latency=0.5) as server:
        env["LREVIEW_EUTILS_URL"] = server.url
        command = lreview_command("refresh", "--config", str(config_path))
        first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(1200):  # until the first batch of its harvest is stored
                assert first.poll() is None, "the first refresh ended before it could be killed"
                if config.output_dir.joinpath("lreview.sqlite").is_file():
                    with Store.open(config.database_url) as store:
                        if store.count_records("killed") > 0:
                            break
                time.sleep(0.1)
            os.kill(first.pid, signal.SIGKILL)
        finally:
            first.kill()
            first.wait(timeout=30)
        with Store.open(config.database_url) as store:
            (killed,) = store.runs("killed")
            assert killed.status == "running" and store.count_records("killed") < 200
        second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stderr
    took_over = [line for line in second.stderr.splitlines() if "took over the lock" in line]
    assert len(took_over) == 1, second.stderr
    assert f"(holder {socket.gethostname()}:{first.pid}:" in took_over[0]
    assert took_over[0].endswith("that process is gone")
    with Store.open(config.database_url) as store:
        killed, finished = store.runs("killed")
        assert (killed.status, killed.errors) == ("failed", (UNFINISHED,))
        assert finished.status == "succeeded" and store.count_records("killed") == 200


def plant(config_path: Path, holder: str) -> None:
    config = load_config(config_path)
    then = datetime.now(UTC) - timedelta(seconds=30)
    with Store.open(config.database_url) as store, store._write("plant a lock") as conn:
        conn.execute(
            sa.insert(locks).values(name="refresh:killed", holder=holder, acquired_at=then, heartbeat_at=then)
        )


def test_unlock_releases_a_lock_held_on_another_machine_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_path = write(tmp_path / "review.toml", CONFIG)
    assert main(["unlock", "--config", str(config_path)]) == 0
    assert capsys.readouterr().out == "review killed: no run held its lock (no refresh, ingest or prisma)\n"
    plant(config_path, "other-machine:4242:ab12cd34.4026531836.77")
    assert main(["unlock", "--config", str(config_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("released the lock of review killed (holder other-machine:4242:ab12cd34")
    assert out.count("\n") == 1 and "last heartbeat 3" in out
    assert main(["refresh", "--config", str(config_path), "--search", "nope"]) == 2  # config still checked
    with Store.open(load_config(config_path).database_url) as store, store.lock("refresh:killed"):
        pass


def test_unlock_refuses_a_lock_whose_holder_still_runs_here(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_path = write(tmp_path / "review.toml", CONFIG)
    plant(config_path, default_holder())
    assert main(["unlock", "--config", str(config_path)]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith("lreview: error: a run of review killed (refresh, ingest or prisma) (holder ")
        and err.count("\n") == 1
    )
    assert err.rstrip().endswith("that process still runs on this host; stop it first")
