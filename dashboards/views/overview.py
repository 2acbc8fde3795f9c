"""Overview: the headline KPIs against the previous period, and their trend."""

import pandas as pd
import streamlit as st

from dashboards import charts, semantic, ui
from dashboards.filters import page

db, scope = page("Overview")
on_clock = semantic.on_clock
KPIS = {  # column: metric
    "first_response_median": on_clock(
        scope, "first_response_business_minutes_median", "first_response_minutes_median"
    ),
    "first_response_mean": on_clock(
        scope, "first_response_business_minutes_avg", "first_response_minutes_avg"
    ),
    "reply_median": on_clock(scope, "reply_business_minutes_median", "reply_minutes_median"),
    "reply_p90": on_clock(scope, "reply_business_minutes_p90", "reply_minutes_p90"),
    "sla_met_rate": "sla_met_rate",
    "new_threads": "new_threads",
    "resolved_threads": "resolved_threads",
    "reopen_rate": "reopen_rate",
    "reassignment_rate": "reassignment_rate",
}
COUNTS = ["new_threads", "resolved_threads"]  # none in a period is 0
by_metric = {metric: column for column, metric in KPIS.items()}


def _kpis(scope) -> pd.Series:
    values = semantic.totals(db, scope, tuple(KPIS.values()), by_agent=True)
    row = pd.Series({by_metric[m]: v for m, v in values.items()}, dtype=float)
    return row.fillna({c: 0 for c in COUNTS})


now, before = _kpis(scope), _kpis(scope.previous())


def _delta(column: str, kind: str) -> str | None:
    """The change against the previous period, in the KPI's own unit."""
    if ui.is_missing(now[column]) or ui.is_missing(before[column]):
        return None
    change = now[column] - before[column]
    if kind == "duration":
        return ("+" if change >= 0 else "-") + ui.duration(abs(change))
    if kind == "rate":
        return f"{change * 100:+.1f} pp"
    return f"{change:+,.0f}"


def _card(label: str, column: str, kind: str, lower_is_better: bool, help: str) -> None:
    show = {"duration": ui.duration, "rate": ui.percent, "count": ui.count}[kind]
    delta = _delta(column, kind)
    unchanged = delta is not None and not any(c in "123456789" for c in delta)
    st.metric(
        label,
        show(now[column]),
        delta,
        delta_color="off" if unchanged else "inverse" if lower_is_better else "normal",
        help=help,
        border=True,
    )


row = st.columns(5)
with row[0]:
    _card("First reply · median", "first_response_median", "duration", True,
          "Customer-initiated threads whose first message arrived in the range: time from "
          "that message to the team's first reply.")  # fmt: skip
with row[1]:
    _card("First reply · mean", "first_response_mean", "duration", True,
          "Mean of the same first-response times; far above the median when a few threads "
          "waited very long.")  # fmt: skip
with row[2]:
    _card("Reply time · median", "reply_median", "duration", True,
          "Every customer turn (a customer message, or several in a row) that started in "
          "the range and was answered: time to the team's answer.")  # fmt: skip
with row[3]:
    _card("Reply time · p90", "reply_p90", "duration", True,
          "90 % of answered turns were answered within this time.")  # fmt: skip
with row[4]:
    _card("SLA met", "sla_met_rate", "rate", False,
          "Met ÷ (met + breached) over threads that started in the range; threads still "
          "within their target count in neither.")  # fmt: skip
row = st.columns(5)
with row[0]:
    _card("New threads", "new_threads", "count", False,
          "Threads whose first counted message (the customer's or the team's) falls in the "
          "range.")  # fmt: skip
with row[1]:
    _card("Resolved", "resolved_threads", "count", False,
          "Threads resolved for the first time in the range (moved to a resolved folder, "
          "or idle after the team's last reply).")  # fmt: skip
with row[2]:
    _card("Reopen rate", "reopen_rate", "rate", True,
          "Of the threads resolved in the range, the share the customer reopened.")  # fmt: skip
with row[3]:
    _card("Reassignment rate", "reassignment_rate", "rate", True,
          "Of the threads that started in the range and have an assignee, the share that "
          "moved from one agent to another.")  # fmt: skip
with row[4]:
    # each mailbox's open threads on the range's last day (every agent)
    backlog, backlog_before = (
        semantic.totals(db, span, ("backlog_open_threads",))["backlog_open_threads"]
        for span in (scope, scope.previous())
    )
    change = None
    if not ui.is_missing(backlog) and not ui.is_missing(backlog_before):
        change = f"{backlog - backlog_before:+,.0f}"
    st.metric(
        "Open backlog",
        ui.count(backlog),
        change,
        delta_color="inverse",
        help="Threads open at the end of the range's last day, against the end of the "
        "previous period (every agent).",
        border=True,
    )

period = f"metric_time__{scope.grain}"
trend = semantic.metrics(db, scope, tuple(KPIS.values()), (period,), by_agent=True)
trend = trend.rename(columns={period: "period_start", **by_metric})
trend = trend.fillna({c: 0 for c in COUNTS}).sort_values("period_start")
if trend.empty:
    st.info("No threads or replies in this range.")
    st.stop()
hours = trend.assign(
    **{c: trend[c] / 60 for c in trend.columns if c.endswith(("_median", "_mean", "_p90"))}
)
left, right = st.columns(2)
with left:
    st.subheader("Reply time")
    st.altair_chart(
        charts.trend(hours, {"reply_median": "Median", "reply_p90": "p90"}, scope.grain,
                     "Hours"),
        width="stretch",
    )  # fmt: skip
    st.subheader("New and resolved threads")
    st.altair_chart(
        charts.trend(trend, {"new_threads": "New", "resolved_threads": "Resolved"},
                     scope.grain, "Threads", kind="bar"),
        width="stretch",
    )  # fmt: skip
with right:
    st.subheader("First response")
    st.altair_chart(
        charts.trend(hours, {"first_response_median": "Median",
                             "first_response_mean": "Mean"}, scope.grain, "Hours"),
        width="stretch",
    )  # fmt: skip
    st.subheader("SLA met")
    st.altair_chart(
        charts.trend(trend, {"sla_met_rate": "Met rate"}, scope.grain, "Met", kind="rate"),
        width="stretch",
    )

with st.expander("Trend table"):
    ui.table(trend, "overview_trend")
