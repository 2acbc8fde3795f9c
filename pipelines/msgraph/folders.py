"""Mail folder discovery: the whole tree of a mailbox (child folders included), or only its
Sent Items; well-known names resolved; configured exclusions applied to whole subtrees."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from msgraph.generated.users.item.mail_folders.item.mail_folder_item_request_builder import (
    MailFolderItemRequestBuilder,
)
from msgraph.generated.users.item.mail_folders.mail_folders_request_builder import (
    MailFoldersRequestBuilder,
)

from .errors import FolderGone
from .helpers import GraphSession
from .settings import WELL_KNOWN_FOLDERS

FOLDER_PAGE = 100
_FIELDS = ["id", "displayName", "parentFolderId", "childFolderCount"]


@dataclass(frozen=True)
class MailFolder:
    id: str
    parent_id: str | None
    display_name: str
    well_known_name: str | None
    path: str
    is_excluded: bool


def _key(name: str) -> str:
    """Folder names compare without case and spaces: 'Junk Email' matches 'junkemail'."""
    return "".join(name.split()).lower()


def is_excluded(display_name: str, path: str, well_known: str | None, excluded: set[str]) -> bool:
    return bool({_key(display_name), _key(path), _key(well_known or "")} & excluded)


async def discover(
    session: GraphSession, who: str, store: str, *, sent_items_only: bool, excluded: list[str]
) -> list[MailFolder]:
    """The folders of `store`, parents before children."""
    excluded_keys = {_key(name) for name in excluded}
    user = session.client.users.by_user_id(store)
    if sent_items_only:
        data = await _get_folder(
            session, who, store, user.mail_folders.by_mail_folder_id("sentitems")
        )
        name = data["displayName"]
        return [
            MailFolder(
                data["id"],
                data.get("parentFolderId"),
                name,
                "sentitems",
                name,
                is_excluded(name, name, "sentitems", excluded_keys),
            )
        ]
    well_known = await _well_known_ids(session, who, store)
    query = MailFoldersRequestBuilder.MailFoldersRequestBuilderGetQueryParameters(top=FOLDER_PAGE)
    level = await _list(
        session,
        who,
        store,
        lambda: user.mail_folders.to_get_request_information(session.config(query)),
        user.mail_folders.with_url,
    )
    found: list[MailFolder] = []
    parents: dict[str, MailFolder] = {}
    while level:
        children_of = []
        for data in level:
            parent = parents.get(data.get("parentFolderId") or "")
            name = data.get("displayName") or ""
            path = f"{parent.path}/{name}" if parent else name
            wk = well_known.get(data["id"])
            folder = MailFolder(
                data["id"],
                data.get("parentFolderId"),
                name,
                wk,
                path,
                (parent is not None and parent.is_excluded)
                or is_excluded(name, path, wk, excluded_keys),
            )
            found.append(folder)
            parents[folder.id] = folder
            if data.get("childFolderCount"):
                children_of.append(folder.id)
        pages = await asyncio.gather(
            *(_children(session, who, store, folder_id) for folder_id in children_of)
        )
        level = [data for page in pages for data in page]
    return found


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
    page = await session.get(who, store, first)
    items = list(page.get("value", []))
    while link := page.get("@odata.nextLink"):
        page = await session.get(
            who,
            store,
            lambda link=link: with_url(link).to_get_request_information(session.config()),
        )
        items.extend(page.get("value", []))
    return items


async def _get_folder(
    session: GraphSession, who: str, store: str, builder: MailFolderItemRequestBuilder
) -> dict:
    query = MailFolderItemRequestBuilder.MailFolderItemRequestBuilderGetQueryParameters(
        select=_FIELDS
    )
    return await session.get(
        who, store, lambda: builder.to_get_request_information(session.config(query))
    )


async def _well_known_ids(session: GraphSession, who: str, store: str) -> dict[str, str]:
    """Folder id -> well-known name (v1.0 folders do not carry their well-known name)."""
    user = session.client.users.by_user_id(store)

    async def resolve(name: str) -> tuple[str, str] | None:
        try:
            data = await _get_folder(session, who, store, user.mail_folders.by_mail_folder_id(name))
        except FolderGone:  # e.g. no Archive folder in this mailbox
            return None
        return data["id"], name

    found = await asyncio.gather(*(resolve(name) for name in WELL_KNOWN_FOLDERS))
    return dict(pair for pair in found if pair)
