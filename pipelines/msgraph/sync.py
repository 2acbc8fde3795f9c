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
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

from msgraph.generated.users.item.mail_folders.item.messages.delta.delta_request_builder import (
    DeltaRequestBuilder,
)
from msgraph.generated.users.item.messages.item.message_item_request_builder import (
    MessageItemRequestBuilder,
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

from .batch import batch_get
from .errors import (
    FolderGone,
    GraphAccessDenied,
    GraphRequestFailed,
    GraphThrottled,
    SyncStateExpired,
)
from .folders import MailFolder, discover, folder_exists, lookback_filter
from .helpers import GraphSession, LoopThread
from .settings import (
    FILTER_CAP,
    MESSAGE_FIELDS,
    PROGRESS_EVERY_SECONDS,
    ROWS_PER_TABLE,
)

log = logging.getLogger("mailkpi.msgraph")
MAX_RESTARTS = 3  # of one folder's round within a run, after 410s or a transient 404


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
        excluded: Sequence[str],
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
        self._started = time.monotonic()
        self._removed: dict[tuple[str, str], dict[str, Any]] = {}  # (folder, message) -> row
        self._present: set[str] = set()  # messages this run observed in a folder
        self.fields = MESSAGE_FIELDS  # without internetMessageHeaders once Graph refused them
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
        size = [self.session.page_size]

        def smaller() -> None:  # 503/504 on a page: ask the retry for half as many messages
            size[0] = max(size[0] // 2, 1)

        while True:
            initial = link is None
            try:
                url, full = link, 0
                asked_headers = "internetMessageHeaders" in self.fields
                while True:
                    page = await self.session.send(
                        self.who,
                        self.store,
                        self._request(delta, url, since, filtered, size),
                        on_timeout=smaller,
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
            except GraphAccessDenied:
                # Under Mail.ReadBasic.All a $select naming internetMessageHeaders can be
                # refused: the first request of a round is asked again without them.
                if url is not None or not asked_headers:
                    raise
                if "internetMessageHeaders" in self.fields:  # once, for all rounds
                    self.fields = tuple(f for f in self.fields if f != "internetMessageHeaders")
                    log.warning(
                        "%s: Graph refused internetMessageHeaders (Mail.ReadBasic.All?): read "
                        "without them, automated mail is found by sender and subject only",
                        self.who,
                    )
                continue
            except FolderGone:
                # Deleted between discovery and its round (ErrorItemNotFound,
                # ErrorSyncFolderNotFound), or a 404 of a moment: only a folder Graph no
                # longer has is closed; one still there is read again from its link.
                restarts += 1
                if await folder_exists(self.session, self.who, self.store, folder.id):
                    if restarts > MAX_RESTARTS:
                        raise GraphRequestFailed(
                            f"{self.who}: Graph kept answering 404 for folder {folder.path}, "
                            "which exists; run again later"
                        ) from None
                    self.counts["retried_404"] += 1
                    continue
                await self._put(("gone", folder.id))
                return

    def _request(
        self,
        delta: DeltaRequestBuilder,
        url: str | None,
        since: str,
        filtered: bool,
        size: list[int],
    ):
        """The request of one delta page, built afresh per attempt with the page size then
        current (`size[0]`)."""
        session = self.session
        if url:  # next and delta links carry the query options already
            return lambda: delta.with_url(url).to_get_request_information(
                session.config(paged=True, page_size=size[0])
            )
        query = DeltaRequestBuilder.DeltaRequestBuilderGetQueryParameters(
            select=list(self.fields),
            filter=lookback_filter(since) if filtered else None,
        )
        return lambda: delta.to_get_request_information(
            session.config(query, paged=True, page_size=size[0])
        )

    # --- consumer: in dlt's extract thread -----------------------------------------

    def run(self) -> Iterator[Item]:
        started = time.monotonic()
        future = self.loop.submit(self._produce())
        rows: list[dict[str, Any]] = []
        quarantined: list[dict[str, Any]] = []
        seen: dict[str, set[int]] = {}
        resynced: set[str] = set()
        finished: dict[str, dict[str, Any] | None] = {}  # folder -> new round state; None: closed
        readable: set[str] = set()
        cut_short: GraphThrottled | None = None
        last_progress = started
        try:
            while True:
                message = self._queue.get()
                kind = message[0]
                if kind == "error":
                    if isinstance(message[1], GraphThrottled) and finished:
                        cut_short = message[1]  # keep what was read; say how far it got
                        break
                    raise message[1]
                if kind == "end":
                    future.result()
                    break
                if kind == "folders":
                    folders: list[MailFolder] = message[1]
                    yield Item("mail_folders", folders_table(self._folder_rows(folders)))
                    readable = {f.id for f in folders if not f.is_excluded}
                    for folder_id in [f for f in self.rounds if f not in readable]:
                        rows.append(self._resync_marker(folder_id))  # gone or now excluded
                        finished[folder_id] = None
                elif kind == "page":
                    _, folder_id, items, synced_before, cutoff = message
                    self._rows(items, folder_id, synced_before, cutoff, rows, quarantined, seen)
                elif kind == "done":
                    finished[message[1]] = message[2]
                elif kind in ("resync", "gone") and message[1] not in resynced:
                    resynced.add(message[1])
                    self.counts["resyncs"] += 1
                    rows.append(self._resync_marker(message[1]))
                    if kind == "gone":
                        finished[message[1]] = None
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
        if cut_short is None:
            rows += self._checked_removals(readable, quarantined)
        else:  # no budget left to check removals: those folders are read again next time
            for folder_id, _ in self._removed:
                finished.pop(folder_id, None)
            log.warning(
                "%s; kept the %d of %d folders read in full, the others are read again next run",
                cut_short,
                sum(1 for state in finished.values() if state is not None),
                len(readable),
            )
        yield Item("message_observations", observations_table(rows))
        yield Item("quarantined_items", quarantine_table(quarantined))
        yield Item("sync_runs", sync_runs_table([self._sync_run(len(readable))]))
        # The rounds' new links only now that all their rows are handed on: a store that
        # fails half-way keeps its previous links and is read again from them next time.
        for folder_id, state in finished.items():
            if state is None:
                self.rounds.pop(folder_id, None)
            else:
                self.rounds[folder_id] = state
        log.info(
            "%s: %d new, %d changed, %d removed, %d quarantined, %d resyncs; %d folders, "
            "%d requests, %.1f s",
            self.who,
            self.counts["new"],
            self.counts["changed"],
            self.counts["removed"],
            self.counts["quarantined"],
            self.counts["resyncs"],
            len(readable),
            self.requests,
            time.monotonic() - started,
        )
        if self.counts["checked"]:
            log.info(
                "%s: %d removed copies seen in no other folder checked: %d still in their "
                "folder, %d found in another, the rest gone",
                self.who,
                self.counts["checked"],
                self.counts["kept"],
                self.counts["found"],
            )

    def _checked_removals(
        self, readable: set[str], quarantined: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """The run's `@removed` rows, each checked if this run saw its message nowhere else.

        With immutable ids a message moved A->B->A between two rounds is reported removed
        from A and not added anywhere, and a move can show in neither folder's round; Graph
        is asked where such a message is (one `$batch` per 20): still in its folder, the
        removal is dropped; in another folder read here, it is observed there from this
        answer; 404, it is gone.
        """
        removed, self._removed = self._removed, {}
        unexplained = {key: row for key, row in removed.items() if key[1] not in self._present}
        out = [row for key, row in removed.items() if key not in unexplained]
        if unexplained:
            self.counts["checked"] += len(unexplained)
            found = self.loop.submit(self._locate({m for _, m in unexplained})).result()
            placed: set[str] = set()
            for (folder_id, message_id), row in unexplained.items():
                body = found.get(message_id) or {}
                where = body.get("parentFolderId")
                if where == folder_id:
                    self.counts["kept"] += 1
                    continue
                out.append(row)
                if where in readable and message_id not in placed:
                    placed.add(message_id)
                    self.counts["found"] += 1
                    out += self._observed(body, where, quarantined)
        self.counts["removed"] += sum(1 for row in out if row["is_removed"])
        return out

    async def _locate(self, ids: set[str]) -> dict[str, dict[str, Any] | None]:
        messages = self.session.client.users.by_user_id(self.store).messages
        query = MessageItemRequestBuilder.MessageItemRequestBuilderGetQueryParameters(
            select=list(self.fields)
        )
        config = self.session.config(query, immutable_ids=True)
        return await batch_get(
            self.session,
            self.who,
            self.store,
            {i: messages.by_message_id(i).to_get_request_information(config) for i in sorted(ids)},
        )

    def _observed(self, item, folder_id: str, quarantined: list[dict[str, Any]]) -> list[dict]:
        where = {
            "observed_at": self.observed_at,
            "mailbox_address": self.mailbox_address,
            "store_address": self.store,
            "folder_id": folder_id,
        }
        try:
            return [observation_row(item, **where)]
        except MalformedMessage as error:
            quarantined.append(quarantine_row(item, str(error), **where))
            self.counts["quarantined"] += 1
            return []

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
            if row["is_removed"]:  # handed on once the run is read (_checked_removals)
                self._removed[(folder_id, row["message_id"])] = row
                continue
            self._present.add(row["message_id"])
            rows.append(row)
            if before is None or (
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
            # on the run's clock, which a replay or a test may set (observed_at)
            "run_finished_at": self.observed_at
            + dt.timedelta(seconds=time.monotonic() - self._started),
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
