"""The demo tenant's mailboxes: stores, folders, people, messages, their copies, the log of
their changes, and Graph JSON.

A `Message` is one sent email (one `internetMessageId`); an `Item` is its copy in one
store (one Graph `message` resource with its own immutable id, folder, categories and read
state). Items change through events, which the `Mailroom` files by the nightly load that
will observe them; `graph_message` shapes an item as Graph returns it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import random
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from . import settings as s
from .clock import DAY, load_instant
from .mailboxes import DemoMailbox

# Graph's display names and well-known names of the default folders.
WELL_KNOWN_FOLDERS = {
    "Inbox": "inbox",
    "Sent Items": "sentitems",
    "Drafts": "drafts",
    "Deleted Items": "deleteditems",
    "Junk Email": "junkemail",
    "Archive": "archive",
    "Outbox": "outbox",
    "Conversation History": "conversationhistory",
}
INBOX, SENT, DRAFTS, DELETED, JUNK, ARCHIVE = (
    "Inbox", "Sent Items", "Drafts", "Deleted Items", "Junk Email", "Archive",
)  # fmt: skip

ADD, UPDATE, MOVE, DELETE = "add", "update", "move", "delete"


def iso(at: int | None) -> str | None:
    """Epoch seconds -> Graph's instant format ('2026-05-18T09:12:00Z')."""
    return None if at is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))


def utc(at: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(at, dt.UTC)


def _graph_id(prefix: str, *parts: str) -> str:
    digest = hashlib.sha256("/".join(parts).encode()).digest()[:24]
    return prefix + base64.urlsafe_b64encode(digest).decode()


@dataclass(frozen=True)
class Folder:
    store_address: str
    folder_id: str
    display_name: str
    well_known_name: str | None
    parent: str | None  # display name of the parent folder, None at the top of the mailbox

    @property
    def path(self) -> str:
        return f"{self.parent}/{self.display_name}" if self.parent else self.display_name


class Store:
    """One mailbox that Graph can read (a shared mailbox or a user's mailbox)."""

    def __init__(self, address: str, index: int):
        self.address = address
        self.index = index
        self.folders: dict[str, Folder] = {}
        for name, well_known in WELL_KNOWN_FOLDERS.items():
            self.add_folder(name, well_known, None)

    def add_folder(self, name: str, well_known: str | None, parent: str | None) -> None:
        if name not in self.folders:
            folder_id = _graph_id("AAMkAD", self.address, name)
            self.folders[name] = Folder(self.address, folder_id, name, well_known, parent)


def build_stores(mailboxes: Sequence[DemoMailbox]) -> dict[str, Store]:
    """Every mailbox the tenant has: team mailboxes and every agent's own mailbox.

    Resolved and agent folders that are not well-known live under the Inbox (`Inbox/Done`),
    in the stores where the team files its mail.
    """
    stores: dict[str, Store] = {}

    def store(address: str) -> Store:
        if address not in stores:
            stores[address] = Store(address, len(stores))
        return stores[address]

    for mailbox in mailboxes:
        agents = [store(a.address) for a in mailbox.agents]
        filing = agents if mailbox.kind == "distribution_list" else [store(mailbox.address)]
        for target in filing:
            for name in (*mailbox.resolved_folders, *mailbox.agent_folders):
                target.add_folder(name, None, INBOX)
    return stores


def recipient(address: str, name: str) -> dict[str, Any]:
    return {"emailAddress": {"name": name, "address": address}}


class Person:
    __slots__ = ("address", "domain", "graph")

    def __init__(self, address: str, name: str):
        self.address = address
        self.domain = address.rsplit("@", 1)[1]
        self.graph = recipient(address, name)


class Message:
    """One sent (or drafted) email, shared by all its copies (`sent_at` in Graph's format)."""

    __slots__ = (
        "author", "cc", "conversation_id", "headers", "internet_message_id", "is_draft",
        "preview", "sender", "sent_at", "subject", "to",
    )  # fmt: skip

    def __init__(self, **fields: Any):
        for name, value in fields.items():
            setattr(self, name, value)


class Item:
    """A message's copy in one store. `place` is its folder while generating; `folder` and
    the other mutable fields are its state while events are replayed."""

    __slots__ = (
        "categories", "folder", "id", "is_read", "message", "modified", "place", "received_at",
        "received_iso", "store",
    )  # fmt: skip

    def __init__(self, store: Store, item_id: str, message: Message, received_at: int, place: str):
        self.store = store
        self.id = item_id
        self.message = message
        self.received_at = received_at
        self.received_iso = iso(received_at)
        self.place = place
        self.folder: str | None = None
        self.categories: list[str] = []
        self.is_read = False
        self.modified = received_at

    def apply(self, at: int, kind: str, arg: Any) -> None:
        """Replay one event: `arg` is the folder (add, move) or the changed properties."""
        if kind in (ADD, MOVE):
            self.folder = arg
            if kind == MOVE:
                self.modified = at
        elif kind == UPDATE:
            for name, value in arg.items():
                if name == "categories":
                    self.categories = value
                elif name == "isRead":
                    self.is_read = value
            self.modified = at
        else:
            self.folder = None


def graph_message(item: Item) -> dict[str, Any]:
    """The item as a full Graph `message` (the `$select` the sources ask for)."""
    m = item.message
    return {
        "id": item.id,
        "createdDateTime": item.received_iso,
        "lastModifiedDateTime": (
            item.received_iso if item.modified == item.received_at else iso(item.modified)
        ),
        "receivedDateTime": item.received_iso,
        "sentDateTime": m.sent_at,
        "hasAttachments": False,
        "internetMessageId": m.internet_message_id,
        "subject": m.subject,
        "bodyPreview": m.preview,
        "importance": "normal",
        "parentFolderId": item.store.folders[item.folder].folder_id,
        "conversationId": m.conversation_id,
        "isRead": item.is_read,
        "isDraft": m.is_draft,
        "categories": item.categories,
        "from": m.author,
        "sender": m.sender,
        "toRecipients": m.to,
        "ccRecipients": m.cc,
        "internetMessageHeaders": m.headers,
    }


Event = tuple[int, str, Item, Any]  # (at, kind, item, folder | changes | None)


class Mailroom:
    """The tenant's stores and people, and every change to their items, filed under the
    nightly load that will observe it."""

    def __init__(
        self,
        mailboxes: Sequence[DemoMailbox],
        internal_domains: Sequence[str],
        *,
        seed: int,
        start: dt.date,
    ):
        self.seed = seed
        self.start = start
        self.internal_domains = list(internal_domains)
        self.stores = build_stores(mailboxes)
        self.first_load = load_instant(start + dt.timedelta(days=1))
        self._nights: dict[int, list[Event]] = defaultdict(list)
        rng = random.Random(f"{seed}:people")
        self.people: dict[str, Person] = {}
        self.customers = {
            domain: [self._person_named(rng, domain) for _ in range(s.CUSTOMERS_PER_DOMAIN)]
            for domain in (
                *s.CUSTOMER_DOMAINS,
                *internal_domains,
                *(d for m in mailboxes for d in m.key_account_domains),
            )
        }

    def person(self, address: str, name: str | None = None) -> Person:
        if address not in self.people:
            self.people[address] = Person(address, name or address.split("@")[0].title())
        return self.people[address]

    def _person_named(self, rng: random.Random, domain: str) -> Person:
        first, last = rng.choice(s.FIRST_NAMES), rng.choice(s.LAST_NAMES)
        return self.person(f"{first}.{last}@{domain}".lower(), f"{first} {last}")

    def emit(self, at: int, kind: str, item: Item, arg: Any = None) -> None:
        """File an event under the nightly load that will observe it."""
        night = max(0, -((self.first_load - at) // DAY))
        self._nights[night].append((at, kind, item, arg))

    def night(self, night: int) -> list[Event]:
        """The events of one nightly load, by time; forgotten once taken."""
        events = self._nights.pop(night, [])
        events.sort(key=itemgetter(0))  # stable: ties keep the order they were written in
        return events
