"""What an alert says: the mailbox, the thread (subject or pseudonym), the customer, waiting
since, time left or over, the assignee and a link that opens the thread in the dashboard."""

from __future__ import annotations

import hashlib
import urllib.parse
from zoneinfo import ZoneInfo

from ..config import Config, MailboxSettings
from .rules import Alert

HEADLINES = {
    "first_response_at_risk": "First response due soon",
    "first_response_breached": "First response overdue",
    "turn_unanswered": "Customer waiting for a reply",
    "unassigned_threads": "Unassigned threads piling up",
}


def duration(minutes: float) -> str:
    """`2 h 05 min`, `45 min`, `1,023 h 40 min`, rounded to the minute; never days, which
    would read as calendar days where the minutes are business minutes."""
    hours, mins = divmod(round(abs(minutes)), 60)
    return f"{hours:,} h {mins:02d} min" if hours else f"{mins} min"


def thread_label(subject: str | None, conversation_id: str) -> str:
    """The subject; where privacy.drop_subjects removed it, a short stable pseudonym."""
    if subject:
        return subject
    return f"thread {hashlib.sha256(conversation_id.encode()).hexdigest()[:8]} (subject withheld)"


def thread_link(dashboard_url: str, mailbox: str, conversation_id: str) -> str:
    query = urllib.parse.urlencode({"mailbox": mailbox, "conversation": conversation_id})
    return f"{dashboard_url}/threads?{query}"


def _when(instant, mailbox: MailboxSettings) -> str:
    return instant.astimezone(ZoneInfo(mailbox.timezone)).strftime("%a %d %b %Y %H:%M %Z")


def _assignee(address: str | None, mailbox: MailboxSettings) -> str:
    if not address:
        return "nobody"
    name = next((a.name for a in mailbox.agents if a.address == address and a.name), None)
    return f"{name} ({address})" if name else address


def _time_line(alert: Alert) -> str:
    clock = "business time" if alert.clock == "business" else "calendar time"
    if alert.rule == "turn_unanswered":
        return (
            f"{duration(-alert.minutes_left)} over the {duration(alert.limit_minutes)} "
            f"limit ({clock})"
        )
    target = f"{duration(alert.limit_minutes)} target" + (f", {alert.tier}" if alert.tier else "")
    if alert.minutes_left >= 0:
        return f"{duration(alert.minutes_left)} left of the {target} ({clock})"
    return f"{duration(-alert.minutes_left)} over the {target} ({clock})"


def alert_block(alert: Alert, mailbox: MailboxSettings, dashboard_url: str) -> str:
    """One alert in Markdown (Apprise turns it into HTML for e-mail, Teams and Slack)."""
    if alert.rule == "unassigned_threads":
        lines = [f"**{HEADLINES[alert.rule]}**: {alert.count} threads nobody has taken"]
        if alert.waiting_since:
            lines.append(f"- Oldest waiting since: {_when(alert.waiting_since, mailbox)}")
        lines.append(f"- Open: {dashboard_url}/threads")
        return "\n".join(lines)
    return "\n".join(
        [
            f"**{HEADLINES[alert.rule]}**: {thread_label(alert.subject, alert.conversation_id)}",
            f"- Customer: {alert.customer or 'unknown'}",
            f"- Waiting since: {_when(alert.waiting_since, mailbox)}",
            f"- {_time_line(alert)}",
            f"- Assignee: {_assignee(alert.assignee, mailbox)}",
            f"- Open: {thread_link(dashboard_url, alert.mailbox, alert.conversation_id)}",
        ]
    )


def message(alerts: list[Alert], mailbox: MailboxSettings, config: Config) -> tuple[str, str]:
    """(title, Markdown body) of one mailbox's new alerts for one channel."""
    counts: dict[str, int] = {}
    for alert in alerts:
        counts[alert.rule] = counts.get(alert.rule, 0) + 1
    summary = ", ".join(f"{n} × {HEADLINES[rule].lower()}" for rule, n in counts.items())
    title = f"mailkpi · {mailbox.name} ({mailbox.address}): {summary}"
    url = config.notifications.dashboard_url
    body = "\n\n".join(alert_block(a, mailbox, url) for a in alerts)
    return title, body
