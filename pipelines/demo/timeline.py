"""The demo tenant as a timeline of mailbox events, for a Graph emulator to serve.

    timeline = mailbox_timeline(config, seed=7, start=DEMO_START, end=DEMO_END, messages=2000)
    timeline.folders   # {store_address: [Folder(folder_id, display_name, well_known_name,
                       #                        parent, path), ...]}
    for event in timeline.events():   # ordered by `at` (ties in the order they happened)
        ...

Stores are every mailbox of the tenant: the shared mailboxes, and every agent's own
mailbox (whether or not the config reads it). Folders are Graph's default folders
(`Inbox`, `Sent Items`, `Drafts`, `Deleted Items`, `Junk Email`, `Archive`, `Outbox`,
`Conversation History`, with their well-known names) and, where a team files its mail, the
config's resolved and agent folders that are not default ones as children of `Inbox`
(`parent` is the parent's display name, None at the top).

Each `MailboxEvent` has `at` (UTC datetime), `store_address`, `folder` (display name of
the folder the item is in before the event), `kind`, `message_id` (Graph immutable id,
unique within its store; copies of one message in other stores have other ids and the
same `internetMessageId` and `conversationId`), and:

- `add`: the item arrives in `folder`; `message` is the full Graph message (camelCase, as
  on the wire, with `internetMessageHeaders`) at that instant.
- `update`: `changes` are the changed properties (`categories` or `isRead`) and
  `lastModifiedDateTime`; merge them into the stored message.
- `move`: to `target_folder`; `changes` are the new `parentFolderId` and
  `lastModifiedDateTime` (the move time, which the resolution KPI relies on).
- `delete`: the item is gone from the store (Outlook's "delete" is a move to Deleted Items
  and comes as a `move`).

The demo's nightly observations (helpers.py) are what a delta round per folder since the
previous load returns after these events, so an emulator that serves this timeline to the
Graph source should lead to the same marts as the demo source (modulo the demo's
delta quirks: partial items, duplicates, a few malformed items).

Treat the dicts as read-only: copies of a message share their recipient objects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mailkpi.config import Config

from .generator import Tenant
from .settings import DEFAULT_MESSAGES, DEFAULT_SEED, DEMO_END, DEMO_START
from .tenant import ADD, MOVE, UPDATE, Folder, build_stores, graph_message, iso, utc


@dataclass(frozen=True)
class MailboxEvent:
    at: dt.datetime
    store_address: str
    folder: str | None
    kind: str  # add | update | move | delete
    message_id: str
    message: dict[str, Any] | None = None
    changes: dict[str, Any] | None = None
    target_folder: str | None = None


@dataclass(frozen=True)
class Timeline:
    config: Config
    seed: int
    start: dt.date
    end: dt.date
    messages: int

    @property
    def folders(self) -> dict[str, list[Folder]]:
        return {a: list(store.folders.values()) for a, store in build_stores(self.config).items()}

    def events(self) -> Iterator[MailboxEvent]:
        """Every event up to the last nightly load of the window, in time order."""
        tenant = Tenant(self.config, seed=self.seed, start=self.start, messages=self.messages)
        for _night, _load, events in tenant.nights(self.end):
            for at, kind, item, arg in events:
                before = item.folder
                item.apply(at, kind, arg)
                store, when = item.store.address, utc(at)
                if kind == ADD:
                    yield MailboxEvent(when, store, arg, kind, item.id, graph_message(item))
                elif kind == UPDATE:
                    changes = {**arg, "lastModifiedDateTime": iso(at)}
                    yield MailboxEvent(when, store, before, kind, item.id, changes=changes)
                elif kind == MOVE:
                    changes = {
                        "parentFolderId": item.store.folders[arg].folder_id,
                        "lastModifiedDateTime": iso(at),
                    }
                    yield MailboxEvent(
                        when, store, before, kind, item.id, changes=changes, target_folder=arg
                    )
                else:
                    yield MailboxEvent(when, store, before, kind, item.id)


def mailbox_timeline(
    config: Config,
    *,
    seed: int = DEFAULT_SEED,
    start: dt.date = DEMO_START,
    end: dt.date = DEMO_END,
    messages: int = DEFAULT_MESSAGES,
) -> Timeline:
    """The demo tenant's folders and event timeline (same inputs as `demo_source`)."""
    return Timeline(config, seed, start, end, messages)
