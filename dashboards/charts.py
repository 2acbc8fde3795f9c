"""Altair charts the pages share. Durations are drawn in hours: minutes get unreadable."""

from __future__ import annotations

import altair as alt
import pandas as pd

GRAIN_FORMATS = {"day": "%d %b", "week": "%d %b", "month": "%b %Y"}
GRAIN_TITLES = {"day": "Day", "week": "Week starting", "month": "Month"}


def _x(grain: str) -> alt.X:
    return alt.X(
        "period_start:T",
        title=GRAIN_TITLES[grain],
        axis=alt.Axis(format=GRAIN_FORMATS[grain], labelAngle=0),
        timeUnit="yearmonthdate",
    )


def trend(
    frame: pd.DataFrame, series: dict[str, str], grain: str, y_title: str, kind: str = "line"
) -> alt.Chart:
    """One line (or bar group) per column in `series` ({column: legend label}) over periods.

    kind: "line", "bar", or "rate" (a 0–100 % line); columns ending in `_minutes`-like values
    are expected in hours already when y_title says so.
    """
    long = frame.melt(
        id_vars="period_start", value_vars=list(series), var_name="series", value_name="value"
    )
    long["series"] = long["series"].map(series)
    base = alt.Chart(long).encode(
        x=_x(grain),
        color=alt.Color("series:N", title=None, sort=list(series.values()),
                        scale=alt.Scale(scheme="tableau10"), legend=alt.Legend(orient="top")),
        tooltip=[
            alt.Tooltip("period_start:T", title=GRAIN_TITLES[grain], format="%d %b %Y"),
            alt.Tooltip("series:N", title="Series"),
            alt.Tooltip("value:Q", title=y_title, format=".0%" if kind == "rate" else ",.1f"),
        ],
    )  # fmt: skip
    if kind == "bar":
        return base.mark_bar().encode(
            y=alt.Y("value:Q", title=y_title), xOffset=alt.XOffset("series:N", sort=None)
        )
    axis = alt.Axis(format=".0%") if kind == "rate" else alt.Axis()
    scale = alt.Scale(domain=[0, 1]) if kind == "rate" else alt.Scale(zero=True)
    return base.mark_line(point=True).encode(
        y=alt.Y("value:Q", title=y_title, axis=axis, scale=scale)
    )


def histogram(bins: pd.DataFrame, median: float | None, p90: float | None) -> alt.Chart:
    """Bars of `bin_start`/`bin_end` (hours) and `turns`, with the median and p90 as rules."""
    bars = (
        alt.Chart(bins)
        .mark_bar()
        .encode(
            x=alt.X("bin_start:Q", title="Hours to reply", bin="binned"),
            x2="bin_end:Q",
            y=alt.Y("turns:Q", title="Replies"),
            tooltip=[
                alt.Tooltip("bin_start:Q", title="From (h)", format=",.2f"),
                alt.Tooltip("bin_end:Q", title="To (h)", format=",.2f"),
                alt.Tooltip("turns:Q", title="Replies", format=","),
            ],
        )
    )
    marks = pd.DataFrame(
        [(name, value / 60) for name, value in (("median", median), ("p90", p90))
         if value is not None and value == value],
        columns=["mark", "hours"],
    )  # fmt: skip
    rules = (
        alt.Chart(marks)
        .mark_rule(strokeDash=[4, 3], strokeWidth=2)
        .encode(
            x="hours:Q",
            color=alt.Color(
                "mark:N",
                title=None,
                scale=alt.Scale(domain=["median", "p90"], range=["#d62728", "#ff7f0e"]),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=[alt.Tooltip("mark:N"), alt.Tooltip("hours:Q", format=",.2f")],
        )
    )
    return bars + rules


WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def heatmap(frame: pd.DataFrame, value: str, title: str, fmt: str = ",.0f") -> alt.Chart:
    """Weekday (rows, Monday first) by local hour (columns)."""
    return (
        alt.Chart(frame)
        .mark_rect()
        .encode(
            x=alt.X("hour:O", title="Hour of day (local)"),
            y=alt.Y("weekday:N", title=None, sort=WEEKDAYS),
            color=alt.Color(f"{value}:Q", title=title, scale=alt.Scale(scheme="blues")),
            tooltip=[
                alt.Tooltip("weekday:N", title="Weekday"),
                alt.Tooltip("hour:O", title="Hour"),
                alt.Tooltip(f"{value}:Q", title=title, format=fmt),
            ],
        )
    )
