"""In-memory mailboxes with Graph's mail semantics: folders, messages, and per-folder delta.

Every change is an event with a global sequence number in the folder it touched; a delta
round returns the net effect of the events after its token's sequence number. Item ids
change on a move unless the request prefers immutable ids; a move is an `@removed`
(reason "deleted") in the old folder and a full item in the new one.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from dataclasses import dataclass, field
from typing import Any

WELL_KNOWN = {
    "inbox": "Inbox",
    "sentitems": "Sent Items",
    "drafts": "Drafts",
    "deleteditems": "Deleted Items",
    "junkemail": "Junk Email",
    "outbox": "Outbox",
    "archive": "Archive",
    "conversationhistory": "Conversation History",
}
# Properties a message carries when $select does not name any (headers only when selected).
DEFAULT_PROPERTIES = (
    "createdDateTime",
    "lastModifiedDateTime",
    "changeKey",
    "categories",
    "receivedDateTime",
    "sentDateTime",
    "hasAttachments",
    "internetMessageId",
    "subject",
    "bodyPreview",
    "importance",
    "parentFolderId",
    "conversationId",
    "isRead",
    "isDraft",
    "sender",
    "from",
    "toRecipients",
    "ccRecipients",
    "bccRecipients",
    "replyTo",
    "flag",
)
# What a partial item carries after a property change (graph-notes: "Partial updates").
PARTIAL_PROPERTIES = ("categories", "isRead", "parentFolderId")
_ids = itertools.count(1)


def new_id(prefix: str) -> str:
    return f"{prefix}{next(_ids):06d}{uuid.uuid4().hex[:16]}"


def instant(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def recipient(address: str, name: str | None = None) -> dict[str, Any]:
    return {"emailAddress": {"name": name or address.split("@")[0], "address": address}}


@dataclass
class Folder:
    id: str
    display_name: str
    parent_id: str
    well_known: str | None = None
    hidden: bool = False

    def as_json(self, mailbox: Mailbox) -> dict[str, Any]:
        children = [f for f in mailbox.folders.values() if f.parent_id == self.id]
        return {
            "id": self.id,
            "displayName": self.display_name,
            "parentFolderId": self.parent_id,
            "childFolderCount": len(children),
            "unreadItemCount": 0,
            "totalItemCount": sum(1 for m in mailbox.messages.values() if m.folder_id == self.id),
            "isHidden": self.hidden,
        }


@dataclass
class Message:
    immutable_id: str
    rest_id: str
    folder_id: str
    data: dict[str, Any]
    raw: bool = False  # served verbatim (malformed-payload tests)

    def render(self, select: set[str] | None, immutable: bool) -> dict[str, Any]:
        if self.raw:
            return dict(self.data)
        wanted = select if select else set(DEFAULT_PROPERTIES)
        item: dict[str, Any] = {
            "@odata.type": "#microsoft.graph.message",
            "@odata.etag": f'W/"{self.data["changeKey"]}"',
            "id": self.immutable_id if immutable else self.rest_id,
        }
        for name in wanted:
            if name == "parentFolderId":
                item[name] = self.folder_id
            elif name in self.data:
                item[name] = self.data[name]
        return item


@dataclass
class Event:
    seq: int
    message: str  # immutable id
    kind: str  # "full" | "partial" | "removed"
    rest_id: str  # the id the message had in this folder at the time


@dataclass
class Mailbox:
    address: str
    root_id: str
    folders: dict[str, Folder] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)
    events: dict[str, list[Event]] = field(default_factory=dict)

    def folder(self, ref: str) -> Folder | None:
        """By id, well-known name or display path ('Inbox/Escalations')."""
        if ref in self.folders:
            return self.folders[ref]
        for f in self.folders.values():
            if f.well_known == ref.lower() or self.path(f).lower() == ref.lower():
                return f
        return None

    def path(self, folder: Folder) -> str:
        parts = []
        while folder is not None and folder.id != self.root_id:
            parts.append(folder.display_name)
            folder = self.folders.get(folder.parent_id)
        return "/".join(reversed(parts))

    def children(self, parent_id: str) -> list[Folder]:
        return [f for f in self.folders.values() if f.parent_id == parent_id]


@dataclass
class RoundItem:
    kind: str  # "full" | "partial" | "removed"
    message: str
    rest_id: str


def net_changes(events: list[Event], since: int, until: int) -> list[RoundItem]:
    """The net effect per message of a folder's events in (since, until], in event order."""
    net: dict[str, RoundItem] = {}
    for event in events:
        if not since < event.seq <= until:
            continue
        previous = net.pop(event.message, None)
        kind = event.kind
        if kind == "partial" and previous is not None and previous.kind == "full":
            kind = "full"
        net[event.message] = RoundItem(kind, event.message, event.rest_id)
    return list(net.values())


def message_data(
    *,
    subject: str | None,
    sender: str,
    to: list[str],
    cc: list[str],
    received: dt.datetime,
    categories: list[str],
    headers: dict[str, str] | None,
    conversation_id: str | None,
    internet_message_id: str | None,
    from_address: str | None,
    is_draft: bool,
) -> dict[str, Any]:
    stamp = instant(received)
    header_list = [{"name": "Received", "value": "from mx.example (10.0.0.1)"}]
    header_list += [{"name": k, "value": v} for k, v in (headers or {}).items()]
    return {
        "createdDateTime": stamp,
        "lastModifiedDateTime": stamp,
        "changeKey": uuid.uuid4().hex[:20],
        "categories": list(categories),
        "receivedDateTime": stamp,
        "sentDateTime": instant(received - dt.timedelta(seconds=5)),
        "hasAttachments": False,
        "internetMessageId": internet_message_id or f"<{uuid.uuid4().hex}@mail.example>",
        "subject": subject,
        "bodyPreview": (subject or "")[:40],
        "importance": "normal",
        "conversationId": conversation_id or new_id("AAQkconv"),
        "isRead": False,
        "isDraft": is_draft,
        "sender": recipient(sender),
        "from": recipient(from_address or sender),
        "toRecipients": [recipient(a) for a in to],
        "ccRecipients": [recipient(a) for a in cc],
        "bccRecipients": [],
        "replyTo": [],
        "flag": {"flagStatus": "notFlagged"},
        "internetMessageHeaders": header_list,
    }
