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


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def _mailboxes(scope: Scope) -> str:
    return f"{{{{ Entity('mailbox') }}}} in ({_quoted(scope.mailboxes)})"


def _days(scope: Scope) -> str:
    day = "{{ TimeDimension('metric_time', 'day') }}"
    return f"{day} between '{scope.start}' and '{scope.end}'"


def _agent(scope: Scope) -> tuple[str, ...]:
    """The chosen agent as the metrics' `agent` entity: a thread's first responder, a turn's
    responder; the shared mailbox is the replies sent as the mailbox (no responder)."""
    if scope.agent is None:
        return ()
    if scope.agent == SHARED_MAILBOX:
        return ("{{ Entity('agent') }} is null",)
    return (f"{{{{ Entity('agent') }}}} = {_quoted((scope.agent,))}",)


@st.cache_data(ttl=TTL, show_spinner=False)
def metrics(
    db: Database,
    scope: Scope,
    names: tuple[str, ...],
    group_by: tuple[str, ...] = (),
    where: tuple[str, ...] = (),
    whole_periods: bool = False,
    by_agent: bool = False,
) -> pd.DataFrame:
    """The metrics `names` by `group_by` over the scope's mailboxes and dates; with
    `whole_periods`, over the whole weeks or months (of the group-by) the dates touch; with
    `by_agent`, of the scope's agent only."""
    if by_agent:
        where = (*where, *_agent(scope))
    if whole_periods:
        request = Request(
            metrics=names,
            group_by=group_by,
            where=(_mailboxes(scope), *where),
            start_time=scope.start,
            end_time=scope.end,
        )
    else:
        request = Request(
            metrics=names, group_by=group_by, where=(_mailboxes(scope), _days(scope), *where)
        )
    result = _layer(db).query(request)
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
) -> dict[str, float | None]:
    """The metrics over the whole scope: one value each."""
    frame = metrics(db, scope, names, where=where, by_agent=by_agent)
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
