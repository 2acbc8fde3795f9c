"""KPIs by metric name from the semantic layer (mailkpi/semantic.py): one call per tile.

The formulas live in the dbt project's metrics; this module only turns the sidebar's scope
into a request (mailboxes, local date range) and the answer into a frame. The compiled SQL
is cached per query shape by the semantic layer, the result per build here.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from mailkpi.semantic import Request, SemanticLayer

from .charts import WEEKDAYS
from .queries import TTL, Database
from .scope import SHARED_MAILBOX, Scope


@st.cache_resource(show_spinner=False)
def _layer(db: Database) -> SemanticLayer:
    return SemanticLayer(Path(db.path))


# The scope's values are bind parameters, not literals, so a request's compiled SQL (cached
# per request by the semantic layer) serves every mailbox, date range and agent.
MAILBOXES = "list_contains($mailboxes, {{ Entity('mailbox') }})"
DAYS = "{{ TimeDimension('metric_time', 'day') }} between $start and $end"


def on_clock(scope: Scope, business: str, calendar: str) -> str:
    """The metric of the scope's clock; both names are written out where a tile asks, so
    that grepping a metric's name finds its tiles."""
    return business if scope.clock == "business" else calendar


def _agent(scope: Scope) -> tuple[str, ...]:
    """The chosen agent as the metrics' `agent` entity: a thread's first responder, a turn's
    responder; the shared mailbox is the replies sent as the mailbox (no responder)."""
    if scope.agent is None:
        return ()
    if scope.agent == SHARED_MAILBOX:
        return ("{{ Entity('agent') }} is null",)
    return ("{{ Entity('agent') }} = $agent",)


def _whole_periods(group_by: tuple[str, ...]) -> str:
    """The days of the weeks or months (the group-by's grain) that the date range touches."""
    grain = next(g.removeprefix("metric_time__") for g in group_by if g.startswith("metric_time__"))
    day = "{{ TimeDimension('metric_time', 'day') }}"
    return (
        f"{day} >= date_trunc('{grain}', cast($start as date))"
        f" and {day} < date_trunc('{grain}', cast($end as date)) + interval 1 {grain}"
    )


@st.cache_data(ttl=TTL, show_spinner=False)
def metrics(
    db: Database,
    scope: Scope,
    names: tuple[str, ...],
    group_by: tuple[str, ...] = (),
    where: tuple[str, ...] = (),
    whole_periods: bool = False,
    by_agent: bool = False,
    dated: bool = True,
    bind: tuple[tuple[str, object], ...] = (),
) -> pd.DataFrame:
    """The metrics `names` by `group_by` over the scope's mailboxes and dates; with
    `whole_periods`, over the whole weeks or months (of the group-by) the dates touch; with
    `by_agent`, of the scope's agent only; not `dated`, whatever the dates (a state as of
    the build: open threads, say); `bind`: more ($name, value) for `where`'s placeholders."""
    days = (_whole_periods(group_by) if whole_periods else DAYS,) if dated else ()
    request = Request(
        metrics=names,
        group_by=group_by,
        where=(MAILBOXES, *days, *where, *(_agent(scope) if by_agent else ())),
    )
    params = {
        "mailboxes": list(scope.mailboxes),
        "start": scope.start,
        "end": scope.end,
        "agent": scope.agent,
        **dict(bind),
    }
    result = _layer(db).query(request, params)
    frame = pd.DataFrame(result.rows, columns=list(result.columns))
    for column in frame.columns:
        if column.startswith("metric_time") and not frame.empty:
            frame[column] = pd.to_datetime(frame[column]).dt.date
    return frame


def totals(
    db: Database,
    scope: Scope,
    names: tuple[str, ...],
    where: tuple[str, ...] = (),
    by_agent: bool = False,
    bind: tuple[tuple[str, object], ...] = (),
) -> dict[str, float | None]:
    """The metrics over the whole scope: one value each."""
    frame = metrics(db, scope, names, where=where, by_agent=by_agent, bind=bind)
    if frame.empty:
        return dict.fromkeys(names)
    row = frame.iloc[0]
    return {n: (None if pd.isna(row[n]) else float(row[n])) for n in names}


def weekday_hours(frame: pd.DataFrame, iso_dow: str, hour: str) -> pd.DataFrame:
    """A frame grouped by a local ISO weekday and hour, with the heatmap's `weekday` (Mon..Sun)
    and `hour`; rows without them (outbound messages, say) dropped."""
    frame = frame.dropna(subset=[iso_dow, hour])
    return frame.assign(
        weekday=frame[iso_dow].astype(int).map(lambda d: WEEKDAYS[d - 1]),
        hour=frame[hour].astype(int),
    )
