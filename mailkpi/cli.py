"""`mailkpi` command line: parse, call the build, print one line; exit non-zero on failure."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from contextlib import nullcontext
from pathlib import Path

from . import semantic
from .environment import QUIET_ENV, ROOT
from .errors import user_error


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config", help="team config file (default: $MAILKPI_CONFIG or mailkpi.yml)"
    )
    common.add_argument(
        "--duckdb", help="DuckDB file (default: $MAILKPI_DUCKDB or data/mailkpi.duckdb)"
    )
    common.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="log more: every dbt node and every Graph request (otherwise in dbt's log file)",
    )
    source = argparse.ArgumentParser(add_help=False)
    source.add_argument(
        "--source",
        choices=("demo", "graph"),
        help="force a source (default: graph when Microsoft 365 credentials are configured)",
    )
    source.add_argument(
        "--demo-messages", type=int, metavar="N", help="size of the demo tenant (messages)"
    )
    source.add_argument(
        "--resync",
        action="append",
        default=[],
        metavar="MAILBOX",
        help="read every folder of this team mailbox again from Graph (repeatable)",
    )
    refresh = argparse.ArgumentParser(add_help=False)
    refresh.add_argument(
        "--full-refresh", action="store_true", help="rebuild incremental models from scratch"
    )

    parser = argparse.ArgumentParser(
        prog="mailkpi", description="Response-time analytics for Microsoft 365 shared mailboxes."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser(
        "build", parents=[common, source, refresh], help="extract, load and dbt build"
    )
    commands.add_parser("extract", parents=[common, source], help="extract and load only")
    commands.add_parser("transform", parents=[common, refresh], help="dbt build only")
    dash = commands.add_parser(
        "dashboard", parents=[common], help="serve the Streamlit app on localhost"
    )
    dash.add_argument("--port", type=int, default=8501)
    dash.add_argument(
        "--address", default="127.0.0.1", help="bind address (default: localhost only)"
    )
    commands.add_parser(
        "notify", parents=[common], help="evaluate the alert rules on the built file and send"
    )
    digest = commands.add_parser(
        "digest", parents=[common], help="send (or write) the last complete period's digest"
    )
    digest.add_argument("--period", choices=("day", "week"), required=True)
    digest.add_argument("--mailbox", metavar="ADDRESS", help="only this mailbox")
    digest.add_argument(
        "--out", type=Path, metavar="FILE.html", help="write the HTML here instead of sending"
    )
    bench = commands.add_parser(
        "bench", help="time extract, builds and dashboard queries on synthetic tenants"
    )
    bench.add_argument(
        "--messages",
        type=int,
        action="append",
        metavar="N",
        help="tenant size; repeat for several (default: 10,000, 100,000 and 1,000,000)",
    )
    bench.add_argument(
        "--graph-messages",
        type=int,
        default=100_000,
        metavar="N",
        help="mailbox size of the Graph emulator run (0: skip it)",
    )
    bench.add_argument(
        "--results",
        type=Path,
        default=None,
        metavar="FILE",
        help="write the results here (default: bench/results.md)",
    )
    bench.add_argument(
        "--dashboards-baseline",
        metavar="REV",
        help="also time this git revision's dashboards/ on the same files (e.g. bdf94fd)",
    )
    bench.add_argument(
        "--dashboard-pages",
        type=lambda text: tuple(p for p in text.split(",") if p),
        default=(),
        metavar="PAGE[,PAGE...]",
        help="time only these pages (file names under dashboards/views/; default: all)",
    )
    semantic.add_parser(commands, [common])
    return parser


def _bench(args: argparse.Namespace) -> int:
    import json

    from . import bench

    try:
        figures = bench.run(
            tuple(args.messages or bench.SIZES),
            graph_messages=args.graph_messages,
            results_path=args.results or bench.RESULTS,
            dashboards_baseline=args.dashboards_baseline,
            pages=args.dashboard_pages,
        )
    except bench.BenchFailed as exc:
        print(f"mailkpi: bench: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(figures))
    return 0


def _query(args: argparse.Namespace) -> int:
    from .database import duckdb_path
    from .errors import MailkpiError

    try:
        return semantic.run(args, duckdb_path(args.duckdb))
    except MailkpiError as exc:
        print(f"mailkpi: {exc}", file=sys.stderr)
        return exc.exit_code


def _dashboard(args: argparse.Namespace, duckdb_file: Path) -> int:
    os.environ["MAILKPI_DUCKDB"] = str(duckdb_file)
    command = [
        sys.executable,
        "-m",
        "dashboards.serve",  # `streamlit run` with the pages' libraries imported first
        "run",
        str(ROOT / "dashboards" / "app.py"),
        "--server.address",
        args.address,
        "--server.port",
        str(args.port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    os.execv(sys.executable, command)
    return 0  # not reached


def _notifications(args: argparse.Namespace, duckdb_file: Path) -> int:
    from .config import ConfigError, load_config
    from .errors import MailkpiError
    from .notifications import digest, notify

    config = load_config(args.config)
    if not config.notifications:
        raise ConfigError(
            f"{config.path.name}: notifications: no such section (docs/notifications.md)"
        )
    if args.command == "digest":
        return digest.run(duckdb_file, config, args.period, mailbox=args.mailbox, out=args.out)
    if not duckdb_file.exists():
        raise MailkpiError(f"{duckdb_file}: no built file yet (run mailkpi build first)")
    print(f"mailkpi: {notify(duckdb_file, config).line()}")
    return 0  # a channel that is down is reported above; its alerts wait for the next run


def main(argv: list[str] | None = None) -> int:
    for key, value in QUIET_ENV.items():
        os.environ.setdefault(key, value)
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO
        if args.command != "dashboard" or getattr(args, "verbose", False)
        else logging.WARNING,
        format="%(message)s",
        stream=sys.stderr,
    )
    if getattr(args, "verbose", False):  # dbt's node lines too (mailkpi.transform)
        logging.getLogger("mailkpi").setLevel(logging.DEBUG)
    else:  # a line per HTTP request is for debugging, not for a nightly job's mail
        logging.getLogger("httpx").setLevel(logging.WARNING)
    if args.command == "bench":
        return _bench(args)
    if args.command == "query":
        return _query(args)
    from .database import building_path, duckdb_path
    from .dbt_worker import spark_target, started_dbt

    try:
        duckdb_file = duckdb_path(args.duckdb)
        if args.command == "dashboard":
            return _dashboard(args, duckdb_file)
        if args.command in ("notify", "digest"):
            return _notifications(args, duckdb_file)
        transform = args.command in ("build", "transform")
        # dbt's import and parse start first: they take longer than all that comes before
        # the transform of an incremental build (config, file copy, config tables)
        early_dbt = transform and not spark_target()
        with started_dbt(building_path(duckdb_file)) if early_dbt else nullcontext() as dbt:
            from .build import run
            from .config import load_config

            summary = run(
                duckdb_file,
                load_config(args.config),
                source=getattr(args, "source", None),
                do_extract=args.command in ("build", "extract"),
                do_transform=transform,
                full_refresh=getattr(args, "full_refresh", False),
                demo_messages=getattr(args, "demo_messages", None),
                resync=tuple(getattr(args, "resync", ())),
                dbt=dbt,
            )
    except KeyboardInterrupt:
        print("mailkpi: interrupted; the DuckDB file is unchanged", file=sys.stderr)
        return 130
    except Exception as exc:
        error = user_error(exc)
        if error is None:
            if os.environ.get("MAILKPI_DEBUG"):
                raise
            print(
                f"mailkpi: unexpected {type(exc).__name__}: {' '.join(str(exc).split())[:300]} "
                "(set MAILKPI_DEBUG=1 for the traceback)",
                file=sys.stderr,
            )
            return 70
        for line in str(error).splitlines():  # a config error lists each problem on a line
            print(f"mailkpi: {line}", file=sys.stderr)
        return error.exit_code
    if args.command == "extract":
        print(f"mailkpi: loaded {summary.loaded.observations:,} observations -> {summary.path}")
    else:
        print(summary.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
