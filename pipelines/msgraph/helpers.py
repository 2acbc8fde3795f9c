"""Requests to Graph through the SDK: raw JSON pages, retries, limits, one-line errors.

Pages are fetched as bytes through the SDK's request adapter and parsed with `json`, so
the shared dict parser (`pipelines.common.messages`) reads exactly what Graph sent; kiota
model objects would cost a second conversion for every message. The SDK's own retry is
switched off per request: retries here honour Retry-After within a total budget per
mailbox and keep at most 4 requests in flight per mailbox.
"""

from __future__ import annotations

import asyncio
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

    def config(self, query: Any = None, *, paged: bool = False) -> RequestConfiguration:
        """Request options for one request; `paged` adds the Prefer headers of delta pages."""
        config = RequestConfiguration(query_parameters=query)
        config.options = [RetryHandlerOption(max_retries=0, should_retry=False)]
        if paged:
            config.headers.add("Prefer", f"odata.maxpagesize={self.page_size}")
            config.headers.add("Prefer", 'IdType="ImmutableId"')
        return config

    async def send(
        self,
        who: str,
        store: str,
        request: Callable[[], RequestInformation | Awaitable[RequestInformation]],
    ) -> dict:
        """Send the request built by `request` (fresh per attempt) and return its JSON body.

        `who` names the mailbox in error messages; `store` is the mailbox the request
        reads, for the concurrency limit and the request count.
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
    """Seconds of a Retry-After header, from any mapping of header names to values."""
    headers = headers or {}
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    try:
        return max(float(value), 0.0) if value is not None else None
    except ValueError:
        return None


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
    if status == 404 and code == "ErrorInvalidUser":
        return MailboxNotFound(
            f"{who}: no mailbox at this address (ErrorInvalidUser): a distribution list has "
            "none; set kind: distribution_list with its agents in mailkpi.yml"
        )
    if status == 404:
        return FolderGone(code)
    return GraphRequestFailed(f"{who}: Graph answered HTTP {status} ({code}): {message}")
