"""Requests to Graph through the SDK: raw JSON pages, retries, limits, one-line errors.

Pages are fetched as bytes through the SDK's request adapter and parsed with `json`, so
the shared dict parser (`pipelines.common.messages`) reads exactly what Graph sent; kiota
model objects would cost a second conversion for every message. The SDK's own retry is
switched off per request: retries here honour Retry-After within a total budget per
mailbox and keep at most 4 requests in flight per mailbox.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import inspect
import json
import random
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import httpx
from kiota_abstractions.api_error import APIError
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_abstractions.request_information import RequestInformation
from kiota_http.middleware.options import RetryHandlerOption
from msgraph import GraphServiceClient
from msgraph.generated.models.o_data_errors.o_data_error import ODataError

from .errors import (
    FolderGone,
    GraphAccessDenied,
    GraphAuthError,
    GraphRequestFailed,
    GraphThrottled,
    MailboxNotFound,
    SyncStateExpired,
    one_line,
)
from .settings import RESYNC_CODES

ERROR_MAP: dict[str, Any] = {"XXX": ODataError}
RETRY_STATUSES = frozenset({429, 503, 504})
TIMEOUT_STATUSES = frozenset({503, 504})  # a smaller page may succeed where this one failed
# 404 codes about the mailbox, not a folder or an item: an address without a mailbox (a
# distribution list, a typo), and a mailbox Graph cannot serve (unlicensed, inactive,
# soft-deleted, or on-premises): "The mailbox is either inactive, soft-deleted, or is hosted
# on-premise." (microsoft-graph-docs-contrib issues 405, 717)
MAILBOX_CODES = {
    "errorinvaliduser": (
        "no mailbox at this address (ErrorInvalidUser): a distribution list has none; set "
        "kind: distribution_list with its agents in mailkpi.yml"
    ),
    "mailboxnotenabledforrestapi": (
        "not reachable with REST (MailboxNotEnabledForRESTAPI): the mailbox is unlicensed, "
        "inactive, soft-deleted or on-premises; see docs/graph-setup.md"
    ),
}


class LoopThread:
    """One asyncio loop in a daemon thread: the SDK is async, dlt resources are not."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def submit(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)


class GraphSession:
    """Counted, limited, retried requests against one Graph endpoint."""

    def __init__(
        self,
        client: GraphServiceClient,
        *,
        page_size: int,
        max_retry_wait: float,
        max_concurrency: int,
    ):
        self.client = client
        self.page_size = page_size
        self.max_retry_wait = max_retry_wait
        self.max_concurrency = max_concurrency
        self.requests: Counter[str] = Counter()
        self._waited: Counter[str] = Counter()
        self._slots: dict[str, asyncio.Semaphore] = {}

    def config(
        self,
        query: Any = None,
        *,
        paged: bool = False,
        page_size: int | None = None,
        immutable_ids: bool = False,
    ) -> RequestConfiguration:
        """Request options for one request; `paged` adds the Prefer headers of delta pages
        (`page_size`, default the session's), `immutable_ids` the id preference alone."""
        config = RequestConfiguration(query_parameters=query)
        config.options = [RetryHandlerOption(max_retries=0, should_retry=False)]
        if paged:
            config.headers.add("Prefer", f"odata.maxpagesize={page_size or self.page_size}")
        if paged or immutable_ids:
            config.headers.add("Prefer", 'IdType="ImmutableId"')
        return config

    async def send(
        self,
        who: str,
        store: str,
        request: Callable[[], RequestInformation | Awaitable[RequestInformation]],
        on_timeout: Callable[[], None] | None = None,
    ) -> dict:
        """Send the request built by `request` (fresh per attempt) and return its JSON body.

        `who` names the mailbox in error messages; `store` is the mailbox the request
        reads, for the concurrency limit and the request count. `on_timeout` is called
        before the retry of a 503/504, to make the next attempt smaller.
        """
        slots = self._slots.setdefault(store, asyncio.Semaphore(self.max_concurrency))
        attempt = 0
        while True:
            async with slots:
                self.requests[store] += 1
                try:
                    info = request()
                    if inspect.isawaitable(info):
                        info = await info
                    body = await self.client.request_adapter.send_primitive_async(
                        info, "bytes", ERROR_MAP
                    )
                    return json.loads(body) if body else {}
                except APIError as error:
                    status = error.response_status_code or 0
                    if status not in RETRY_STATUSES:
                        raise translate(status, *_code(error), who) from None
                    delay = retry_after(error.response_headers) or backoff(attempt)
                    reason = f"HTTP {status}"
                    if status in TIMEOUT_STATUSES and on_timeout:
                        on_timeout()
                except (httpx.TransportError, json.JSONDecodeError) as error:
                    delay = backoff(attempt)
                    reason = type(error).__name__
            await self.wait(who, store, delay, reason)
            attempt += 1

    async def wait(self, who: str, store: str, delay: float, reason: str) -> None:
        """Sleep before a retry, or give up once the mailbox's retry budget is spent."""
        if self._waited[store] + delay > self.max_retry_wait:
            raise GraphThrottled(
                f"{who}: Graph kept answering {reason} after {self._waited[store]:.0f} s of "
                f"retries (limit {self.max_retry_wait:.0f} s); run again later"
            )
        self._waited[store] += delay
        await asyncio.sleep(delay)


def backoff(attempt: int) -> float:
    return min(2.0**attempt, 60.0) + random.random()


def retry_after(headers) -> float | None:
    """Seconds to wait by a Retry-After header, from any mapping of header names to values.

    Retry-After is seconds or an HTTP date (RFC 9110 10.2.3); a date counts from the
    answer's own Date header where there is one (the server's clock, not this machine's),
    and a date already past gives 0 (the caller then backs off as without one).
    """
    value, date = _header(headers, "retry-after"), _header(headers, "date")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        until = email.utils.parsedate_to_datetime(value)
        now = email.utils.parsedate_to_datetime(date) if date else dt.datetime.now(dt.UTC)
    except (TypeError, ValueError):
        return None
    return max((until - now).total_seconds(), 0.0)


def _header(headers, name: str) -> str | None:
    value = next((v for k, v in (headers or {}).items() if k.lower() == name), None)
    if isinstance(value, list | tuple | set):
        value = next(iter(value), None)
    return str(value) if value is not None else None


def _code(error: APIError) -> tuple[str, str]:
    inner = getattr(error, "error", None)
    code = getattr(inner, "code", None) or ""
    message = getattr(inner, "message", None) or ""
    return str(code), str(message)


def translate(status: int, code: str, message: str, who: str) -> Exception:
    """The error to raise for a failed request (of its own or inside a batch)."""
    message = one_line(message, 160)
    if status == 410 or code.lower() in RESYNC_CODES:
        return SyncStateExpired(code or "410 Gone")
    if status == 401:
        return GraphAuthError(
            f"{who}: authentication failed ({code or 'HTTP 401'}): the token was refused; check "
            "sources.msgraph.credentials (tenant_id, client_id, secret or certificate, or an "
            "unexpired access_token)"
        )
    if status == 403:
        return GraphAccessDenied(
            f"{who}: access denied ({code or 'HTTP 403'}): the app needs Mail.Read (or "
            "Mail.ReadBasic.All) application permission for this mailbox, or the signed-in "
            "user Full Access and Mail.Read.Shared; see docs/graph-setup.md"
        )
    if status == 404 and code.lower() in MAILBOX_CODES:
        return MailboxNotFound(f"{who}: {MAILBOX_CODES[code.lower()]}")
    if status == 404:
        return FolderGone(code)
    return GraphRequestFailed(f"{who}: Graph answered HTTP {status} ({code}): {message}")
