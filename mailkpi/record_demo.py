"""Record the demo tenant of the team config as Parquet (`pipelines.demo.recording`), for
loads that replay it (the benchmark's, a demo rebuilt again and again).

    python -m mailkpi.record_demo DIR --messages 100000 --end 2026-11-18
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from pipelines.demo import DEFAULT_MESSAGES, DEMO_END, demo_as_of
from pipelines.demo.recording import record
from pipelines.demo.settings import DEFAULT_SEED

from .config import ConfigError, load_config
from .sources import demo_mailboxes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mailkpi.record_demo",
        description="Record the demo tenant of the team config as Parquet.",
    )
    parser.add_argument("directory", type=Path)
    parser.add_argument("--config", help="team config (default: $MAILKPI_CONFIG or mailkpi.yml)")
    parser.add_argument("--messages", type=int, default=DEFAULT_MESSAGES)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--end", type=dt.date.fromisoformat, default=DEMO_END)
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"mailkpi: {exc}", file=sys.stderr)
        return exc.exit_code
    manifest = record(
        demo_mailboxes(config),
        args.directory,
        internal_domains=config.internal_domains,
        seed=args.seed,
        end=args.end,
        messages=args.messages,
    )
    rows = sum(f["rows"] for f in manifest["files"])
    print(
        f"recorded {rows:,} observations, nights up to {demo_as_of(args.end):%Y-%m-%d %H:%M} "
        f"UTC -> {args.directory}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
