"""A recording of the demo tenant: its nightly observation batches kept as Parquet files.

Generating a large tenant is Python, one message at a time; a recording generates it once
and lets later loads (the benchmark's, a demo rebuilt again and again) replay the batches
as arrow tables. Replaying loads the same rows as generating: the files are the batches
`observation_batches` yields, each with the `raw.sync_runs` rows of its nights in its schema
metadata, and `manifest.json` says what was recorded (tenant fingerprint, seed, size,
window) so that a recording is only replayed for the tenant it holds.

`python -m mailkpi.record_demo` records the tenant of the team config.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipelines.common.errors import SourceConfigError
from pipelines.common.messages import OBSERVATION_SCHEMA

from .generator import Tenant
from .helpers import SYNC_RUNS_METADATA, observation_batches
from .mailboxes import DemoMailbox
from .settings import DEFAULT_MESSAGES, DEFAULT_SEED, DEMO_END, DEMO_START

MANIFEST = "manifest.json"
FORMAT = 2  # 2: the manifest fingerprints the tenant (mailboxes, domains), not a config file
# Read as dictionary arrays, as the files store them: no string is copied out of its
# dictionary, and the Parquet written from them for the load reuses the dictionaries.
DICTIONARY_COLUMNS = [f.name for f in OBSERVATION_SCHEMA if pa.types.is_string(f.type)]


class RecordingMismatch(SourceConfigError):
    """A recording that does not hold the tenant (or the window) a load asks for."""


def tenant_fingerprint(mailboxes: Sequence[DemoMailbox], internal_domains: Sequence[str]) -> str:
    """What shapes the generated traffic: the mailboxes and the internal domains."""
    shape = [[dataclasses.asdict(m) for m in mailboxes], list(internal_domains)]
    text = json.dumps(shape, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _sync_rows(table: pa.Table) -> list[dict]:
    return json.loads((table.schema.metadata or {}).get(SYNC_RUNS_METADATA, b"[]"))


def record(
    mailboxes: Sequence[DemoMailbox],
    directory: Path,
    *,
    internal_domains: Sequence[str] = (),
    seed: int = DEFAULT_SEED,
    start: dt.date = DEMO_START,
    end: dt.date = DEMO_END,
    messages: int = DEFAULT_MESSAGES,
) -> dict:
    """Generate the tenant's nightly loads up to `end` once, into `directory`; the manifest."""
    directory.mkdir(parents=True, exist_ok=True)
    tenant = Tenant(
        mailboxes, internal_domains=internal_domains, seed=seed, start=start, messages=messages
    )
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
        "tenant": tenant_fingerprint(mailboxes, internal_domains),
        "seed": seed,
        "messages": messages,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "files": files,
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def check(
    directory: Path,
    mailboxes: Sequence[DemoMailbox],
    *,
    internal_domains: Sequence[str] = (),
    seed: int,
    start: dt.date,
    end: dt.date,
    messages: int,
) -> dict:
    """The manifest of a recording that holds this tenant up to `end`; else RecordingMismatch."""
    where = f"demo recording {directory}"
    try:
        manifest = json.loads((Path(directory) / MANIFEST).read_text())
    except FileNotFoundError:
        raise RecordingMismatch(
            f"{where}: no {MANIFEST} (not a recording of the demo tenant)"
        ) from None
    except (OSError, ValueError) as exc:
        raise RecordingMismatch(f"{where}: unreadable {MANIFEST}: {exc}") from None
    wanted = {
        "format": FORMAT,
        "tenant": tenant_fingerprint(mailboxes, internal_domains),
        "seed": seed,
        "messages": messages,
        "start": start.isoformat(),
    }
    for key, value in wanted.items():
        if manifest.get(key) != value:
            if key == "tenant":
                problem = "recorded for other mailboxes or domains than this load's"
            else:
                problem = f"recorded with {key} {manifest.get(key)}, this load asks for {value}"
            raise RecordingMismatch(f"{where}: {problem}")
    if manifest["end"] < end.isoformat():
        raise RecordingMismatch(
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
