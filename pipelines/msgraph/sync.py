"""One mailbox store per call: discover its folders, run every folder's delta round, and
turn the pages into raw rows as they arrive.

Pages are fetched on the SDK's event loop (at most 4 requests in flight per mailbox) and
parsed here, in dlt's extract thread, so parsing overlaps with the next requests. A
folder's new deltaLink goes into the resource state only after its whole round was read;
dlt commits that state with the load package, so a run that dies loads neither the rows
nor the links and the next run repeats the same rounds.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any, NamedTuple

from msgraph.generated.users.item.mail_folders.item.messages.delta.delta_request_builder import (
    DeltaRequestBuilder,
)

from pipelines.common.messages import (
    COLUMNS,
    MalformedMessage,
    observation_row,
    observations_table,
    quarantine_row,
    quarantine_table,
)
from pipelines.common.tables import folders_table, sync_runs_table

from .errors import FolderGone, GraphRequestFailed, SyncStateExpired
from .folders import MailFolder, discover, lookback_filter
from .helpers import GraphSession, LoopThread
from .settings import FILTER_CAP, MESSAGE_FIELDS, PROGRESS_EVERY_SECONDS, ROWS_PER_TABLE

log = logging.getLogger("mailkpi.msgraph")
MAX_RESTARTS = 3  # of one folder's round within a run, after 410s
_END = object()


class Item(NamedTuple):
    """What the reader yields: rows for one of the source's tables."""

    table: str
    data: Any


class _Stopped(Exception):
    """The consumer went away; producers stop."""


class StoreReader:
    """Reads one store (mailbox) for one team mailbox and yields raw-table items."""

    def __init__(
        self,
        *,
        loop: LoopThread,
        session: GraphSession,
        observed_at: dt.datetime,
        lookback_start: dt.datetime,
        mailbox_address: str,
        store: str,
        sent_items_only: bool,
        excluded: list[str],
        rounds: dict[str, dict[str, Any]],
    ):
        self.loop, self.session = loop, session
        self.observed_at = observed_at
        self.since = lookback_start.strftime("%Y-%m-%dT%H:%M:%SZ")
        self.mailbox_address, self.store = mailbox_address, store
        self.who = store if store == mailbox_address else f"{store} (for {mailbox_address})"
        self.sent_items_only, self.excluded = sent_items_only, excluded
        self.rounds = rounds  # folder id -> {delta_link, since, filtered, synced_at}
        self.counts: Counter[str] = Counter()
        self._requests_before = session.requests[store]
        self._queue: queue.Queue = queue.Queue(maxsize=32)
        self._stop = threading.Event()

    # --- producer: on the event loop -----------------------------------------------

    async def _put(self, message: tuple) -> None:
        def put() -> None:
            while not self._stop.is_set():
                try:
                    self._queue.put(message, timeout=0.5)
                    return
                except queue.Full:
                    continue
            raise _Stopped

        await asyncio.get_running_loop().run_in_executor(None, put)

    async def _produce(self) -> None:
        try:
            folders = await discover(
                self.session,
                self.who,
                self.store,
                sent_items_only=self.sent_items_only,
                excluded=self.excluded,
                since=self.since,
                synced=set(self.rounds),
            )
            await self._put(("folders", folders))
            await asyncio.gather(*(self._round(f) for f in folders if not f.is_excluded))
            await self._put(("end",))
        except _Stopped:
            pass
        except BaseException as error:  # handed to the consumer, raised there
            self._queue.put(("error", error))

    async def _round(self, folder: MailFolder) -> None:
        prior = self.rounds.get(folder.id)
        link = prior["delta_link"] if prior else None
        since = prior["since"] if prior else self.since
        filtered = prior["filtered"] if prior else folder.fits_filter
        synced_before = prior["synced_at"] if prior else None
        delta = (
            self.session.client.users.by_user_id(self.store)
            .mail_folders.by_mail_folder_id(folder.id)
            .messages.delta
        )
        restarts = 0
        while True:
            initial = link is None
            try:
                url, full = link, 0
                while True:
                    page = await self.session.send(
                        self.who, self.store, self._request(delta, url, since, filtered)
                    )
                    items = page.get("value") or []
                    full += sum(1 for i in items if isinstance(i, dict) and "@removed" not in i)
                    cutoff = since if initial and not filtered else None
                    await self._put(("page", folder.id, items, synced_before, cutoff))
                    url = page.get("@odata.nextLink")
                    if not url:
                        break
                if not page.get("@odata.deltaLink"):
                    raise GraphRequestFailed(
                        f"{self.who}: folder {folder.path}: a delta round ended without a deltaLink"
                    )
                if initial and filtered and full >= FILTER_CAP:
                    # $filter capped the round (mail arrived since discovery counted it, or a
                    # resynced folder grew): read again, filter here instead.
                    filtered, link = False, None
                    continue
                state = {
                    "delta_link": page["@odata.deltaLink"],
                    "since": since,
                    "filtered": filtered,
                    "synced_at": self.observed_at.isoformat(),
                }
                await self._put(("done", folder.id, state))
                return
            except SyncStateExpired:
                restarts += 1
                if restarts > MAX_RESTARTS:
                    raise GraphRequestFailed(
                        f"{self.who}: Graph kept expiring the sync state of folder {folder.path}; "
                        "run again later"
                    ) from None
                if prior is not None:
                    await self._put(("resync", folder.id))
                link = None
            except FolderGone:
                await self._put(("gone", folder.id))
                return

    def _request(self, delta: DeltaRequestBuilder, url: str | None, since: str, filtered: bool):
        session = self.session
        if url:  # next and delta links carry the query options already
            return lambda: delta.with_url(url).to_get_request_information(
                session.config(paged=True)
            )
        query = DeltaRequestBuilder.DeltaRequestBuilderGetQueryParameters(
            select=list(MESSAGE_FIELDS),
            filter=lookback_filter(since) if filtered else None,
        )
        return lambda: delta.to_get_request_information(session.config(query, paged=True))

    # --- consumer: in dlt's extract thread -----------------------------------------

    def run(self) -> Iterator[Item]:
        started = time.monotonic()
        future = self.loop.submit(self._produce())
        rows: list[dict[str, Any]] = []
        quarantined: list[dict[str, Any]] = []
        seen: dict[str, set[int]] = {}
        resynced: set[str] = set()
        read_folders = 0
        last_progress = started
        try:
            while True:
                message = self._queue.get()
                kind = message[0]
                if kind == "error":
                    raise message[1]
                if kind == "end":
                    future.result()
                    break
                if kind == "folders":
                    folders: list[MailFolder] = message[1]
                    yield Item("mail_folders", folders_table(self._folder_rows(folders)))
                    readable = {f.id for f in folders if not f.is_excluded}
                    read_folders = len(readable)
                    for folder_id in [f for f in self.rounds if f not in readable]:
                        rows.append(self._resync_marker(folder_id))  # gone or now excluded
                        del self.rounds[folder_id]
                elif kind == "page":
                    _, folder_id, items, synced_before, cutoff = message
                    self._rows(items, folder_id, synced_before, cutoff, rows, quarantined, seen)
                elif kind == "done":
                    self.rounds[message[1]] = message[2]
                elif kind in ("resync", "gone") and message[1] not in resynced:
                    resynced.add(message[1])
                    self.counts["resyncs"] += 1
                    rows.append(self._resync_marker(message[1]))
                    if kind == "gone":
                        self.rounds.pop(message[1], None)
                if len(rows) >= ROWS_PER_TABLE:
                    yield Item("message_observations", observations_table(rows))
                    rows = []
                if time.monotonic() - last_progress >= PROGRESS_EVERY_SECONDS:
                    last_progress = time.monotonic()
                    log.info(
                        "%s: %d messages read, %d requests so far",
                        self.who,
                        self.counts["read"],
                        self.requests,
                    )
        finally:
            self._stop.set()
            if not future.done():
                future.cancel()
        yield Item("message_observations", observations_table(rows))
        yield Item("quarantined_items", quarantine_table(quarantined))
        yield Item("sync_runs", sync_runs_table([self._sync_run(read_folders)]))
        log.info(
            "%s: %d new, %d changed, %d removed, %d quarantined, %d resyncs; %d folders, "
            "%d requests, %.1f s",
            self.who,
            self.counts["new"],
            self.counts["changed"],
            self.counts["removed"],
            self.counts["quarantined"],
            self.counts["resyncs"],
            read_folders,
            self.requests,
            time.monotonic() - started,
        )

    @property
    def requests(self) -> int:
        """Requests made for this store by this reader."""
        return self.session.requests[self.store] - self._requests_before

    def _rows(self, items, folder_id, synced_before, cutoff, rows, quarantined, seen) -> None:
        where = {
            "observed_at": self.observed_at,
            "mailbox_address": self.mailbox_address,
            "store_address": self.store,
            "folder_id": folder_id,
        }
        seen_here = seen.setdefault(folder_id, set())
        before = dt.datetime.fromisoformat(synced_before) if synced_before else None
        start = dt.datetime.fromisoformat(cutoff.replace("Z", "+00:00")) if cutoff else None
        for item in items:
            self.counts["read"] += 1
            try:
                row = observation_row(item, **where)
            except MalformedMessage as error:
                quarantined.append(quarantine_row(item, str(error), **where))
                self.counts["quarantined"] += 1
                continue
            received = row["received_date_time"]
            if start and received and received < start:
                continue  # outside the first load's window (unfiltered round)
            fingerprint = hash(tuple(tuple(v) if isinstance(v, list) else v for v in row.values()))
            if fingerprint in seen_here:  # the same item twice within this run
                continue
            seen_here.add(fingerprint)
            rows.append(row)
            if row["is_removed"]:
                self.counts["removed"] += 1
            elif before is None or (
                row["created_date_time"] is not None and row["created_date_time"] >= before
            ):
                self.counts["new"] += 1
            else:
                self.counts["changed"] += 1

    def _resync_marker(self, folder_id: str) -> dict[str, Any]:
        """docs/raw-layer.md, "Resync": what this folder held before now is superseded."""
        row = dict.fromkeys(COLUMNS)
        row.update(
            observed_at=self.observed_at,
            mailbox_address=self.mailbox_address,
            store_address=self.store,
            folder_id=folder_id,
            is_removed=True,
            removed_reason="resync",
        )
        return row

    def _folder_rows(self, folders: list[MailFolder]) -> list[dict[str, Any]]:
        return [
            {
                "mailbox_address": self.mailbox_address,
                "store_address": self.store,
                "folder_id": f.id,
                "parent_folder_id": f.parent_id,
                "display_name": f.display_name,
                "well_known_name": f.well_known_name,
                "folder_path": f.path,
                "is_excluded": f.is_excluded,
                "observed_at": self.observed_at,
            }
            for f in folders
        ]

    def _sync_run(self, folders: int) -> dict[str, Any]:
        return {
            "run_started_at": self.observed_at,
            "run_finished_at": dt.datetime.now(dt.UTC),
            "source": "graph",
            "mailbox_address": self.mailbox_address,
            "store_address": self.store,
            "folders": folders,
            "messages_new": self.counts["new"],
            "messages_changed": self.counts["changed"],
            "messages_removed": self.counts["removed"],
            "requests": self.requests,
            "resyncs": self.counts["resyncs"],
        }
