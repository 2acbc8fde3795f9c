"""Quiet hours: whether a mailbox is open at an instant, by its business hours and holidays."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from ..config import WEEKDAYS, MailboxSettings


def is_open(mailbox: MailboxSettings, instant: dt.datetime) -> bool:
    """True when `instant` falls in one of the mailbox's business-hour ranges, local time."""
    local = instant.astimezone(ZoneInfo(mailbox.timezone))
    if local.date() in mailbox.holidays:
        return False
    ranges = mailbox.business_hours.ranges().get(WEEKDAYS[local.weekday()], [])
    now = local.time().replace(tzinfo=None)
    return any(start <= now and (end is None or now < end) for start, end in ranges)
