"""`make demo` (scripts/demo.py): the whole loop offline, run once in a temporary folder."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from lreview.config import load_config
from lreview.store import Store

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def test_demo_refreshes_imports_and_ranks_offline_then_says_what_to_open(tmp_path: Path) -> None:
    config = tmp_path / "config" / "demo.toml"
    config.parent.mkdir()
    shutil.copy(ROOT / "config" / "demo.toml", config)  # its output_dir, ../outputs/demo, lands in tmp_path
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py"), "--config", str(config), "--records", "100"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert [line for line in out.splitlines() if line.startswith("$ lreview")] == [
        "$ lreview refresh --config config/demo.toml",
        "$ lreview import outputs/demo/embase-demo.ris --source Embase --config config/demo.toml",
        "$ lreview refresh --config config/demo.toml",
    ]
    opened = out.split("What to open:\n", 1)[1].splitlines()[0].strip()
    assert opened.endswith(".xlsx") and (tmp_path / opened).is_file()
    assert f"lreview ingest {opened} --config config/demo.toml" in out
    with Store.open(load_config(config).database_url) as store:
        assert store.count_by_source("demo") == {"Embase": 10, "PubMed": 100}
    assert re.search(r"duplicates removed\s+5\b", out)
    url = re.search(r"local E-utilities server at (\S+)", out)
    assert url is not None
    with pytest.raises(httpx.ConnectError):  # stopped when the demo ended
        httpx.get(url.group(1) + "esearch.fcgi", timeout=5)
