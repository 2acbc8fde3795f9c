"""Mail folder discovery: the whole tree of a mailbox (child folders included), or only its
Sent Items; well-known names resolved in one $batch; configured exclusions applied to whole
subtrees; for each large folder still to be read, whether its first round may use $filter."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from msgraph.generated.users.item.mail_folders.item.mail_folder_item_request_builder import (
    MailFolderItemRequestBuilder,
)
from msgraph.generated.users.item.mail_folders.mail_folders_request_builder import (
    MailFoldersRequestBuilder,
)

from .batch import batch_get
from .errors import FolderGone, MailboxNotFound
from .helpers import GraphSession
from .settings import FILTER_CAP, WELL_KNOWN_FOLDERS

T = TypeVar("T")
FOLDER_PAGE = 100
_FIELDS = ["id", "displayName", "parentFolderId", "childFolderCount", "totalItemCount"]


@dataclass(frozen=True)
class MailFolder:
    id: str
    parent_id: str | None
    display_name: str
    well_known_name: str | None
    path: str
    is_excluded: bool
    fits_filter: bool = True  # a first round with the lookback $filter stays under its cap


def _key(name: str) -> str:
    """Folder names compare without case and spaces: 'Junk Email' matches 'junkemail'."""
    return "".join(name.split()).lower()


def is_excluded(display_name: str, path: str, well_known: str | None, excluded: set[str]) -> bool:
    return bool({_key(display_name), _key(path), _key(well_known or "")} & excluded)


def lookback_filter(since: str) -> str:
    """The `$filter` of a folder's first delta round: mail received since the lookback start."""
    return f"receivedDateTime ge {since}"


async def discover(
    session: GraphSession,
    who: str,
    store: str,
    *,
    sent_items_only: bool,
    excluded: Sequence[str],
    since: str,
    synced: set[str],
) -> list[MailFolder]:
    """The folders of `store`, parents before children.

    A folder not in `synced` (no delta round yet) gets `fits_filter`: whether a delta round
    filtered on `since` stays under Graph's cap of 5,000 messages. A folder holding fewer
    items than that fits; for a larger one, its messages received since `since` are counted.
    """
    excluded_keys = {_key(name) for name in excluded}
    user = session.client.users.by_user_id(store)
    if sent_items_only:
        data = await _of_the_mailbox(
            who,
            _get_folder(
                session, who, store, user.mail_folders.by_mail_folder_id("sentitems"), _FIELDS
            ),
        )
        name = data["displayName"]
        fits = True
        if _needs_count(data, synced):
            page = await session.send(
                who, store, lambda: _window_count(session, store, data["id"], since)
            )
            fits = _fits(page)
        return [
            MailFolder(
                data["id"],
                data.get("parentFolderId"),
                name,
                "sentitems",
                name,
                is_excluded(name, name, "sentitems", excluded_keys),
                fits,
            )
        ]
    tree = await _of_the_mailbox(who, _tree(session, who, store))
    # One batch: the well-known names (v1.0 folders do not carry theirs) and the counts.
    requests = {
        f"wk:{name}": _get_folder_request(
            session, user.mail_folders.by_mail_folder_id(name), ["id"]
        )
        for name in WELL_KNOWN_FOLDERS
    }
    requests.update(
        {
            f"count:{data['id']}": _window_count(session, store, data["id"], since)
            for data in tree
            if _needs_count(data, synced)
        }
    )
    answers = await batch_get(session, who, store, requests)
    well_known = {
        body["id"]: key.removeprefix("wk:")
        for key, body in answers.items()
        if key.startswith("wk:") and body
    }
    found: list[MailFolder] = []
    parents: dict[str, MailFolder] = {}
    for data in tree:
        parent = parents.get(data.get("parentFolderId") or "")
        name = data.get("displayName") or ""
        path = f"{parent.path}/{name}" if parent else name
        wk = well_known.get(data["id"])
        count_key = f"count:{data['id']}"
        folder = MailFolder(
            data["id"],
            data.get("parentFolderId"),
            name,
            wk,
            path,
            (parent is not None and parent.is_excluded)
            or is_excluded(name, path, wk, excluded_keys),
            _fits(answers[count_key]) if count_key in answers else True,
        )
        found.append(folder)
        parents[folder.id] = folder
    return found


async def _of_the_mailbox(who: str, request: Awaitable[T]) -> T:
    """A request for the mailbox's own folders: a 404 means no mailbox Graph can read."""
    try:
        return await request
    except FolderGone as gone:
        code = gone.args[0] if gone.args and gone.args[0] else "HTTP 404"
        raise MailboxNotFound(f"{who}: no mailbox Graph can read ({code})") from None


def _needs_count(data: dict, synced: set[str]) -> bool:
    return data["id"] not in synced and (data.get("totalItemCount") or 0) >= FILTER_CAP


def _fits(page: dict | None) -> bool:
    count = (page or {}).get("@odata.count")
    return isinstance(count, int) and count < FILTER_CAP


def _window_count(session: GraphSession, store: str, folder_id: str, since: str):
    """`$count` of the folder's messages received since `since` (one id on the page)."""
    messages = (
        session.client.users.by_user_id(store).mail_folders.by_mail_folder_id(folder_id).messages
    )
    query = messages.MessagesRequestBuilderGetQueryParameters(
        filter=lookback_filter(since), count=True, top=1, select=["id"]
    )
    return messages.to_get_request_information(session.config(query))


async def _tree(session: GraphSession, who: str, store: str) -> list[dict]:
    """Every folder of the mailbox as Graph lists it, level by level."""
    user = session.client.users.by_user_id(store)
    query = MailFoldersRequestBuilder.MailFoldersRequestBuilderGetQueryParameters(top=FOLDER_PAGE)
    level = await _list(
        session,
        who,
        store,
        lambda: user.mail_folders.to_get_request_information(session.config(query)),
        user.mail_folders.with_url,
    )
    tree: list[dict] = []
    while level:
        tree.extend(level)
        pages = await asyncio.gather(
            *(
                _children(session, who, store, data["id"])
                for data in level
                if data.get("childFolderCount")
            )
        )
        level = [data for page in pages for data in page]
    return tree


async def _children(session: GraphSession, who: str, store: str, folder_id: str) -> list[dict]:
    builder = session.client.users.by_user_id(store).mail_folders.by_mail_folder_id(folder_id)
    query = builder.child_folders.ChildFoldersRequestBuilderGetQueryParameters(top=FOLDER_PAGE)
    try:
        return await _list(
            session,
            who,
            store,
            lambda: builder.child_folders.to_get_request_information(session.config(query)),
            builder.child_folders.with_url,
        )
    except FolderGone:  # deleted while we walked the tree
        return []


async def _list(session, who, store, first, with_url) -> list[dict]:
    """Every item of a paged collection, following @odata.nextLink as given."""
    page = await session.send(who, store, first)
    items = list(page.get("value", []))
    while link := page.get("@odata.nextLink"):
        page = await session.send(
            who,
            store,
            lambda link=link: with_url(link).to_get_request_information(session.config()),
        )
        items.extend(page.get("value", []))
    return items


async def folder_exists(session: GraphSession, who: str, store: str, folder_id: str) -> bool:
    """Whether Graph still has the folder (one GET; 404 means no)."""
    builder = session.client.users.by_user_id(store).mail_folders.by_mail_folder_id(folder_id)
    try:
        await _get_folder(session, who, store, builder, ["id"])
    except FolderGone:
        return False
    return True


def _get_folder_request(
    session: GraphSession, builder: MailFolderItemRequestBuilder, fields: list[str]
):
    query = MailFolderItemRequestBuilder.MailFolderItemRequestBuilderGetQueryParameters(
        select=fields
    )
    return builder.to_get_request_information(session.config(query))


async def _get_folder(
    session: GraphSession,
    who: str,
    store: str,
    builder: MailFolderItemRequestBuilder,
    fields: list[str],
) -> dict:
    return await session.send(who, store, lambda: _get_folder_request(session, builder, fields))
