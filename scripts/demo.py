"""`make demo`: lreview's whole loop offline, for someone without an NCBI connection.

Starts the project's local E-utilities server (`python -m tests.support.eutils_server`, synthetic PubMed
records) in a child process, points lreview at it through LREVIEW_EUTILS_URL, then runs the real
commands a reviewer would: `lreview refresh` (harvest, dedupe, rank, workbooks) into the demo config's
output folder, `lreview import` of a small Embase-style RIS export it writes (some records also in
PubMed, some not), `lreview refresh` again (nothing new in PubMed; the export deduplicated against it,
everything re-ranked); prints which workbook to open and the next command, and stops the server. Run
again, it refreshes incrementally and finds the export already imported.

    .venv/bin/python scripts/demo.py [--config config/demo.toml] [--records 300]
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from lreview.config import ReviewConfig, load_config
from lreview.pipeline.screening import screening_dir
from lreview.store import Store

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def local_pubmed(records: int) -> Iterator[str]:
    """The local E-utilities server in a child process; yields its base URL, stops it on exit."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "src")]))
    command = [sys.executable, "-m", "tests.support.eutils_server", "--records", str(records), "--port", "0"]
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        if not url.startswith("http"):
            raise SystemExit(f"demo: the local E-utilities server did not start (it said {url!r})")
        yield url
    finally:
        if server.stdin is not None:
            server.stdin.close()  # the server exits when its stdin closes
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def shown(path: Path) -> str:
    """`path` relative to the working directory when it is inside it (shorter to copy), else absolute."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def lreview(args: Sequence[str], env: dict[str, str]) -> None:
    """Run one lreview command as a user would, showing it first; stop the demo if it fails."""
    print(f"\n$ lreview {shlex.join(args)}", flush=True)
    done = subprocess.run([sys.executable, "-m", "lreview.cli", *args], env=env)
    if done.returncode != 0:
        raise SystemExit(f"demo: lreview {args[0]} failed (exit {done.returncode})")


def ris_record(tags: Sequence[tuple[str, str]]) -> str:
    return "\n".join([*(f"{tag}  - {value}" for tag, value in tags if value), "ER  -"])


def write_export(config: ReviewConfig, path: Path) -> int:
    """An Embase-style RIS: every 20th harvested record (title in capitals, DOI as a URL) and five
    conference abstracts PubMed does not have. The same store gives the same file (imported once)."""
    with Store.open(config.database_url) as store:
        harvested = [r.record for r in store.iter_records(config.review_id)][::20]
    entries = [
        ris_record(
            [
                ("TY", "JOUR"),
                ("TI", (r.title or "").upper()),
                *(("AU", a) for a in r.authors),
                ("PY", str(r.year or "")),
                ("T2", r.journal or ""),
                ("VL", r.volume or ""),
                ("SP", r.pages or ""),
                ("DO", f"https://doi.org/{r.doi}" if r.doi else ""),
                ("AB", r.abstract or ""),
            ]
        )
        for r in harvested
    ]
    entries += [
        ris_record(
            [
                ("TY", "CONF"),
                ("TI", f"Low-dose naltrexone for endometriosis-associated pelvic pain: cohort report {n}"),
                ("AU", "Demo, Ann"),
                ("PY", "2024"),
                ("T2", "Abstracts of the Demo Congress of Gynaecology"),
                ("AB", "Women with endometriosis took low-dose naltrexone for 12 weeks; pain scores fell."),
            ]
        )
        for n in range(1, 6)
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n\n".join(entries) + "\n", encoding="utf-8")
    return len(entries)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="lreview's whole loop offline, against a local PubMed")
    parser.add_argument("--config", type=Path, default=ROOT / "config" / "demo.toml")
    parser.add_argument("--records", type=int, default=300, help="synthetic PubMed records to serve")
    args = parser.parse_args(argv)
    config_arg = shown(args.config)
    env = {k: v for k, v in os.environ.items() if k not in ("LREVIEW_DATABASE_URL", "NCBI_API_KEY")}
    env.setdefault("NCBI_EMAIL", "demo@example.org")  # only the local server sees it
    config = load_config(args.config)
    export = config.output_dir / "embase-demo.ris"
    with local_pubmed(args.records) as url:
        env["LREVIEW_EUTILS_URL"] = url
        print(f"demo: local E-utilities server at {url} ({args.records} synthetic PubMed records)")
        lreview(["refresh", "--config", config_arg], env)
        n = write_export(config, export)
        print(f"\ndemo: wrote {shown(export)}, an Embase export of {n} records (some also in PubMed)")
        lreview(["import", shown(export), "--source", "Embase", "--config", config_arg], env)
        print("\ndemo: a second refresh finds nothing new in PubMed, deduplicates the export, re-ranks")
        lreview(["refresh", "--config", config_arg], env)
    print("\ndemo: the local E-utilities server is stopped.")
    workbooks = sorted(screening_dir(config).glob("*.xlsx"))
    inbox = screening_dir(config) / "inbox"
    print("\nWhat to open:")
    for workbook in workbooks:
        print(f"  {shown(workbook)}")
    print(
        "  (sheet Screen: fill in decision, and reason for excludes; blank rows stay unscreened)\n\n"
        "Next:\n"
        f"  lreview ingest {shown(workbooks[0]) if workbooks else 'WORKBOOK.xlsx'} --config {config_arg}\n"
        f"    (or save it into {shown(inbox)}/ and run lreview ingest --inbox --config {config_arg})\n"
        f"  lreview status --config {config_arg}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
