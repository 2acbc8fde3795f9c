"""JSON batching (`POST /$batch`): many small GETs against one mailbox in one request.

The batch is built with msgraph-core's `BatchRequestContent` and sent through the session
like any other request, so it is counted, limited and retried as a whole. Its answer is
read as raw JSON: kiota's batch response model keeps an item's body only when it is a
base64 string, and Graph answers JSON items with JSON objects. Each item then succeeds or
fails on its own: 404 means "no such folder" (None), 429/503/504 go into a later batch
after their Retry-After, anything else raises as the request alone would have.
"""

from __future__ import annotations

from typing import Any

from kiota_abstractions.request_information import RequestInformation
from msgraph_core.requests.batch_request_builder import BatchRequestBuilder
from msgraph_core.requests.batch_request_content import BatchRequestContent
from msgraph_core.requests.batch_request_item import BatchRequestItem

from .errors import FolderGone, GraphRequestFailed
from .helpers import RETRY_STATUSES, GraphSession, backoff, retry_after, translate
from .settings import BATCH_LIMIT


async def batch_get(
    session: GraphSession, who: str, store: str, requests: dict[str, RequestInformation]
) -> dict[str, dict[str, Any] | None]:
    """The JSON body of each GET in `requests` by its key, None where Graph answered 404.

    Up to 20 requests go into one batch; a batch's items run against the mailbox at most
    4 at a time on Graph's side, within the mailbox's concurrency limit.
    """
    builder = BatchRequestBuilder(session.client.request_adapter)
    pending = dict(requests)
    answers: dict[str, dict[str, Any] | None] = {}
    attempt = 0
    while pending:
        # Ids set here: BatchRequestContent gives bare RequestInformation random ids.
        chunk = {str(n): key for n, key in enumerate(list(pending)[:BATCH_LIMIT], 1)}
        content = BatchRequestContent(
            {n: BatchRequestItem(pending[key], id=n) for n, key in chunk.items()}
        )

        async def post(content: BatchRequestContent = content) -> RequestInformation:
            info = await builder.to_post_request_information(content)
            info.add_request_options(session.config().options)  # retried by the session
            return info

        body = await session.send(who, store, post)
        throttled: list[tuple[float, str]] = []
        for response in body.get("responses") or []:
            key = chunk.get(str(response.get("id")))
            if key is None:
                continue
            status = int(response.get("status") or 0)
            if 200 <= status < 300:
                answers[key] = response.get("body") or {}
            elif status in RETRY_STATUSES:
                delay = retry_after(response.get("headers")) or backoff(attempt)
                throttled.append((delay, f"HTTP {status}"))
                continue
            else:
                error = (response.get("body") or {}).get("error") or {}
                failure = translate(
                    status, str(error.get("code") or ""), str(error.get("message") or ""), who
                )
                if not isinstance(failure, FolderGone):
                    raise failure
                answers[key] = None
            del pending[key]
        unanswered = [key for key in chunk.values() if key in pending]
        if len(unanswered) > len(throttled):
            raise GraphRequestFailed(f"{who}: a $batch answer left out some of its requests")
        if throttled:
            delay, reason = max(throttled)
            await session.wait(who, store, delay, reason)
            attempt += 1
    return answers
