"""Coverage: when customers write against when the team is open, and what waiting costs."""

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import charts, queries, semantic, ui
from dashboards.filters import page

db, scope = page("Coverage")
OUTSIDE = {"True": "Started outside hours", "False": "Started in hours"}

st.subheader("When mail arrives")
slots = semantic.metrics(
    db, scope, ("inbound_messages",), ("received_iso_dow", "received_hours_slot")
)
slots = slots[slots["received_hours_slot"].notna() & (slots["inbound_messages"] > 0)]
if slots.empty:
    st.info("No inbound mail in this range.")
    st.stop()
share = semantic.totals(db, scope, ("outside_hours_inbound_share",))["outside_hours_inbound_share"]
monday = slots[slots["received_iso_dow"] == 1]
monday_total = monday["inbound_messages"].sum()
before = monday.loc[monday["received_hours_slot"] == "before_opening", "inbound_messages"].sum()
left, right = st.columns(2)
left.metric(
    "Inbound mail outside business hours",
    ui.percent(share),
    help="Inbound messages received outside the mailbox's business hours (local time; "
    "weekends and holidays are closed all day) / inbound messages.",
)
right.metric(
    "Monday's mail that arrives before we open",
    ui.percent(before / monday_total if monday_total else None),
    help="Inbound messages on Mondays before the first opening hour, / Monday's inbound.",
)
if monday_total:
    st.markdown(f"**{before / monday_total:.0%} of Monday's mail arrives before we open.**")

hours = semantic.metrics(db, scope, ("inbound_messages",), ("received_iso_dow", "received_hour"))
hours = semantic.weekday_hours(hours, "received_iso_dow", "received_hour")
open_slots = queries.opening_hours(db, scope)
open_slots["weekday"] = open_slots["iso_dow"].map(lambda d: charts.WEEKDAYS[d - 1])
open_slots["hour"] = open_slots["local_hour"]
outline = (
    alt.Chart(open_slots.drop_duplicates(["weekday", "hour"]))
    .mark_rect(fill=None, stroke="#f58518", strokeWidth=2)
    .encode(x=alt.X("hour:O", scale=alt.Scale(domain=charts.HOURS)), y="weekday:N")
)
st.altair_chart(
    alt.layer(charts.heatmap(hours, "inbound_messages", "Inbound messages"), outline),
    width="stretch",
)
st.caption(
    "Inbound messages by local weekday and hour (each mailbox's own time zone); the orange "
    "frames are the business hours. Holidays are closed all day, though the frames show the "
    "weekly hours."
)

st.subheader("First response: threads that start outside hours against in hours")
split = semantic.metrics(
    db,
    scope,
    ("new_threads", "first_response_minutes_median", "first_response_minutes_avg"),
    ("started_outside_hours",),
    ("{{ Dimension('initiated_by') }} = 'customer'",),
)
split = split[split["started_outside_hours"].notna()].copy()
if split.empty:
    st.info("No customer threads in this range.")
else:
    split["started"] = split["started_outside_hours"].astype(str).map(OUTSIDE)
    columns = st.columns(len(split))
    for column, (_, row) in zip(columns, split.sort_values("started").iterrows(), strict=True):
        column.metric(
            f"{row['started']}: median first response",
            ui.duration(row["first_response_minutes_median"]),
            help=f"{ui.count(row['new_threads'])} threads; mean "
            f"{ui.duration(row['first_response_minutes_avg'])}. Calendar time: the night "
            "counts, as the customer lived it.",
        )

st.subheader("Honest first response: counting the threads still waiting")
grain = "month" if scope.grain == "month" else "week"
usual = semantic.metrics(
    db,
    scope,
    ("first_response_minutes_median", "sla_met_rate"),
    ("mailbox", f"metric_time__{grain}"),
    whole_periods=True,
)
usual = usual.rename(
    columns={"mailbox": "mailbox_address", f"metric_time__{grain}": "period_start"}
)
honest = queries.first_response_survival(db, scope, grain)
if honest.empty:
    st.info("No customer threads in this range.")
else:
    honest["period_start"] = pd.to_datetime(honest["period_start"]).dt.date
    both = honest.merge(usual, on=["mailbox_address", "period_start"], how="left")
    both = both[
        [
            "mailbox_address", "period_start", "threads", "waiting_threads",
            "first_response_minutes_median", "km_median_first_response_minutes",
            "sla_met_rate", "km_sla_met_share",
        ]
    ]  # fmt: skip
    ui.table(
        both.rename(
            columns={
                "mailbox_address": "Mailbox",
                "threads": "Threads",
                "waiting_threads": "Still waiting",
                "first_response_minutes_median": "Median, answered (min)",
                "km_median_first_response_minutes": "Median, KM (min)",
                "sla_met_rate": "SLA met, decided",
                "km_sla_met_share": "Within SLA, KM",
            }
        ),
        "first_response_survival",
        column_config={
            "Median, answered (min)": st.column_config.NumberColumn(format="%.0f"),
            "Median, KM (min)": st.column_config.NumberColumn(format="%.0f"),
            "SLA met, decided": st.column_config.NumberColumn(format="percent"),
            "Within SLA, KM": st.column_config.NumberColumn(format="percent"),
        },
    )
    differing = both[
        (both["waiting_threads"] > 0)
        & (both["km_median_first_response_minutes"] != both["first_response_minutes_median"])
    ]
    if differing.empty:
        st.caption("Where no thread is still waiting, both medians are the same.")
    else:
        row = differing.iloc[-1]
        km = row["km_median_first_response_minutes"]
        honest_median = ui.duration(km) if pd.notna(km) else "more than half still wait"
        st.markdown(
            f"In the {grain} of {row['period_start']:%d %b %Y} ({row['mailbox_address']}), "
            f"{int(row['waiting_threads'])} of {int(row['threads'])} threads are still waiting: "
            f"the usual median of the answered ones says "
            f"{ui.duration(row['first_response_minutes_median'])}, counting the waiting ones "
            f"(Kaplan–Meier) says {honest_median}."
        )
    st.caption(
        f"Whole {grain}s, calendar minutes. The usual median leaves out threads nobody has "
        "answered yet; the Kaplan–Meier estimate (KM) keeps them, as answered no sooner than "
        "the last build (censored at as-of). SLA met counts met / (met + breached) and leaves "
        "out threads still within their target; KM estimates how many of them will make it."
    )
