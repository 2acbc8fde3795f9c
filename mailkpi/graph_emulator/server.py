"""A Microsoft Graph mail emulator on 127.0.0.1 for tests and benchmarks.

Covers what the mailkpi Graph source uses, shaped as documented: mail folders (top
level, child folders, well-known names, `totalItemCount`), per-folder message delta with
`@odata.nextLink` / `@odata.deltaLink` / `@removed`, `$select`, `$filter=receivedDateTime
ge|gt` (at most 5,000 messages on a delta round, as documented), message lists with that
`$filter` and `$count=true`, `Prefer: odata.maxpagesize` (default page size 10) and
`Prefer: IdType="ImmutableId"`, JSON batching (`POST /$batch`: up to 20 requests with
relative URLs, each answered on its own with `id`, `status`, `headers` and `body`, in no
particular order, at most 4 at a time against one mailbox), bearer tokens, Graph error
JSON, and injectable faults (429 with Retry-After, 503, 410), which hit a batch's
requests one by one too. Every HTTP request is logged for counting and header checks,
and every request inside a batch beside them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import json
import re
import secrets
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .mailstore import (
    PARTIAL_PROPERTIES,
    WELL_KNOWN,
    Event,
    Folder,
    Mailbox,
    Message,
    RoundItem,
    message_data,
    net_changes,
    new_id,
)

DEFAULT_TOKEN = "emulator-access-token"
# The tenant's clock until a test sets its own: never the machine's, so no test depends on
# the day it runs.
DEFAULT_NOW = dt.datetime(2026, 5, 18, 12, 0, tzinfo=dt.UTC)
FILTER_CAP = 5000
MAX_PAGE_SIZE = 1000
BATCH_LIMIT = 20  # requests in one JSON batch
BATCH_PARALLEL = 4  # a batch's requests Graph runs against Outlook at a time
_FOLDER_REF = r"(?:\('(?P<qid>[^']+)'\)|/(?P<fid>[^/]+))"
_ROUTES = [
    ("folders", re.compile(r"^/users/(?P<user>[^/]+)/mailFolders$", re.I)),
    ("folder", re.compile(rf"^/users/(?P<user>[^/]+)/mailFolders{_FOLDER_REF}$", re.I)),
    (
        "children",
        re.compile(rf"^/users/(?P<user>[^/]+)/mailFolders{_FOLDER_REF}/childFolders$", re.I),
    ),
    (
        "messages",
        re.compile(rf"^/users/(?P<user>[^/]+)/mailFolders{_FOLDER_REF}/messages$", re.I),
    ),
    (
        "delta",
        re.compile(
            rf"^/users/(?P<user>[^/]+)/mailFolders{_FOLDER_REF}/messages/delta(?:\(\))?$", re.I
        ),
    ),
]
# GET /users/{id}/messages/{id}: one message wherever it is in the mailbox (message-get).
_MESSAGE = re.compile(r"^/users/(?P<user>[^/]+)/messages/(?P<mid>[^/]+)$", re.I)
_FILTER = re.compile(r"^\s*receivedDateTime\s+(ge|gt)\s+(\S+)\s*$", re.I)


@dataclass
class Fault:
    status: int
    code: str
    times: int
    retry_after: int | dt.datetime | None  # seconds, or an instant sent as an HTTP date
    match: str | None
    above_page_size: int | None = None  # only delta pages asking for more than this many


@dataclass
class Token:
    """Server-side sync state behind a $skiptoken or $deltatoken."""

    mailbox: str
    folder: str
    select: set[str] | None
    filter: tuple[str, dt.datetime] | None
    since: int  # events after this sequence number are changes for this round
    until: int = 0  # a round's snapshot: events up to here
    items: list[RoundItem] = field(default_factory=list)
    offset: int = 0
    initial: bool = False


@dataclass
class LoggedRequest:
    method: str
    path: str
    query: str
    headers: dict[str, str]  # lower-cased names; Authorization left out
    mailbox: str | None
    status: int = 0


class GraphError(Exception):
    def __init__(
        self, status: int, code: str, message: str, retry_after: int | dt.datetime | None = None
    ):
        super().__init__(message)
        self.status, self.code, self.message, self.retry_after = status, code, message, retry_after


class GraphEmulator:
    """Mailboxes -> folders -> messages, served over HTTP; methods change them for tests."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        filter_cap: int = FILTER_CAP,
        now: dt.datetime = DEFAULT_NOW,
    ):
        self.token = token
        self.filter_cap = filter_cap
        # "Now" in the tenant: default receivedDateTime, lastModifiedDateTime of a change,
        # the Date header and an error's innerError date. Tests set and advance it.
        self.now = now
        self.mailboxes: dict[str, Mailbox] = {}
        self.distribution_lists: set[str] = set()
        self.denied: set[str] = set()
        self.rest_disabled: set[str] = set()
        self.read_basic: dict[str, str] = {}  # mailbox -> "withhold" | "refuse" (headers)
        self._hooks: list[tuple[str, Callable[[], None]]] = []
        self.requests: list[LoggedRequest] = []  # HTTP requests, a $batch counted once
        self.batch_items: list[LoggedRequest] = []  # the requests inside each $batch
        self.max_in_flight: Counter[str] = Counter()
        self.duplicate_items = False  # repeat the previous page's last item on each next page
        self.latency = 0.0  # seconds added to each answer
        self._faults: list[Fault] = []
        self._tokens: dict[str, Token] = {}
        self._in_flight: Counter[str] = Counter()
        self._seq = 0
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> GraphEmulator:
        emulator = self

        class Handler(_Handler):
            graph = emulator

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def base_url(self) -> str:
        assert self._server, "emulator not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1.0"

    # --- test controls ---------------------------------------------------------------

    def add_mailbox(self, address: str) -> Mailbox:
        """A mailbox with Outlook's default folders under its root."""
        address = address.lower()
        root = new_id("AQMkroot")
        mailbox = Mailbox(address=address, root_id=root)
        for well_known, name in WELL_KNOWN.items():
            folder = Folder(new_id("AQMkfold"), name, root, well_known)
            mailbox.folders[folder.id] = folder
            mailbox.events[folder.id] = []
        self.mailboxes[address] = mailbox
        return mailbox

    def add_distribution_list(self, address: str) -> None:
        self.distribution_lists.add(address.lower())

    def deny(self, address: str) -> None:
        """The app is scoped away from this mailbox: 403 ErrorAccessDenied."""
        self.denied.add(address.lower())

    def disable_rest(self, address: str, enabled: bool = False) -> None:
        """The mailbox is unlicensed, inactive, soft-deleted or on-premises: every request
        for it answers 404 MailboxNotEnabledForRESTAPI (microsoft-graph-docs-contrib issues
        405 and 717; the message is Graph's own)."""
        with self._lock:
            (self.rest_disabled.discard if enabled else self.rest_disabled.add)(address.lower())

    def grant_read_basic(self, address: str, headers: str = "withhold") -> None:
        """The app holds Mail.ReadBasic.All only: internetMessageHeaders come back absent
        (`withhold`), or a $select naming them is refused with 403 (`refuse`); tenants report
        both (microsoft-graph-docs issues 2716, 18761)."""
        self.read_basic[address.lower()] = headers

    def on_request(self, match: str, action: Callable[[], None]) -> None:
        """Run `action` once, just before answering the first request whose path and query
        contain `match`: a change in the tenant between two requests of one run."""
        with self._lock:
            self._hooks.append((match, action))

    def rename_folder(self, address: str, folder: str, name: str) -> None:
        with self._lock:
            self.mailboxes[address.lower()].folder(folder).display_name = name

    def move_folder(self, address: str, folder: str, parent: str) -> None:
        """A folder moved under another parent keeps its id and its messages."""
        mailbox = self.mailboxes[address.lower()]
        with self._lock:
            mailbox.folder(folder).parent_id = mailbox.folder(parent).id

    def add_folder(self, address: str, name: str, parent: str | None = None) -> str:
        mailbox = self.mailboxes[address.lower()]
        parent_id = mailbox.folder(parent).id if parent else mailbox.root_id
        folder = Folder(new_id("AQMkfold"), name, parent_id)
        with self._lock:
            mailbox.folders[folder.id] = folder
            mailbox.events[folder.id] = []
        return folder.id

    def delete_folder(self, address: str, folder: str) -> None:
        mailbox = self.mailboxes[address.lower()]
        with self._lock:
            target = mailbox.folder(folder)
            for message in [m for m in mailbox.messages.values() if m.folder_id == target.id]:
                self.move(address, message.immutable_id, "deleteditems")
            del mailbox.folders[target.id]

    def folder_id(self, address: str, folder: str) -> str:
        return self.mailboxes[address.lower()].folder(folder).id

    def add_message(
        self,
        address: str,
        folder: str = "inbox",
        *,
        subject: str | None = "Question",
        sender: str = "customer@fabrikam.com",
        to: list[str] | None = None,
        cc: list[str] | None = None,
        received: dt.datetime | None = None,
        categories: list[str] | None = None,
        headers: dict[str, str] | None = None,
        conversation_id: str | None = None,
        internet_message_id: str | None = None,
        from_address: str | None = None,
        is_draft: bool = False,
        with_headers: bool = True,
    ) -> str:
        """A message in a folder; returns its immutable id.

        `with_headers=False`: Graph returns no internetMessageHeaders for it, as it often
        does for Sent Items copies (microsoft-graph-docs issues 2716, 18761).
        """
        data = message_data(
            subject=subject,
            sender=sender,
            to=to if to is not None else [address],
            cc=cc or [],
            received=received or self.now,
            categories=categories or [],
            headers=headers,
            conversation_id=conversation_id,
            internet_message_id=internet_message_id,
            from_address=from_address,
            is_draft=is_draft,
        )
        if not with_headers:
            del data["internetMessageHeaders"]
        return self._insert(address, folder, data, raw=False)

    def add_raw_message(self, address: str, folder: str, payload: dict[str, Any]) -> str:
        """A payload served verbatim in delta rounds (malformed or unusual items)."""
        return self._insert(address, folder, payload, raw=True)

    def _insert(self, address: str, folder: str, data: dict[str, Any], raw: bool) -> str:
        mailbox = self.mailboxes[address.lower()]
        with self._lock:
            target = mailbox.folder(folder)
            immutable = data.get("id") if raw and isinstance(data.get("id"), str) else None
            message = Message(
                immutable or new_id("AAMkimm"), new_id("AAMkrest"), target.id, data, raw
            )
            mailbox.messages[message.immutable_id] = message
            self._event(mailbox, target.id, message, "full")
        return message.immutable_id

    def move(
        self,
        address: str,
        message_id: str,
        folder: str,
        *,
        announced: bool = True,
        new_immutable_id: bool = False,
    ) -> str:
        """Move a message; returns its immutable id afterwards.

        `announced=False`: the move shows only as `@removed` in the old folder, and the
        new folder's delta never reports the message (Microsoft Q&A 1257719, "Inconsistent
        Graph API Exchange results between immutable and regular ids"); concurrent folder
        rounds can likewise see a move in neither folder. `new_immutable_id`: desktop
        Outlook has been reported to give a moved message a new id even with ImmutableId
        (microsoft-graph-docs-contrib issue 1208); internetMessageId stays.
        """
        mailbox = self.mailboxes[address.lower()]
        with self._lock:
            message = mailbox.messages[message_id]
            target = mailbox.folder(folder)
            self._event(mailbox, message.folder_id, message, "removed")
            if new_immutable_id:
                del mailbox.messages[message_id]
                message.immutable_id = new_id("AAMkimm")
                mailbox.messages[message.immutable_id] = message
            message.folder_id = target.id
            message.rest_id = new_id("AAMkrest")  # ids change on a move
            self._touch(message)
            if announced:
                self._event(mailbox, target.id, message, "full")
            return message.immutable_id

    def move_out_and_back(self, address: str, message_id: str, via: str) -> None:
        """A→B→A between two rounds: with immutable ids Graph reports the message
        `@removed` in A and does not add it again anywhere (microsoft-graph-docs-contrib
        issue 72), though it is back in A."""
        mailbox = self.mailboxes[address.lower()]
        with self._lock:
            message = mailbox.messages[message_id]
            home, stop = message.folder_id, mailbox.folder(via)
            self._event(mailbox, home, message, "removed")
            self._event(mailbox, stop.id, message, "full")
            self._event(mailbox, stop.id, message, "removed")
            message.rest_id = new_id("AAMkrest")
            self._touch(message)
            message.folder_id = home

    def categorize(
        self, address: str, message_id: str, categories: list[str], partial: bool = True
    ) -> None:
        """A property change; later rounds return a partial item unless `partial` is False."""
        mailbox = self.mailboxes[address.lower()]
        with self._lock:
            message = mailbox.messages[message_id]
            message.data["categories"] = list(categories)
            self._touch(message)
            self._event(mailbox, message.folder_id, message, "partial" if partial else "full")

    def delete(self, address: str, message_id: str, permanent: bool = False) -> None:
        """Delete: a move to Deleted Items, or gone for good when `permanent`."""
        if not permanent:
            self.move(address, message_id, "deleteditems")
            return
        mailbox = self.mailboxes[address.lower()]
        with self._lock:
            message = mailbox.messages.pop(message_id)
            self._event(mailbox, message.folder_id, message, "removed")

    def archive(self, address: str, message_id: str) -> None:
        """A retention policy's "move to archive" tag (EWS RetentionAction `MoveToArchive`:
        "the item is moved to the archive mailbox") takes the message to the In-Place Archive,
        which the mail API cannot read ("does not support accessing in-place archive
        mailboxes", learn.microsoft.com/graph/api/resources/mail-api-overview): to the
        client it is gone from its folder (`@removed` in the folder's delta) and a GET of its
        id in the primary mailbox answers 404, as after a delete for good."""
        self.delete(address, message_id, permanent=True)

    def expire_tokens(self) -> None:
        """Every skip and delta token becomes unknown: the next use answers 410."""
        with self._lock:
            self._tokens.clear()

    def inject(
        self,
        status: int,
        code: str,
        *,
        times: int = 1,
        retry_after: int | dt.datetime | None = None,
        match: str | None = None,
        above_page_size: int | None = None,
    ) -> None:
        """The next `times` requests (whose path and query contain `match`) fail so.

        `retry_after`: seconds, or an instant sent as an HTTP date; both are Retry-After's
        forms (RFC 9110 10.2.3), Graph's throttling guidance says only "a suggested wait
        time" (learn.microsoft.com/graph/throttling). `above_page_size`: only delta pages
        asking for more messages than this fail, as a page of hundreds of full messages
        may time out (HTTP 504) where a smaller one does not (user-list-messages:
        "Fine-tune ... $top ... may trigger the gateway timeout"; microsoft-graph-docs
        issue 5853).
        """
        with self._lock:
            self._faults.append(Fault(status, code, times, retry_after, match, above_page_size))

    def request_count(self, mailbox: str | None = None) -> int:
        return sum(1 for r in self.requests if mailbox is None or r.mailbox == mailbox)

    # --- internals -------------------------------------------------------------------

    def _event(self, mailbox: Mailbox, folder_id: str, message: Message, kind: str) -> None:
        self._seq += 1
        mailbox.events[folder_id].append(
            Event(self._seq, message.immutable_id, kind, message.rest_id)
        )

    def _touch(self, message: Message) -> None:
        if not message.raw:
            message.data["lastModifiedDateTime"] = self.now.strftime("%Y-%m-%dT%H:%M:%SZ")
            message.data["changeKey"] = uuid.uuid4().hex[:20]

    def _fault_for(self, target: str, page_size: int | None) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.above_page_size is not None and (
                    page_size is None or page_size <= fault.above_page_size
                ):
                    continue
                if fault.times > 0 and (fault.match is None or fault.match in target):
                    fault.times -= 1
                    return fault
        return None

    def _run_hooks(self, target: str) -> None:
        with self._lock:
            due = [hook for hook in self._hooks if hook[0] in target]
            self._hooks = [hook for hook in self._hooks if hook not in due]
        for _, action in due:
            action()

    def _mailbox(self, user: str) -> Mailbox:
        address = unquote(user).strip("'").lower()
        if address in self.denied:
            raise GraphError(
                403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."
            )
        mailbox = self.mailboxes.get(address)
        if mailbox is None:
            raise GraphError(404, "ErrorInvalidUser", f"The requested user '{address}' is invalid.")
        if address in self.rest_disabled:
            raise GraphError(
                404,
                "MailboxNotEnabledForRESTAPI",
                "The mailbox is either inactive, soft-deleted, or is hosted on-premise.",
            )
        return mailbox

    def _folder(self, mailbox: Mailbox, match: re.Match) -> Folder:
        ref = unquote(match["qid"] or match["fid"])
        folder = mailbox.folders.get(ref)
        if folder is None and ref.lower() in WELL_KNOWN:
            folder = next(
                (f for f in mailbox.folders.values() if f.well_known == ref.lower()), None
            )
        if folder is None:
            raise GraphError(
                404, "ErrorItemNotFound", "The specified object was not found in the store."
            )
        return folder

    def handle(
        self, path: str, query: dict[str, str], prefer: str
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """Answer one GET: (JSON body, extra response headers)."""
        if single := _MESSAGE.match(path):
            query = self._basic_select(self._mailbox(single["user"]), query)
            return self._message(single, query, prefer), {}
        name, match = next(((n, p.match(path)) for n, p in _ROUTES if p.match(path)), ("", None))
        if match is None:
            raise GraphError(400, "BadRequest", f"Resource not found for the segment '{path}'.")
        mailbox = self._mailbox(match["user"])
        query = self._basic_select(mailbox, query)
        with self._lock:
            if name == "folders":
                return self._folder_page(
                    mailbox, mailbox.children(mailbox.root_id), query, path
                ), {}
            folder = self._folder(mailbox, match)
            if name == "folder":
                return folder.as_json(mailbox), {}
            if name == "children":
                return self._folder_page(mailbox, mailbox.children(folder.id), query, path), {}
            if name == "messages":
                return self._message_page(mailbox, folder, query, path, prefer), {}
            return self._delta_page(mailbox, folder, query, prefer)

    def _basic_select(self, mailbox: Mailbox, query: dict[str, str]) -> dict[str, str]:
        """The query as Graph serves it under Mail.ReadBasic.All (see grant_read_basic)."""
        mode = self.read_basic.get(mailbox.address)
        fields = [f.strip() for f in query.get("$select", "").split(",") if f.strip()]
        if not mode or "internetMessageHeaders" not in fields:
            return query
        if mode == "refuse":
            raise GraphError(
                403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."
            )
        kept = ",".join(f for f in fields if f != "internetMessageHeaders")
        return {**query, "$select": kept}

    def _message(self, match: re.Match, query: dict[str, str], prefer: str) -> dict[str, Any]:
        """One message by the id of the preferred kind; 404 ErrorItemNotFound once it is gone
        (or the id is of the other kind, or stale after a move)."""
        mailbox = self._mailbox(match["user"])
        immutable = bool(re.search(r'IdType\s*=\s*"?ImmutableId"?', prefer, re.I))
        wanted = unquote(match["mid"])
        select = {s.strip() for s in query["$select"].split(",")} if "$select" in query else None
        with self._lock:
            for message in mailbox.messages.values():
                if (message.immutable_id if immutable else message.rest_id) == wanted:
                    return message.render(select, immutable)
        raise GraphError(
            404, "ErrorItemNotFound", "The specified object was not found in the store."
        )

    def _message_page(
        self, mailbox: Mailbox, folder: Folder, query: dict[str, str], path: str, prefer: str
    ) -> dict[str, Any]:
        """List messages: `$filter` on receivedDateTime (no cap, unlike delta), `$count`."""
        top = min(int(query.get("$top", 10)), MAX_PAGE_SIZE)
        skip = int(query.get("$skip", 0))
        select = {s.strip() for s in query["$select"].split(",")} if "$select" in query else None
        immutable = bool(re.search(r'IdType\s*=\s*"?ImmutableId"?', prefer, re.I))
        flt = _parse_filter(query.get("$filter"))
        items = [
            RoundItem("full", m.immutable_id, m.rest_id)
            for m in mailbox.messages.values()
            if m.folder_id == folder.id
        ]
        if flt:
            items = [i for i in items if self._passes(mailbox, i, flt)]
        body: dict[str, Any] = {
            "@odata.context": f"{self.base_url}/$metadata#users('{mailbox.address}')/"
            f"mailFolders('{folder.id}')/messages",
        }
        if query.get("$count", "").lower() == "true":
            body["@odata.count"] = len(items)
        body["value"] = [
            self._render(mailbox, item, select, immutable) for item in items[skip : skip + top]
        ]
        if skip + top < len(items):
            rest = {k: v for k, v in query.items() if k != "$skip"}
            options = "&".join(f"{k}={v}" for k, v in {**rest, "$skip": skip + top}.items())
            body["@odata.nextLink"] = f"{self.base_url}{path}?{options}"
        return body

    def _folder_page(
        self, mailbox: Mailbox, folders: list[Folder], query: dict[str, str], path: str
    ) -> dict[str, Any]:
        top = int(query.get("$top", 10))
        skip = int(query.get("$skip", 0))
        body: dict[str, Any] = {
            "@odata.context": f"{self.base_url}/$metadata#users('{mailbox.address}')/mailFolders",
            "value": [f.as_json(mailbox) for f in folders[skip : skip + top]],
        }
        if skip + top < len(folders):
            body["@odata.nextLink"] = f"{self.base_url}{path}?$top={top}&$skip={skip + top}"
        return body

    def _delta_page(
        self, mailbox: Mailbox, folder: Folder, query: dict[str, str], prefer: str
    ) -> tuple[dict[str, Any], dict[str, str]]:
        size_match = re.search(r"odata\.maxpagesize\s*=\s*(\d+)", prefer, re.I)
        page_size = min(int(size_match[1]), MAX_PAGE_SIZE) if size_match else 10
        immutable = bool(re.search(r'IdType\s*=\s*"?ImmutableId"?', prefer, re.I))
        applied = [f"odata.maxpagesize={page_size}"] if size_match else []
        if immutable:
            applied.append('IdType="ImmutableId"')
        token_value = query.get("$skiptoken") or query.get("$deltatoken")
        if token_value is not None:
            token = (
                self._tokens.pop(token_value, None)
                if "$skiptoken" in query
                else self._tokens.get(token_value)
            )
            if token is None or token.folder != folder.id:
                raise GraphError(
                    410, "SyncStateNotFound", "The sync state generation is not found."
                )
            fresh = "$deltatoken" in query
            if fresh:  # a new round: snapshot the changes since the last one
                token = Token(mailbox.address, folder.id, token.select, token.filter, token.since)
                token.until = self._seq
                token.items = net_changes(mailbox.events[folder.id], token.since, token.until)
        else:
            fresh = True
            select = (
                {s.strip() for s in query["$select"].split(",")} if "$select" in query else None
            )
            token = Token(
                mailbox.address, folder.id, select, _parse_filter(query.get("$filter")), 0
            )
            token.until = self._seq
            token.initial = True
            token.items = [
                RoundItem("full", m.immutable_id, m.rest_id)
                for m in mailbox.messages.values()
                if m.folder_id == folder.id
            ]
        if fresh and token.filter:
            token.items = [i for i in token.items if self._passes(mailbox, i, token.filter)]
            if token.initial:
                token.items = token.items[: self.filter_cap]
        start = token.offset
        chunk = token.items[start : start + page_size]
        values = [self._render(mailbox, item, token.select, immutable) for item in chunk]
        if self.duplicate_items and start > 0:
            values.insert(0, self._render(mailbox, token.items[start - 1], token.select, immutable))
        body: dict[str, Any] = {
            "@odata.context": f"{self.base_url}/$metadata#Collection(message)",
            "value": values,
        }
        link = f"{self.base_url}/users/{mailbox.address}/mailFolders('{folder.id}')/messages/delta"
        new_token = secrets.token_urlsafe(24)
        if start + page_size < len(token.items):
            token.offset = start + page_size
            token.initial = False
            self._tokens[new_token] = token
            body["@odata.nextLink"] = f"{link}?$skiptoken={new_token}"
        else:
            self._tokens[new_token] = Token(
                mailbox.address, folder.id, token.select, token.filter, token.until
            )
            body["@odata.deltaLink"] = f"{link}?$deltatoken={new_token}"
        return body, {"Preference-Applied": ", ".join(applied)} if applied else {}

    @staticmethod
    def _passes(mailbox: Mailbox, item: RoundItem, flt: tuple[str, dt.datetime]) -> bool:
        message = mailbox.messages.get(item.message)
        if item.kind == "removed" or message is None:
            return True
        received = message.data.get("receivedDateTime")
        if not isinstance(received, str):
            return True
        when = dt.datetime.fromisoformat(received.replace("Z", "+00:00"))
        return when >= flt[1] if flt[0] == "ge" else when > flt[1]

    @staticmethod
    def _render(
        mailbox: Mailbox, item: RoundItem, select: set[str] | None, immutable: bool
    ) -> dict[str, Any]:
        message = mailbox.messages.get(item.message)
        if item.kind == "removed" or message is None:
            return {
                "@odata.type": "#microsoft.graph.message",
                "id": item.message if immutable else item.rest_id,
                "@removed": {"reason": "deleted"},
            }
        if item.kind == "partial" and not message.raw:
            partial = set(PARTIAL_PROPERTIES) & (select or set(PARTIAL_PROPERTIES))
            return message.render(partial or {"isRead"}, immutable)
        return message.render(select, immutable)


def _parse_filter(value: str | None) -> tuple[str, dt.datetime] | None:
    if value is None:
        return None
    match = _FILTER.match(value)
    if not match:
        raise GraphError(
            400,
            "ErrorInvalidUrlQueryFilter",
            "The query filter contains one or more invalid nodes.",
        )
    return match[1].lower(), dt.datetime.fromisoformat(match[2].replace("Z", "+00:00"))


def _error_body(error: GraphError, now: dt.datetime) -> dict[str, Any]:
    return {
        "error": {
            "code": error.code,
            "message": error.message,
            "innerError": {
                "date": now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                "request-id": str(uuid.uuid4()),
                "client-request-id": str(uuid.uuid4()),
            },
        }
    }


class _Handler(BaseHTTPRequestHandler):
    graph: GraphEmulator
    protocol_version = "HTTP/1.1"  # keep-alive, as the SDK's connection pool expects
    disable_nagle_algorithm = True  # headers and body leave at once, no delayed-ACK stalls
    timeout = 30  # an idle or stuck connection never holds a test thread for long

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request log is the record."""

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The Date header, from the tenant's clock."""
        return email.utils.format_datetime(self.graph.now.astimezone(dt.UTC), usegmt=True)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        path = parts.path.removeprefix("/v1.0")
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        logged = self._log(self.graph.requests, "GET", path, parts.query, self.headers.items())
        with self._in_flight({logged.mailbox: 1} if logged.mailbox else {}):
            status, body, headers = self._respond(
                lambda: self._answer(path, query, parts.query, self._prefer(self.headers))
            )
        logged.status = status
        self._send(status, body, headers)

    def do_POST(self) -> None:
        """JSON batching: `POST /$batch` with up to 20 GETs, each answered on its own."""
        parts = urlsplit(self.path)
        path = parts.path.removeprefix("/v1.0")
        length = int(self.headers.get("Content-Length") or 0)
        payload = self.rfile.read(length) if length else b""
        logged = self._log(self.graph.requests, "POST", path, parts.query, self.headers.items())
        status, body, headers = self._respond(lambda: self._batch(path, parts.query, payload))
        logged.status = status
        self._send(status, body, headers)

    def _batch(
        self, path: str, raw_query: str, payload: bytes
    ) -> tuple[dict[str, Any], dict[str, str]]:
        self._authorize()
        if path != "/$batch":
            raise GraphError(405, "Request_BadRequest", "The HTTP method 'POST' is not allowed.")
        self._injected(path, raw_query)
        try:
            requests = json.loads(payload)["requests"]
        except (ValueError, KeyError, TypeError):
            raise GraphError(400, "BadRequest", "Invalid batch payload format.") from None
        if not isinstance(requests, list) or not 0 < len(requests) <= BATCH_LIMIT:
            raise GraphError(
                400, "BadRequest", f"A batch holds between 1 and {BATCH_LIMIT} requests."
            )
        ids = [str(r.get("id") or "") for r in requests if isinstance(r, dict)]
        if len(ids) != len(requests) or "" in ids or len(set(ids)) != len(ids):
            raise GraphError(400, "BadRequest", "Each request needs a unique id.")
        # Graph hands Outlook at most 4 of a batch's requests at a time.
        mailboxes = Counter(_user_of(urlsplit(str(r.get("url") or "")).path) for r in requests)
        weights = {m: min(n, BATCH_PARALLEL) for m, n in mailboxes.items() if m}
        responses = []
        with self._in_flight(weights):
            for request in requests:
                responses.append(self._batch_item(request))
        # Graph does not keep the order of the requests; neither does this emulator.
        return {"responses": responses[::-1]}, {}

    def _batch_item(self, request: dict[str, Any]) -> dict[str, Any]:
        url = str(request.get("url") or "")
        parts = urlsplit(url if url.startswith("/") else f"/{url}")
        headers = {str(k): str(v) for k, v in (request.get("headers") or {}).items()}
        logged = self._log(
            self.graph.batch_items, request.get("method"), parts.path, parts.query, headers.items()
        )
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}

        def answer() -> tuple[dict[str, Any], dict[str, str]]:
            if "://" in url:
                raise GraphError(400, "BadRequest", "Batch request URLs are relative.")
            if str(request.get("method") or "").upper() != "GET":
                raise GraphError(405, "BadRequest", "Only GET is served in a batch here.")
            prefer = ", ".join(v for k, v in headers.items() if k.lower() == "prefer")
            self._injected(parts.path, parts.query, prefer)
            return self.graph.handle(parts.path, query, prefer)

        status, body, extra = self._respond(answer)
        logged.status = status
        return {
            "id": request["id"],
            "status": status,
            "headers": {"Content-Type": "application/json; odata.metadata=minimal", **extra},
            "body": body,
        }

    def _log(
        self, log: list, method, path: str, query: str, headers: Iterable[tuple[str, str]]
    ) -> LoggedRequest:
        user = _user_of(path)
        logged = LoggedRequest(
            str(method or ""),
            path,
            query,
            {k.lower(): v for k, v in headers if k.lower() != "authorization"},
            user,
        )
        with self.graph._lock:
            log.append(logged)
        return logged

    @contextlib.contextmanager
    def _in_flight(self, weights: dict[str, int]) -> Iterator[None]:
        graph = self.graph
        with graph._lock:
            for mailbox, weight in weights.items():
                graph._in_flight[mailbox] += weight
                graph.max_in_flight[mailbox] = max(
                    graph.max_in_flight[mailbox], graph._in_flight[mailbox]
                )
        try:
            if self.graph.latency:
                threading.Event().wait(self.graph.latency)
            yield
        finally:
            with graph._lock:
                for mailbox, weight in weights.items():
                    graph._in_flight[mailbox] -= weight

    def _respond(
        self,
        answer: Callable[[], tuple[dict[str, Any], dict[str, str]]],
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        """(status, JSON body, extra headers) of an answer, or of the Graph error it raised."""
        try:
            body, headers = answer()
            return 200, body, headers
        except GraphError as error:
            headers = {}
            if isinstance(error.retry_after, dt.datetime):
                headers["Retry-After"] = email.utils.format_datetime(
                    error.retry_after.astimezone(dt.UTC), usegmt=True
                )
            elif error.retry_after is not None:
                headers["Retry-After"] = str(error.retry_after)
            if error.status == 401:
                headers["WWW-Authenticate"] = 'Bearer realm="", error="invalid_token"'
            return error.status, _error_body(error, self.graph.now), headers

    def _send(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; odata.metadata=minimal")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("request-id", str(uuid.uuid4()))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    @staticmethod
    def _prefer(headers) -> str:
        return ", ".join(headers.get_all("Prefer") or [])

    def _authorize(self) -> None:
        if self.headers.get("Authorization", "") != f"Bearer {self.graph.token}":
            raise GraphError(
                401,
                "InvalidAuthenticationToken",
                "Access token is empty."
                if not self.headers.get("Authorization")
                else "Access token validation failure.",
            )

    def _injected(self, path: str, raw_query: str, prefer: str = "") -> None:
        target = f"{path}?{unquote(raw_query)}"
        self.graph._run_hooks(target)
        size = re.search(r"odata\.maxpagesize\s*=\s*(\d+)", prefer, re.I)
        fault = self.graph._fault_for(target, int(size[1]) if size else None)
        if fault:
            raise GraphError(fault.status, fault.code, f"Injected {fault.code}.", fault.retry_after)

    def _answer(
        self, path: str, query: dict[str, str], raw_query: str, prefer: str
    ) -> tuple[dict[str, Any], dict[str, str]]:
        self._authorize()
        self._injected(path, raw_query, prefer)
        return self.graph.handle(path, query, prefer)


def _user_of(path: str) -> str | None:
    """The mailbox a request path reads, lower-cased, or None."""
    user = re.match(r"^/users/([^/]+)", path)
    return unquote(user[1]).strip("'").lower() if user else None
