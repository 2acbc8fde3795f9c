"""Date-range presets relative to the data's as-of date, and the period to compare against."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

PRESETS = ("Last 7 days", "Last 30 days", "Last 90 days", "This month", "Last month", "Custom")
GRAINS = ("day", "week", "month")


class Period(NamedTuple):
    start: dt.date
    end: dt.date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of equal length that ends the day before this one starts."""
        end = self.start - dt.timedelta(days=1)
        return Period(end - dt.timedelta(days=self.days - 1), end)

    def label(self) -> str:
        return f"{self.start:%d %b %Y} – {self.end:%d %b %Y}"


def preset_period(preset: str, as_of: dt.date) -> Period:
    """A preset's local dates; "last N days" ends on (and includes) the as-of date."""
    if preset.startswith("Last ") and preset.endswith(" days"):
        days = int(preset.split()[1])
        return Period(as_of - dt.timedelta(days=days - 1), as_of)
    if preset == "This month":
        return Period(as_of.replace(day=1), as_of)
    if preset == "Last month":
        end = as_of.replace(day=1) - dt.timedelta(days=1)
        return Period(end.replace(day=1), end)
    raise ValueError(f"no preset named {preset!r}")
