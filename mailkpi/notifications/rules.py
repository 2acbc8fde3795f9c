"""The alert rules of `mailkpi.yml`, evaluated on the marts as of the build's as_of.

An alert's key is its rule, mailbox, thread and episode; the ledger sends each key once per
channel. The episode is what makes a later alert a new one:
- first_response_at_risk / _breached: the thread's current open spell, from its first
  inbound message or, when it was resolved unanswered and the customer wrote again, from
  its latest reopen;
- turn_unanswered: the unanswered turn's start (each new turn after a reply is new);
- unassigned_threads: the first as_of that found the mailbox over the limit since it was
  last found under it (kept in the ledger: no mart holds it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from ..config import AlertRule, Config
from . import waits
from .ledger import Ledger


@dataclass(frozen=True)
class Alert:
    rule: str
    mailbox: str
    conversation_id: str | None  # None for a mailbox-wide rule (unassigned_threads)
    episode: dt.datetime
    channels: tuple[str, ...]
    quiet_hours: bool
    subject: str | None = None
    customer: str | None = None
    assignee: str | None = None
    waiting_since: dt.datetime | None = None
    minutes_left: float | None = None  # negative: over the limit by that much
    limit_minutes: float | None = None
    clock: str = "business"
    tier: str | None = None
    count: int | None = None  # unassigned_threads: threads in `new`

    @property
    def key(self) -> str:
        return "|".join(
            (self.rule, self.mailbox, self.conversation_id or "", self.episode.isoformat())
        )


def _applies(rule: AlertRule, mailbox: str) -> bool:
    return rule.mailboxes is None or mailbox in rule.mailboxes


def _thread_alert(rule: AlertRule, row: dict, **fields) -> Alert:
    return Alert(
        rule=rule.rule,
        mailbox=row["mailbox_address"],
        conversation_id=row["conversation_id"],
        channels=tuple(rule.channels),
        quiet_hours=rule.quiet_hours,
        subject=row["subject"],
        customer=row["customer_address"],
        assignee=row["assignee"],
        **fields,
    )


def _first_response(rule: AlertRule, rows: list[dict]) -> list[Alert]:
    out = []
    for row in rows:
        left = row["first_response_sla_minutes"] - row["waited_minutes"]
        if rule.rule == "first_response_breached":
            hit = row["sla_first_response_status"] == "breached"
        else:  # at risk: not yet breached, at most minutes_left to go
            hit = row["sla_first_response_status"] == "pending" and left <= rule.minutes_left
        if hit and _applies(rule, row["mailbox_address"]):
            out.append(
                _thread_alert(
                    rule,
                    row,
                    episode=row["episode_started_at"],
                    waiting_since=row["first_inbound_at"],
                    minutes_left=left,
                    limit_minutes=row["first_response_sla_minutes"],
                    clock=row["first_response_sla_clock"],
                    tier=row["sla_tier"],
                )
            )
    return out


def _turns(rule: AlertRule, rows: list[dict]) -> list[Alert]:
    limit = rule.business_hours * 60
    return [
        _thread_alert(
            rule,
            row,
            episode=row["turn_started_at"],
            waiting_since=row["turn_started_at"],
            minutes_left=limit - row["waited_minutes"],
            limit_minutes=limit,
        )
        for row in rows
        if row["waited_minutes"] > limit and _applies(rule, row["mailbox_address"])
    ]


def _unassigned(rule: AlertRule, rows: list[dict], ledger: Ledger, as_of) -> list[Alert]:
    out = []
    for row in rows:
        if not _applies(rule, row["mailbox_address"]):
            continue
        over = row["new_threads"] > rule.more_than
        started = ledger.count_episode(rule.rule, row["mailbox_address"], over, as_of)
        if started:
            out.append(
                Alert(
                    rule=rule.rule,
                    mailbox=row["mailbox_address"],
                    conversation_id=None,
                    episode=dt.datetime.fromisoformat(started),
                    channels=tuple(rule.channels),
                    quiet_hours=rule.quiet_hours,
                    waiting_since=row["oldest_at"],
                    count=row["new_threads"],
                    limit_minutes=None,
                )
            )
    return out


def evaluate(
    con: duckdb.DuckDBPyConnection, config: Config, ledger: Ledger
) -> tuple[dt.datetime, list[Alert]]:
    """The build's as_of and every alert its rules raise now (sent or not)."""
    as_of = waits.as_of(con)
    rules = config.notifications.alerts if config.notifications else []
    needs = {r.rule for r in rules}
    first_response = {"first_response_at_risk", "first_response_breached"}
    first = waits.first_response_waits(con) if needs & first_response else []
    turns = waits.open_turns(con) if "turn_unanswered" in needs else []
    new = waits.new_threads(con) if "unassigned_threads" in needs else []
    alerts: list[Alert] = []
    for rule in rules:
        if rule.rule.startswith("first_response"):
            alerts += _first_response(rule, first)
        elif rule.rule == "turn_unanswered":
            alerts += _turns(rule, turns)
        else:
            alerts += _unassigned(rule, new, ledger, as_of)
    return as_of, alerts
