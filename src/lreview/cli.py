"""`lreview <subcommand>`: parse arguments, call one library function, print its result.

Errors lreview raises on purpose (`LreviewError`) are printed as one line on stderr with exit code 2;
`--debug` shows the traceback. Heavy modules are imported inside each command so `lreview --help`
stays fast. `serve` becomes `python flows/serve.py` (a child process where there is no exec): the
library never imports Prefect.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from lreview import __version__
from lreview.errors import LreviewError

DEFAULT_CONFIG = Path("config/ldn-endometriosis.toml")


def _config_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        "--review",
        dest="config",
        type=Path,
        default=DEFAULT_CONFIG,
        help=f"review config file (default: {DEFAULT_CONFIG})",
    )


def cmd_refresh(args: argparse.Namespace) -> int:
    from lreview.config import load_config
    from lreview.pipeline import refresh

    config = load_config(args.config)
    summary = refresh(config, searches=args.search or None)
    print(summary.format())
    for problem in summary.problems:
        print(f"lreview: error: {problem}", file=sys.stderr)
    return 1 if summary.problems else 0


def find_flow(name: str) -> Path:
    """Locate `flows/<name>` next to the working directory or the source checkout."""
    candidates = [Path.cwd() / "flows" / name, Path(__file__).resolve().parents[2] / "flows" / name]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise LreviewError(f"flows/{name} not found (run lreview serve from the lreview checkout)")


def cmd_serve(args: argparse.Namespace) -> int:
    from lreview.config import load_config

    load_config(args.config)  # fail fast, in one line, before Prefect starts
    flow = find_flow("serve.py")
    env = {**os.environ, "DO_NOT_TRACK": "1"}
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    command = [sys.executable, str(flow), "--config", str(args.config)]
    if os.name == "posix":  # become the serving process, so a stop signal reaches Prefect's runner
        sys.stdout.flush()
        os.execve(sys.executable, command, env)
    return subprocess.call(command, env=env)


def cmd_import(args: argparse.Namespace) -> int:
    """Import, then deduplicate as a refresh does: a later `rank` must not issue the new duplicates."""
    from lreview.config import load_config
    from lreview.pipeline import LOCK_WAIT, deduplicate_store, import_files, open_store, review_lock

    config = load_config(args.config)
    with open_store(config) as store, review_lock(config, store, "import", LOCK_WAIT):
        summary = import_files(config, args.files, source=args.source, store=store)
        print(summary.format())
        print(deduplicate_store(config, store).format())
    return 0


def cmd_dedupe(args: argparse.Namespace) -> int:
    from lreview.dedup import DedupOptions
    from lreview.pipeline.dedupe_files import dedupe_files

    s = dedupe_files(args.inputs, args.output, DedupOptions(related=args.related))
    print(
        f"{s.records} records -> {s.clusters} clusters ({s.duplicates_removed} duplicates); "
        f"{s.possible} possible duplicate pairs for a human, {s.related} related pairs; wrote {s.output}"
    )
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from lreview.pipeline.simulation import simulate_file

    summary = simulate_file(
        args.dataset,
        args.output,
        args.prior_included,
        args.prior_excluded,
        seed=args.seed,
        recall_target=args.recall_target,
        confidence=args.confidence,
    )
    print(summary.format())
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from lreview.config import load_config
    from lreview.pipeline import LOCK_WAIT, ingest_decisions, ingest_inbox, ingest_loop

    config = load_config(args.config)
    if args.file is None and not args.inbox:
        raise LreviewError("lreview ingest needs a FILE (.xlsx or .csv) or --inbox")
    files = [args.file] if args.file is not None else []
    if not args.no_rank:  # the ingest loop: log, re-rank, issue the next workbooks, PRISMA
        summary = ingest_loop(config, files, stage=args.stage, inbox=args.inbox, wait=LOCK_WAIT)
        print(summary.format())
        return 1 if summary.problems else 0
    refused = 0  # only log the decisions (the decision log takes concurrent appends)
    for path in files:
        print(ingest_decisions(config, path, stage=args.stage).format())
    for result in ingest_inbox(config) if args.inbox else []:
        print(result.format())
        refused += result.summary is None
    return 1 if refused else 0


def cmd_duplicates(args: argparse.Namespace) -> int:
    from lreview.config import load_config
    from lreview.pipeline import decide_possible_duplicates, export_possible_duplicates

    config = load_config(args.config)
    if args.action == "export":
        output = args.file or config.output_dir / "possible-duplicates.csv"
        n = export_possible_duplicates(config, output)
        print(
            f"{n} possible duplicate pairs written to {output}; "
            "fill in verdict (same/different) and decided_by"
        )
        return 0
    if args.file is None:
        raise LreviewError("lreview duplicates decide needs the filled-in pairs CSV")
    decided, summary = decide_possible_duplicates(config, args.file)
    print(f"{decided} verdicts recorded from {args.file}")
    print(summary.format())
    return 0


def cmd_rank(args: argparse.Namespace) -> int:
    from lreview.config import load_config
    from lreview.pipeline import rank, reproduce

    config = load_config(args.config)
    print(reproduce(config, args.reproduce) if args.reproduce is not None else rank(config).format())
    return 0


def cmd_stop(args: argparse.Namespace) -> int:
    from lreview.config import load_config
    from lreview.pipeline import apply_stopping_rule

    summary, excluded = apply_stopping_rule(load_config(args.config), force=args.force)
    print("\n".join(summary.estimate_lines()))
    print(f"{excluded} unscreened publications recorded as excluded by the stopping rule (automation)")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from lreview.config import load_config
    from lreview.pipeline.export import export

    print(export(load_config(args.config), args.what, args.format, args.output))
    return 0


def cmd_prisma(args: argparse.Namespace) -> int:
    from lreview.config import load_config
    from lreview.pipeline.prisma import prisma

    print(prisma(load_config(args.config), new_version=args.new_version).format())
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from lreview.config import load_config
    from lreview.pipeline import status

    print(status(load_config(args.config)).format())
    return 0


def cmd_unlock(args: argparse.Namespace) -> int:
    from lreview.config import load_config
    from lreview.pipeline import unlock

    print(unlock(load_config(args.config)))
    return 0


class RedactSecrets(logging.Filter):
    """Scrub any log line: no api_key value, no NCBI_API_KEY value (`lreview.sources.http.scrub`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        from lreview.sources.http import scrub

        message = record.getMessage()
        clean = scrub(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lreview", description="lreview: a living systematic-review screening pipeline."
    )
    parser.add_argument("--version", action="version", version=f"lreview {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "refresh", help="harvest, import, ingest the inbox, dedupe, rank, issue workbooks, PRISMA (once)"
    )
    _config_arg(p)
    p.add_argument("--search", action="append", help="only this search (repeatable)")
    p.set_defaults(func=cmd_refresh)

    p = sub.add_parser(
        "serve", help="serve the review's refresh (cron), ingest (interval) and PRISMA deployments (Prefect)"
    )
    _config_arg(p)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("import", help="import exported files (RIS, MEDLINE/.nbib, PubMed XML, CSV/XLSX)")
    _config_arg(p)
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--source", help='database name, e.g. "Embase" (default: from the file)')
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("dedupe", help="cluster duplicate records across files into CLUSTERS.csv")
    p.add_argument("inputs", nargs="+", type=Path, metavar="INPUT")
    p.add_argument("--output", required=True, type=Path, metavar="CLUSTERS.csv")
    p.add_argument(
        "--related",
        choices=("related", "merge"),
        default="related",
        help="preprint vs published and conference abstract vs article: link as related (default) or merge",
    )
    p.set_defaults(func=cmd_dedupe)

    p = sub.add_parser(
        "duplicates",
        help="export the possible duplicates for a human, or apply their verdicts (same/different)",
    )
    _config_arg(p)
    p.add_argument("action", choices=("export", "decide"))
    p.add_argument(
        "file",
        nargs="?",
        type=Path,
        help="export: where to write (default: OUTPUT_DIR/possible-duplicates.csv); decide: the filled CSV",
    )
    p.set_defaults(func=cmd_duplicates)

    p = sub.add_parser("simulate", help="simulate screening a labelled dataset in ranked order")
    p.add_argument("dataset", type=Path, metavar="DATASET.csv")
    p.add_argument("--output", required=True, type=Path, metavar="ORDER.csv")
    p.add_argument("--prior-included", nargs="+", required=True, metavar="ID")
    p.add_argument("--prior-excluded", nargs="+", required=True, metavar="ID")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--recall-target", type=float, default=0.95)
    p.add_argument("--confidence", type=float, default=0.95)
    p.set_defaults(func=cmd_simulate)

    p = sub.add_parser(
        "ingest", help="log a returned workbook (.xlsx) or CSV, re-rank, issue the next workbooks"
    )
    _config_arg(p)
    p.add_argument("file", type=Path, nargs="?", help="a returned workbook or decisions CSV")
    p.add_argument("--inbox", action="store_true", help="ingest every file in <output_dir>/screening/inbox/")
    p.add_argument(
        "--stage",
        default="title_abstract",
        choices=["title_abstract", "full_text"],
        help="for a CSV only (a workbook names its stage)",
    )
    p.add_argument("--no-rank", action="store_true", help="do not re-rank or issue workbooks afterwards")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser(
        "rank", help="retrain on all decisions, re-rank, write the next batch and stop estimate"
    )
    _config_arg(p)
    p.add_argument(
        "--reproduce",
        type=int,
        metavar="RUN",
        help="instead: re-rank from model run RUN's stored inputs and check it gives the stored ranking",
    )
    p.set_defaults(func=cmd_rank)

    p = sub.add_parser("stop", help="record unscreened records as excluded by the stopping rule")
    _config_arg(p)
    p.add_argument("--force", action="store_true", help="stop even if the rule does not yet support it")
    p.set_defaults(func=cmd_stop)

    p = sub.add_parser("export", help="write the included studies (CSV/RIS) or the decision log (CSV)")
    _config_arg(p)
    p.add_argument("--what", choices=["included", "decisions"], default="included")
    p.add_argument("--format", choices=["csv", "ris"], default="csv")
    p.add_argument("--output", required=True, type=Path, metavar="FILE")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "unlock", help="release the review's lock left by a run that cannot (e.g. on another machine)"
    )
    _config_arg(p)
    p.set_defaults(func=cmd_unlock)

    p = sub.add_parser("prisma", help="write the PRISMA 2020 counts (template CSV, JSON) and flow diagram")
    _config_arg(p)
    p.add_argument(
        "--new-version",
        action="store_true",
        help="first freeze what is final now as a version of the living review",
    )
    p.set_defaults(func=cmd_prisma)

    p = sub.add_parser("status", help="counts in the review's store")
    _config_arg(p)
    p.set_defaults(func=cmd_status)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `lreview` console script."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs full request URLs, which carry api_key: never let them through.
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactSecrets())
    try:
        code = int(args.func(args))
        sys.stdout.flush()  # inside the try: a closed pipe shows up here
        return code
    except BrokenPipeError:
        # The reader went away (`lreview status | head`): nothing more to say. Point stdout at devnull so
        # the interpreter's final flush does not raise again (Python docs, "Note on SIGPIPE").
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except LreviewError as exc:
        if args.debug:
            raise
        from lreview.sources.http import scrub

        print(f"lreview: error: {scrub(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("lreview: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
