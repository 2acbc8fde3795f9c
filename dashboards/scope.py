"""What every tile is filtered by: the sidebar's choices as one hashable value."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from .periods import Period

# The agent filter's value for replies sent "as" the mailbox (Send As): no agent is known.
SHARED_MAILBOX = "shared mailbox"
SHARED_MAILBOX_LABEL = "Shared mailbox (Send As)"


class Scope(NamedTuple):
    mailboxes: tuple[str, ...]
    start: dt.date
    end: dt.date
    grain: str = "day"  # day | week | month
    clock: str = "business"  # business | calendar
    agent: str | None = None  # an agent address, SHARED_MAILBOX, or None for everyone

    @property
    def period(self) -> Period:
        return Period(self.start, self.end)

    def previous(self) -> Scope:
        before = self.period.previous()
        return self._replace(start=before.start, end=before.end)
