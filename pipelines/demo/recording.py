"""A recording of the demo tenant: its nightly observation batches kept as Parquet files.

Generating a large tenant is Python, one message at a time; a recording generates it once
and lets later loads (the benchmark's, a demo rebuilt again and again) replay the batches
as arrow tables. Replaying loads the same rows as generating: the files are the batches
`observation_batches` yields, each with the `raw.sync_runs` rows of its nights in its schema
metadata, and `manifest.json` says what was recorded (config fingerprint, seed, size,
window) so that a recording is only replayed for the tenant it holds.

    python -m pipelines.demo.recording DIR --messages 100000 --end 2026-11-18
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from mailkpi.config import Config, ConfigError, load_config
from pipelines.common.messages import OBSERVATION_SCHEMA

from .generator import Tenant
from .helpers import SYNC_RUNS_METADATA, demo_as_of, observation_batches
from .settings import DEFAULT_MESSAGES, DEFAULT_SEED, DEMO_END, DEMO_START

MANIFEST = "manifest.json"
FORMAT = 1
# Read as dictionary arrays, as the files store them: no string is copied out of its
# dictionary, and the Parquet written from them for the load reuses the dictionaries.
DICTIONARY_COLUMNS = [f.name for f in OBSERVATION_SCHEMA if pa.types.is_string(f.type)]


def config_fingerprint(config: Config) -> str:
    """What of the team config shapes the generated traffic: its mailboxes and domains."""
    text = config.model_dump_json(include={"internal_domains", "mailboxes"})
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _sync_rows(table: pa.Table) -> list[dict]:
    return json.loads((table.schema.metadata or {}).get(SYNC_RUNS_METADATA, b"[]"))


def record(
    config: Config,
    directory: Path,
    *,
    seed: int = DEFAULT_SEED,
    start: dt.date = DEMO_START,
    end: dt.date = DEMO_END,
    messages: int = DEFAULT_MESSAGES,
) -> dict:
    """Generate the tenant's nightly loads up to `end` once, into `directory`; the manifest."""
    directory.mkdir(parents=True, exist_ok=True)
    tenant = Tenant(config, seed=seed, start=start, messages=messages)
    files = []
    for number, batch in enumerate(observation_batches(tenant, end)):
        loads = sorted({row["run_started_at"] for row in _sync_rows(batch)})
        name = f"observations-{number:05d}.parquet"
        pq.write_table(batch, directory / name, compression="zstd")
        files.append(
            {"file": name, "first_load": loads[0], "last_load": loads[-1], "rows": batch.num_rows}
        )
    manifest = {
        "format": FORMAT,
        "config": config_fingerprint(config),
        "seed": seed,
        "messages": messages,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "files": files,
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def check(
    directory: Path, config: Config, *, seed: int, start: dt.date, end: dt.date, messages: int
) -> dict:
    """The manifest of a recording that holds this tenant up to `end`; else a ConfigError."""
    where = f"demo recording {directory}"
    try:
        manifest = json.loads((Path(directory) / MANIFEST).read_text())
    except FileNotFoundError:
        raise ConfigError(f"{where}: no {MANIFEST} (not a recording of the demo tenant)") from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{where}: unreadable {MANIFEST}: {exc}") from None
    wanted = {
        "format": FORMAT,
        "config": config_fingerprint(config),
        "seed": seed,
        "messages": messages,
        "start": start.isoformat(),
    }
    for key, value in wanted.items():
        if manifest.get(key) != value:
            if key == "config":
                problem = f"recorded with another team config than {config.path.name}"
            else:
                problem = f"recorded with {key} {manifest.get(key)}, this load asks for {value}"
            raise ConfigError(f"{where}: {problem}")
    if manifest["end"] < end.isoformat():
        raise ConfigError(
            f"{where}: ends on {manifest['end']}, before the window's end {end.isoformat()}"
        )
    return manifest


def replay(
    directory: Path, manifest: dict, as_of: dt.datetime, *, after: dt.datetime | None = None
) -> Iterator[pa.Table]:
    """The recorded batches of the nights after `after` up to `as_of`, as generated.

    Whole files are read as they are; a file across `after` or `as_of` is cut to its nights
    in the window, its sync-runs metadata with them.
    """
    low = after or dt.datetime.min.replace(tzinfo=dt.UTC)

    def within(instant: str) -> bool:
        return low < dt.datetime.fromisoformat(instant) <= as_of

    for entry in manifest["files"]:
        first = dt.datetime.fromisoformat(entry["first_load"])
        last = dt.datetime.fromisoformat(entry["last_load"])
        if last <= low or first > as_of:
            continue
        table = pq.read_table(Path(directory) / entry["file"], read_dictionary=DICTIONARY_COLUMNS)
        if low < first and last <= as_of:
            yield table
            continue
        observed = table["observed_at"]
        keep = pc.and_(
            pc.greater(observed, pa.scalar(low, observed.type)),
            pc.less_equal(observed, pa.scalar(as_of, observed.type)),
        )
        sync = [r for r in _sync_rows(table) if within(r["run_started_at"])]
        yield table.filter(keep).replace_schema_metadata({SYNC_RUNS_METADATA: json.dumps(sync)})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.demo.recording", description=__doc__.split("\n")[0]
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
    manifest = record(config, args.directory, seed=args.seed, end=args.end, messages=args.messages)
    rows = sum(f["rows"] for f in manifest["files"])
    print(
        f"recorded {rows:,} observations, nights up to {demo_as_of(args.end):%Y-%m-%d %H:%M} "
        f"UTC -> {args.directory}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
