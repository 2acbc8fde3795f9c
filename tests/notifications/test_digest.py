"""The digest on hand-made marts: every figure worked out, the period chosen by as_of, and the
e-mail (HTML with its chart as an inline PNG part) through a real SMTP server."""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import pytest

from mailkpi.notifications import digest

from . import marts_fixture
from .conftest import CHANNEL_ENV
from .servers import smtp_server, smtp_url

CARD = re.compile(
    r'<div style="font-size:12px;color:#666666">([^<]+)</div>'
    r'<div style="font-size:22px;[^"]*">([^<]+)</div>'
    r'<div style="font-size:11px;color:(#\w+)">([^<]+)</div>'
)


def _digest(marts, config) -> digest.Digest:
    (only,) = digest.build_all(marts, config, "week")
    return only


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.parametrize(
    ("as_of", "period", "tz", "expected"),
    [
        # Tuesday: the week before, Monday to Sunday
        ("2026-03-10 10:00", "week", "Europe/London", ("2026-03-02", "2026-03-08")),
        # Monday 01:00 London is Sunday 20:00 in New York: its last complete week is older
        ("2026-11-16 01:00", "week", "Europe/London", ("2026-11-09", "2026-11-15")),
        ("2026-11-16 01:00", "week", "America/New_York", ("2026-11-02", "2026-11-08")),
        ("2026-11-16 01:00", "day", "Europe/London", ("2026-11-15", "2026-11-15")),
        ("2026-11-16 01:00", "day", "America/New_York", ("2026-11-14", "2026-11-14")),
    ],
)
def test_the_last_complete_period_is_local_to_the_mailbox(as_of, period, tz, expected):
    first, last = digest.last_complete_period(marts_fixture.ts(as_of), tz, period)
    assert (first.isoformat(), last.isoformat()) == expected


def test_the_cards_show_the_week_and_its_change(marts, config):
    cards = {label: (value, color, change) for label, value, color, change in
             CARD.findall(_digest(marts, config).html)}  # fmt: skip
    # week of 2 Mar against the week of 23 Feb (marts_fixture.WEEKLY)
    assert cards == {
        "New threads": ("10", "#666666", "+25% vs previous week"),  # 10 / 8 - 1
        "Customer messages": ("25", "#666666", "+25% vs previous week"),  # 25 / 20 - 1
        "Replies sent": ("24", "#666666", "+33% vs previous week"),  # 24 / 18 - 1
        "Resolved threads": ("9", "#1a7f37", "+50% vs previous week"),  # 9 / 6 - 1, good
        "Median reply time": ("1 h 30 min", "#1a7f37", "-25% vs previous week"),  # 90 vs 120
        "Median first response": ("1 h 20 min", "#1a7f37", "-20% vs previous week"),  # 80/100
        "First-response SLA met": ("80%", "#1a7f37", "+5 pts vs previous week"),  # .80 - .75
        "Reopened": ("10%", "#c62828", "+10 pts vs previous week"),  # 0.1 - 0, bad
    }


def test_sla_backlog_breaches_and_agents(marts, config):
    text = _text(_digest(marts, config).html)
    # agg_mailbox_weekly: 8 met, 2 breached; backlog 5 at the end of Sun 1 Mar, 7 of Sun 8 Mar
    assert "8 threads answered within target, 2 breached" in text
    assert "open threads at the end of the week: 7 (start: 5)" in text
    # the week's two breaches, unanswered first: T6 (opened Fri 6 Mar), then T5 opened Wed
    # 4 Mar, answered in 360 business minutes against 240
    assert "Threads that breached (2)" in text
    assert "Lost parcel eve@example.org Fri 06 Mar 09:00 not yet 4 h 00 min nobody" in (text)
    assert "Old order dee@example.org Wed 04 Mar 09:00 6 h 00 min 4 h 00 min Alice Smith" in (text)
    # Alice: replies 3 + 1, first responses 2 + 0, turns 3 + 1, mean (3 * 20 + 60) / 4 = 30
    # min; Bob's replies are in the next week
    assert "Alice Smith 4 2 4 30 min" in text
    assert "Bob" not in text.split("Agents")[1]


def test_the_trend_chart_is_a_png_with_the_cid_the_html_names(marts, config):
    d = _digest(marts, config)
    (image,) = d.images
    assert image.png.startswith(b"\x89PNG\r\n\x1a\n")
    width = int.from_bytes(image.png[16:20], "big")  # IHDR; rendered at scale 2
    assert width > 800
    assert f'src="cid:{image.name}"' in d.html
    assert "<script" not in d.html and "<style" not in d.html  # Outlook ignores both


def test_drop_subjects_shows_a_pseudonym(marts, config):
    with duckdb.connect(str(marts)) as con:
        con.execute("update marts.fct_threads set subject = null")
    text = _text(_digest(marts, config).html)
    assert "Old order" not in text
    assert re.search(r"thread [0-9a-f]{8} \(subject withheld\)", text)


def test_digest_is_mailed_with_its_chart_inline(marts, tmp_path, config, monkeypatch, capsys):
    with smtp_server() as (box, port):
        monkeypatch.setenv(CHANNEL_ENV, smtp_url(port))
        assert digest.run(marts, config, "week") == 0
    (mail,) = box.messages
    assert mail["Subject"] == (
        "mailkpi weekly digest · Support (support@contoso.com) · 02 Mar – 08 Mar 2026"
    )
    html = mail.get_body(("html",)).get_content()
    (cid,) = re.findall(r'src="cid:([^"]+)"', html)
    images = [p for p in mail.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 1
    assert images[0]["Content-ID"].strip("<>") == cid
    assert images[0].get_content().startswith(b"\x89PNG")
    assert "1 digest(s) sent" in capsys.readouterr().out


def test_digest_without_a_schedule_for_the_period_says_so(marts, config):
    with pytest.raises(Exception, match="no digest with period day"):
        digest.run(marts, config, "day")


def test_digest_to_a_file(marts, config, tmp_path):
    out = tmp_path / "digest.html"
    assert digest.run(marts, config, "week", out=out) == 0
    page = out.read_text()
    assert "cid:" not in page and page.count("data:image/png;base64,") == 1
    assert dt.date(2026, 3, 2).strftime("%d %b") in page


def test_the_daily_digest_is_the_day_before(marts, config):
    (d,) = digest.build_all(marts, config, "day")
    text = _text(d.html)
    # as_of Tue 10 Mar: Monday 9 Mar; T3 (Refund) opened that day and breached, unanswered;
    # Bob's 5 replies that day at a mean of 10 min; no daily aggregate rows: no cards values
    assert "Support: Mon 09 Mar 2026" in text
    assert "Threads that breached (1)" in text and "Refund" in text
    assert "Bob Jones 5 1 5 10 min" in text
    assert "Alice" not in text.split("Agents")[1]
    assert d.title == "mailkpi daily digest · Support (support@contoso.com) · Mon 09 Mar 2026"
