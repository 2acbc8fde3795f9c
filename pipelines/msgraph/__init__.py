"""Microsoft Graph source: the tracked mailboxes' folders and messages, incrementally."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator, Sequence

import dlt
from dlt.common.configuration.exceptions import ConfigFieldMissingException

from pipelines.common.mailboxes import Mailbox

from .auth import MsGraphCredentials, check_base_url, describe, graph_client
from .errors import MailboxNotFound
from .helpers import GraphSession, LoopThread
from .settings import (
    DEFAULT_BASE_URL,
    DEFAULT_LOOKBACK_DAYS,
    MAX_CONCURRENT_REQUESTS,
    MAX_RETRY_WAIT_SECONDS,
    PAGE_SIZE,
)
from .sync import Item, StoreReader, log

# The settings of interfaces.md; any of them set means "Graph is configured".
SETTINGS = (
    "base_url",
    "initial_lookback_days",
    "credentials.tenant_id",
    "credentials.client_id",
    "credentials.client_secret",
    "credentials.access_token",
)


def is_configured() -> bool:
    """True when any `sources.msgraph.*` setting is set (env vars or .dlt/*.toml)."""
    for key in SETTINGS:
        if os.environ.get("SOURCES__MSGRAPH__" + key.replace(".", "__").upper()):
            return True
        for accessor in (dlt.config, dlt.secrets):
            try:
                if accessor.get(f"sources.msgraph.{key}") not in (None, ""):
                    return True
            except ConfigFieldMissingException:
                continue
    return False


@dlt.source(name="msgraph", section="msgraph")
def msgraph_source(
    mailboxes: Sequence[Mailbox],
    *,
    observed_at: dt.datetime | None = None,
    credentials: MsGraphCredentials = dlt.secrets.value,
    base_url: str = DEFAULT_BASE_URL,
    initial_lookback_days: int = DEFAULT_LOOKBACK_DAYS,
    page_size: int = PAGE_SIZE,
    max_retry_wait_seconds: float = MAX_RETRY_WAIT_SECONDS,
):
    """The tracked mailboxes, read through Microsoft Graph.

    Args:
        mailboxes: the team addresses, each with the stores read for it and the folders
            left out.
        observed_at: the run's instant, stamped on every row (default: now).
        credentials: `sources.msgraph.credentials` (access_token, or tenant_id + client_id
            with client_secret / certificate_path, or delegated = true).
        base_url: Graph root; national clouds, or http on loopback for tests.
        initial_lookback_days: how far back the first load of a folder reaches.
        page_size: `Prefer: odata.maxpagesize` of every delta page.
        max_retry_wait_seconds: total wait on 429/503/504 per mailbox before giving up.
    """
    observed_at = (observed_at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    base_url = check_base_url(base_url)
    lookback_start = observed_at - dt.timedelta(days=initial_lookback_days)

    @dlt.resource(name="graph_mail", selected=False)
    def graph_mail() -> Iterator[Item]:
        rounds = dlt.current.resource_state().setdefault("rounds", {})
        log.info(
            "reading %d mailbox(es) from %s with %s",
            len(mailboxes),
            base_url,
            describe(credentials),
        )
        loop = LoopThread()
        try:
            session = GraphSession(
                graph_client(credentials, base_url),
                page_size=page_size,
                max_retry_wait=max_retry_wait_seconds,
                max_concurrency=MAX_CONCURRENT_REQUESTS,
            )
            skipped: list[MailboxNotFound] = []
            for mailbox in mailboxes:
                for store in mailbox.stores:
                    reader = StoreReader(
                        loop=loop,
                        session=session,
                        observed_at=observed_at,
                        lookback_start=lookback_start,
                        mailbox_address=mailbox.address,
                        store=store,
                        sent_items_only=mailbox.sent_items_only(store),
                        excluded=mailbox.excluded_folders,
                        rounds=rounds.setdefault(f"{mailbox.address}|{store}", {}),
                    )
                    try:
                        yield from reader.run()
                    except MailboxNotFound as unreadable:
                        # the others are read; this one keeps its links for the next run
                        log.warning("skipped %s", unreadable)
                        skipped.append(unreadable)
            stores = sum(len(m.stores) for m in mailboxes)
            if skipped and len(skipped) == stores:
                raise MailboxNotFound(
                    "; ".join(str(s) for s in skipped)
                    + ("" if stores == 1 else f" (none of the {stores} mailboxes could be read)")
                )
        finally:
            loop.close()

    def only(table: str):
        def pick(item: Item):
            if item.table == table:
                yield item.data

        return pick

    return (
        dlt.transformer(
            only("message_observations"),
            data_from=graph_mail,
            name="message_observations",
            write_disposition="append",
        ),
        dlt.transformer(
            only("mail_folders"),
            data_from=graph_mail,
            name="mail_folders",
            write_disposition="merge",
            primary_key=("store_address", "folder_id"),
        ),
        dlt.transformer(
            only("sync_runs"),
            data_from=graph_mail,
            name="sync_runs",
            write_disposition="append",
        ),
        dlt.transformer(
            only("quarantined_items"),
            data_from=graph_mail,
            name="quarantined_items",
            write_disposition="append",
        ),
    )


__all__ = ["Mailbox", "MsGraphCredentials", "is_configured", "msgraph_source"]
