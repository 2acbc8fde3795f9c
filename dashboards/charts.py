"""Altair charts the pages share. Durations are drawn in hours: minutes get unreadable."""

from __future__ import annotations

import altair as alt
import pandas as pd

GRAIN_FORMATS = {"day": "%d %b", "week": "%d %b", "month": "%b %Y"}
GRAIN_TITLES = {"day": "Day", "week": "Week starting", "month": "Month"}


DAY_MS = 86_400_000
TICK_STEPS = {"day": DAY_MS, "week": 7 * DAY_MS, "month": 28 * DAY_MS}


def period_axis(grain: str) -> alt.X:
    """Periods on a time axis, one label per period at most."""
    return alt.X(
        "period_start:T",
        title=GRAIN_TITLES[grain],
        axis=alt.Axis(format=GRAIN_FORMATS[grain], labelAngle=0, tickMinStep=TICK_STEPS[grain]),
    )


def period_bands(frame: pd.DataFrame, grain: str) -> tuple[pd.DataFrame, alt.X]:
    """Periods as labelled bands, for bars: a time axis draws them a day wide."""
    labelled = frame.assign(period=frame["period_start"].dt.strftime(GRAIN_FORMATS[grain]))
    order = list(dict.fromkeys(labelled.sort_values("period_start")["period"]))
    return labelled, alt.X(
        "period:O", title=GRAIN_TITLES[grain], sort=order,
        axis=alt.Axis(labelAngle=0, labelOverlap=True),
    )  # fmt: skip


def trend(
    frame: pd.DataFrame, series: dict[str, str], grain: str, y_title: str, kind: str = "line"
) -> alt.Chart:
    """One line (or bar group) per column in `series` ({column: legend label}) over periods;
    kind is "line", "bar", or "rate" (a 0–100 % line)."""
    long = frame.melt(
        id_vars="period_start", value_vars=list(series), var_name="series", value_name="value"
    )
    long["series"] = long["series"].map(series)
    long["period_start"] = pd.to_datetime(long["period_start"])
    tooltip = [
        alt.Tooltip("period_start:T", title=GRAIN_TITLES[grain], format="%d %b %Y"),
        alt.Tooltip("series:N", title="Series"),
        alt.Tooltip("value:Q", title=y_title, format=".0%" if kind == "rate" else ",.1f"),
    ]
    color = alt.Color(
        "series:N",
        title=None,
        sort=list(series.values()),
        scale=alt.Scale(scheme="tableau10"),
        legend=alt.Legend(orient="top"),
    )
    if kind == "bar":
        long, x = period_bands(long, grain)
        return (
            alt.Chart(long)
            .mark_bar()
            .encode(
                x=x,
                y=alt.Y("value:Q", title=y_title),
                xOffset=alt.XOffset("series:N", sort=list(series.values())),
                color=color,
                tooltip=tooltip,
            )
        )
    axis = alt.Axis(format=".0%") if kind == "rate" else alt.Axis()
    scale = alt.Scale(domain=[0, 1]) if kind == "rate" else alt.Scale(zero=True)
    return (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=period_axis(grain),
            y=alt.Y("value:Q", title=y_title, axis=axis, scale=scale),
            color=color,
            tooltip=tooltip,
        )
    )


def histogram(
    bins: pd.DataFrame, median: float | None, p90: float | None, x_title: str
) -> alt.Chart:
    """Bars of `bin_start`/`bin_end` (hours) and `turns`, with the median and p90 as rules."""
    bars = (
        alt.Chart(bins)
        .mark_bar()
        .encode(
            x=alt.X(
                "bin_start:Q", title="Hours to reply", bin="binned", scale=alt.Scale(zero=True)
            ),
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
HOURS = list(range(24))


def heatmap(frame: pd.DataFrame, value: str, title: str, fmt: str = ",.0f") -> alt.Chart:
    """Weekday (rows, Monday first) by local hour (columns)."""
    return (
        alt.Chart(frame, height=230)
        .mark_rect()
        .encode(
            x=alt.X("hour:O", title="Hour of day (local)", scale=alt.Scale(domain=HOURS)),
            y=alt.Y("weekday:N", title=None, scale=alt.Scale(domain=WEEKDAYS)),
            color=alt.Color(f"{value}:Q", title=title, scale=alt.Scale(scheme="blues")),
            tooltip=[
                alt.Tooltip("weekday:N", title="Weekday"),
                alt.Tooltip("hour:O", title="Hour"),
                alt.Tooltip(f"{value}:Q", title=title, format=fmt),
            ],
        )
    )
