"""Every page under AppTest on the hand-made marts (tests/dashboards/fixture_marts.py).

The data's as-of date is 31 Mar 2026, so "Last 7 days" is 25–31 Mar and its previous period
18–24 Mar. Expected values are counted by hand from the fixture's docstring.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.dashboards import fixture_marts
from tests.dashboards.conftest import chart_data, deltas, metrics
from tests.dashboards.fixture_marts import ALICE, BOB

PAGES = ["overview", "response_times", "agents", "workload", "sla_backlog", "threads",
         "data_quality"]  # fmt: skip


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_with_the_data_as_of_date(open_app, page):
    at = open_app(page)
    assert not at.exception
    assert "data as of 31 Mar 2026" in at.caption[0].value
    assert at.get("download_button"), "every page offers its tables as CSV"


def test_overview_cards_last_7_days(open_app):
    at = open_app()
    shown = metrics(at)
    # First replies T1 30, T2 150 (business), T6 45; turns 30, 150, 60, 45.
    assert shown["First reply · median"] == "45 min"
    assert shown["First reply · mean"] == "75 min"
    assert shown["Reply time · median"] == "52 min"  # 52.5
    assert shown["Reply time · p90"] == "2.1 h"  # 60 + 0.7 × 90 = 123 min
    assert shown["SLA met"] == "75%"  # T1, T2, T6 met; T3 breached; T7 pending
    assert shown["New threads"] == "6"  # T1, T2, T3, T5 (team), T6, T7
    assert shown["Resolved"] == "2"  # T1, T6
    assert shown["Reopen rate"] == "0%"
    assert shown["Reassignment rate"] == "33%"  # T2 of T1, T2, T6
    assert shown["Open backlog"] == "5"  # T2, T3, T4, T5, T7
    # Previous period: T4 alone (first reply 60, turns 60 and 30, resolved then reopened).
    change = deltas(at)
    assert change["First reply · median"] == "-15 min"
    assert change["New threads"] == "+5"
    assert change["Reopen rate"] == "-100.0 pp"
    assert change["Open backlog"] == "+4"  # 1 open at the end of 24 Mar


def test_overview_calendar_clock_changes_the_times(open_app):
    at = open_app()
    at.sidebar.segmented_control(key="clock").set_value("calendar").run()
    shown = metrics(at)
    assert shown["First reply · mean"] == "6.4 h"  # (30 + 1080 + 45) / 3 = 385 min
    assert shown["Reply time · p90"] == "12.9 h"  # 60 + 0.7 × 1020 = 774 min
    assert shown["New threads"] == "6"


def test_overview_agent_filter(open_app):
    at = open_app()
    at.sidebar.selectbox(key="agent").set_value(ALICE).run()
    shown = metrics(at)
    # A KPI's agent is its metric's `agent`: a thread's first responder, a turn's responder.
    assert shown["New threads"] == "1"  # T1 (her first reply; Bob answered T2 first)
    assert shown["First reply · median"] == "30 min"  # only T1's first reply is hers
    assert shown["Reply time · median"] == "45 min"  # her turns: 30 and 60
    at.sidebar.selectbox(key="agent").set_value("shared mailbox").run()
    assert metrics(at)["Reply time · median"] == "–"  # Send As answered only T4, on 20 Mar


def test_overview_mailbox_filter(open_app):
    at = open_app()
    at.sidebar.multiselect(key="mailboxes").set_value(["sales@contoso.com"]).run()
    shown = metrics(at)
    assert shown["New threads"] == "1"
    assert shown["First reply · median"] == "45 min"
    assert shown["Open backlog"] == "0"


def test_overview_trend_table_per_week(open_app):
    at = open_app()
    at.sidebar.segmented_control(key="grain").set_value("week").run()
    trend = at.dataframe[0].value.set_index("period_start")
    assert trend["new_threads"].to_dict() == {
        trend.index[0]: 4,  # week of 23 Mar: T1, T2, T5, T6
        trend.index[1]: 2,  # week of 30 Mar: T3, T7
    }
    assert [d.strftime("%Y-%m-%d") for d in trend.index] == ["2026-03-23", "2026-03-30"]


def test_response_times_split_first_and_later_replies(open_app):
    at = open_app("response_times")
    assert metrics(at)["Answered turns"] == "4"
    at.segmented_control(key="turn_kind").set_value("First responses").run()
    assert metrics(at)["Answered turns"] == "3"  # T1, T2, T6
    at.segmented_control(key="turn_kind").set_value("Later replies").run()
    shown = metrics(at)
    assert shown["Answered turns"] == "1"  # T2's second turn
    assert shown["Median"] == "60 min"
    split = at.dataframe[0].value
    assert split.groupby("kind")["turns"].sum().to_dict() == {
        "First response": 3,
        "Later replies": 1,
    }


def test_response_times_histogram_span_and_reply_heatmap(open_app):
    at = open_app("response_times")
    # Business reply times 30, 45, 60, 150: the 98th percentile (continuous) is at position
    # 0.98 x 3 = 2.94, so 60 + 0.94 x 90 = 144.6 min; 144.6 / 5 <= 40 gives 5-minute bins,
    # ceil(144.6 / 5) + 1 = 30 of them, the last from 145 min (2.4 h).
    assert "Bins of 5 min" in at.caption[1].value
    assert "above 2.4 h" in at.caption[1].value
    # Median reply hours by the local weekday and hour the customer wrote: T1 Wed 25 Mar
    # 09:00 GMT, T2 Thu 16:00 and its second turn Fri 12:00, T6 Fri 27 Mar 10:00 in New York.
    heat = chart_data(at, 2).set_index(["weekday", "hour"])["median_hours"].to_dict()
    assert heat == {("Wed", 9): 0.5, ("Thu", 16): 2.5, ("Fri", 10): 0.75, ("Fri", 12): 1.0}


def test_agents_table_counts_each_responder(open_app):
    at = open_app("agents", preset="Last 30 days")
    table = at.dataframe[0].value.set_index("agent")
    assert table["replies_sent"].to_dict() == {
        "Alice Smith": 3,  # T1, T2, T4 (23 Mar)
        "Bob Jones": 2,
        "Carol White": 1,
        "Dave Brown": 1,
        "Shared mailbox (Send As)": 1,  # T4's first reply
    }
    assert table.loc["Alice Smith", "collisions"] == 1
    assert table.loc["Shared mailbox (Send As)", "threads_first_responded"] == 1
    assert table.loc["Bob Jones", "median_reply_hours"] == pytest.approx(2.5)  # 150 min
    assignments = at.dataframe[1].value.set_index("agent")
    assert "Shared mailbox (Send As)" not in assignments.index
    # T2 passed from Alice to Bob on 27 Mar; nobody else changed hands.
    assert assignments.loc["Bob Jones", "reassignments_in"] == 1
    assert assignments.loc["Alice Smith", "reassignments_out"] == 1
    assert assignments["reassignments_in"].sum() == assignments["reassignments_out"].sum() == 1
    # Open and assigned: T4 (Alice) and T2 (Bob); T1 and T6 are resolved.
    assert assignments["open_assigned"].to_dict() == {
        "Alice Smith": 1, "Bob Jones": 1, "Carol White": 0, "Dave Brown": 0,
    }  # fmt: skip


def test_agents_reassignments_follow_the_range(open_app):
    at = open_app("agents", preset="Custom")
    at.sidebar.date_input(key="custom_range").set_value(
        (dt.date(2026, 3, 28), dt.date(2026, 3, 31))
    ).run()
    assignments = at.dataframe[1].value.set_index("agent")
    assert assignments["reassignments_in"].sum() == 0  # the handover was on 27 Mar
    assert assignments.loc["Bob Jones", "reassigned_threads"] == 1  # at any time


def test_workload_topics(open_app):
    at = open_app("workload")
    topics = at.dataframe[0].value.set_index("topic")
    # Customer threads started 25–31 Mar: T1, T3 billing; T2 technical; T6, T7 none.
    assert topics["threads"].to_dict() == {"billing": 2, "(no topic)": 2, "technical": 1}
    assert topics.loc["billing", "open_threads"] == 1  # T3


def test_fixture_states_end_as_the_threads_status():
    """The fixture's daily states, replayed from its events, end at fct_threads.status."""
    for box in fixture_marts.ZONES:
        states = fixture_marts.thread_states(
            box, fixture_marts._local_day(fixture_marts.AS_OF, box)
        )
        expected = {t["conversation_id"]: t["status"] for t in fixture_marts.THREADS
                    if t["mailbox_address"] == box}  # fmt: skip
        assert states == expected


def test_workload_states_over_time(open_app):
    at = open_app("workload")
    bars = chart_data(at, 2)
    per_day = bars.pivot_table(index="period", columns="status", values="threads").fillna(0)
    # 25 Mar: T1 and T4 answered. 27 Mar: T2, T4, T6 answered; the customer answered T5's
    # opening message. 31 Mar: T3 and T7 new as well.
    assert per_day.loc["25 Mar"].to_dict() == {
        "new": 0, "assigned": 0, "awaiting_response": 0, "waiting_on_customer": 2,
    }  # fmt: skip
    assert per_day.loc["27 Mar", "waiting_on_customer"] == 3
    assert per_day.loc["27 Mar", "awaiting_response"] == 1
    assert per_day.loc["31 Mar"].to_dict() == {
        "new": 2, "assigned": 0, "awaiting_response": 1, "waiting_on_customer": 2,
    }  # fmt: skip
    assert any("2 at the end of the range" in c.value for c in at.caption)  # T1, T6 resolved
    at.sidebar.segmented_control(key="grain").set_value("week").run()
    weekly = chart_data(at, 2).groupby("period")["threads"].sum().to_dict()
    assert weekly == {"23 Mar": 3, "30 Mar": 5}  # open on Sun 29 Mar: T2, T4, T5


def test_sla_watchlist_breached_and_at_risk(open_app):
    at = open_app("sla_backlog")
    watch = at.dataframe[0].value.set_index("subject")
    assert watch["sla_status"].to_dict() == {"Refund please": "breached", "Cannot pay": "at risk"}
    assert watch.loc["Cannot pay", "target_used"] == pytest.approx(195 / 240)
    assert watch.loc["Cannot pay", "thread"].startswith("threads?mailbox=support%40contoso.com")
    backlog = at.dataframe[2].value
    assert backlog["open_threads"].tolist()[-1] == 5


def test_thread_timeline_opened_by_link(open_app):
    at = open_app("threads", mailbox="support@contoso.com", conversation="T1")
    messages = at.dataframe[2].value
    assert messages["why"].tolist() == [
        "counted",
        "automated subject (out of office, undeliverable…)",
        "counted",
    ]
    turns = at.dataframe[3].value
    assert turns["replied_by"].tolist() == [ALICE]


def test_thread_timeline_interleaves_moves_and_assignments(open_app):
    at = open_app("threads", mailbox="support@contoso.com", conversation="T2")
    timeline = at.dataframe[1].value
    assert timeline["event_type"].tolist() == [
        "Customer wrote", "Assigned", "Reassigned", "Team wrote", "Customer wrote",
        "Team wrote", "Team wrote",
    ]  # fmt: skip
    assert timeline["detail"].iloc[2] == f"from {ALICE} to {BOB} (by category)"
    # Times are local: 26 Mar 16:30 UTC is 16:30 GMT, 27 Mar 09:50 UTC is 09:50 GMT.
    assert timeline["event_at"].iloc[2].strftime("%d %b %H:%M") == "27 Mar 09:50"
    at = open_app("threads", mailbox="support@contoso.com", conversation="T4")
    timeline = at.dataframe[1].value
    assert timeline["event_type"].tolist() == [
        "Customer wrote", "Assigned", "Team wrote", "Moved", "Resolved", "Customer wrote",
        "Reopened", "Team wrote",
    ]  # fmt: skip
    assert timeline["detail"].iloc[3] == "Inbox → Done (2 messages)"
    assert timeline["agent_address"].iloc[2] == "Shared mailbox (Send As)"


def test_thread_search(open_app):
    at = open_app("threads")
    assert len(at.dataframe[0].value) == 6  # a message in 25–31 Mar: all but T4
    at.text_input(key="thread_search").set_value("refund").run()
    assert at.dataframe[0].value["subject"].tolist() == ["Refund please"]


def test_data_quality_loads_exclusions_and_anomalies(open_app):
    at = open_app("data_quality", preset="Last 30 days")
    # what the build covers, in each mailbox's time: support (London, GMT in January, BST
    # from 29 Mar) read since 5 Jan 02:00 UTC = 02:00, until 31 Mar 12:00 UTC = 13:00;
    # sales (New York, EST in January, EDT in March) since 21:00 on 4 Jan, until 08:00
    covered = at.dataframe[0].value.set_index("mailbox_address")
    assert covered[["read_since", "read_until"]].astype(str).to_dict("index") == {
        "support@contoso.com": {
            "read_since": "2026-01-05 02:00:00",
            "read_until": "2026-03-31 13:00:00",
        },
        "sales@contoso.com": {
            "read_since": "2026-01-04 21:00:00",
            "read_until": "2026-03-31 08:00:00",
        },
    }
    loads = at.dataframe[1].value.set_index("mailbox_address")
    assert loads.loc["support@contoso.com", "messages_new"] == 4  # the 31 Mar load
    assert loads.loc["support@contoso.com", "loads"] == 2
    assert loads.loc["sales@contoso.com", "store_address"] == "dave@contoso.com"
    # the fixture's T2 (support) arrived twice from the customer without headers
    headerless = at.dataframe[2].value.set_index("mailbox_address")
    assert headerless["without_headers"].to_dict() == {
        "sales@contoso.com": 0,
        "support@contoso.com": 2,
    }
    assert (headerless["share_without_headers"] * headerless["inbound_counted"]).round(
        6
    ).to_dict() == {
        "sales@contoso.com": 0,
        "support@contoso.com": 2,
    }
    excluded = at.dataframe[3].value.set_index("excluded_reason")
    assert excluded["messages"].to_dict() == {"automated_subject": 1, "draft": 1}
    assert at.dataframe[5].value["reason"].tolist() == ["sentDateTime in year 9999"]
    anomalies = at.dataframe[6].value
    assert anomalies["conversation_id"].tolist() == ["T4"]  # the Send As reply


def test_custom_range(open_app):
    at = open_app()
    at.sidebar.selectbox(key="preset").set_value("Custom").run()
    at.sidebar.date_input(key="custom_range").set_value(
        (dt.date(2026, 3, 20), dt.date(2026, 3, 21))
    ).run()
    assert not at.exception
    assert "20 Mar 2026 – 21 Mar 2026" in at.caption[0].value
    shown = metrics(at)
    assert shown["New threads"] == "1"  # T4
    assert shown["Resolved"] == "1"  # T4 on 21 Mar
    assert shown["Reopen rate"] == "100%"  # T4 came back on 22 Mar
