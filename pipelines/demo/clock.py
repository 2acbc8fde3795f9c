"""Local time for the demo generator: arrival weights, business-hour arithmetic and the
nightly loads' instants.

Everything works on integer epoch seconds (UTC); local dates, business hours, holidays and
daylight-saving changes come from the mailbox's settings through `zoneinfo`, once per day,
so per-message work is a bisect.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from itertools import accumulate
from zoneinfo import ZoneInfo

from .mailboxes import DemoMailbox
from .settings import (
    CLOSED_HOUR_WEIGHT,
    EDGE_HOUR_WEIGHT,
    HOLIDAY_WEIGHT_FACTOR,
    LOAD_TIME_UTC,
    OPEN_HOUR_WEIGHT,
    WEEKEND_HOUR_WEIGHT,
)

DAY = 86_400


def local_instant(day: dt.date, at: dt.time, tz: dt.tzinfo) -> int:
    return int(dt.datetime.combine(day, at, tzinfo=tz).timestamp())


def load_instant(day: dt.date) -> int:
    """The nightly load of `day` (UTC)."""
    return local_instant(day, LOAD_TIME_UTC, dt.UTC)


class MailboxClock:
    """Business hours of one mailbox between two local dates (inclusive)."""

    def __init__(self, mailbox: DemoMailbox, first: dt.date, last: dt.date):
        self.tz = ZoneInfo(mailbox.timezone)
        self.holidays = frozenset(mailbox.holidays)
        self.ranges = mailbox.opening_hours
        starts: list[int] = []
        ends: list[int] = []
        day = first
        while day <= last:
            if day not in self.holidays:
                for start, end in self.ranges.get(day.weekday(), ()):
                    starts.append(local_instant(day, start, self.tz))
                    ends.append(
                        local_instant(day + dt.timedelta(days=1), dt.time(0), self.tz)
                        if end is None
                        else local_instant(day, end, self.tz)
                    )
            day += dt.timedelta(days=1)
        self._starts = starts
        self._ends = ends
        # business seconds before each interval starts
        self._before = [0, *accumulate(e - s for s, e in zip(starts, ends, strict=True))]

    def _position(self, at: int) -> int:
        """Business seconds from the first interval up to `at`."""
        k = bisect_right(self._starts, at) - 1
        if k < 0:
            return 0
        return self._before[k] + min(at - self._starts[k], self._ends[k] - self._starts[k])

    def is_open(self, at: int) -> bool:
        k = bisect_right(self._starts, at) - 1
        return k >= 0 and at < self._ends[k]

    def add_business(self, at: int, seconds: float) -> int:
        """The instant `seconds` of business time after `at` (from the next opening)."""
        target = self._position(at) + seconds
        k = bisect_right(self._before, target) - 1
        if k >= len(self._starts):  # past the computed horizon: carry on in calendar time
            return int(self._ends[-1] + (target - self._before[-1]))
        return int(self._starts[k] + (target - self._before[k]))

    def day_weights(self, day: dt.date) -> tuple[list[int], list[float]]:
        """UTC start of each local hour of `day` and its cumulative arrival weight.

        Open hours carry most of the mail, the hours around them some, nights and weekends a
        trickle; holidays are quiet. DST days simply have 23 or 25 hours.
        """
        start = local_instant(day, dt.time(0), self.tz)
        end = local_instant(day + dt.timedelta(days=1), dt.time(0), self.tz)
        open_ranges = self.ranges.get(day.weekday(), ())
        holiday = HOLIDAY_WEIGHT_FACTOR if day in self.holidays else 1.0
        hours, weights = [], []
        for at in range(start, end, 3600):
            hour = dt.datetime.fromtimestamp(at, self.tz).hour
            hours.append(at)
            if not open_ranges:
                weight = WEEKEND_HOUR_WEIGHT
            elif any(_covers(r, hour) for r in open_ranges):
                weight = OPEN_HOUR_WEIGHT
            elif any(_covers(r, hour - 2) or _covers(r, hour + 2) for r in open_ranges):
                weight = EDGE_HOUR_WEIGHT
            else:
                weight = CLOSED_HOUR_WEIGHT
            weights.append(weight * holiday)
        return hours, list(accumulate(weights))


def _covers(span: tuple[dt.time, dt.time | None], hour: int) -> bool:
    start, end = span
    end_hour = 24 if end is None else end.hour + (end.minute > 0)
    return start.hour <= hour < end_hour
