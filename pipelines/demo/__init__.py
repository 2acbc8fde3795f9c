"""The bundled demo tenant (Contoso) as a dlt source: the same raw tables as the Graph source.

What the tenant contains and how to resize it: docs/demo-tenant.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import dlt
import pyarrow as pa

from . import recording as rec
from .generator import Tenant
from .helpers import (
    demo_as_of,
    folders_table,
    last_load,
    malformed_items,
    observation_batches,
    remember_load,
    sync_runs_table,
)
from .mailboxes import Agent, DemoMailbox
from .settings import DEFAULT_MESSAGES, DEFAULT_SEED, DEMO_END, DEMO_START

__all__ = [
    "DEFAULT_MESSAGES",
    "DEMO_END",
    "DEMO_START",
    "Agent",
    "DemoMailbox",
    "demo_as_of",
    "demo_source",
]


@dlt.source(name="demo", max_table_nesting=0)
def demo_source(
    mailboxes: Sequence[DemoMailbox],
    *,
    internal_domains: Sequence[str] = (),
    seed: int = DEFAULT_SEED,
    start: dt.date = DEMO_START,
    end: dt.date = DEMO_END,
    messages: int = DEFAULT_MESSAGES,
    recording: str | None = None,
) -> Any:
    """Nightly loads of a generated mail history for every mailbox.

    Args:
        mailboxes: the team mailboxes; their agents, aliases, key accounts, folders, time
            zones, business hours and holidays shape the traffic.
        internal_domains: the organization's own domains (colleagues write from them).
        seed: the same seed (with the same mailboxes, window and size) gives the same rows.
        start: first day of mail; the first nightly load is the next day at 01:00 UTC.
        end: day of the last nightly load (01:00 UTC), the build's `as_of`.
        messages: about this many messages over the default window (a rate: a longer
            window holds proportionally more).
        recording: a directory written by `pipelines.demo.recording.record` for these
            mailboxes, seed, size and start, reaching at least `end`: the observations are
            read from it instead of generated (the same rows).
    """
    as_of = demo_as_of(end)

    def tenant() -> Tenant:
        return Tenant(
            mailboxes, internal_domains=internal_domains, seed=seed, start=start, messages=messages
        )

    if recording:
        directory = Path(recording)
        manifest = rec.check(
            directory,
            mailboxes,
            internal_domains=internal_domains,
            seed=seed,
            start=start,
            end=end,
            messages=messages,
        )

        def batches(after: dt.datetime | None) -> Iterator[pa.Table]:
            return rec.replay(directory, manifest, as_of, after=after)
    else:

        def batches(after: dt.datetime | None) -> Iterator[pa.Table]:
            return observation_batches(tenant(), end, after=after)

    observations = message_observations(batches, as_of)
    return (
        observations,
        observations | sync_runs,
        mail_folders(tenant, as_of),
        quarantined_items(tenant, end, as_of),
    )


@dlt.resource(name="message_observations", write_disposition="append")
def message_observations(
    batches: Callable[[dt.datetime | None], Iterator[pa.Table]], as_of: dt.datetime
) -> Iterator[pa.Table]:
    """What each nightly load observed, after the last night already loaded.

    Args:
        batches: the observation batches of the nights after a given load up to `as_of`,
            generated or replayed from a recording.
        as_of: instant of the last nightly load; remembered in the resource state.
    """
    last = last_load()
    if last is not None and last >= as_of:
        return
    yield from batches(last)
    remember_load(as_of)


@dlt.transformer(name="sync_runs", write_disposition="append")
def sync_runs(batch: pa.Table) -> Iterator[pa.Table]:
    """One row per store read per nightly load, carried by each observation batch.

    Args:
        batch: an arrow table of `message_observations`.
    """
    yield sync_runs_table(batch)


@dlt.resource(
    name="mail_folders", write_disposition="merge", primary_key=("store_address", "folder_id")
)
def mail_folders(tenant: Any, as_of: dt.datetime) -> Iterator[pa.Table]:
    """Every folder of every store a mailbox reads, as of the last nightly load.

    Args:
        tenant: builds the generator (only its stores and folders are used).
        as_of: instant of the last nightly load.
    """
    last = last_load()
    if last is not None and last >= as_of:
        return
    yield folders_table(tenant(), as_of)
    remember_load(as_of)


@dlt.resource(name="quarantined_items", write_disposition="append")
def quarantined_items(tenant: Any, end: dt.date, as_of: dt.datetime) -> Iterator[pa.Table]:
    """A few delta items that are not readable messages, as the Graph source quarantines them.

    Args:
        tenant: builds the generator (only its stores are used).
        end: day of the last nightly load.
        as_of: instant of the last nightly load.
    """
    last = last_load()
    if last is not None and last >= as_of:
        return
    rows = malformed_items(tenant(), end, after=last)
    if rows.num_rows:
        yield rows
    remember_load(as_of)
