"""Alerts and digests: the rules of `mailkpi.yml` evaluated on the built marts, sent through
Apprise channels once per thread, rule and episode (docs/notifications.md)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ..config import Config
from . import channels, hours, ledger, messages, rules

log = logging.getLogger("mailkpi")


@dataclass
class NotifySummary:
    raised: int = 0  # alerts the rules raise now, sent before or not
    held: int = 0  # of those, waiting for their mailbox to open
    sent: int = 0  # alerts delivered by this run (a message carries several)
    messages: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # channel -> one-line reason
    unconfigured: list[str] = field(default_factory=list)
    evaluated: bool = False  # False: no channel had a URL, the rules were not evaluated

    def line(self) -> str:
        if self.unconfigured and not self.evaluated:
            return (
                f"notifications: no channel has a URL ({', '.join(self.unconfigured)}); "
                "nothing sent"
            )
        text = (
            f"notifications: {self.sent} new alert{'s' if self.sent != 1 else ''} sent "
            f"in {self.messages} message{'s' if self.messages != 1 else ''}"
        )
        if self.held:
            text += f"; {self.held} held until their mailbox opens"
        return text


def _alert_channels(config: Config) -> set[str]:
    """The channels the alert rules send to."""
    alerts = config.notifications.alerts if config.notifications else []
    return {name for rule in alerts for name in rule.channels}


def _channel_urls(config: Config, names: set[str]) -> dict[str, str | None]:
    return {name: channels.channel_url(config.notifications, name) for name in sorted(names)}


def notify(duckdb_file: Path, config: Config) -> NotifySummary:
    """Evaluate the alert rules on the built file and send what no earlier run delivered.

    A failing channel is reported (one line, no URL) and its alerts wait for the next run;
    nothing here raises for a channel.
    """
    summary = NotifySummary()
    urls = _channel_urls(config, _alert_channels(config))
    summary.unconfigured = [name for name, url in urls.items() if not url]
    if not any(urls.values()):
        return summary
    mailboxes = {m.address: m for m in config.mailboxes}
    with ledger.opened(duckdb_file) as book:
        con = duckdb.connect(str(duckdb_file), read_only=True)
        try:
            as_of, alerts = rules.evaluate(con, config, book)
        finally:
            con.close()
        alerts = [a for a in alerts if a.mailbox in mailboxes]
        summary.evaluated = True
        summary.raised = len(alerts)
        closed = {m for m, settings in mailboxes.items() if not hours.is_open(settings, as_of)}
        held = [a for a in alerts if a.quiet_hours and a.mailbox in closed]
        summary.held = len(held)
        due = [a for a in alerts if not (a.quiet_hours and a.mailbox in closed)]
        for name, url in urls.items():
            if url:
                _send_channel(book, name, url, due, mailboxes, config, summary)
    for name in summary.unconfigured:
        log.info("notifications: channel %s has no URL; its alerts are not sent", name)
    return summary


def _send_channel(book, name, url, due, mailboxes, config, summary) -> None:
    """One message per mailbox with its new alerts; the first failure stops the channel."""
    done = book.delivered(name)
    todo: dict[str, dict[str, rules.Alert]] = {}
    for alert in due:
        if name in alert.channels and alert.key not in done:
            todo.setdefault(alert.mailbox, {})[alert.key] = alert  # one per key
    groups = [list(by_key.values()) for by_key in todo.values()]
    for i, group in enumerate(groups):
        title, body = messages.message(group, mailboxes[group[0].mailbox], config)
        error = channels.send(url, title, body)
        if error:
            book.record_failed(group, name, error)
            summary.failed[name] = error
            waiting = sum(len(g) for g in groups[i:])
            log.warning(
                "notifications: channel %s: %s; %d alert%s wait for the next run",
                name,
                error,
                waiting,
                "s" if waiting != 1 else "",
            )
            return
        book.record_delivered(group, name)
        summary.sent += len(group)
        summary.messages += 1


def reads_secrets(config: Config) -> bool:
    """Whether an alert's channel has no URL in its environment variable, so that
    `notify_after_build` will look it up in dlt's settings (and import dlt to do so)."""
    return any(
        not channels.url_from_environment(config.notifications, name)
        for name in _alert_channels(config)
    )


def notify_after_build(duckdb_file: Path, config: Config) -> NotifySummary | None:
    """The build's hook, after its swap: never fails the build."""
    if not (config.notifications and config.notifications.alerts):
        return None
    try:
        summary = notify(duckdb_file, config)
    except Exception as exc:  # a broken ledger or an unreadable mart must not fail the build
        log.warning("notifications: not evaluated: %s: %s", type(exc).__name__, exc)
        return None
    log.info(summary.line())
    return summary
