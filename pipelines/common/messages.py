"""Graph `message` JSON (as on the wire, camelCase) -> rows of `raw.message_observations`.

Both sources go through here: the Graph source with what the API returned, the demo
source with what its generator shaped like the API. One row is one observation of one
message in one folder at one load; the models derive moves and category changes from
successive observations. A property absent from a (partial) payload is stored as null,
so the models can carry the last known value forward instead of blanking it.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable, Mapping
from typing import Any

import pyarrow as pa

# Headers that mark automated mail (metrics.md, "Which messages count").
AUTOMATION_HEADERS = {
    "auto-submitted": "header_auto_submitted",
    "precedence": "header_precedence",
    "x-auto-response-suppress": "header_x_auto_response_suppress",
}
MAX_RECIPIENTS = 500  # more are counted, not stored: mass mailings carry thousands
MAX_TEXT = 1000
# Instants outside this window are placeholders or corruption (Exchange writes 1601-01-01
# and 4501-01-01 for "none"); loaded, they would stretch every calendar the models build.
EARLIEST_INSTANT = dt.datetime(1980, 1, 1, tzinfo=dt.UTC)
FUTURE_SLACK = dt.timedelta(days=366)  # senders' clocks run ahead; the models look 400 days on

_TS = pa.timestamp("us", tz="UTC")
_STRINGS = pa.list_(pa.string())

OBSERVATION_SCHEMA = pa.schema(
    [
        ("observed_at", _TS),
        ("mailbox_address", pa.string()),
        ("store_address", pa.string()),
        ("folder_id", pa.string()),
        ("message_id", pa.string()),
        ("is_removed", pa.bool_()),
        ("removed_reason", pa.string()),
        ("conversation_id", pa.string()),
        ("internet_message_id", pa.string()),
        ("subject", pa.string()),
        ("from_address", pa.string()),
        ("from_name", pa.string()),
        ("sender_address", pa.string()),
        ("sender_name", pa.string()),
        ("to_addresses", _STRINGS),
        ("cc_addresses", _STRINGS),
        ("recipient_count", pa.int32()),
        ("received_date_time", _TS),
        ("sent_date_time", _TS),
        ("created_date_time", _TS),
        ("last_modified_date_time", _TS),
        ("is_draft", pa.bool_()),
        ("categories", _STRINGS),
        ("parent_folder_id", pa.string()),
        ("has_headers", pa.bool_()),
        ("header_auto_submitted", pa.string()),
        ("header_precedence", pa.string()),
        ("header_x_auto_response_suppress", pa.string()),
    ]
)
COLUMNS = OBSERVATION_SCHEMA.names

QUARANTINE_SCHEMA = pa.schema(
    [
        ("observed_at", _TS),
        ("mailbox_address", pa.string()),
        ("store_address", pa.string()),
        ("folder_id", pa.string()),
        ("message_id", pa.string()),
        ("reason", pa.string()),
        ("payload", pa.string()),
    ]
)


class MalformedMessage(ValueError):
    """A payload that cannot be read as a message; it is quarantined, not loaded."""


def parse_instant(value: Any) -> dt.datetime | None:
    """Graph's ISO 8601 instants ('2026-05-18T09:12:00Z', with or without fractions)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise MalformedMessage(f"timestamp is not a string: {value!r:.60}")
    return _parse_iso(value)


# A message's instants repeat: created = received, each copy and each later observation.
@functools.lru_cache(maxsize=65_536)
def _parse_iso(value: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        return parsed.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        raise MalformedMessage(f"unreadable timestamp {value!r:.60}") from None


def _instant(item: Mapping[str, Any], field: str, observed_at: dt.datetime) -> dt.datetime | None:
    try:
        value = parse_instant(item.get(field))
    except MalformedMessage as error:
        raise MalformedMessage(f"{field}: {error}") from None
    if value is not None and not EARLIEST_INSTANT <= value <= observed_at + FUTURE_SLACK:
        raise MalformedMessage(f"{field}: implausible timestamp {value:%Y-%m-%d}")
    return value


def _utf8(value: str) -> str:
    """Lone surrogates (from JSON escapes of broken UTF-8) become U+FFFD: arrow rejects them."""
    if value.isascii():  # the common case, without encoding a copy
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in value)
    return value


def _text(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise MalformedMessage(f"{field} is not a string")
    return _utf8(value[:MAX_TEXT])


def _is_mapping(value: Any) -> bool:
    return type(value) is dict or isinstance(value, Mapping)  # parsed JSON: skip the ABC check


def _address(recipient: Any, field: str) -> tuple[str | None, str | None]:
    """A Graph `recipient` ({"emailAddress": {"address", "name"}}) -> (lower address, name)."""
    if recipient is None:
        return None, None
    if not _is_mapping(recipient):
        raise MalformedMessage(f"{field} is not a recipient object")
    email = recipient.get("emailAddress") or {}
    if not _is_mapping(email):
        raise MalformedMessage(f"{field}.emailAddress is not an object")
    address = _text(email.get("address"), f"{field}.address")
    address = address.strip().lower() if address else None
    return address or None, _text(email.get("name"), f"{field}.name")


def _recipients(value: Any, field: str) -> tuple[list[str] | None, int]:
    if value is None:
        return None, 0
    if not isinstance(value, list):
        raise MalformedMessage(f"{field} is not a list")
    out = []
    for i, item in enumerate(value):
        if len(out) >= MAX_RECIPIENTS:
            break
        address, _ = _address(item, f"{field}[{i}]")
        if address:
            out.append(address)
    return out, len(value)


def _categories(value: Any) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        raise MalformedMessage("categories is not a list of strings")
    return [_utf8(c[:MAX_TEXT]) for c in value]


def _headers(value: Any) -> dict[str, str | None] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise MalformedMessage("internetMessageHeaders is not a list")
    found: dict[str, str | None] = dict.fromkeys(AUTOMATION_HEADERS.values())
    for header in value:
        if not _is_mapping(header):
            continue
        column = AUTOMATION_HEADERS.get(str(header.get("name", "")).lower())
        if column and found[column] is None:
            found[column] = _text(header.get("value"), header["name"])
    return found


def _bool(value: Any, field: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise MalformedMessage(f"{field} is not a boolean")


def observation_row(
    item: Mapping[str, Any],
    *,
    observed_at: dt.datetime,
    mailbox_address: str,
    store_address: str,
    folder_id: str,
) -> dict[str, Any]:
    """One delta item (full, partial or `@removed`) -> one observation row.

    Raises MalformedMessage for a payload that is not a message (no id, wrong types).
    """
    if not _is_mapping(item):
        raise MalformedMessage("item is not an object")
    message_id = item.get("id")
    if not isinstance(message_id, str) or not message_id:
        raise MalformedMessage("message has no id")
    if _utf8(message_id) != message_id:
        raise MalformedMessage("message id is not valid UTF-8")
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row.update(
        observed_at=observed_at,
        mailbox_address=mailbox_address,
        store_address=store_address,
        folder_id=folder_id,
        message_id=message_id,
        is_removed=False,
    )
    removed = item.get("@removed")
    if removed is not None:
        row["is_removed"] = True
        row["removed_reason"] = (
            _utf8(str(removed.get("reason", "")))[:MAX_TEXT] if isinstance(removed, Mapping) else ""
        )
        return row
    from_address, from_name = _address(item.get("from"), "from")
    sender_address, sender_name = _address(item.get("sender"), "sender")
    to_addresses, to_count = _recipients(item.get("toRecipients"), "toRecipients")
    cc_addresses, cc_count = _recipients(item.get("ccRecipients"), "ccRecipients")
    headers = _headers(item.get("internetMessageHeaders"))
    row.update(
        conversation_id=_text(item.get("conversationId"), "conversationId"),
        internet_message_id=_text(item.get("internetMessageId"), "internetMessageId"),
        subject=_text(item.get("subject"), "subject"),
        from_address=from_address,
        from_name=from_name,
        sender_address=sender_address,
        sender_name=sender_name,
        to_addresses=to_addresses,
        cc_addresses=cc_addresses,
        recipient_count=(to_count + cc_count) if to_addresses is not None else None,
        received_date_time=_instant(item, "receivedDateTime", observed_at),
        sent_date_time=_instant(item, "sentDateTime", observed_at),
        created_date_time=_instant(item, "createdDateTime", observed_at),
        last_modified_date_time=_instant(item, "lastModifiedDateTime", observed_at),
        is_draft=_bool(item.get("isDraft"), "isDraft"),
        categories=_categories(item.get("categories")),
        parent_folder_id=_text(item.get("parentFolderId"), "parentFolderId"),
        has_headers=headers is not None,
    )
    if headers:
        row.update(headers)
    return row


def quarantine_row(
    item: Any,
    reason: str,
    *,
    observed_at: dt.datetime,
    mailbox_address: str,
    store_address: str,
    folder_id: str,
) -> dict[str, Any]:
    message_id = item.get("id") if isinstance(item, Mapping) else None
    try:
        payload = json.dumps(item, default=str, ensure_ascii=False)[:4000]
    except (TypeError, ValueError):
        payload = repr(item)[:4000]
    return {
        "observed_at": observed_at,
        "mailbox_address": mailbox_address,
        "store_address": store_address,
        "folder_id": folder_id,
        "message_id": _utf8(message_id) if isinstance(message_id, str) else None,
        "reason": _utf8(reason),
        "payload": _utf8(payload),
    }


def observations_table(rows: Iterable[Mapping[str, Any]]) -> pa.Table:
    """Rows -> an arrow table with the fixed schema (columns in schema order)."""
    rows = list(rows)
    return pa.Table.from_pydict(
        {name: [r[name] for r in rows] for name in COLUMNS}, schema=OBSERVATION_SCHEMA
    )


def quarantine_table(rows: Iterable[Mapping[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(list(rows), schema=QUARANTINE_SCHEMA)
