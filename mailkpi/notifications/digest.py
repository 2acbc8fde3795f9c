"""The digest: the last complete day or week of each mailbox as an HTML e-mail.

Built for Outlook, which ignores most CSS and every script: tables for layout, inline styles
only, charts as real PNG images (Vega-Lite rendered by vl-convert, no browser) attached
inline and referred to by `cid:`; written to a file, the same images are data URIs.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import logging
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import altair as alt
import duckdb
import pandas as pd
import vl_convert

from ..config import Config, ConfigError
from ..errors import MailkpiError
from . import channels
from . import digest_numbers as numbers
from .messages import duration, thread_label, thread_link

log = logging.getLogger("mailkpi")

TREND_PERIODS = {"day": 14, "week": 8}
# (metric, label, kind); kind: count | minutes | rate; `better`: which way is good
CARDS = (
    ("new_threads", "New threads", "count", None),
    ("inbound_messages", "Customer messages", "count", None),
    ("outbound_messages", "Replies sent", "count", None),
    ("resolved_threads", "Resolved threads", "count", "up"),
    ("reply_minutes_median", "Median reply time", "minutes", "down"),
    ("first_response_minutes_median", "Median first response", "minutes", "down"),
    ("sla_met_rate", "First-response SLA met", "rate", "up"),
    ("reopen_rate", "Reopened", "rate", "down"),
)
FONT = "font-family:Segoe UI,Arial,sans-serif"
GREEN, RED, GREY = "#1a7f37", "#c62828", "#666666"


class DigestFailed(MailkpiError):
    exit_code = 1


@dataclass(frozen=True)
class Digest:
    mailbox: str
    title: str
    html: str  # images referred to as cid:<name>
    images: tuple[channels.Image, ...]


def last_complete_period(as_of: dt.datetime, tz: str, period: str) -> tuple[dt.date, dt.date]:
    """(first, last) local day of the last period that ended before `as_of`, in `tz`."""
    today = as_of.astimezone(ZoneInfo(tz)).date()
    if period == "day":
        day = today - dt.timedelta(days=1)
        return day, day
    monday = today - dt.timedelta(days=today.weekday() + 7)
    return monday, monday + dt.timedelta(days=6)


def _step(period: str) -> dt.timedelta:
    return dt.timedelta(days=1 if period == "day" else 7)


def _value(value: float | None, kind: str) -> str:
    if value is None:
        return "–"
    if kind == "minutes":
        return duration(value)
    if kind == "rate":
        return f"{value:.0%}"
    return f"{value:,.0f}"


def _change(now: float | None, before: float | None, kind: str, better: str | None, word: str):
    if now is None or before is None:
        return f"no {word} to compare", GREY
    diff = now - before
    if kind == "rate":
        text = f"{diff * 100:+.0f} pts"
    elif before:
        text = f"{diff / before:+.0%}"
    else:
        text = f"{diff:+,.0f}"
    color = GREY if not better or diff == 0 else (GREEN if (diff > 0) == (better == "up") else RED)
    return f"{text} vs previous {word}", color


def _card(label: str, value: str, change: str, color: str) -> str:
    return (
        f'<td width="25%" style="padding:10px;border:1px solid #e0e0e0;{FONT}" valign="top">'
        f'<div style="font-size:12px;color:{GREY}">{label}</div>'
        f'<div style="font-size:22px;font-weight:bold;color:#222222">{value}</div>'
        f'<div style="font-size:11px;color:{color}">{change}</div></td>'
    )


def _trend_png(starts: list[dt.date], median: list, p90: list, period: str) -> bytes:
    frame = pd.DataFrame(
        {
            "period": [s.isoformat() for s in starts] * 2,
            "hours": [None if v is None else v / 60 for v in median + p90],
            "measure": ["median"] * len(starts) + ["90th percentile"] * len(starts),
        }
    )
    chart = (
        alt.Chart(frame, width=520, height=180)
        .mark_line(point=True)
        .encode(
            x=alt.X("period:O", title=f"{period} starting", axis=alt.Axis(labelAngle=-40)),
            y=alt.Y("hours:Q", title="reply time (hours)"),
            color=alt.Color(
                "measure:N",
                scale=alt.Scale(range=["#1f77b4", "#ff7f0e"]),
                legend=alt.Legend(orient="top", title=None),
            ),
        )
        .configure_view(stroke=None)
    )
    return vl_convert.vegalite_to_png(chart.to_dict(), scale=2)


def _table(head: list[str], rows: list[list[str]], widths: tuple[int, ...] = ()) -> str:
    """A plain table; the first column wraps, the short ones after it do not."""
    style = f"padding:4px 8px;border-bottom:1px solid #eeeeee;{FONT};font-size:12px"
    cells = (f'style="{style}"', f'style="white-space:nowrap;{style}"')
    heads = []
    for i, h in enumerate(head):
        width = f' width="{widths[i]}%"' if widths else ""
        heads.append(
            f'<th align="left"{width} style="padding:4px 8px;border-bottom:2px solid #cccccc;'
            f'{FONT};font-size:12px;color:{GREY}">{h}</th>'
        )
    out = ['<table width="100%" cellpadding="0" cellspacing="0" border="0">']
    out.append("<tr>" + "".join(heads) + "</tr>")
    for row in rows:
        out.append("<tr>" + "".join(f"<td {cells[i > 0]}>{c}</td>" for i, c in enumerate(row)))
        out.append("</tr>")
    return "\n".join(out) + "</table>"


def _thread_cell(thread: dict, mailbox: str, dashboard: str | None) -> str:
    label = html.escape(thread_label(thread["subject"], thread["conversation_id"]))
    if dashboard:
        link = html.escape(thread_link(dashboard, mailbox, thread["conversation_id"]))
        label = f'<a href="{link}">{label}</a>'
    customer = html.escape(thread["customer_address"] or "unknown customer")
    return f'{label}<br><span style="color:{GREY};font-size:11px">{customer}</span>'


def _heading(text: str) -> str:
    return (
        f'<tr><td style="padding:18px 0 6px 0;{FONT};font-size:16px;font-weight:bold;'
        f'color:#222222">{text}</td></tr>'
    )


def build_digest(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    mailbox: str,
    name: str,
    tz: str,
    period: str,
    as_of: dt.datetime,
) -> Digest:
    """One mailbox's digest of the last complete `period` before `as_of`."""
    first, last = last_complete_period(as_of, tz, period)
    word = "day" if period == "day" else "week"
    step = _step(period)
    trend_starts = [first - step * i for i in reversed(range(TREND_PERIODS[period]))]
    span = f"{first:%a %d %b %Y}" if period == "day" else f"{first:%d %b} – {last:%d %b %Y}"
    title = (
        f"mailkpi {'daily' if period == 'day' else 'weekly'} digest · {name} ({mailbox}) · {span}"
    )
    dashboard = config.notifications.dashboard_url if config.notifications else None

    cards = []
    for metric, label, kind, better in CARDS:
        now = numbers.metric(con, metric, mailbox, period, first)
        before = numbers.metric(con, metric, mailbox, period, first - step)
        change, color = _change(now, before, kind, better, word)
        cards.append(_card(label, _value(now, kind), change, color))
    card_rows = "".join(f"<tr>{''.join(cards[i : i + 4])}</tr>" for i in range(0, len(cards), 4))

    median = numbers.metric_series(con, "reply_minutes_median", mailbox, period, trend_starts)
    p90 = numbers.metric_series(con, "reply_minutes_p90", mailbox, period, trend_starts)
    image = channels.Image(
        f"reply-time-{mailbox.split('@')[0]}.png", _trend_png(trend_starts, median, p90, word)
    )

    met, breached = numbers.sla_counts(con, mailbox, period, first)
    backlog_end = numbers.open_threads_at_end(con, mailbox, last)
    backlog_before = numbers.open_threads_at_end(con, mailbox, first - dt.timedelta(days=1))
    local = ZoneInfo(tz)
    breaches = numbers.breached_threads(con, mailbox, first, last, tz)
    agent_names = {
        a.address: a.name for m in config.mailboxes if m.address == mailbox for a in m.agents
        if a.name
    }  # fmt: skip
    breach_rows = [
        [
            _thread_cell(t, mailbox, dashboard),
            t["first_inbound_at"].astimezone(local).strftime("%a %d %b %H:%M"),
            duration(t["first_response_business_minutes"])
            if t["first_response_business_minutes"] is not None
            else "not yet",
            duration(t["first_response_sla_minutes"])
            + (
                f'<br><span style="color:{GREY};font-size:11px">{t["sla_tier"]}</span>'
                if t["sla_tier"]
                else ""
            ),
            html.escape(agent_names.get(t["assignee"], t["assignee"] or "nobody")),
        ]
        for t in breaches
    ]
    agent_rows = [
        [
            html.escape(a["agent_name"] or a["responder"] or "Shared mailbox (Send As)"),
            f"{a['replies']:,}",
            f"{a['first_responses']:,}",
            f"{a['answered_turns']:,}",
            duration(a["avg_reply_minutes"]) if a["avg_reply_minutes"] is not None else "–",
        ]
        for a in numbers.agents(con, mailbox, first, last)
    ]
    parts = [
        '<table width="640" cellpadding="0" cellspacing="0" border="0" align="center" '
        'style="background:#ffffff"><tr><td style="padding:8px 24px 16px 24px">'
        '<table width="100%" cellpadding="0" cellspacing="0" border="0">',
        f'<tr><td style="padding:12px 0;{FONT};font-size:20px;font-weight:bold;color:#222222">'
        f"{html.escape(name)}: {'week of ' if period == 'week' else ''}{span}</td></tr>",
        f'<tr><td style="{FONT};font-size:12px;color:{GREY}">{html.escape(mailbox)} · '
        f"local time {html.escape(tz)} · data as of {as_of:%Y-%m-%d %H:%M} UTC</td></tr>",
        _heading("Key figures"),
        '<tr><td><table width="100%" cellpadding="0" cellspacing="0" border="0">'
        f"{card_rows}</table></td></tr>",
        _heading(f"Reply time, last {TREND_PERIODS[period]} {word}s"),
        f'<tr><td><img src="cid:{image.name}" width="560" alt="reply time trend" '
        'style="display:block;border:0"></td></tr>',
        _heading("First-response SLA and backlog"),
        f'<tr><td style="{FONT};font-size:13px;color:#222222">'
        f"{met:,} threads answered within target, {breached:,} breached"
        f" · open threads at the end of the {word}: {backlog_end:,}"
        f" (start: {backlog_before:,})</td></tr>",
        _heading(f"Threads that breached ({len(breach_rows)})"),
        "<tr><td>"
        + (
            _table(
                ["Thread and customer", "Wrote", "First reply", "Target", "Assignee"],
                breach_rows,
            )
            if breach_rows
            else f'<span style="{FONT};font-size:13px">None.</span>'
        )
        + "</td></tr>",
        _heading("Agents"),
        "<tr><td>"
        + (
            _table(
                ["Agent", "Replies", "First responses", "Turns answered", "Mean reply"], agent_rows
            )
            if agent_rows
            else f'<span style="{FONT};font-size:13px">No replies.</span>'
        )
        + "</td></tr>",
    ]
    if dashboard:
        parts.append(
            f'<tr><td style="padding:18px 0;{FONT};font-size:12px">'
            f'<a href="{html.escape(dashboard)}">Open the dashboard</a></td></tr>'
        )
    parts.append("</table></td></tr></table>")
    return Digest(mailbox, title, "\n".join(parts), (image,))


def standalone_html(digest: Digest) -> str:
    """The digest as a file a browser opens: images inline as data URIs."""
    body = digest.html
    for image in digest.images:
        data = base64.b64encode(image.png).decode()
        body = body.replace(f"cid:{image.name}", f"data:image/png;base64,{data}")
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>{html.escape(digest.title)}</title></head>"
        f'<body style="margin:0;padding:16px;background:#f4f4f4">{body}</body></html>'
    )


def build_all(
    duckdb_file: Path, config: Config, period: str, mailbox: str | None = None
) -> list[Digest]:
    con = duckdb.connect(str(duckdb_file), read_only=True)
    try:
        as_of = numbers.as_of(con)
        found = [m for m in numbers.mailboxes(con) if mailbox in (None, m[0])]
        if not found:
            raise DigestFailed(f"--mailbox {mailbox}: not a mailbox of the built file")
        return [build_digest(con, config, a, n, tz, period, as_of) for a, n, tz in found]
    finally:
        con.close()


def run(
    duckdb_file: Path, config: Config, period: str, mailbox: str | None = None, out=None
) -> int:
    """`mailkpi digest`: write one file, or send each mailbox's digest to the digest channels."""
    if not duckdb_file.exists():
        raise DigestFailed(f"{duckdb_file}: no built file yet (run mailkpi build first)")
    if out is None:
        schedules = [
            d for d in (config.notifications.digests if config.notifications else [])
            if d.period == period
        ]  # fmt: skip
        if not schedules:
            raise ConfigError(
                f"{config.path.name}: notifications.digests: no digest with period {period} "
                "(add one, or use --out FILE.html)"
            )
    digests = build_all(duckdb_file, config, period, mailbox)
    if out is not None:
        out = Path(out)
        if len(digests) == 1:
            out.write_text(standalone_html(digests[0]), encoding="utf-8")
        else:  # one file per mailbox beside the name given
            for d in digests:
                target = out.with_name(f"{out.stem}-{d.mailbox.split('@')[0]}{out.suffix}")
                target.write_text(standalone_html(d), encoding="utf-8")
        print(f"mailkpi: {period} digest of {len(digests)} mailbox(es) written -> {out}")
        return 0
    return _send(digests, config, schedules)


def _send(digests: list[Digest], config: Config, schedules) -> int:
    sent, failures = 0, []
    for schedule in schedules:
        for name in schedule.channels:
            url = channels.channel_url(config.notifications, name)
            if not url:
                failures.append(f"channel {name} has no URL")
                continue
            for d in digests:
                if schedule.mailboxes is not None and d.mailbox not in schedule.mailboxes:
                    continue
                error = channels.send(url, d.title, d.html, html=True, images=d.images)
                if error:
                    failures.append(f"channel {name}: {error}")
                    break
                sent += 1
    for failure in failures:
        print(f"mailkpi: digest: {failure}")
    print(f"mailkpi: {sent} digest(s) sent")
    if failures:
        raise DigestFailed(f"digest: {len(failures)} channel(s) not delivered")
    return 0
