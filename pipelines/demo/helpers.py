"""What the nightly loads of the demo tenant observe, as rows of the raw tables.

Each night replays that day's events on the items, then renders, per store and folder that
a configured mailbox reads, what a Graph delta round since the previous night would return:
an item new to a folder as a full message; an item that left a folder (moved or deleted) as
`@removed`; a category change as a partial item (`id`, `categories`,
`lastModifiedDateTime`), now and then as a full one; a read-state change as `id`, `isRead`,
`parentFolderId` or just `id`, `parentFolderId`; and, now and then, the same item twice.
Rows go through `pipelines.common.messages.observation_row`, like the Graph source's.

Which folders are read: for a shared mailbox every folder of the mailbox and, with
`agent_mailboxes`, the agents' Sent Items; for a distribution list every folder of the
agents' mailboxes. Excluded folders (Junk Email, Drafts, ...) are read too, so the models'
exclusion rules see data; the Graph source skips them.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import dlt
import pyarrow as pa

from pipelines.common import tables
from pipelines.common.mailboxes import Mailbox
from pipelines.common.messages import (
    MalformedMessage,
    observation_row,
    observations_table,
    quarantine_row,
    quarantine_table,
)

from . import settings as s
from .clock import DAY, load_instant
from .generator import Tenant
from .tenant import INBOX, SENT, UPDATE, Folder, Item, graph_message, iso, utc

P_DUPLICATE = 0.01  # a full item returned twice in one round
P_FULL_ON_CHANGE = 0.2  # a category change returned as the full item
P_ID_AND_FOLDER_ONLY = 0.5  # a read-state change returned as just id + parentFolderId
SYNC_RUNS_METADATA = b"mailkpi.sync_runs"
MALFORMED_EVERY_NIGHTS = 61  # a malformed delta item in these nights (first store's Inbox)
_LAST_LOAD = "last_observed_at"


@dataclass(frozen=True)
class Reader:
    """One configured mailbox reading one store: which folders (None: all of them)."""

    mailbox_address: str
    store_address: str
    folders: frozenset[str] | None


def readers(mailboxes: Sequence[Mailbox]) -> list[Reader]:
    out = []
    for mailbox in mailboxes:
        for store in mailbox.stores:
            only_sent = mailbox.sent_items_only(store)
            out.append(Reader(mailbox.address, store, frozenset({SENT}) if only_sent else None))
    return out


def demo_as_of(end: dt.date) -> dt.datetime:
    """The build's `as_of` for a window ending on `end`: its last nightly load."""
    return utc(load_instant(end))


def folders_table(tenant: Tenant, observed_at: dt.datetime) -> pa.Table:
    """`raw.mail_folders`: every folder of every store a mailbox reads."""
    rows = []
    for mailbox in tenant.mailboxes:
        excluded = set(mailbox.excluded_folders)
        for store_address in mailbox.stores:
            for folder in tenant.stores[store_address].folders.values():
                rows.append(
                    {
                        "mailbox_address": mailbox.address,
                        "store_address": store_address,
                        "folder_id": folder.folder_id,
                        "parent_folder_id": _parent_id(tenant, folder),
                        "display_name": folder.display_name,
                        "well_known_name": folder.well_known_name,
                        "folder_path": folder.path,
                        "is_excluded": folder.display_name in excluded,
                        "observed_at": observed_at,
                    }
                )
    return tables.folders_table(rows)


def _parent_id(tenant: Tenant, folder: Folder) -> str:
    store = tenant.stores[folder.store_address]
    if folder.parent:
        return store.folders[folder.parent].folder_id
    return f"AAMkADroot{store.index:04x}"  # the mailbox's root ("Top of Information Store")


class NightRenderer:
    """Turns one night's events into observation rows and per-store sync counts."""

    def __init__(self, tenant: Tenant):
        self.tenant = tenant
        self.readers: dict[str, list[Reader]] = {}
        for reader in readers(tenant.mailboxes):
            self.readers.setdefault(reader.store_address, []).append(reader)

    def replay(self, events: list) -> dict[Item, tuple[str | None, set[str]]]:
        """Apply the events; per touched item: its folder before the night, changed props."""
        touched: dict[Item, tuple[str | None, set[str]]] = {}
        for at, kind, item, arg in events:
            entry = touched.get(item)
            if entry is None:
                entry = touched[item] = (item.folder, set())
            if kind == UPDATE:
                entry[1].update(arg)
            item.apply(at, kind, arg)
        return touched

    def render(
        self, night: int, load: int, touched: dict[Item, tuple[str | None, set[str]]]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        rng = random.Random(f"{self.tenant.seed}:night:{night}")
        observed_at = utc(load)
        rows: list[dict[str, Any]] = []
        counts: Counter[tuple[str, str, str]] = Counter()  # (mailbox, store, what)
        pages: Counter[tuple[str, str, str]] = Counter()  # (mailbox, store, folder)
        for item, (before, changed) in touched.items():
            for reader in self.readers.get(item.store.address, ()):
                wanted = reader.folders
                was = before if wanted is None or before in wanted else None
                now = item.folder if wanted is None or item.folder in wanted else None
                if was is None and now is None:
                    continue
                key = (reader.mailbox_address, reader.store_address)
                if was is not None and was != now:
                    payload: dict[str, Any] = {"id": item.id, "@removed": {"reason": "deleted"}}
                    rows.append(self._row(payload, observed_at, reader, was))
                    counts[(*key, "removed")] += 1
                    pages[(*key, was)] += 1
                if now is None:
                    continue
                if was == now:
                    payload = self._partial(rng, item, changed)
                    counts[(*key, "changed")] += 1
                else:
                    payload = graph_message(item)
                    counts[(*key, "new" if was is None and before is None else "changed")] += 1
                rows.append(self._row(payload, observed_at, reader, now))
                pages[(*key, now)] += 1
                if rng.random() < P_DUPLICATE and "subject" in payload:
                    rows.append(rows[-1])
        sync = []
        for reader in self.tenant_readers:
            key = (reader.mailbox_address, reader.store_address)
            folders = self.read_folders(reader)
            requests = sum(max(1, -(-pages[(*key, f)] // s.GRAPH_PAGE_SIZE)) for f in folders)
            sync.append(
                {
                    "run_started_at": observed_at,
                    "run_finished_at": utc(load + 2 + requests // 5),
                    "source": "demo",
                    "mailbox_address": reader.mailbox_address,
                    "store_address": reader.store_address,
                    "folders": len(folders),
                    "messages_new": counts[(*key, "new")],
                    "messages_changed": counts[(*key, "changed")],
                    "messages_removed": counts[(*key, "removed")],
                    "requests": requests,
                    "resyncs": 0,
                }
            )
        return rows, sync

    @property
    def tenant_readers(self) -> list[Reader]:
        return [r for group in self.readers.values() for r in group]

    def read_folders(self, reader: Reader) -> list[str]:
        folders = self.tenant.stores[reader.store_address].folders
        return [f for f in folders if reader.folders is None or f in reader.folders]

    def _partial(self, rng: random.Random, item: Item, changed: set[str]) -> dict[str, Any]:
        if "categories" in changed:
            if rng.random() < P_FULL_ON_CHANGE:
                return graph_message(item)
            payload = {
                "id": item.id,
                "categories": item.categories,
                "lastModifiedDateTime": iso(item.modified),
            }
            if "isRead" in changed:
                payload["isRead"] = item.is_read
            return payload
        folder_id = item.store.folders[item.folder].folder_id
        if rng.random() < P_ID_AND_FOLDER_ONLY:
            return {"id": item.id, "parentFolderId": folder_id}
        return {"id": item.id, "isRead": item.is_read, "parentFolderId": folder_id}

    def _row(
        self, payload: dict[str, Any], observed_at: dt.datetime, reader: Reader, folder: str
    ) -> dict[str, Any]:
        return observation_row(
            payload,
            observed_at=observed_at,
            mailbox_address=reader.mailbox_address,
            store_address=reader.store_address,
            folder_id=self.tenant.stores[reader.store_address].folders[folder].folder_id,
        )


def observation_batches(
    tenant: Tenant, end: dt.date, *, after: dt.datetime | None = None
) -> Iterator[pa.Table]:
    """Arrow tables of `raw.message_observations` for the nights after `after` up to `end`.

    Whole nights per table (about `BATCH_ROWS` rows); each table carries the `raw.sync_runs`
    rows of its nights (one per store read per night) in its schema metadata.
    """
    renderer = NightRenderer(tenant)
    skip_until = int(after.timestamp()) if after is not None else None
    rows: list[dict[str, Any]] = []
    sync: list[dict[str, Any]] = []
    for night, load, events in tenant.nights(end):
        touched = renderer.replay(events)
        if skip_until is not None and load <= skip_until:
            continue
        night_rows, night_sync = renderer.render(night, load, touched)
        rows += night_rows
        sync += night_sync
        if len(rows) >= s.BATCH_ROWS:
            yield _batch(rows, sync)
            rows, sync = [], []
    if rows or sync:
        yield _batch(rows, sync)


def _batch(rows: list[dict[str, Any]], sync: list[dict[str, Any]]) -> pa.Table:
    table = observations_table(rows)
    metadata = json.dumps(sync, default=lambda v: v.isoformat())
    return table.replace_schema_metadata({SYNC_RUNS_METADATA: metadata})


def sync_runs_table(batch: pa.Table) -> pa.Table:
    """The `raw.sync_runs` rows an observation batch carries."""
    rows = json.loads((batch.schema.metadata or {}).get(SYNC_RUNS_METADATA, b"[]"))
    for row in rows:
        for name in ("run_started_at", "run_finished_at"):
            row[name] = dt.datetime.fromisoformat(row[name])
    return tables.sync_runs_table(rows)


def last_load() -> dt.datetime | None:
    """The last nightly load this resource loaded (dlt resource state)."""
    value = dlt.current.resource_state().get(_LAST_LOAD)
    return dt.datetime.fromisoformat(value) if value else None


def remember_load(as_of: dt.datetime) -> None:
    dlt.current.resource_state()[_LAST_LOAD] = as_of.isoformat()


def malformed_items(tenant: Tenant, end: dt.date, *, after: dt.datetime | None = None) -> pa.Table:
    """`raw.quarantined_items`: a few delta items that are not readable messages."""
    reader = readers(tenant.mailboxes)[0]
    folder_id = tenant.stores[reader.store_address].folders[INBOX].folder_id
    out = []
    for night in range(
        MALFORMED_EVERY_NIGHTS // 2, (end - tenant.start).days, MALFORMED_EVERY_NIGHTS
    ):
        load = tenant.first_load + night * DAY
        if after is not None and load <= int(after.timestamp()):
            continue
        item = {
            "id": f"AAkALgAAbroken{night:04x}",
            "subject": "Re: your order",
            "receivedDateTime": "yesterday afternoon",
            "toRecipients": "support",
        }
        kwargs = dict(
            observed_at=utc(load),
            mailbox_address=reader.mailbox_address,
            store_address=reader.store_address,
            folder_id=folder_id,
        )
        try:
            observation_row(item, **kwargs)
        except MalformedMessage as exc:
            out.append(quarantine_row(item, str(exc), **kwargs))
    return quarantine_table(out)
