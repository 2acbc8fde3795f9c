"""The demo tenant's mailboxes: stores, folders, messages, their copies, and Graph JSON.

A `Message` is one sent email (one `internetMessageId`); an `Item` is its copy in one
store (one Graph `message` resource with its own immutable id, folder, categories and read
state). Items change through events; `graph_message` shapes an item as Graph returns it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import time
from dataclasses import dataclass
from typing import Any

from mailkpi.config import Config

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


def build_stores(config: Config) -> dict[str, Store]:
    """Every mailbox the tenant has: team mailboxes and every agent's own mailbox.

    Resolved and agent folders that are not well-known live under the Inbox (`Inbox/Done`),
    in the stores where the team files its mail.
    """
    stores: dict[str, Store] = {}

    def store(address: str) -> Store:
        if address not in stores:
            stores[address] = Store(address, len(stores))
        return stores[address]

    for mailbox in config.mailboxes:
        agents = [store(a.address) for a in mailbox.agents]
        filing = agents if mailbox.kind == "distribution_list" else [store(mailbox.address)]
        for target in filing:
            for name in (*mailbox.folders.resolved, *mailbox.folders.agents):
                target.add_folder(name, None, INBOX)
    return stores


def recipient(address: str, name: str) -> dict[str, Any]:
    return {"emailAddress": {"name": name, "address": address}}


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
